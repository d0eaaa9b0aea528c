// exec: the parallel verbs cover every index exactly once, in chunks that do
// not depend on the thread count, and their sums are identical for any number
// of threads (exactly for exact_sum, bit for bit for ordered_sum).
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "exec/parallel.hpp"

using namespace pfsim;

namespace {

// (chunk, begin, end) of every chunk for_each_chunk hands out, by chunk.
std::vector<std::array<std::size_t, 3>> chunks_seen(std::size_t n) {
  std::vector<std::array<std::size_t, 3>> seen(exec::chunk_count(n));
  exec::for_each_chunk(n, [&](std::size_t c, std::size_t begin, std::size_t end) {
    seen[c] = {c, begin, end};
  });
  return seen;
}

// Values whose double sum depends on the order of addition.
double awkward(std::size_t i) {
  return (i % 3 == 0 ? 1e16 : 1.0) * (i % 2 == 0 ? 1.0 : -1.0) + 0.1 * static_cast<double>(i);
}

}  // namespace

TEST_CASE("chunk_count rounds up to whole chunks of chunk_size") {
  CHECK(exec::chunk_count(0) == 0);
  CHECK(exec::chunk_count(1) == 1);
  CHECK(exec::chunk_count(exec::chunk_size) == 1);
  CHECK(exec::chunk_count(exec::chunk_size + 1) == 2);
  CHECK(exec::chunk_count(10 * exec::chunk_size) == 10);
}

TEST_CASE("for_each_chunk and for_each_index visit every index exactly once") {
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, exec::chunk_size - 1,
                              exec::chunk_size, 3 * exec::chunk_size + 17}) {
    std::vector<std::atomic<int>> hits(n);
    exec::for_each_index(n, [&](std::size_t i) { hits[i].fetch_add(1); });
    for (std::size_t i = 0; i < n; ++i) CHECK(hits[i].load() == 1);

    const auto seen = chunks_seen(n);
    std::size_t next = 0;
    for (std::size_t c = 0; c < seen.size(); ++c) {
      CHECK(seen[c][0] == c);
      CHECK(seen[c][1] == next);  // chunks tile [0, n) in order, no gap or overlap
      CHECK(seen[c][2] > seen[c][1]);
      CHECK(seen[c][2] - seen[c][1] <= exec::chunk_size);
      next = seen[c][2];
    }
    CHECK(next == n);
  }
}

TEST_CASE("the chunks and the sums are the same for 1, 2 and 4 threads") {
  const std::size_t n = 7 * exec::chunk_size + 123;
  std::vector<std::vector<std::array<std::size_t, 3>>> chunks;
  std::vector<double> ordered;
  std::vector<Int128> exact;
  for (const int threads : {1, 2, 4}) {
    exec::Arena arena(threads);
    CHECK(arena.threads() == threads);
    arena.run([&] {
      chunks.push_back(chunks_seen(n));
      ordered.push_back(exec::ordered_sum(n, awkward));
      // Terms near the int64 limit: the total needs 128 bits.
      exact.push_back(exec::exact_sum(n, [](std::size_t i) {
        return static_cast<std::int64_t>(INT64_MAX - static_cast<std::int64_t>(i));
      }));
    });
  }
  CHECK(chunks[0] == chunks[1]);
  CHECK(chunks[0] == chunks[2]);
  CHECK(std::memcmp(&ordered[0], &ordered[1], sizeof(double)) == 0);
  CHECK(std::memcmp(&ordered[0], &ordered[2], sizeof(double)) == 0);
  CHECK(exact[0] == exact[1]);
  CHECK(exact[0] == exact[2]);
  const auto nn = static_cast<Int128>(n);
  CHECK(exact[0] == nn * INT64_MAX - nn * (nn - 1) / 2);
}

TEST_CASE("exact_sum is the exact integer for any size, sign and magnitude of terms") {
  // More than 512 chunks (several chunks per part), terms at both int64
  // limits, negative terms whose low halves are large: the split into 32-bit
  // halves must give the 128-bit sum, at 1 and 2 threads; and narrower and
  // 128-bit terms (the other path).
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  const std::size_t n = 600 * exec::chunk_size + 77;
  std::vector<std::int64_t> terms(n);
  for (std::size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto r = static_cast<std::int64_t>(state);
    terms[i] = i % 5 == 0 ? INT64_MIN : i % 5 == 1 ? INT64_MAX : i % 5 == 2 ? -1 : r;
  }
  Int128 expected = 0;
  for (const std::int64_t v : terms) expected += v;
  for (const int threads : {1, 2}) {
    CAPTURE(threads);
    exec::Arena arena(threads);
    arena.run([&] {
      CHECK(exec::exact_sum(n, [&](std::size_t i) { return terms[i]; }) == expected);
      CHECK(exec::exact_sum(n, [&](std::size_t i) { return static_cast<Int128>(terms[i]); }) ==
            expected);
      CHECK(exec::exact_sum(n, [&](std::size_t i) { return static_cast<int>(i % 7) - 3; }) ==
            exec::exact_sum(n, [&](std::size_t i) { return static_cast<Int128>(i % 7) - 3; }));
      CHECK(exec::exact_sum(0, [&](std::size_t i) { return terms[i]; }) == 0);
      CHECK(exec::exact_sum(1, [&](std::size_t i) { return terms[i]; }) == INT64_MIN);
    });
  }
}

TEST_CASE("ordered_sum adds chunk partials in chunk order") {
  const std::size_t n = 3 * exec::chunk_size;
  double expected = 0.0;
  for (std::size_t c = 0; c < exec::chunk_count(n); ++c) {
    double s = 0.0;
    for (std::size_t i = c * exec::chunk_size; i < (c + 1) * exec::chunk_size; ++i) s += awkward(i);
    expected += s;
  }
  const double got = exec::ordered_sum(n, awkward);
  CHECK(std::memcmp(&got, &expected, sizeof(double)) == 0);
}

TEST_CASE("ThreadLimit caps the threads and means all cores for 0") {
  {
    const exec::ThreadLimit limit(1);
    CHECK(limit.threads() == 1);
    CHECK(exec::max_threads() == 1);
  }
  const exec::ThreadLimit all(0);
  CHECK(all.threads() >= 1);
}
