// Results file writer: finishing. finish() closes the `.partial`, writes the
// compact final copy to `.finishing` (with /metadata/interventions, if given),
// fsyncs and renames it to the final path; discard() and abandon() end a run
// without a finished file.

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {
namespace {
namespace fs = std::filesystem;
}  // namespace

void ResultsWriter::Impl::close_checked(OpenFile& f, const std::string& what) const {
  // Flush first: an I/O error (disk full) is reported here, where the file
  // can still be closed safely (h5::flush_and_close).
  check(H5Fflush(f.file.get(), H5F_SCOPE_LOCAL), "flushing " + what);
  for (h5::Dataset* ds : f.datasets()) check(ds->close(), "closing a dataset of " + what);
  f.clear_handles();
  // For the `.partial`: clears the SWMR flags.
  check(h5::flush_and_close(f.file,
                            [&] {
                              if (f.reserve != nullptr) f.reserve->release_reserve();
                            }),
        "closing " + what);
}

// Copies column `path` (rows [0, rows)) of the closed `.partial` into `dst`.
void ResultsWriter::Impl::copy_numeric(hid_t src_file, const std::string& path, hid_t dst,
                                       hid_t mem_type, std::size_t elem_size, hsize_t rows) const {
  const h5::Dataset src{check(H5Dopen2(src_file, path.c_str(), H5P_DEFAULT), "opening " + path)};
  std::vector<unsigned char> buffer(static_cast<std::size_t>(std::min(rows, kCopyRows)) *
                                    elem_size);
  for (hsize_t start = 0; start < rows; start += kCopyRows) {
    const hsize_t count = std::min(kCopyRows, rows - start);
    read_block(src.get(), mem_type, start, count, buffer.data(), "reading " + path);
    append_rows(dst, path, mem_type, start, count, buffer.data(), false);
  }
}

// Text in blocks of at most kCopyTextBytes of fixed-length cells (a whole
// column at once grew with the run: 10^5 snapshot nodes are 3 MB of cells
// and three times that in HDF5's variable-length conversion).
template <class Fn>
void ResultsWriter::Impl::for_each_text_block(hid_t src_file, const std::string& path,
                                              std::size_t width, hsize_t rows, Fn&& fn) const {
  if (rows == 0) return;
  const h5::Dataset src{check(H5Dopen2(src_file, path.c_str(), H5P_DEFAULT), "opening " + path)};
  const h5::Datatype fixed = fixed_string_type(width, true);
  const hsize_t block =
      std::min<hsize_t>(kCopyRows, std::max<std::size_t>(1, kCopyTextBytes / width));
  std::string raw(static_cast<std::size_t>(std::min(rows, block)) * width, '\0');
  std::vector<std::string_view> cells;
  for (hsize_t start = 0; start < rows; start += block) {
    const hsize_t count = std::min(block, rows - start);
    read_block(src.get(), fixed.get(), start, count, raw.data(), "reading " + path);
    cells.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string_view cell(raw.data() + i * width, width);
      cells[i] = cell.substr(0, cell.find('\0'));
    }
    fn(start, std::span<const std::string_view>(cells));
  }
}

// The `.partial`'s fixed-length text column into the final copy's
// variable-length column `dst`.
void ResultsWriter::Impl::copy_text(hid_t src_file, const std::string& path, hid_t dst,
                                    std::size_t width, hsize_t rows) const {
  const h5::Datatype vlen = vlen_string_type();
  std::vector<std::string> text;
  std::vector<const char*> pointers;
  for_each_text_block(
      src_file, path, width, rows, [&](hsize_t start, std::span<const std::string_view> cells) {
        text.assign(cells.begin(), cells.end());
        pointers.resize(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) pointers[i] = text[i].c_str();
        append_rows(dst, path, vlen.get(), start, cells.size(), pointers.data(), false);
      });
}

// The distinct node kinds in rows [0, rows) of the `.partial`'s fixed-length
// column `path`, sorted: the members of the final copy's enum.
std::vector<std::string> ResultsWriter::Impl::node_kinds_in(hid_t src_file, const std::string& path,
                                                            hsize_t rows) const {
  std::vector<std::string> kinds;
  if (rows == 0) return kinds;
  for_each_text_block(src_file, path, max_node_kind_bytes, rows,
                      [&](hsize_t, std::span<const std::string_view> cells) {
                        std::string_view last;
                        for (const std::string_view kind : cells) {
                          if (kind == last) continue;
                          last = kind;
                          const auto at = std::lower_bound(kinds.begin(), kinds.end(), kind);
                          if (at == kinds.end() || *at != kind) kinds.emplace(at, kind);
                        }
                      });
  if (kinds.size() > kMaxNodeKinds) throw InternalError(path + " holds more than 256 node kinds");
  if (kinds.front().empty()) throw InternalError(path + " holds an empty node kind");
  return kinds;
}

// Column `path` of the `.partial` (fixed-length text) into the final copy's
// node_kind enum column `dst`, whose members are `kinds` (node_kinds_in).
void ResultsWriter::Impl::copy_node_kinds(hid_t src_file, const std::string& path, hid_t dst,
                                          const std::vector<std::string>& kinds,
                                          hsize_t rows) const {
  const h5::Datatype codes_type{check(H5Dget_type(dst), "reading the type of " + path)};
  std::vector<std::uint8_t> codes;
  for_each_text_block(src_file, path, max_node_kind_bytes, rows,
                      [&](hsize_t start, std::span<const std::string_view> cells) {
                        codes.resize(cells.size());
                        for (std::size_t i = 0; i < cells.size(); ++i) {
                          const auto at = std::lower_bound(kinds.begin(), kinds.end(), cells[i]);
                          if (at == kinds.end() || *at != cells[i])
                            throw InternalError(path + ": a node kind missing from its enum");
                          codes[i] = static_cast<std::uint8_t>(at - kinds.begin());
                        }
                        append_rows(dst, path, codes_type.get(), start, cells.size(), codes.data(),
                                    false);
                      });
}

// Writes `finishing_path` from the `.partial` open as `src`: rows_flushed rows
// and events_flushed events, in the final layout.
void ResultsWriter::Impl::write_final_copy(hid_t src_file) const {
  const auto rows = static_cast<hsize_t>(rows_flushed);
  const auto events = static_cast<hsize_t>(events_flushed);
  std::vector<std::vector<std::string>> kinds;
  kinds.reserve(networks.size());
  for (std::size_t i = 0; i < networks.size(); ++i) {
    kinds.push_back(node_kinds_in(src_file, "/networks/" + networks[i].name + "/nodes/node_kind",
                                  static_cast<hsize_t>(network_progress[i].nodes)));
  }
  OpenFile dst = create_file(finishing_path, Flavor::final_copy, rows, events, kinds);
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    copy_numeric(src_file, "/timeseries/" + indicators[i].name, dst.series[i].get(),
                 H5T_NATIVE_DOUBLE, sizeof(double), rows);
  }
  copy_numeric(src_file, "/timeseries/date", dst.date.get(), H5T_NATIVE_DOUBLE, sizeof(double),
               rows);
  copy_numeric(src_file, "/events/day", dst.ev_day.get(), H5T_NATIVE_INT32, sizeof(std::int32_t),
               events);
  copy_text(src_file, "/events/type", dst.ev_type.get(), max_event_type_bytes, events);
  copy_text(src_file, "/events/parameters", dst.ev_parameters.get(), max_event_parameters_bytes,
            events);
  copy_text(src_file, "/events/condition", dst.ev_condition.get(), max_event_condition_bytes,
            events);
  copy_numeric(src_file, "/events/event", dst.ev_index.get(), H5T_NATIVE_INT32,
               sizeof(std::int32_t), events);
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const NetworkProgress& p = network_progress[i];
    NetworkDatasets& nd = dst.networks[i];
    const std::string base = "/networks/" + networks[i].name;
    const auto nodes = static_cast<hsize_t>(p.nodes);
    const auto edges = static_cast<hsize_t>(p.edges);
    const auto snaps = static_cast<hsize_t>(p.snapshots);
    const auto i32 = [&](const std::string& path, hid_t dst_ds, hsize_t rows) {
      copy_numeric(src_file, path, dst_ds, H5T_NATIVE_INT32, sizeof(std::int32_t), rows);
    };
    const auto u32 = [&](const std::string& path, hid_t dst_ds, hsize_t rows) {
      copy_numeric(src_file, path, dst_ds, H5T_NATIVE_UINT32, sizeof(std::uint32_t), rows);
    };
    const auto i64 = [&](const std::string& path, hid_t dst_ds, hsize_t rows) {
      copy_numeric(src_file, path, dst_ds, H5T_NATIVE_INT64, sizeof(std::int64_t), rows);
    };
    const auto f64 = [&](const std::string& path, hid_t dst_ds, hsize_t rows) {
      copy_numeric(src_file, path, dst_ds, H5T_NATIVE_DOUBLE, sizeof(double), rows);
    };
    i32(base + "/nodes/snapshot", nd.node_snapshot.get(), nodes);
    copy_node_kinds(src_file, base + "/nodes/node_kind", nd.node_kind.get(), kinds[i], nodes);
    u32(base + "/nodes/node_index", nd.node_index.get(), nodes);
    for (std::size_t a = 0; a < nd.node_attributes.size(); ++a) {
      f64(base + "/nodes/" + networks[i].node_attributes[a], nd.node_attributes[a].get(), nodes);
    }
    i64(base + "/nodes/row", nd.node_row.get(), nodes);
    i32(base + "/edges/snapshot", nd.edge_snapshot.get(), edges);
    u32(base + "/edges/source", nd.source.get(), edges);
    u32(base + "/edges/target", nd.target.get(), edges);
    f64(base + "/edges/weight", nd.weight.get(), edges);
    i64(base + "/edges/row", nd.edge_row.get(), edges);
    i32(base + "/day", nd.day.get(), snaps);
    i64(base + "/node_start", nd.node_start.get(), snaps);
    i64(base + "/node_count", nd.node_count.get(), snaps);
    i64(base + "/edge_start", nd.edge_start.get(), snaps);
    i64(base + "/edge_count", nd.edge_count.get(), snaps);
    i32(base + "/snapshot", nd.snapshot.get(), snaps);
  }
  close_checked(dst, finishing_path.string());
}

// Makes the final copy durable before the rename publishes it (the rename itself
// is made durable by syncing the directory, best effort).
void ResultsWriter::Impl::sync_to_disk(const fs::path& path) const {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw user_error(
        "cannot write the results file " + path.string() + " to disk: " + os_message(err),
        "check free disk space and that the file system is writable");
  }
  ::close(fd);
}

void ResultsWriter::Impl::sync_directory_quietly() const noexcept {
  const fs::path dir = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

void ResultsWriter::Impl::finish() {
  ensure_open("finish");
  try {
    h5::QuietErrors quiet;
    write_pending();
    close_checked(out, partial_path.string());
    const h5::ReadOnlyFile src = open_for_reading(partial_path);
    remove_stale_file(finishing_path, "unfinished results file");
    write_final_copy(src.get());
    sync_to_disk(finishing_path);
  } catch (...) {
    state = State::failed;
    out.close_quietly();
    std::error_code ec;
    fs::remove(finishing_path, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(finishing_path, final_path, ec);
  if (ec) {
    state = State::failed;
    std::error_code ignored;
    fs::remove(finishing_path, ignored);
    throw user_error("cannot rename " + finishing_path.string() + " to " + final_path.string() +
                         ": " + ec.message(),
                     "the complete results are still in " + partial_path.string());
  }
  state = State::finished;
  fs::remove(partial_path, ec);  // a leftover `.partial` next to the result is harmless
  sync_directory_quietly();
  lock.release();
}

void ResultsWriter::Impl::discard() {
  if (state == State::discarded) return;
  if (state == State::finished) {
    throw InternalError("ResultsWriter::discard after finish (" + final_path.string() + ")");
  }
  out.close_quietly();
  pending_days.clear();
  pending_events.clear();
  for (auto& p : network_progress) {
    p.pending.clear();
    p.written = SnapshotTable{};
  }
  state = State::discarded;
  std::error_code ec;
  fs::remove(partial_path, ec);
  lock.release();
  if (ec) {
    throw user_error("cannot delete " + partial_path.string() + ": " + ec.message(),
                     "delete the file by hand");
  }
}

// Destructor without finish(): keep every appended row, close cleanly, leave
// the `.partial`. Never throws.
void ResultsWriter::Impl::abandon() noexcept {
  if (state == State::open) {
    h5::QuietErrors quiet;
    try {
      write_pending();
    } catch (...) {  // NOLINT(bugprone-empty-catch): best effort in a destructor
    }
  }
  out.close_quietly();
  lock.release();
}

void ResultsWriter::set_interventions_json(std::string json) {
  impl_->ensure_open("set_interventions_json");
  impl_->interventions_json = std::move(json);
}

void ResultsWriter::finish() {
  impl_->finish();
}

void ResultsWriter::discard() {
  impl_->discard();
}

}  // namespace pfsim::record
