// Results file writer, the public class: the constructor (argument checks, the
// output location: run lock, disk reserve, stale files), errors, and accessors.
// The steps live in files by job (writer_impl.hpp lists them).
#include "record/results_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <unordered_set>
#include <utility>

#include "core/date.hpp"
#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {
namespace {
namespace fs = std::filesystem;
}  // namespace

UserError ResultsWriter::Impl::user_error(std::string message, std::string hint) const {
  Diagnostic d;
  d.where.file = final_path.string();
  d.message = std::move(message);
  d.hint = std::move(hint);
  return UserError(std::move(d));
}

// An HDF5 call failed. An operating-system I/O error (disk full, file system
// gone read-only) is the user's environment; anything else is our bug.
void ResultsWriter::Impl::fail(std::string_view what) const {
  // After a failed call HDF5 may hold objects its exit code cannot free
  // (a file create that hit a full disk: "infinite loop closing library"):
  // counted like a parked file, so that the CLI ends with _exit.
  ++h5::parked_files();
  const std::string stack = h5::take_error_stack();
  const std::string_view marker = "error message = '";
  const auto pos = stack.find(marker);
  if (stack.find("errno = ") != std::string::npos && pos != std::string::npos) {
    const auto begin = pos + marker.size();
    const auto end = stack.find('\'', begin);
    const std::string reason = stack.substr(begin, end == std::string::npos ? end : end - begin);
    // EFBIG: the process's file size limit (`ulimit -f`, a batch system's), not the disk.
    const bool size_limit = reason == os_message(EFBIG);
    throw user_error("cannot write the results file " + final_path.string() + " (" +
                         std::string(what) + "): " + reason,
                     size_limit ? "the file size limit of this process (ulimit -f) is smaller than "
                                  "the results; raise it (ulimit -f unlimited), record less "
                                  "(record.indicators, record.every_days) or run fewer days"
                                : "check free disk space and that the file system is writable");
  }
  throw InternalError("results file " + partial_path.string() + ": " + std::string(what) +
                      " failed: " + stack);
}

void ResultsWriter::Impl::ensure_open(const char* operation) const {
  if (state == State::open) return;
  const char* why = state == State::finished    ? "finished"
                    : state == State::discarded ? "discarded"
                                                : "failed earlier";
  throw InternalError(std::string("ResultsWriter::") + operation + " on a writer that is " + why +
                      " (" + partial_path.string() + ")");
}

void ResultsWriter::Impl::validate_arguments() const {
  if (final_path.empty()) {
    throw user_error("the results output path is empty", "give a file name such as results.h5");
  }
  if (flush_every < 1) throw InternalError("ResultsWriter: flush_every_steps must be >= 1");
  if (!parse_iso_date(metadata.start_date)) {
    throw InternalError("ResultsWriter: start_date '" + metadata.start_date +
                        "' is not an ISO YYYY-MM-DD date");
  }
  std::unordered_set<std::string> seen;
  for (const auto& spec : indicators) {
    if (!is_valid_name(spec.name)) {
      throw InternalError("ResultsWriter: indicator name '" + spec.name +
                          "' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (spec.name == kTimeName) {
      throw InternalError("ResultsWriter: indicator name 'date' is reserved for the time axis");
    }
    if (!seen.insert(spec.name).second) {
      throw InternalError("ResultsWriter: indicator '" + spec.name + "' is listed twice");
    }
  }
  std::unordered_set<std::string> network_names;
  for (const auto& spec : networks) {
    if (!is_valid_name(spec.name)) {
      throw InternalError("ResultsWriter: network name '" + spec.name +
                          "' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (!network_names.insert(spec.name).second) {
      throw InternalError("ResultsWriter: network '" + spec.name + "' is listed twice");
    }
    std::unordered_set<std::string> columns;
    for (const auto& attr : spec.node_attributes) {
      if (!is_valid_name(attr)) {
        throw InternalError("ResultsWriter: node attribute '" + attr + "' of network '" +
                            spec.name + "' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
      }
      if (std::find(kNodeColumns.begin(), kNodeColumns.end(), attr) != kNodeColumns.end()) {
        throw InternalError("ResultsWriter: node attribute name '" + attr + "' of network '" +
                            spec.name + "' is reserved");
      }
      if (!columns.insert(attr).second) {
        throw InternalError("ResultsWriter: node attribute '" + attr + "' of network '" +
                            spec.name + "' is listed twice");
      }
    }
  }
}

// Takes the run lock (refused at once while another writer has the path),
// refuses a final path that is not a regular file, and removes a stale
// `.partial`/`.finishing` of an earlier run, so that both are created afresh
// with O_EXCL. The lock file's creation also tells, in the operating system's
// own words, whether the directory can be written at all.
void ResultsWriter::Impl::prepare_output_location() {
  if (path_kind(final_path) == PathKind::directory) {
    throw user_error("the results output path " + final_path.string() + " is a directory",
                     "give a file name, e.g. " + (final_path / "results.h5").string());
  }
  require_regular_or_absent(final_path, "the results output path");
  lock = RunLock(final_path);
  reserve_disk_space(final_path);
  remove_stale_file(creating_path, "results file being created");
  remove_stale_file(partial_path, "partial results file");
  remove_stale_file(finishing_path, "unfinished results file");
}

// Holds back kDiskReserveBytes next to the results (RunLock::reserve), or
// refuses the run at once when the disk cannot spare that much.
void ResultsWriter::Impl::reserve_disk_space(const fs::path& path) {
  const int err = lock.reserve(kDiskReserveBytes);
  if (err == ENOSPC) {
    throw user_error(
        "not enough free disk space for the results file " + path.string() + ": " + os_message(err),
        "free some space (pfsim needs at least " + std::to_string(kDiskReserveBytes >> 20) +
            " MiB besides the results) or choose another output directory");
  }
  // Other failures (a file system without fallocate): run without a reserve.
}

ResultsWriter::ResultsWriter(std::filesystem::path final_path,
                             std::vector<IndicatorSpec> indicators, RunMetadata metadata,
                             int flush_every_steps, std::vector<NetworkSpec> networks)
    : impl_(std::make_unique<Impl>()) {
  // HDF5 keeps freed blocks on free lists for reuse, without limit by
  // default: its high-water mark grew with the run's length. Capped (per
  // process; the caps only bound what is kept for reuse).
  (void)H5set_free_list_limits(Impl::kFreeListBytes, Impl::kFreeListBytes / 4, Impl::kFreeListBytes,
                               Impl::kFreeListBytes / 4, Impl::kFreeListBytes,
                               Impl::kFreeListBytes / 4);
  Impl& w = *impl_;
  w.final_path = std::move(final_path);
  w.partial_path = w.final_path;
  w.partial_path += ".partial";
  w.finishing_path = w.final_path;
  w.finishing_path += ".finishing";
  w.creating_path = w.final_path;
  w.creating_path += ".creating";
  w.indicators = std::move(indicators);
  w.metadata = std::move(metadata);
  w.networks = std::move(networks);
  w.flush_every = flush_every_steps < 1 ? 0 : static_cast<std::size_t>(flush_every_steps);
  w.create();
}

ResultsWriter::~ResultsWriter() {
  if (impl_) impl_->abandon();
}

int ResultsWriter::files_left_open() noexcept {
  return h5::parked_files();
}

const std::filesystem::path& ResultsWriter::partial_path() const {
  return impl_->partial_path;
}
const std::filesystem::path& ResultsWriter::final_path() const {
  return impl_->final_path;
}
std::int64_t ResultsWriter::rows_written() const {
  return impl_->rows_written;
}
std::int64_t ResultsWriter::rows_flushed() const {
  return impl_->rows_flushed;
}

}  // namespace pfsim::record
