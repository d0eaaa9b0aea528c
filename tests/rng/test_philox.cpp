// rng: Random123's Philox4x32-10 against its published known-answer vectors
// (Random123 distribution, examples/kat_vectors), and the properties the engine
// relies on: draws are pure functions of (seed, stream, id, step).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "rng/philox.hpp"

using namespace pfsim::rng;

TEST_CASE("Philox4x32-10 known-answer vectors") {
  struct Kat {
    Philox::ctr_type ctr;
    Philox::key_type key;
    std::array<std::uint32_t, 4> expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, {{0, 0}}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       {{0xffffffff, 0xffffffff}},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       {{0xa4093822, 0x299f31d0}},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const Philox::ctr_type out = Philox{}(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) CHECK(out[i] == k.expected[i]);
  }
}

TEST_CASE("philox_block maps (seed, stream, id, step, block) onto key and counter") {
  // seed 0, stream 0, id 0, step 0, block 0 is the all-zero KAT.
  const auto zero = philox_block(0, static_cast<Stream>(0), 0, 0, 0);
  CHECK(zero[0] == 0x6627e8d5);
  CHECK(zero[3] == 0x9b00dbd8);
}

TEST_CASE("draws are pure functions of their coordinates") {
  Draws a(42, Stream::consumption, 7, 100);
  Draws b(42, Stream::consumption, 7, 100);
  for (int i = 0; i < 512; ++i) CHECK(a.uniform() == b.uniform());
  // Any coordinate changed → different draws.
  const double base = Draws(42, Stream::consumption, 7, 100).uniform();
  CHECK(Draws(43, Stream::consumption, 7, 100).uniform() != base);
  CHECK(Draws(42, Stream::merchant_choice, 7, 100).uniform() != base);
  CHECK(Draws(42, Stream::consumption, 8, 100).uniform() != base);
  CHECK(Draws(42, Stream::consumption, 7, 101).uniform() != base);
  CHECK(
      Draws(42, Stream::consumption, std::uint64_t{7} | (std::uint64_t{1} << 32), 100).uniform() !=
      base);
}

TEST_CASE("uniforms lie in (0,1) with the right mean; normals have mean 0, variance 1") {
  double sum = 0, sum_n = 0, sum_n2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    Draws d(1, Stream::consumption, static_cast<std::uint64_t>(i), 0);
    const double u = d.uniform();
    CHECK((u > 0.0 && u < 1.0));
    sum += u;
    const double z = d.normal();
    sum_n += z;
    sum_n2 += z * z;
  }
  CHECK(sum / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sum_n / n == doctest::Approx(0.0).epsilon(0.01));
  CHECK(sum_n2 / n == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("below(n) stays in range and covers it") {
  std::array<int, 10> hits{};
  for (int i = 0; i < 10000; ++i) {
    Draws d(3, Stream::merchant_choice, static_cast<std::uint64_t>(i), 5);
    const std::uint32_t k = d.below(10);
    REQUIRE(k < 10);
    ++hits[k];
  }
  for (const int h : hits) CHECK(h > 800);
}

TEST_CASE("more than 512 draws for one coordinate is a bug, reported") {
  Draws d(1, Stream::consumption, 1, 1);
  for (int i = 0; i < 512; ++i) (void)d.uniform();
  CHECK_THROWS_AS((void)d.uniform(), pfsim::InternalError);
}

TEST_CASE("philox_blocks gives philox_block's words, id by id and block by block") {
  // Ids across a 32-bit boundary, a 64-bit seed and a negative step.
  const std::size_t n = philox_batch;
  for (const std::uint64_t first_id : {std::uint64_t{1}, std::uint64_t{0xffffffe0}}) {
    const std::uint64_t seed = 0x123456789abcdefULL;
    const std::uint32_t blocks = 3;
    std::vector<std::uint32_t> out(n * blocks * 4);
    philox_blocks(seed, Stream::consumption, first_id, -3, blocks, out.data());
    for (std::size_t k = 0; k < n; ++k)
      for (std::uint32_t b = 0; b < blocks; ++b) {
        const auto want = philox_block(seed, Stream::consumption, first_id + k, -3, b);
        for (std::size_t w = 0; w < 4; ++w) CHECK(out[(b * 4 + w) * n + k] == want[w]);
      }
    // ReadyDraws give the draws of plain Draws, uniforms and integers, also
    // past the blocks computed.
    for (const std::size_t k : {std::size_t{0}, std::size_t{13}, n - 1}) {
      Draws plain(seed, Stream::consumption, first_id + k, -3);
      ReadyDraws ready(seed, Stream::consumption, first_id + k, -3, out.data() + k, blocks);
      for (int d = 0; d < 10; ++d) {
        CHECK(plain.uniform() == ready.uniform());
        CHECK(plain.below(1000) == ready.below(1000));
      }
    }
  }
}

TEST_CASE("BatchedDraws gives each agent of a run its plain Draws, across batches") {
  // 150 consecutive ids (three batches, the last one partial) from an id past
  // a 32-bit boundary; each agent draws past the blocks computed ahead.
  const std::uint64_t seed = 77, first_id = 0xffffffc0;
  BatchedDraws<2> batched(seed, Stream::employment, 41);
  for (std::size_t k = 0; k < 150; ++k) {
    CAPTURE(k);
    ReadyDraws ready = batched.draws(k, first_id + k);
    Draws plain(seed, Stream::employment, first_id + k, 41);
    for (int d = 0; d < 6; ++d) {
      CHECK(plain.uniform() == ready.uniform());
      CHECK(plain.below(97) == ready.below(97));
    }
  }
}
