#include "run/memory.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace pfsim {

namespace {

// Measured peaks of `pfsim run` writing a results file (Release, 2026-12-06,
// docs/performance.md): 295 MB at 10^6 consumers + 10^5 SMEs after the
// 365-day spin-up, 2.16 GB at 10^7 (10 days) and 21.1 GB at 10^8 (30 days):
// about 210 bytes per consumer with its tenth of an SME, over about 85 MB that
// does not grow in proportion (program, HDF5, TBB, tables). The estimate errs
// a few per cent high at every size, so that a run that fits is not refused.
constexpr std::uint64_t base_bytes = 96ULL << 20;
constexpr std::uint64_t bytes_per_consumer = 180;
constexpr std::uint64_t bytes_per_sme = 330;

std::optional<std::uint64_t> read_number(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::string gigabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

}  // namespace

std::uint64_t estimated_run_bytes(const Scenario& sc) {
  const auto consumers = static_cast<std::uint64_t>(std::max<std::int64_t>(0, sc.consumers.count));
  const auto smes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, sc.smes.count));
  return base_bytes + consumers * bytes_per_consumer + smes * bytes_per_sme;
}

std::optional<std::uint64_t> memory_available_bytes() {
  std::optional<std::uint64_t> least = meminfo_available();
  auto take = [&](std::uint64_t v) { least = least ? std::min(*least, v) : v; };
  // cgroup v2 (containers, Slurm): the limit less what the group already uses.
  if (const auto limit = read_number("/sys/fs/cgroup/memory.max")) {
    const std::uint64_t used = read_number("/sys/fs/cgroup/memory.current").value_or(0);
    take(*limit > used ? *limit - used : 0);
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    take(static_cast<std::uint64_t>(as.rlim_cur));
  return least;
}

void check_memory(const Scenario& sc) {
  if (const char* skip = std::getenv("PFSIM_SKIP_MEMORY_CHECK");
      skip != nullptr && std::string(skip) == "1")
    return;
  const auto available = memory_available_bytes();
  const std::uint64_t needed = estimated_run_bytes(sc);
  if (!available || needed <= *available) return;
  Diagnostic d;
  d.where.file = sc.source_path;
  d.message = "this run needs about " + gigabytes(needed) + " of memory (" +
              std::to_string(sc.consumers.count) + " consumers, " + std::to_string(sc.smes.count) +
              " SMEs) but only " + gigabytes(*available) + " is available";
  d.hint =
      "run fewer agents for the same economy (--population N, Python: "
      "Scenario.set_population(N)), or set PFSIM_SKIP_MEMORY_CHECK=1 to try anyway";
  throw UserError(std::move(d));
}

}  // namespace pfsim
