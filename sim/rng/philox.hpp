// Counter-based draws (Random123 Philox4x32-10; Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11).
//
// Key     = the 64-bit seed.
// Counter = (step, id low 32 bits, id high 32 bits, stream << 8 | block).
// One block yields four 32-bit words = two doubles; a Draws object hands them
// out in order and moves to the next block when needed (256 blocks = 512
// uniforms per (seed, stream, id, step) — far more than any rule needs).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "rng/streams.hpp"

namespace pfsim::rng {

using Philox = r123::Philox4x32;  // 10 rounds

// The raw block: exposed for the known-answer tests and for rules that want bits.
[[nodiscard]] inline std::array<std::uint32_t, 4> philox_block(std::uint64_t seed, Stream stream,
                                                               std::uint64_t id, std::int64_t step,
                                                               std::uint32_t block) {
  const Philox::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const Philox::ctr_type ctr = {{static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(id),
                                 static_cast<std::uint32_t>(id >> 32),
                                 (static_cast<std::uint32_t>(stream) << 8) | (block & 0xffu)}};
  const Philox::ctr_type out = Philox{}(ctr, key);
  return {out[0], out[1], out[2], out[3]};
}

// Blocks 0 … blocks − 1 of philox_batch consecutive agent ids first_id,
// first_id + 1, …, one array of philox_batch words per block and word:
// out[(b · 4 + w) · philox_batch + k] is word w of philox_block(seed, stream,
// first_id + k, step, b). Computed 8 ids at a time with AVX2 where the CPU has
// it (philox.cpp; the same words either way), for a rule that draws for every
// agent of a chunk (consumption). `out` holds blocks · 4 · philox_batch words.
inline constexpr std::size_t philox_batch = 64;
void philox_blocks(std::uint64_t seed, Stream stream, std::uint64_t first_id, std::int64_t step,
                   std::uint32_t blocks, std::uint32_t* out);

// Two 32-bit words → a double uniform on (0, 1): 53 random bits, offset by half
// an ulp so that neither 0 nor 1 can occur (log(u) and logit(u) stay finite).
[[nodiscard]] inline double to_open_unit(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;  // 53 bits
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
}

// The draws of one (seed, stream, agent id, step). Cheap to construct; use one per
// agent per rule. Never shared across agents or threads.
class Draws {
 public:
  Draws(std::uint64_t seed, Stream stream, std::uint64_t id, std::int64_t step)
      : seed_(seed), stream_(stream), id_(id), step_(step) {}
  // The same draws from block `first_block` on (ReadyDraws, below, has the
  // blocks before it).
  Draws(std::uint64_t seed, Stream stream, std::uint64_t id, std::int64_t step,
        std::uint32_t first_block)
      : seed_(seed), stream_(stream), id_(id), step_(step), block_(first_block) {}

  // Uniform on (0, 1).
  double uniform() {
    if (next_ == 4) refill();
    const double u = to_open_unit(words_[next_], words_[next_ + 1]);
    next_ += 2;
    return u;
  }
  // Standard normal by the Box-Muller transform (uses two uniforms; exact
  // function of the counters, no cached second value so the sequence is simple).
  double normal() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  bool bernoulli(double p) { return uniform() < p; }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift on 32 bits; the
  // bias is < n / 2^32, negligible for the sizes used here).
  std::uint32_t below(std::uint32_t n) {
    if (next_ == 4) refill();
    const std::uint32_t w = words_[next_];
    next_ += 2;  // keep draws aligned to pairs
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(w) * n) >> 32);
  }

 private:
  void refill() {
    if (block_ > 255) throw InternalError("rng: more than 512 draws for one (stream, id, step)");
    words_ = philox_block(seed_, stream_, id_, step_, block_++);
    next_ = 0;
  }

  std::uint64_t seed_;
  Stream stream_;
  std::uint64_t id_;
  std::int64_t step_;
  std::uint32_t block_ = 0;
  std::array<std::uint32_t, 4> words_{};
  int next_ = 4;
};

// The draws of one (seed, stream, agent id, step) whose first `ready` blocks
// were computed by philox_blocks: `lane` is &out[k] for the id's lane k, read
// where the words lie (word j of the draws is lane[j · philox_batch]); later
// blocks are computed as Draws does. The same sequence as Draws(seed, stream,
// id, step), for a rule that draws for every agent of a chunk.
class ReadyDraws {
 public:
  ReadyDraws(std::uint64_t seed, Stream stream, std::uint64_t id, std::int64_t step,
             const std::uint32_t* lane, std::uint32_t ready)
      : lane_(lane), ready_words_(std::size_t{4} * ready), rest_(seed, stream, id, step, ready) {}

  double uniform() {
    if (word_ >= ready_words_) return rest_.uniform();
    const double u = to_open_unit(lane_[word_ * philox_batch], lane_[(word_ + 1) * philox_batch]);
    word_ += 2;
    return u;
  }
  bool bernoulli(double p) { return uniform() < p; }
  std::uint32_t below(std::uint32_t n) {
    if (word_ >= ready_words_) return rest_.below(n);
    const std::uint32_t w = lane_[word_ * philox_batch];
    word_ += 2;  // as Draws::below: draws stay aligned to pairs
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(w) * n) >> 32);
  }

 private:
  const std::uint32_t* lane_;
  std::size_t word_ = 0;
  std::size_t ready_words_;
  Draws rest_;
};

// The draws of a run of agents with consecutive ids (a chunk of consumers,
// ConsecutiveIds), their first `Ready` blocks computed philox_batch agents at
// a time with philox_blocks. Ask for every agent of the run in order: draws(k,
// id) for the k-th agent (k = 0, 1, …), whose id is the first agent's + k. The
// same sequence as Draws(seed, stream, id, step) for each.
template <std::uint32_t Ready>
class BatchedDraws {
 public:
  BatchedDraws(std::uint64_t seed, Stream stream, std::int64_t step)
      : seed_(seed), stream_(stream), step_(step) {}

  ReadyDraws draws(std::size_t k, std::uint64_t id) {
    if (k % philox_batch == 0) philox_blocks(seed_, stream_, id, step_, Ready, words_.data());
    return ReadyDraws(seed_, stream_, id, step_, words_.data() + k % philox_batch, Ready);
  }
  // The same draws of the k-th agent without computing anything: for a look
  // ahead within the batch draws() last computed (a prefetch of what the agent
  // will read). k must be in that batch.
  [[nodiscard]] ReadyDraws peek(std::size_t k, std::uint64_t id) const {
    return ReadyDraws(seed_, stream_, id, step_, words_.data() + k % philox_batch, Ready);
  }

 private:
  std::uint64_t seed_;
  Stream stream_;
  std::int64_t step_;
  std::array<std::uint32_t, philox_batch * Ready * 4> words_{};
};

}  // namespace pfsim::rng
