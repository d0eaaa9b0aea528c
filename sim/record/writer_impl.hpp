// Internal to sim/record/: the state and the steps of ResultsWriter, shared by
// the files that implement it, one per job:
//
//   results_writer.cpp   the public class: constructor, argument checks, the
//                        output location (run lock, disk reserve), accessors
//   writer_layout.cpp    the file layout: groups, datasets, attributes of the
//                        `.partial` and of the final copy (create_file)
//   writer_append.cpp    append / record_event / record_network: buffering and
//                        the SWMR batch write of each flush
//   writer_finish.cpp    finish / discard / abandon: the compact final copy,
//                        fsync, rename; interventions go into the final copy
//   writer_recover.cpp   reading a results file back: recover() and inspect()
//   writer_read_back.cpp network snapshots read back one at a time
//
// Two files, one layout (docs/results-format.md has the evidence for all this):
//
//  * `<path>.partial` is written during the run in SWMR mode. Every object and
//    attribute is created first, then H5Fstart_swmr_write(); afterwards the file
//    is only appended to (H5Dset_extent + H5Dwrite + H5Dflush), which SWMR keeps
//    consistent on disk at every instant, so a SIGKILLed run leaves a readable
//    file: h5py opens it with swmr=True, and recover() turns it into a finished
//    file (a plain open is refused until `h5clear -s --increment=0`).
//    Rows are buffered in memory and written in batches by flush(); nothing
//    touches the file between two flushes. Within a flush each dataset is
//    extended, written and flushed in turn, the coordinate (`date`, `event`)
//    last, so the coordinate's length counts complete rows. Event text is stored
//    as fixed-length strings: SWMR cannot append variable-length data.
//    Networks declared to the constructor get append-only tables under
//    /networks/<name> (a snapshot table and flat node and edge tables), created
//    with everything else before SWMR starts; each flush appends the node rows,
//    then the edge rows, then the snapshot rows (the `snapshot` coordinate last).
//
//  * finish() closes the `.partial` (clearing the SWMR flags), writes a compact
//    copy without SWMR in the HDF5 1.8 file format with event text as
//    variable-length strings (netCDF-C <= 4.9.0 crashes on arrays of fixed-length
//    strings, Unidata/netcdf-c#2159) and node kinds as an enum of one-byte codes
//    (a variable-length string per node row filled HDF5's global heap, and the
//    memory of finish() grew with the run), and renames it to the final path. A kill
//    during finish() leaves the closed, complete `.partial` intact. Everything
//    the finished file holds (interventions included) is written before the
//    rename: the file is never reopened once it is at its final path.
//
// Nothing outside sim/record/ includes this header (it names HDF5).
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "record/h5_handle.hpp"
#include "record/output_guard.hpp"
#include "record/results_writer.hpp"

namespace pfsim::record {

struct ResultsWriter::Impl {
  static constexpr hsize_t kRowsPerChunk = 1024;            // 8 KiB of float64 per chunk
  static constexpr hsize_t kEventsPerChunk = 64;            // events are rare
  static constexpr hsize_t kSnapshotsPerChunk = 64;         // network snapshots are rare too
  static constexpr hsize_t kNetworkRowsPerChunk = 4096;     // node and edge rows: 32 KiB of float64
  static constexpr hsize_t kCopyRows = 64 * kRowsPerChunk;  // rows per read/write when copying
  static constexpr std::size_t kCopyTextBytes = 128U << 10;  // fixed-length cells per text block
  static constexpr unsigned kDeflateLevel = 4;
  static constexpr std::size_t kChunkCacheSlots = 11;  // hash slots of a one-chunk cache
  static constexpr std::size_t kDefaultChunkCacheBytes = 32U << 10;  // a network column's chunk
  static constexpr std::size_t kMetadataCacheBytes = 2U << 20;  // HDF5's metadata cache at most
  static constexpr int kFreeListBytes = 4 << 20;  // HDF5's free lists (all of a kind) at most
  // Disk space held back for closing files cleanly when the disk fills
  // (RunLock::reserve): more than the metadata and chunk a failed flush leaves.
  static constexpr long kDiskReserveBytes = 1L << 20;
  // Bump when the layout changes. 2: node_kind of the final copy is an HDF5
  // enum (one uint8 code per row) instead of variable-length strings.
  static constexpr int kResultsFormatVersion = 2;
  static constexpr const char* kTimeName = "date";
  static constexpr const char* kEventName = "event";
  static constexpr const char* kCalendar = "proleptic_gregorian";
  static constexpr const char* kSnapshotName = "snapshot";
  static constexpr const char* kRowName = "row";
  // The final copy's node_kind enum, committed in nodes/ (netCDF-C reads an
  // enum variable only through a named type created before it).
  static constexpr const char* kNodeKindTypeName = "node_kind_t";
  // Enum codes are uint8: at most this many kinds per network.
  static constexpr std::size_t kMaxNodeKinds = 256;
  // Members of /networks/<name>/nodes that are not node attributes.
  static constexpr std::array<std::string_view, 5> kNodeColumns = {"row", "snapshot", "node_kind",
                                                                   "node_index", kNodeKindTypeName};
  static constexpr const char* kEdgeDirection =
      "source owes target: each edge is a claim of `weight` RMB held by `target` (the creditor) "
      "on `source` (the debtor)";

  // The `.partial` (SWMR, appended during the run) or the final copy (written once).
  enum class Flavor { streaming, final_copy };

  static bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  }

  // snake_case-ish: what netCDF, xarray attribute access and HDF5 paths all accept.
  static bool is_valid_name(std::string_view s) {
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.empty() || (!alpha(s.front()) && s.front() != '_')) return false;
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return alpha(c) || digit(c) || c == '_'; });
  }

  static std::string os_message(int err) { return std::generic_category().message(err); }

  // Handles of one network's datasets (/networks/<name>).
  struct NetworkDatasets {
    // Snapshot table: one row per record_network(); `snapshot` is the coordinate.
    h5::Dataset snapshot, day, node_start, node_count, edge_start, edge_count;
    // nodes/: one row per node of every snapshot; `row` is the coordinate.
    h5::Dataset node_row, node_snapshot, node_kind, node_index;
    std::vector<h5::Dataset> node_attributes;  // NetworkSpec::node_attributes order
    // edges/: one row per edge of every snapshot; `row` is the coordinate.
    h5::Dataset edge_row, edge_snapshot, source, target, weight;

    void collect(std::vector<h5::Dataset*>& all) {
      for (h5::Dataset* ds : {&node_snapshot, &node_kind, &node_index}) all.push_back(ds);
      for (auto& ds : node_attributes) all.push_back(&ds);
      for (h5::Dataset* ds : {&node_row, &edge_snapshot, &source, &target, &weight, &edge_row, &day,
                              &node_start, &node_count, &edge_start, &edge_count, &snapshot}) {
        all.push_back(ds);
      }
    }
  };

  // Handles of one open results file.
  struct OpenFile {
    OpenFile() = default;
    ~OpenFile() { close_quietly(); }
    OpenFile(OpenFile&&) noexcept = default;
    OpenFile& operator=(OpenFile&&) noexcept = default;
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;

    h5::File file;                     // declared first: destroyed after the datasets
    const RunLock* reserve = nullptr;  // whose disk reserve frees space to close `file`
    h5::Dataset date;
    std::vector<h5::Dataset> series;  // one per indicator, constructor order
    h5::Dataset ev_index, ev_day, ev_type, ev_parameters, ev_condition;
    std::vector<NetworkDatasets> networks;  // one per declared network, constructor order

    [[nodiscard]] std::vector<h5::Dataset*> datasets() {
      std::vector<h5::Dataset*> all{&ev_condition, &ev_parameters, &ev_type, &ev_day, &ev_index};
      for (auto& net : networks) net.collect(all);
      for (auto& ds : series) all.push_back(&ds);
      all.push_back(&date);
      return all;
    }
    void clear_handles() noexcept {
      series.clear();
      networks.clear();
    }
    // Closes everything, ignoring errors; a file that cannot be flushed is parked
    // (h5::flush_and_close), never closed twice.
    void close_quietly() noexcept {
      h5::QuietErrors quiet;
      for (h5::Dataset* ds : datasets()) ds->reset();
      clear_handles();
      (void)h5::flush_and_close(file, [this] {
        if (reserve != nullptr) reserve->release_reserve();
      });
      (void)H5Eclear2(H5E_DEFAULT);
    }
  };

  // One snapshot's table row (or several): where its rows start, how many.
  struct SnapshotTable {
    std::vector<std::int32_t> ids, days;
    std::vector<std::int64_t> node_start, node_count, edge_start, edge_count;
    void add(std::int32_t id, std::int32_t day, std::int64_t first_node, std::int64_t nodes,
             std::int64_t first_edge, std::int64_t edges);
  };
  // Rows of one network: buffered snapshots and what the file already holds.
  struct NetworkProgress {
    std::vector<NetworkSnapshot> pending;  // attributes already in declared order
    // Snapshots whose rows are in the file (after `nodes` and `edges`) and
    // whose table rows wait for the next flush (record_network_in_parts).
    SnapshotTable written;
    std::int64_t snapshots = 0;  // flushed (or, for a final copy, to copy)
    std::int64_t nodes = 0;
    std::int64_t edges = 0;
    std::optional<std::int32_t> last_day;  // of the last snapshot accepted
    std::vector<std::string> kinds;        // node kinds accepted so far, sorted
    // Where the next snapshot's rows go in the file, and its id: after the
    // flushed ones and those in `written`.
    [[nodiscard]] std::int64_t next_node_row() const {
      return written.ids.empty() ? nodes : written.node_start.back() + written.node_count.back();
    }
    [[nodiscard]] std::int64_t next_edge_row() const {
      return written.ids.empty() ? edges : written.edge_start.back() + written.edge_count.back();
    }
    [[nodiscard]] std::int32_t next_id() const {
      return static_cast<std::int32_t>(snapshots + static_cast<std::int64_t>(written.ids.size()));
    }
  };

  enum class State { creating, open, finished, discarded, failed };

  std::filesystem::path final_path;
  std::filesystem::path partial_path;
  std::filesystem::path finishing_path;  // the final copy while finish() writes it
  std::filesystem::path creating_path;   // the `.partial` until its layout is complete
  std::vector<IndicatorSpec> indicators;
  RunMetadata metadata;
  std::size_t flush_every = 1;
  State state = State::creating;

  RunLock lock;  // `<final_path>.lock`, held from creation until finished or abandoned
  std::optional<std::string> interventions_json;  // /metadata/interventions of the final copy
  OpenFile out;                                   // the `.partial`

  // Rows accepted but not yet in the file; column-major, one vector per indicator.
  std::vector<double> pending_days;
  std::vector<std::vector<double>> pending_values;
  std::vector<EventRecord> pending_events;

  std::vector<NetworkSpec> networks;              // constructor order
  std::vector<NetworkProgress> network_progress;  // one per network

  std::int64_t rows_written = 0;
  std::int64_t rows_flushed = 0;
  std::int64_t events_flushed = 0;
  std::optional<std::int32_t> last_day;

  // ---- results_writer.cpp: errors, argument checks, the output location ----

  // Errors name the final path; see fail() for which HDF5 failures are the user's.
  [[nodiscard]] UserError user_error(std::string message, std::string hint) const;
  [[noreturn]] void fail(std::string_view what) const;
  // An HDF5 status < 0 is a failure (fail()).
  template <typename T>
  T check(T status, std::string_view what) const {
    if (status < 0) fail(what);
    return status;
  }
  void ensure_open(const char* operation) const;
  void validate_arguments() const;
  void prepare_output_location();
  void reserve_disk_space(const std::filesystem::path& path);

  // ---- writer_layout.cpp: building blocks and the layout ----
  [[nodiscard]] h5::PropList object_create_plist(hid_t plist_class) const;
  [[nodiscard]] h5::Group create_group(hid_t parent, const char* name) const;
  [[nodiscard]] h5::Datatype fixed_string_type(std::size_t bytes, bool utf8) const;
  [[nodiscard]] h5::Datatype vlen_string_type() const;
  void write_attribute(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                       const void* value) const;
  void text_attribute(hid_t obj, const char* name, std::string_view value) const;
  void vlen_text_attribute(hid_t obj, const char* name, const std::string& value) const;
  [[nodiscard]] h5::Dataset create_column(hid_t group, const std::string& name, hid_t file_type,
                                          hsize_t max_rows, hsize_t chunk_rows, bool compress,
                                          const double* fill) const;
  void write_root_attributes(hid_t file) const;
  void create_timeseries(OpenFile& f, hsize_t coord_rows) const;
  void create_events(OpenFile& f, Flavor flavor, hsize_t coord_events) const;
  [[nodiscard]] h5::Dataset text_column(hid_t group, const char* name, std::size_t width,
                                        Flavor flavor, hsize_t chunk_rows) const;
  [[nodiscard]] h5::Dataset node_kind_column(hid_t group,
                                             const std::vector<std::string>& kinds) const;
  // `kinds`: per network, the node kinds of the final copy's enum (sorted;
  // ignored for the `.partial`).
  void create_networks(OpenFile& f, Flavor flavor,
                       const std::vector<std::vector<std::string>>& kinds) const;
  void create_metadata(hid_t file, Flavor flavor) const;
  void bound_caches(hid_t fapl) const;
  [[nodiscard]] OpenFile create_file(const std::filesystem::path& path, Flavor flavor,
                                     hsize_t rows = 0, hsize_t events = 0,
                                     const std::vector<std::vector<std::string>>& kinds = {}) const;
  void create();

  // ---- writer_append.cpp: writing batches into the `.partial` ----
  void append_rows(hid_t ds, const std::string& name, hid_t mem_type, hsize_t old_rows,
                   hsize_t rows, const void* data, bool flush_dataset) const;
  void append_text_column(hid_t ds, const std::string& name, std::size_t width,
                          std::string EventRecord::*field) const;
  // The network a snapshot of `name` on `day` goes to, if it may be recorded.
  [[nodiscard]] std::size_t next_snapshot_of(const std::string& name, std::int32_t day) const;
  [[nodiscard]] NetworkSnapshot checked_columns(std::size_t i, NetworkSnapshot& snapshot,
                                                std::size_t all_nodes);
  void write_snapshot_rows(std::size_t i, NetworkSnapshot& s, std::int64_t node_at,
                           std::int64_t edge_at, std::int32_t snapshot_id);
  void append_snapshot_table(std::size_t i, const SnapshotTable& t);
  // The rows of network i's buffered snapshots, their table rows into `written`.
  void write_pending_rows(std::size_t i);
  void write_network_pending(std::size_t i);
  void write_pending();
  void flush();

  // ---- writer_finish.cpp: the final copy, rename, discard ----
  void close_checked(OpenFile& f, const std::string& what) const;
  void copy_numeric(hid_t src_file, const std::string& path, hid_t dst, hid_t mem_type,
                    std::size_t elem_size, hsize_t rows) const;
  // Reads rows [0, rows) of the `.partial`'s fixed-length text column `path`
  // (cells of `width` bytes) in blocks, and calls fn(start, cells) per block,
  // cells[i] the text of row start + i (trailing NULs cut).
  template <class Fn>
  void for_each_text_block(hid_t src_file, const std::string& path, std::size_t width, hsize_t rows,
                           Fn&& fn) const;
  void copy_text(hid_t src_file, const std::string& path, hid_t dst, std::size_t width,
                 hsize_t rows) const;
  [[nodiscard]] std::vector<std::string> node_kinds_in(hid_t src_file, const std::string& path,
                                                       hsize_t rows) const;
  void copy_node_kinds(hid_t src_file, const std::string& path, hid_t dst,
                       const std::vector<std::string>& kinds, hsize_t rows) const;
  void write_final_copy(hid_t src_file) const;
  void sync_to_disk(const std::filesystem::path& path) const;
  void sync_directory_quietly() const noexcept;
  void finish();
  void discard();
  void abandon() noexcept;

  // ---- writer_recover.cpp: reading a `.partial` back (finish, recover, inspect) ----
  [[nodiscard]] h5::ReadOnlyFile open_for_reading(const std::filesystem::path& path,
                                                  unsigned read_attempts = 1) const;
  [[nodiscard]] std::string read_string_attribute(hid_t obj, const char* name,
                                                  const std::string& where) const;
  template <typename T>
  [[nodiscard]] T read_scalar_attribute(hid_t obj, const char* name, hid_t mem_type) const;
  [[nodiscard]] hsize_t length_of(hid_t file, const char* path) const;
  [[nodiscard]] std::vector<std::string> list_members(hid_t group, const std::string& where) const;
  [[nodiscard]] std::int64_t read_int64_at(hid_t file, const std::string& path,
                                           hsize_t index) const;
  void read_networks(hid_t src);
  void read_description(hid_t src);
  void read_layout(hid_t src);

  // ---- writer_read_back.cpp: network snapshots back from a file ----
  // Reads rows [start, start + count) of the 1-D dataset `ds` as `mem_type`
  // into `into` (room for count elements); `what` names it in errors. The one
  // block read that copying (finish) and reading back share.
  void read_block(hid_t ds, hid_t mem_type, hsize_t start, hsize_t count, void* into,
                  const std::string& what) const;
  template <typename T>
  [[nodiscard]] std::vector<T> read_rows(hid_t ds, hid_t mem_type, hsize_t start, hsize_t count,
                                         const std::string& what) const;
  [[nodiscard]] std::vector<std::string> read_text_rows(hid_t ds, hsize_t start, hsize_t count,
                                                        const std::string& what) const;
  void read_network_snapshots(hid_t file,
                              const std::function<void(NetworkSnapshot&&)>& visit) const;
};

}  // namespace pfsim::record
