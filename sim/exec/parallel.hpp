// Parallel verbs over fixed chunks of agents (see README.md for why fixed).
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/money.hpp"

namespace pfsim::exec {

// Agents per chunk. A constant of the algorithm (not of the machine): changing
// it would change nothing in the results either, because merges are integer
// sums or ordered by agent index, but keeping it fixed keeps that argument simple.
inline constexpr std::size_t chunk_size = 4096;

[[nodiscard]] constexpr std::size_t chunk_count(std::size_t n) {
  return (n + chunk_size - 1) / chunk_size;
}

// Limits the threads TBB may use for as long as it lives (RAII over
// tbb::global_control). threads <= 0 means "all cores".
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads);
  [[nodiscard]] int threads() const { return threads_; }

 private:
  int threads_;
  std::unique_ptr<oneapi::tbb::global_control> control_;
};

// A private pool of `threads` workers (RAII over tbb::task_arena); parallel
// verbs called inside run() use at most that many threads. Lets two simulations
// in one process (e.g. from Python) use different thread counts.
class Arena {
 public:
  explicit Arena(int threads);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  [[nodiscard]] int threads() const { return threads_; }
  template <class Fn>
  void run(Fn&& fn) {
    arena_->execute(std::forward<Fn>(fn));
  }

 private:
  int threads_;
  std::unique_ptr<oneapi::tbb::task_arena> arena_;
};

// Calls fn(chunk, begin, end) for every chunk of [0, n), in parallel. fn may
// write only rows [begin, end) of agent columns and the chunk's own buffers.
template <class Fn>
void for_each_chunk(std::size_t n, Fn&& fn) {
  const std::size_t chunks = chunk_count(n);
  if (chunks == 0) return;
  // One chunk per task: chunks are already coarse, so a static partition wastes
  // nothing and avoids the scheduler overhead measured on small grains.
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, chunks, 1),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) {
          const std::size_t begin = c * chunk_size;
          const std::size_t end = begin + chunk_size < n ? begin + chunk_size : n;
          fn(c, begin, end);
        }
      },
      oneapi::tbb::static_partitioner{});
}

// Calls fn(part) for every part in [0, parts), each a task of its own (for a
// few large, independent pieces of work, e.g. the halves of a merge).
template <class Fn>
void for_each_part(std::size_t parts, Fn&& fn) {
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, parts, 1),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
        for (std::size_t p = r.begin(); p != r.end(); ++p) fn(p);
      },
      oneapi::tbb::static_partitioner{});
}

// Calls fn(i) for every i in [0, n) in parallel (for small hub loops and
// independent per-item work with no cross-item writes).
template <class Fn>
void for_each_index(std::size_t n, Fn&& fn) {
  for_each_chunk(n, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) fn(i);
  });
}

// Integer sum of fn(i) over [0, n): exact, so the same for any split and
// order (integer addition is associative; 128 bits hold 2^64 int64 terms).
// Summed in at most 512 parts of whole chunks (so fn may write buffers kept
// per chunk, as the audit's does), partials on the stack: no allocation at any
// n (a step sums every agent's net worth: 2,442 chunks at 10^7 consumers).
// A signed term of up to 64 bits is added as its low 32 bits (unsigned) and
// its high 32 bits (signed) in two 64-bit sums, which cannot overflow in a
// part of fewer than 2^31 terms and which vectorise, where a 128-bit running
// sum does not: the same integer.
template <class Fn>
[[nodiscard]] Int128 exact_sum(std::size_t n, Fn&& fn) {
  using Term = std::remove_cvref_t<std::invoke_result_t<Fn&, std::size_t>>;
  constexpr std::size_t max_parts = 512;
  const std::size_t chunks = chunk_count(n);
  const std::size_t parts = chunks < max_parts ? chunks : max_parts;
  std::array<Int128, max_parts> partial{};
  for_each_part(parts, [&](std::size_t p) {
    const std::size_t begin = p * chunks / parts * chunk_size;
    const std::size_t last = (p + 1) * chunks / parts * chunk_size;
    const std::size_t end = last < n ? last : n;
    constexpr bool split = std::is_integral_v<Term> && std::is_signed_v<Term> && sizeof(Term) <= 8;
    if (split && end - begin < (std::size_t{1} << 31)) {
      std::uint64_t low = 0;
      std::int64_t high = 0;
      for (std::size_t i = begin; i < end; ++i) {
        const auto v = static_cast<std::int64_t>(fn(i));
        low += static_cast<std::uint32_t>(v);
        high += v >> 32;  // arithmetic: v = high · 2^32 + low
      }
      partial[p] = static_cast<Int128>(high) * (Int128{1} << 32) + static_cast<Int128>(low);
    } else {
      Int128 s = 0;
      for (std::size_t i = begin; i < end; ++i) s += static_cast<Int128>(fn(i));
      partial[p] = s;
    }
  });
  Int128 total = 0;
  for (std::size_t p = 0; p < parts; ++p) total += partial[p];
  return total;
}

// Floating-point sum for *reporting only* (never feed it back into the model):
// per-chunk partials added in chunk order, so the result is still identical for
// any thread count.
template <class Fn>
[[nodiscard]] double ordered_sum(std::size_t n, Fn&& fn) {
  std::vector<double> partial(chunk_count(n), 0.0);
  for_each_chunk(n, [&](std::size_t c, std::size_t begin, std::size_t end) {
    double s = 0.0;
    for (std::size_t i = begin; i < end; ++i) s += fn(i);
    partial[c] = s;
  });
  double total = 0.0;
  for (const double s : partial) total += s;
  return total;
}

// Threads available to the current arena (for reporting).
[[nodiscard]] int max_threads();

}  // namespace pfsim::exec
