#include "rng/philox.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PFSIM_PHILOX_AVX2 1  // and AVX-512, chosen at run time
#endif

namespace pfsim::rng {

namespace {

constexpr std::uint32_t m0 = 0xD2511F53U, m1 = 0xCD9E8D57U;  // Philox4x32 multipliers
constexpr std::uint32_t w0 = 0x9E3779B9U, w1 = 0xBB67AE85U;  // and key increments

// Philox4x32-10 in place over `n` counters held one array per word (a, b, c, d).
void philox_scalar(std::uint32_t key0, std::uint32_t key1, std::uint32_t* a, std::uint32_t* b,
                   std::uint32_t* c, std::uint32_t* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const Philox::key_type key = {{key0, key1}};
    const Philox::ctr_type out = Philox{}(Philox::ctr_type{{a[i], b[i], c[i], d[i]}}, key);
    a[i] = out[0];
    b[i] = out[1];
    c[i] = out[2];
    d[i] = out[3];
  }
}

#ifdef PFSIM_PHILOX_AVX2
// The same, 8 counters per AVX2 register: a 32 × 32 → 64-bit multiply of the
// even and of the odd lanes, their low and high halves blended back.
__attribute__((target("avx2"))) void philox_avx2(std::uint32_t key0, std::uint32_t key1,
                                                 std::uint32_t* a, std::uint32_t* b,
                                                 std::uint32_t* c, std::uint32_t* d,
                                                 std::size_t n) {
  const __m256i mul0 = _mm256_set1_epi64x(m0), mul1 = _mm256_set1_epi64x(m1);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    auto* pa = reinterpret_cast<__m256i*>(a + i);
    auto* pb = reinterpret_cast<__m256i*>(b + i);
    auto* pc = reinterpret_cast<__m256i*>(c + i);
    auto* pd = reinterpret_cast<__m256i*>(d + i);
    __m256i x0 = _mm256_loadu_si256(pa), x1 = _mm256_loadu_si256(pb);
    __m256i x2 = _mm256_loadu_si256(pc), x3 = _mm256_loadu_si256(pd);
    std::uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += w0;
        k1 += w1;
      }
      const __m256i even0 = _mm256_mul_epu32(x0, mul0);
      const __m256i odd0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), mul0);
      const __m256i even1 = _mm256_mul_epu32(x2, mul1);
      const __m256i odd1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), mul1);
      const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(even0, 32), odd0, 0xAA);
      const __m256i lo0 = _mm256_blend_epi32(even0, _mm256_slli_epi64(odd0, 32), 0xAA);
      const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(even1, 32), odd1, 0xAA);
      const __m256i lo1 = _mm256_blend_epi32(even1, _mm256_slli_epi64(odd1, 32), 0xAA);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
    }
    _mm256_storeu_si256(pa, x0);
    _mm256_storeu_si256(pb, x1);
    _mm256_storeu_si256(pc, x2);
    _mm256_storeu_si256(pd, x3);
  }
}

// GCC 12's AVX-512 shifts start from _mm512_undefined_epi32(), which
// -Wuninitialized reports where they are inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// The same with 16 counters per AVX-512 register; the three-way exclusive or
// of a round is one instruction (ternary logic 0x96 = a ^ b ^ c).
__attribute__((target("avx512f"))) void philox_avx512(std::uint32_t key0, std::uint32_t key1,
                                                      std::uint32_t* a, std::uint32_t* b,
                                                      std::uint32_t* c, std::uint32_t* d,
                                                      std::size_t n) {
  const __m512i mul0 = _mm512_set1_epi64(m0), mul1 = _mm512_set1_epi64(m1);
  constexpr __mmask16 odd_lanes = 0xAAAA;
  for (std::size_t i = 0; i + 16 <= n; i += 16) {
    __m512i x0 = _mm512_loadu_si512(a + i), x1 = _mm512_loadu_si512(b + i);
    __m512i x2 = _mm512_loadu_si512(c + i), x3 = _mm512_loadu_si512(d + i);
    std::uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += w0;
        k1 += w1;
      }
      const __m512i even0 = _mm512_mul_epu32(x0, mul0);
      const __m512i odd0 = _mm512_mul_epu32(_mm512_srli_epi64(x0, 32), mul0);
      const __m512i even1 = _mm512_mul_epu32(x2, mul1);
      const __m512i odd1 = _mm512_mul_epu32(_mm512_srli_epi64(x2, 32), mul1);
      const __m512i hi0 = _mm512_mask_blend_epi32(odd_lanes, _mm512_srli_epi64(even0, 32), odd0);
      const __m512i lo0 = _mm512_mask_blend_epi32(odd_lanes, even0, _mm512_slli_epi64(odd0, 32));
      const __m512i hi1 = _mm512_mask_blend_epi32(odd_lanes, _mm512_srli_epi64(even1, 32), odd1);
      const __m512i lo1 = _mm512_mask_blend_epi32(odd_lanes, even1, _mm512_slli_epi64(odd1, 32));
      x0 = _mm512_ternarylogic_epi32(hi1, x1, _mm512_set1_epi32(static_cast<int>(k0)), 0x96);
      x1 = lo1;
      x2 = _mm512_ternarylogic_epi32(hi0, x3, _mm512_set1_epi32(static_cast<int>(k1)), 0x96);
      x3 = lo0;
    }
    _mm512_storeu_si512(a + i, x0);
    _mm512_storeu_si512(b + i, x1);
    _mm512_storeu_si512(c + i, x2);
    _mm512_storeu_si512(d + i, x3);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") != 0;
  return has;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") != 0;
  return has;
}
#endif

}  // namespace

void philox_blocks(std::uint64_t seed, Stream stream, std::uint64_t first_id, std::int64_t step,
                   std::uint32_t blocks, std::uint32_t* out) {
  const auto key0 = static_cast<std::uint32_t>(seed), key1 = static_cast<std::uint32_t>(seed >> 32);
  constexpr std::size_t n = philox_batch;
  for (std::uint32_t blk = 0; blk < blocks; ++blk) {
    std::uint32_t* const a = out + std::size_t{4} * blk * n;
    std::uint32_t* const b = a + n;
    std::uint32_t* const c = b + n;
    std::uint32_t* const d = c + n;
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint64_t id = first_id + k;
      a[k] = static_cast<std::uint32_t>(step);
      b[k] = static_cast<std::uint32_t>(id);
      c[k] = static_cast<std::uint32_t>(id >> 32);
      d[k] = (static_cast<std::uint32_t>(stream) << 8) | (blk & 0xffU);
    }
#ifdef PFSIM_PHILOX_AVX2
    if (cpu_has_avx512()) {
      philox_avx512(key0, key1, a, b, c, d, n);
      continue;
    }
    if (cpu_has_avx2()) {
      philox_avx2(key0, key1, a, b, c, d, n);
      continue;
    }
#endif
    philox_scalar(key0, key1, a, b, c, d, n);
  }
}

}  // namespace pfsim::rng
