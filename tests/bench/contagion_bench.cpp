// pfsim_bench_contagion — wall time, iterations and memory of Eisenberg-Noe /
// Rogers-Veraart clearing and DebtRank on 1,000 banks with 50,000 exposures
// (sparse), on an Erdős-Rényi G(n, m) and a Barabási-Albert network. Not a
// ctest test: run it from a Release build and copy the table into
// docs/contagion.md. Usage: pfsim_bench_contagion [repetitions (default 5)].
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "contagion/debtrank.hpp"
#include "contagion/eisenberg_noe.hpp"
#include "contagion/graph.hpp"
#include "contagion/matrix.hpp"

namespace {

using namespace pfsim::contagion;

constexpr std::size_t banks = 1000;
constexpr std::size_t exposures = 50000;

// Peak resident set size of this process in kB (Linux), 0 if unknown.
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Median wall time in milliseconds of `reps` calls of `fn`.
double median_ms(int reps, const std::function<void()>& fn) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct BalanceSheets {
  Vector external_assets;
  Vector external_liabilities;
  Vector equity;  // for DebtRank: interbank assets / U(0.3, 1.2)
};

// Clearing: interbank debts are half of each bank's obligations (el =
// interbank); outside assets cover what the bank owes beyond its interbank
// claims plus an equity buffer of 2-8% of its obligations. Deterministic in
// `seed`.
BalanceSheets balance_sheets(const SparseMatrix& l, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  const auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * (static_cast<double>(engine() >> 11) * 0x1.0p-53);
  };
  const SparseMatrix lt = transpose(l);
  BalanceSheets b;
  for (std::size_t i = 0; i < l.rows; ++i) {
    const double interbank_debt = l.row_sum(i);
    const double pbar = 2.0 * interbank_debt;
    const double buffer = uniform(0.02, 0.08) * pbar;
    b.external_liabilities.push_back(interbank_debt);
    b.external_assets.push_back(std::max(0.0, pbar - lt.row_sum(i)) + buffer);
    // DebtRank equity sets the interbank leverage Σ_i L_ij / E_j between 0.3
    // and 1.2, around the stability threshold 1 of Bardoscia et al. (2015), so
    // the cascade neither dies at once nor swallows the network.
    b.equity.push_back(lt.row_sum(i) / uniform(0.3, 1.2) + 1e-9);
  }
  return b;
}

// The `count` banks with the largest obligations.
std::vector<std::size_t> largest(const SparseMatrix& l, std::size_t count) {
  std::vector<std::size_t> order(l.rows);
  for (std::size_t i = 0; i < l.rows; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return l.row_sum(a) > l.row_sum(b); });
  order.resize(count);
  return order;
}

void bench_network(const char* name, const SparseMatrix& l, int reps) {
  const BalanceSheets sheets = balance_sheets(l, 7);
  std::printf(
      "\n%s: %zu banks, %zu exposures, CSR matrix %.2f MB (plus its transpose inside clearing)\n",
      name, l.rows, l.nnz(), static_cast<double>(memory_bytes(l)) / 1e6);
  std::printf("  %-44s %10s %8s %10s\n", "case", "median ms", "iters", "defaults");

  const auto clearing = [&](const char* label, const Vector& e, const BankruptcyCosts* costs) {
    ClearingResult r;
    const double ms = median_ms(reps, [&] {
      r = costs ? rogers_veraart(l, e, sheets.external_liabilities, *costs)
                : eisenberg_noe(l, e, sheets.external_liabilities);
    });
    std::printf("  %-44s %10.2f %8d %10zu\n", label, ms, r.iterations, r.defaulted.size());
  };
  clearing("EN, no shock", sheets.external_assets, nullptr);
  Vector hit = sheets.external_assets;
  for (const std::size_t i : largest(l, 20))
    hit[i] *= 0.2;  // 20 largest lose 80% of outside assets
  clearing("EN, 20 largest lose 80% of outside assets", hit, nullptr);
  for (const double loss : {0.05, 0.15}) {
    Vector crash = sheets.external_assets;
    for (double& e : crash) e *= 1.0 - loss;
    clearing(
        loss == 0.05 ? "EN, all lose 5% of outside assets" : "EN, all lose 15% of outside assets",
        crash, nullptr);
  }
  const BankruptcyCosts costs{0.9, 0.9};
  clearing("RV a=b=0.9, 20 largest lose 80%", hit, &costs);

  const SparseMatrix impact = impact_from_liabilities(l, sheets.equity);
  Vector h0(l.rows, 0.0);
  for (const std::size_t i : largest(l, 10)) h0[i] = 1.0;  // the 10 largest default
  for (const DebtRankVariant variant :
       {DebtRankVariant::battiston2012, DebtRankVariant::differential}) {
    DebtRankOptions options;
    options.variant = variant;
    DebtRankResult r;
    const double ms = median_ms(reps, [&] { r = debtrank(impact, h0, {}, options); });
    std::printf("  %-44s %10.2f %8d %10zu   (DebtRank %.4f)\n",
                variant == DebtRankVariant::battiston2012
                    ? "DebtRank battiston2012, 10 largest default"
                    : "DebtRank differential, 10 largest default",
                ms, r.steps, r.defaulted.size(), r.debtrank);
  }
  Vector small(l.rows, 0.0);
  for (const std::size_t i : largest(l, 10)) small[i] = 0.1;
  DebtRankOptions differential;
  differential.variant = DebtRankVariant::differential;
  DebtRankResult r;
  const double ms = median_ms(reps, [&] { r = debtrank(impact, small, {}, differential); });
  std::printf("  %-44s %10.2f %8d %10zu   (DebtRank %.4f)\n",
              "DebtRank differential, 10 largest lose 10%", ms, r.steps, r.defaulted.size(),
              r.debtrank);
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const long rss_at_start_kb = peak_rss_kb();
  std::printf(
      "pfsim_bench_contagion: median of %d runs each; iters = clearing passes or DebtRank steps "
      "T\n",
      reps);
  const ExposureSize size{1.0, 10.0};
  const SparseMatrix er = liabilities_from_graph(erdos_renyi_gnm(banks, exposures, size, 1));
  bench_network("Erdos-Renyi G(n, m)", er, reps);
  const SparseMatrix ba = liabilities_from_graph(barabasi_albert(banks, 50, size, 1));
  bench_network("Barabasi-Albert, 50 links per new bank", ba, reps);
  std::printf(
      "\npeak resident memory: %.1f MB at start (program and libraries), %.1f MB for the whole "
      "run\n",
      static_cast<double>(rss_at_start_kb) / 1024.0, static_cast<double>(peak_rss_kb()) / 1024.0);
  return 0;
}
