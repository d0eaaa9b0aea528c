// Results file writer: HDF5 C API + hdf5_hl dimension scales.
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
//    strings, Unidata/netcdf-c#2159), and renames it to the final path. A kill
//    during finish() leaves the closed, complete `.partial` intact.
#include "record/results_writer.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "core/date.hpp"
#include "core/error.hpp"
#include "record/h5_handle.hpp"
#include "record/output_guard.hpp"

namespace pfsim::record {
namespace {

namespace fs = std::filesystem;

constexpr hsize_t kRowsPerChunk = 1024;            // 8 KiB of float64 per chunk
constexpr hsize_t kEventsPerChunk = 64;            // events are rare
constexpr hsize_t kSnapshotsPerChunk = 64;         // network snapshots are rare too
constexpr hsize_t kNetworkRowsPerChunk = 4096;     // node and edge rows: 32 KiB of float64
constexpr hsize_t kCopyRows = 64 * kRowsPerChunk;  // rows per read/write when copying
constexpr unsigned kDeflateLevel = 4;
// Disk space held back for closing files cleanly when the disk fills
// (RunLock::reserve): more than the metadata and chunk a failed flush leaves.
constexpr long kDiskReserveBytes = 1L << 20;
constexpr int kResultsFormatVersion = 1;  // bump when the layout changes
constexpr const char* kTimeName = "date";
constexpr const char* kEventName = "event";
constexpr const char* kCalendar = "proleptic_gregorian";
constexpr const char* kSnapshotName = "snapshot";
constexpr const char* kRowName = "row";
// Columns of /networks/<name>/nodes that are not node attributes.
constexpr std::array<std::string_view, 4> kNodeColumns = {"row", "snapshot", "node_kind",
                                                          "node_index"};
constexpr const char* kEdgeDirection =
    "source owes target: each edge is a claim of `weight` RMB held by `target` (the creditor) "
    "on `source` (the debtor)";

// The `.partial` (SWMR, appended during the run) or the final copy (written once).
enum class Flavor { streaming, final_copy };

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// snake_case-ish: what netCDF, xarray attribute access and HDF5 paths all accept.
bool is_valid_name(std::string_view s) {
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || (!alpha(s.front()) && s.front() != '_')) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || digit(c) || c == '_'; });
}

std::string os_message(int err) {
  return std::generic_category().message(err);
}

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

// Rows of one network: buffered snapshots and what the file already holds.
struct NetworkProgress {
  std::vector<NetworkSnapshot> pending;  // attributes already in declared order
  std::int64_t snapshots = 0;            // flushed (or, for a final copy, to copy)
  std::int64_t nodes = 0;
  std::int64_t edges = 0;
  std::optional<std::int32_t> last_day;  // of the last snapshot accepted
};

}  // namespace

struct ResultsWriter::Impl {
  enum class State { creating, open, finished, discarded, failed };

  fs::path final_path;
  fs::path partial_path;
  fs::path finishing_path;  // the final copy while finish() writes it
  fs::path creating_path;   // the `.partial` until its layout is complete
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

  // ---- errors -------------------------------------------------------------

  [[nodiscard]] UserError user_error(std::string message, std::string hint) const {
    Diagnostic d;
    d.where.file = final_path.string();
    d.message = std::move(message);
    d.hint = std::move(hint);
    return UserError(std::move(d));
  }

  // An HDF5 call failed. An operating-system I/O error (disk full, file system
  // gone read-only) is the user's environment; anything else is our bug.
  [[noreturn]] void fail(std::string_view what) const {
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
      throw user_error("cannot write the results file " + final_path.string() + " (" +
                           std::string(what) + "): " + reason,
                       "check free disk space and that the file system is writable");
    }
    throw InternalError("results file " + partial_path.string() + ": " + std::string(what) +
                        " failed: " + stack);
  }

  template <typename T>
  T check(T status, std::string_view what) const {
    if (status < 0) fail(what);
    return status;
  }

  void ensure_open(const char* operation) const {
    if (state == State::open) return;
    const char* why = state == State::finished    ? "finished"
                      : state == State::discarded ? "discarded"
                                                  : "failed earlier";
    throw InternalError(std::string("ResultsWriter::") + operation + " on a writer that is " + why +
                        " (" + partial_path.string() + ")");
  }

  // ---- checks before any file exists ----------------------------------------

  void validate_arguments() const {
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
  void prepare_output_location() {
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
  void reserve_disk_space(const fs::path& path) {
    const int err = lock.reserve(kDiskReserveBytes);
    if (err == ENOSPC) {
      throw user_error("not enough free disk space for the results file " + path.string() + ": " +
                           os_message(err),
                       "free some space (pfsim needs at least " +
                           std::to_string(kDiskReserveBytes >> 20) +
                           " MiB besides the results) or choose another output directory");
    }
    // Other failures (a file system without fallocate): run without a reserve.
  }

  // ---- building blocks ------------------------------------------------------

  [[nodiscard]] h5::PropList object_create_plist(hid_t plist_class) const {
    h5::PropList pl{check(H5Pcreate(plist_class), "H5Pcreate")};
    // No timestamps in object headers: equal data give equal bytes.
    check(H5Pset_obj_track_times(pl.get(), 0), "H5Pset_obj_track_times");
    // Attributes and links listed in the order written (netCDF keeps that order).
    check(H5Pset_attr_creation_order(pl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "H5Pset_attr_creation_order");
    if (plist_class != H5P_DATASET_CREATE) {
      check(H5Pset_link_creation_order(pl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
            "H5Pset_link_creation_order");
    }
    return pl;
  }

  [[nodiscard]] h5::Group create_group(hid_t parent, const char* name) const {
    const h5::PropList gcpl = object_create_plist(H5P_GROUP_CREATE);
    return h5::Group{check(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                           std::string("creating group ") + name)};
  }

  [[nodiscard]] h5::Datatype fixed_string_type(std::size_t bytes, bool utf8) const {
    h5::Datatype type{check(H5Tcopy(H5T_C_S1), "H5Tcopy")};
    check(H5Tset_size(type.get(), std::max<std::size_t>(bytes, 1)), "H5Tset_size");
    check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
    check(H5Tset_cset(type.get(), utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "H5Tset_cset");
    return type;
  }

  [[nodiscard]] h5::Datatype vlen_string_type() const {
    h5::Datatype type{check(H5Tcopy(H5T_C_S1), "H5Tcopy")};
    check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
    return type;
  }

  void write_attribute(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                       const void* value) const {
    const h5::Dataspace space{check(H5Screate(H5S_SCALAR), "H5Screate")};
    const std::string what = std::string("writing attribute ") + name;
    h5::Attribute attr{
        check(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what)};
    check(H5Awrite(attr.get(), mem_type, value), what);
    check(attr.close(), what);
  }

  // Fixed-length string attribute (netCDF NC_CHAR): what CF readers expect for
  // `units`, `calendar`, `long_name` and `Conventions`. ASCII unless it cannot be.
  void text_attribute(hid_t obj, const char* name, std::string_view value) const {
    const h5::Datatype type = fixed_string_type(value.size(), !is_ascii(value));
    std::string buffer(value);
    if (buffer.empty()) buffer.push_back('\0');
    write_attribute(obj, name, type.get(), type.get(), buffer.data());
  }

  // Variable-length UTF-8 string attribute: h5py returns it as `str`.
  void vlen_text_attribute(hid_t obj, const char* name, const std::string& value) const {
    const h5::Datatype type = vlen_string_type();
    const char* ptr = value.c_str();
    write_attribute(obj, name, type.get(), type.get(), &ptr);
  }

  // One 1-D dataset, empty, growing up to `max_rows` (H5S_UNLIMITED for the
  // `.partial`); chunked, deflate (+ shuffle) if `compress`.
  [[nodiscard]] h5::Dataset create_column(hid_t group, const std::string& name, hid_t file_type,
                                          hsize_t max_rows, hsize_t chunk_rows, bool compress,
                                          const double* fill) const {
    const std::string what = "creating dataset " + name;
    const hsize_t dims = 0;
    if (max_rows != H5S_UNLIMITED) chunk_rows = std::min(chunk_rows, max_rows);
    const h5::Dataspace space{check(H5Screate_simple(1, &dims, &max_rows), what)};
    const h5::PropList dcpl = object_create_plist(H5P_DATASET_CREATE);
    check(H5Pset_chunk(dcpl.get(), 1, &chunk_rows), what);
    if (compress) {
      check(H5Pset_shuffle(dcpl.get()), what);
      check(H5Pset_deflate(dcpl.get(), kDeflateLevel), what);
    }
    if (fill != nullptr) check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, fill), what);
    return h5::Dataset{check(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                        dcpl.get(), H5P_DEFAULT),
                             what)};
  }

  // ---- the layout -----------------------------------------------------------

  void write_root_attributes(hid_t file) const {
    text_attribute(file, "Conventions", "CF-1.8");
    text_attribute(file, "title", "pfsim simulation results");
    text_attribute(file, "pfsim_version", metadata.program_version);
  }

  // `coord_rows`: maximum length of the `date` scale (H5S_UNLIMITED in the `.partial`).
  void create_timeseries(OpenFile& f, hsize_t coord_rows) const {
    const h5::Group group = create_group(f.file.get(), "timeseries");
    const std::string since = "days since " + metadata.start_date;

    f.date = create_column(group.get(), kTimeName, H5T_IEEE_F64LE, coord_rows, kRowsPerChunk, true,
                           nullptr);
    check(H5DSset_scale(f.date.get(), kTimeName), "H5DSset_scale(date)");
    text_attribute(f.date.get(), "units", since);
    text_attribute(f.date.get(), "calendar", kCalendar);
    text_attribute(f.date.get(), "standard_name", "time");
    text_attribute(f.date.get(), "long_name", "simulated calendar day");
    text_attribute(f.date.get(), "axis", "T");

    const double nan = std::numeric_limits<double>::quiet_NaN();
    f.series.clear();
    f.series.reserve(indicators.size());
    for (const auto& spec : indicators) {
      h5::Dataset ds = create_column(group.get(), spec.name, H5T_IEEE_F64LE, H5S_UNLIMITED,
                                     kRowsPerChunk, true, &nan);
      std::string long_name = spec.name;
      std::replace(long_name.begin(), long_name.end(), '_', ' ');
      text_attribute(ds.get(), "units", spec.units);
      text_attribute(ds.get(), "long_name", long_name);
      text_attribute(ds.get(), "description", spec.description);
      write_attribute(ds.get(), "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan);
      check(H5DSattach_scale(ds.get(), f.date.get(), 0), "H5DSattach_scale(" + spec.name + ")");
      f.series.push_back(std::move(ds));
    }
  }

  // `coord_events`: maximum length of the `event` scale (H5S_UNLIMITED in the `.partial`).
  void create_events(OpenFile& f, Flavor flavor, hsize_t coord_events) const {
    const h5::Group group = create_group(f.file.get(), "events");
    const std::string since = "days since " + metadata.start_date;

    f.ev_index = create_column(group.get(), kEventName, H5T_STD_I32LE, coord_events,
                               kEventsPerChunk, true, nullptr);
    check(H5DSset_scale(f.ev_index.get(), kEventName), "H5DSset_scale(event)");
    text_attribute(f.ev_index.get(), "long_name", "event sequence number, in the order recorded");

    f.ev_day = create_column(group.get(), "day", H5T_STD_I32LE, H5S_UNLIMITED, kEventsPerChunk,
                             true, nullptr);
    text_attribute(f.ev_day.get(), "units", since);
    text_attribute(f.ev_day.get(), "calendar", kCalendar);
    text_attribute(f.ev_day.get(), "long_name", "day the event took effect");

    // Streaming: fixed-length (SWMR-safe, compressed: the padding costs nothing).
    // Final copy: variable-length (what netCDF-C and xarray read as strings).
    const auto text_column = [&](const char* name, std::size_t width) {
      if (flavor == Flavor::streaming) {
        const h5::Datatype type = fixed_string_type(width, true);
        return create_column(group.get(), name, type.get(), H5S_UNLIMITED, kEventsPerChunk, true,
                             nullptr);
      }
      const h5::Datatype type = vlen_string_type();
      return create_column(group.get(), name, type.get(), H5S_UNLIMITED, kEventsPerChunk, false,
                           nullptr);
    };
    f.ev_type = text_column("type", max_event_type_bytes);
    text_attribute(f.ev_type.get(), "long_name", "shock type");
    f.ev_parameters = text_column("parameters", max_event_parameters_bytes);
    text_attribute(f.ev_parameters.get(), "long_name", "shock parameters (JSON object)");
    f.ev_condition = text_column("condition", max_event_condition_bytes);
    text_attribute(f.ev_condition.get(), "long_name",
                   "trigger condition that fired (empty for scheduled shocks)");

    for (const h5::Dataset* ds : {&f.ev_day, &f.ev_type, &f.ev_parameters, &f.ev_condition}) {
      check(H5DSattach_scale(ds->get(), f.ev_index.get(), 0), "H5DSattach_scale(event)");
    }
  }

  // Streaming: fixed-length UTF-8 (SWMR-safe). Final copy: variable-length.
  [[nodiscard]] h5::Dataset text_column(hid_t group, const char* name, std::size_t width,
                                        Flavor flavor, hsize_t chunk_rows) const {
    if (flavor == Flavor::streaming) {
      const h5::Datatype type = fixed_string_type(width, true);
      return create_column(group, name, type.get(), H5S_UNLIMITED, chunk_rows, true, nullptr);
    }
    const h5::Datatype type = vlen_string_type();
    return create_column(group, name, type.get(), H5S_UNLIMITED, chunk_rows, false, nullptr);
  }

  // /networks/<name> for every declared network. The coordinates of the final
  // copy are sized to network_progress (what is copied), as for `date`.
  void create_networks(OpenFile& f, Flavor flavor) const {
    f.networks.clear();
    if (networks.empty()) return;
    const h5::Group root = create_group(f.file.get(), "networks");
    text_attribute(root.get(), "long_name", "network snapshots");
    const std::string since = "days since " + metadata.start_date;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto limit = [&](std::int64_t n) {
      return flavor == Flavor::streaming || n == 0 ? H5S_UNLIMITED : static_cast<hsize_t>(n);
    };
    f.networks.resize(networks.size());
    for (std::size_t i = 0; i < networks.size(); ++i) {
      const NetworkSpec& spec = networks[i];
      const NetworkProgress& progress = network_progress[i];
      NetworkDatasets& nd = f.networks[i];
      const h5::Group group = create_group(root.get(), spec.name.c_str());
      std::string long_name = spec.name;
      std::replace(long_name.begin(), long_name.end(), '_', ' ');
      text_attribute(group.get(), "long_name", long_name + " network");
      text_attribute(group.get(), "description", spec.description);
      text_attribute(group.get(), "edge_direction", kEdgeDirection);

      // Snapshot table.
      nd.snapshot = create_column(group.get(), kSnapshotName, H5T_STD_I32LE,
                                  limit(progress.snapshots), kSnapshotsPerChunk, true, nullptr);
      check(H5DSset_scale(nd.snapshot.get(), kSnapshotName), "H5DSset_scale(snapshot)");
      text_attribute(nd.snapshot.get(), "long_name",
                     "snapshot sequence number, in the order recorded");
      nd.day = create_column(group.get(), "day", H5T_STD_I32LE, H5S_UNLIMITED, kSnapshotsPerChunk,
                             true, nullptr);
      text_attribute(nd.day.get(), "units", since);
      text_attribute(nd.day.get(), "calendar", kCalendar);
      text_attribute(nd.day.get(), "long_name", "day the snapshot describes");
      const auto range_column = [&](const char* name, const char* description) {
        h5::Dataset ds = create_column(group.get(), name, H5T_STD_I64LE, H5S_UNLIMITED,
                                       kSnapshotsPerChunk, true, nullptr);
        text_attribute(ds.get(), "long_name", description);
        return ds;
      };
      nd.node_start = range_column("node_start", "first row of the snapshot in nodes/");
      nd.node_count = range_column("node_count", "number of nodes of the snapshot");
      nd.edge_start = range_column("edge_start", "first row of the snapshot in edges/");
      nd.edge_count = range_column("edge_count", "number of edges of the snapshot");
      for (const h5::Dataset* ds :
           {&nd.day, &nd.node_start, &nd.node_count, &nd.edge_start, &nd.edge_count}) {
        check(H5DSattach_scale(ds->get(), nd.snapshot.get(), 0), "H5DSattach_scale(snapshot)");
      }

      // Row coordinate and `snapshot` column of the node and edge tables.
      const auto table_start = [&](hid_t table, h5::Dataset& row, h5::Dataset& snapshot,
                                   std::int64_t rows, const char* what) {
        row = create_column(table, kRowName, H5T_STD_I64LE, limit(rows), kNetworkRowsPerChunk, true,
                            nullptr);
        check(H5DSset_scale(row.get(), kRowName), "H5DSset_scale(row)");
        text_attribute(row.get(), "long_name", std::string("row number in the ") + what + " table");
        snapshot = create_column(table, kSnapshotName, H5T_STD_I32LE, H5S_UNLIMITED,
                                 kNetworkRowsPerChunk, true, nullptr);
        text_attribute(snapshot.get(), "long_name",
                       std::string("snapshot the ") + what + " belongs to (../snapshot)");
      };

      // Nodes.
      {
        const h5::Group nodes = create_group(group.get(), "nodes");
        table_start(nodes.get(), nd.node_row, nd.node_snapshot, progress.nodes, "node");
        nd.node_kind = text_column(nodes.get(), "node_kind", max_node_kind_bytes, flavor,
                                   kNetworkRowsPerChunk);
        text_attribute(nd.node_kind.get(), "long_name", "kind of agent, e.g. bank");
        nd.node_index = create_column(nodes.get(), "node_index", H5T_STD_U32LE, H5S_UNLIMITED,
                                      kNetworkRowsPerChunk, true, nullptr);
        text_attribute(nd.node_index.get(), "long_name", "index of the agent within its kind");
        nd.node_attributes.clear();
        for (const auto& attr : spec.node_attributes) {
          h5::Dataset ds = create_column(nodes.get(), attr, H5T_IEEE_F64LE, H5S_UNLIMITED,
                                         kNetworkRowsPerChunk, true, &nan);
          std::string attr_long_name = attr;
          std::replace(attr_long_name.begin(), attr_long_name.end(), '_', ' ');
          text_attribute(ds.get(), "long_name", attr_long_name);
          write_attribute(ds.get(), "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan);
          nd.node_attributes.push_back(std::move(ds));
        }
        check(H5DSattach_scale(nd.node_snapshot.get(), nd.node_row.get(), 0), "H5DSattach_scale");
        check(H5DSattach_scale(nd.node_kind.get(), nd.node_row.get(), 0), "H5DSattach_scale");
        check(H5DSattach_scale(nd.node_index.get(), nd.node_row.get(), 0), "H5DSattach_scale");
        for (const auto& ds : nd.node_attributes) {
          check(H5DSattach_scale(ds.get(), nd.node_row.get(), 0), "H5DSattach_scale");
        }
      }

      // Edges.
      {
        const h5::Group edges = create_group(group.get(), "edges");
        text_attribute(edges.get(), "edge_direction", kEdgeDirection);
        table_start(edges.get(), nd.edge_row, nd.edge_snapshot, progress.edges, "edge");
        nd.source = create_column(edges.get(), "source", H5T_STD_U32LE, H5S_UNLIMITED,
                                  kNetworkRowsPerChunk, true, nullptr);
        text_attribute(nd.source.get(), "long_name",
                       "debtor: position of the node in its snapshot's node list");
        nd.target = create_column(edges.get(), "target", H5T_STD_U32LE, H5S_UNLIMITED,
                                  kNetworkRowsPerChunk, true, nullptr);
        text_attribute(nd.target.get(), "long_name",
                       "creditor: position of the node in its snapshot's node list");
        nd.weight = create_column(edges.get(), "weight", H5T_IEEE_F64LE, H5S_UNLIMITED,
                                  kNetworkRowsPerChunk, true, nullptr);
        text_attribute(nd.weight.get(), "units", "RMB");
        text_attribute(nd.weight.get(), "long_name", "amount source owes target");
        for (const h5::Dataset* ds : {&nd.edge_snapshot, &nd.source, &nd.target, &nd.weight}) {
          check(H5DSattach_scale(ds->get(), nd.edge_row.get(), 0), "H5DSattach_scale");
        }
      }
    }
  }

  void create_metadata(hid_t file, Flavor flavor) const {
    const h5::Group group = create_group(file, "metadata");

    // The resolved scenario can be long: a scalar string dataset, not an attribute.
    {
      const h5::Datatype type = vlen_string_type();
      const h5::Dataspace space{check(H5Screate(H5S_SCALAR), "H5Screate")};
      const h5::PropList dcpl = object_create_plist(H5P_DATASET_CREATE);
      h5::Dataset ds{check(H5Dcreate2(group.get(), "scenario", type.get(), space.get(), H5P_DEFAULT,
                                      dcpl.get(), H5P_DEFAULT),
                           "creating dataset metadata/scenario")};
      const char* text = metadata.scenario_text.c_str();
      check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
            "writing metadata/scenario");
      text_attribute(ds.get(), "long_name", "fully resolved scenario (YAML)");
      check(ds.close(), "closing metadata/scenario");
    }
    // Interventions are known only at the end of a run (Python adds them until
    // then): written into the final copy, before it is renamed into place.
    if (flavor == Flavor::final_copy && interventions_json) {
      const h5::Datatype type = vlen_string_type();
      const h5::Dataspace space{check(H5Screate(H5S_SCALAR), "H5Screate")};
      const h5::PropList dcpl = object_create_plist(H5P_DATASET_CREATE);
      h5::Dataset ds{check(H5Dcreate2(group.get(), "interventions", type.get(), space.get(),
                                      H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                           "creating dataset metadata/interventions")};
      const char* text = interventions_json->c_str();
      check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
            "writing metadata/interventions");
      text_attribute(ds.get(), "long_name",
                     "interventions from Python, in the order applied (JSON list)");
      check(ds.close(), "closing metadata/interventions");
    }

    vlen_text_attribute(group.get(), "scenario_path", metadata.scenario_path);
    write_attribute(group.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &metadata.seed);
    const std::int32_t threads = metadata.threads;
    write_attribute(group.get(), "threads", H5T_STD_I32LE, H5T_NATIVE_INT32, &threads);
    vlen_text_attribute(group.get(), "program_version", metadata.program_version);
    vlen_text_attribute(group.get(), "git_commit", metadata.git_commit);
    vlen_text_attribute(group.get(), "start_date", metadata.start_date);
    vlen_text_attribute(group.get(), "created_by", "pfsim " + metadata.program_version);
    const std::int32_t format = kResultsFormatVersion;
    write_attribute(group.get(), "results_format_version", H5T_STD_I32LE, H5T_NATIVE_INT32,
                    &format);
  }

  // `rows`/`events`: the final copy's exact lengths (ignored for the `.partial`).
  [[nodiscard]] OpenFile create_file(const fs::path& path, Flavor flavor, hsize_t rows = 0,
                                     hsize_t events = 0) const {
    OpenFile f;
    const h5::PropList fcpl = object_create_plist(H5P_FILE_CREATE);
    h5::PropList fapl{check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate")};
    // SWMR needs the 1.10 format; it is pinned (not "latest") so files stay readable
    // by HDF5 1.10 whatever library pfsim is built with. The final copy uses the
    // 1.8 format, which every HDF5 and netCDF-4 reader in use understands.
    const H5F_libver_t low = flavor == Flavor::streaming ? H5F_LIBVER_V110 : H5F_LIBVER_EARLIEST;
    const H5F_libver_t high = flavor == Flavor::streaming ? H5F_LIBVER_V110 : H5F_LIBVER_V18;
    check(H5Pset_libver_bounds(fapl.get(), low, high), "H5Pset_libver_bounds");
    // Lock against a second writer, but work on file systems without locks.
    check(H5Pset_file_locking(fapl.get(), 1, 1), "H5Pset_file_locking");
    // O_EXCL (the caller removed a stale file under the run lock): never opens
    // through a symlink or anything planted at the path since.
    f.file = h5::File{check(H5Fcreate(path.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get()),
                            "creating " + path.string())};
    f.reserve = &lock;
    write_root_attributes(f.file.get());
    // Data variables are extendable along time in both files. The coordinates
    // (dimension scales) of the final copy are sized exactly: netCDF readers take
    // an unlimited scale as "ask every attached variable for its length", which
    // costs h5netcdf 1.1 O(indicators^2) (23 s to open a file with 300).
    const auto limit = [&](hsize_t n) {
      return flavor == Flavor::streaming || n == 0 ? H5S_UNLIMITED : n;
    };
    create_timeseries(f, limit(rows));
    create_events(f, flavor, limit(events));
    create_networks(f, flavor);
    create_metadata(f.file.get(), flavor);
    if (flavor == Flavor::streaming) {
      // From here on the file is only appended to; no object or attribute may be
      // created any more. Groups and attributes are closed, datasets stay open.
      check(H5Fstart_swmr_write(f.file.get()), "H5Fstart_swmr_write");
    }
    return f;
  }

  void create() {
    validate_arguments();
    prepare_output_location();
    try {
      h5::QuietErrors quiet;
      network_progress.assign(networks.size(), {});
      // Created under another name and renamed once SWMR writing has started:
      // a kill while the layout is being created (the first tens of ms) leaves
      // a `.creating` file that the next run deletes, never a `.partial` that
      // neither an SWMR reader nor a plain one can open.
      out = create_file(creating_path, Flavor::streaming);
      if (::rename(creating_path.c_str(), partial_path.c_str()) != 0) {
        const int err = errno;
        throw user_error("cannot rename " + creating_path.string() + " to " +
                             partial_path.string() + ": " + os_message(err),
                         "check that the directory is writable");
      }
      const std::size_t batch = std::min<std::size_t>(flush_every, 4096);
      pending_days.reserve(batch);
      pending_values.assign(indicators.size(), {});
      for (auto& column : pending_values) column.reserve(batch);
      state = State::open;
    } catch (...) {
      out.close_quietly();
      std::error_code ec;
      fs::remove(creating_path, ec);
      fs::remove(partial_path, ec);
      state = State::failed;
      throw;
    }
  }

  // ---- writing ------------------------------------------------------------

  void append_rows(hid_t ds, const std::string& name, hid_t mem_type, hsize_t old_rows,
                   hsize_t rows, const void* data, bool flush_dataset) const {
    if (rows == 0) return;
    const std::string what = "appending to " + name;
    const hsize_t new_rows = old_rows + rows;
    check(H5Dset_extent(ds, &new_rows), what);
    const h5::Dataspace file_space{check(H5Dget_space(ds), what)};
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &old_rows, nullptr, &rows, nullptr),
          what);
    const h5::Dataspace mem_space{check(H5Screate_simple(1, &rows, nullptr), what)};
    check(H5Dwrite(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data), what);
    if (flush_dataset) check(H5Dflush(ds), what);
  }

  void append_text_column(hid_t ds, const std::string& name, std::size_t width,
                          std::string EventRecord::*field) const {
    std::string buffer(pending_events.size() * width, '\0');
    for (std::size_t i = 0; i < pending_events.size(); ++i) {
      const std::string& s = pending_events[i].*field;
      std::memcpy(buffer.data() + i * width, s.data(), s.size());
    }
    const h5::Datatype type = fixed_string_type(width, true);
    append_rows(ds, name, type.get(), static_cast<hsize_t>(events_flushed), pending_events.size(),
                buffer.data(), true);
  }

  // Appends the buffered snapshots of network `i`: node rows, then edge rows, then
  // the snapshot table, its coordinate `snapshot` last, so that the length of
  // `snapshot` counts complete snapshots and node_start/edge_start + count of the
  // last one the complete node and edge rows.
  void write_network_pending(std::size_t i) {
    NetworkProgress& p = network_progress[i];
    if (p.pending.empty()) return;
    NetworkDatasets& nd = out.networks[i];
    const std::string base = "networks/" + networks[i].name;
    const std::size_t n_attrs = networks[i].node_attributes.size();

    std::vector<std::int32_t> snapshot_ids, days;
    std::vector<std::int64_t> node_start, node_count, edge_start, edge_count;
    std::vector<std::int64_t> node_rows, edge_rows;
    std::vector<std::int32_t> node_snapshot, edge_snapshot;
    std::string kinds;
    std::vector<std::uint32_t> node_index, source, target;
    std::vector<std::vector<double>> attrs(n_attrs);
    std::vector<double> weight;
    std::int64_t nodes = p.nodes;
    std::int64_t edges = p.edges;
    for (std::size_t k = 0; k < p.pending.size(); ++k) {
      const NetworkSnapshot& s = p.pending[k];
      const auto id = static_cast<std::int32_t>(p.snapshots + static_cast<std::int64_t>(k));
      const auto n = static_cast<std::int64_t>(s.node_kind.size());
      const auto m = static_cast<std::int64_t>(s.source.size());
      snapshot_ids.push_back(id);
      days.push_back(s.day);
      node_start.push_back(nodes);
      node_count.push_back(n);
      edge_start.push_back(edges);
      edge_count.push_back(m);
      const std::size_t offset = kinds.size();
      kinds.resize(offset + s.node_kind.size() * max_node_kind_bytes, '\0');
      for (std::size_t j = 0; j < s.node_kind.size(); ++j) {
        std::memcpy(kinds.data() + offset + j * max_node_kind_bytes, s.node_kind[j].data(),
                    s.node_kind[j].size());
        node_rows.push_back(nodes + static_cast<std::int64_t>(j));
        node_snapshot.push_back(id);
      }
      node_index.insert(node_index.end(), s.node_index.begin(), s.node_index.end());
      for (std::size_t a = 0; a < n_attrs; ++a) {
        attrs[a].insert(attrs[a].end(), s.node_attributes[a].begin(), s.node_attributes[a].end());
      }
      for (std::int64_t e = 0; e < m; ++e) {
        edge_rows.push_back(edges + e);
        edge_snapshot.push_back(id);
      }
      source.insert(source.end(), s.source.begin(), s.source.end());
      target.insert(target.end(), s.target.begin(), s.target.end());
      weight.insert(weight.end(), s.weight.begin(), s.weight.end());
      nodes += n;
      edges += m;
    }

    const auto old_nodes = static_cast<hsize_t>(p.nodes);
    const auto new_nodes = static_cast<hsize_t>(nodes - p.nodes);
    append_rows(nd.node_snapshot.get(), base + "/nodes/snapshot", H5T_NATIVE_INT32, old_nodes,
                new_nodes, node_snapshot.data(), true);
    {
      const h5::Datatype type = fixed_string_type(max_node_kind_bytes, true);
      append_rows(nd.node_kind.get(), base + "/nodes/node_kind", type.get(), old_nodes, new_nodes,
                  kinds.data(), true);
    }
    append_rows(nd.node_index.get(), base + "/nodes/node_index", H5T_NATIVE_UINT32, old_nodes,
                new_nodes, node_index.data(), true);
    for (std::size_t a = 0; a < n_attrs; ++a) {
      append_rows(nd.node_attributes[a].get(), base + "/nodes/" + networks[i].node_attributes[a],
                  H5T_NATIVE_DOUBLE, old_nodes, new_nodes, attrs[a].data(), true);
    }
    append_rows(nd.node_row.get(), base + "/nodes/row", H5T_NATIVE_INT64, old_nodes, new_nodes,
                node_rows.data(), true);

    const auto old_edges = static_cast<hsize_t>(p.edges);
    const auto new_edges = static_cast<hsize_t>(edges - p.edges);
    append_rows(nd.edge_snapshot.get(), base + "/edges/snapshot", H5T_NATIVE_INT32, old_edges,
                new_edges, edge_snapshot.data(), true);
    append_rows(nd.source.get(), base + "/edges/source", H5T_NATIVE_UINT32, old_edges, new_edges,
                source.data(), true);
    append_rows(nd.target.get(), base + "/edges/target", H5T_NATIVE_UINT32, old_edges, new_edges,
                target.data(), true);
    append_rows(nd.weight.get(), base + "/edges/weight", H5T_NATIVE_DOUBLE, old_edges, new_edges,
                weight.data(), true);
    append_rows(nd.edge_row.get(), base + "/edges/row", H5T_NATIVE_INT64, old_edges, new_edges,
                edge_rows.data(), true);

    const auto old_snaps = static_cast<hsize_t>(p.snapshots);
    const hsize_t new_snaps = p.pending.size();
    append_rows(nd.day.get(), base + "/day", H5T_NATIVE_INT32, old_snaps, new_snaps, days.data(),
                true);
    append_rows(nd.node_start.get(), base + "/node_start", H5T_NATIVE_INT64, old_snaps, new_snaps,
                node_start.data(), true);
    append_rows(nd.node_count.get(), base + "/node_count", H5T_NATIVE_INT64, old_snaps, new_snaps,
                node_count.data(), true);
    append_rows(nd.edge_start.get(), base + "/edge_start", H5T_NATIVE_INT64, old_snaps, new_snaps,
                edge_start.data(), true);
    append_rows(nd.edge_count.get(), base + "/edge_count", H5T_NATIVE_INT64, old_snaps, new_snaps,
                edge_count.data(), true);
    // The coordinate last: its length counts complete snapshots.
    append_rows(nd.snapshot.get(), base + "/snapshot", H5T_NATIVE_INT32, old_snaps, new_snaps,
                snapshot_ids.data(), true);
    p.snapshots += static_cast<std::int64_t>(new_snaps);
    p.nodes = nodes;
    p.edges = edges;
    p.pending.clear();
  }

  void write_pending() {
    for (std::size_t i = 0; i < networks.size(); ++i) write_network_pending(i);
    if (!pending_events.empty()) {
      const auto n = static_cast<hsize_t>(events_flushed);
      const hsize_t k = pending_events.size();
      std::vector<std::int32_t> days(k);
      std::vector<std::int32_t> index(k);
      for (std::size_t i = 0; i < k; ++i) {
        days[i] = pending_events[i].day;
        index[i] = static_cast<std::int32_t>(n + i);
      }
      append_rows(out.ev_day.get(), "events/day", H5T_NATIVE_INT32, n, k, days.data(), true);
      append_text_column(out.ev_type.get(), "events/type", max_event_type_bytes,
                         &EventRecord::type);
      append_text_column(out.ev_parameters.get(), "events/parameters", max_event_parameters_bytes,
                         &EventRecord::parameters);
      append_text_column(out.ev_condition.get(), "events/condition", max_event_condition_bytes,
                         &EventRecord::condition);
      // The coordinate last: its length counts complete events.
      append_rows(out.ev_index.get(), "events/event", H5T_NATIVE_INT32, n, k, index.data(), true);
      events_flushed += static_cast<std::int64_t>(k);
      pending_events.clear();
    }
    if (!pending_days.empty()) {
      const auto n = static_cast<hsize_t>(rows_flushed);
      const hsize_t k = pending_days.size();
      for (std::size_t i = 0; i < out.series.size(); ++i) {
        append_rows(out.series[i].get(), "timeseries/" + indicators[i].name, H5T_NATIVE_DOUBLE, n,
                    k, pending_values[i].data(), true);
        pending_values[i].clear();
      }
      // The coordinate last: its length counts complete rows.
      append_rows(out.date.get(), "timeseries/date", H5T_NATIVE_DOUBLE, n, k, pending_days.data(),
                  true);
      rows_flushed += static_cast<std::int64_t>(k);
      pending_days.clear();
    }
    check(H5Fflush(out.file.get(), H5F_SCOPE_LOCAL), "H5Fflush");
  }

  void flush() {
    ensure_open("flush");
    h5::QuietErrors quiet;
    try {
      write_pending();
    } catch (...) {
      state = State::failed;
      throw;
    }
  }

  // ---- finishing ------------------------------------------------------------

  void close_checked(OpenFile& f, const std::string& what) const {
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
  void copy_numeric(hid_t src_file, const std::string& path, hid_t dst, hid_t mem_type,
                    std::size_t elem_size, hsize_t rows) const {
    const h5::Dataset src{check(H5Dopen2(src_file, path.c_str(), H5P_DEFAULT), "opening " + path)};
    std::vector<unsigned char> buffer(static_cast<std::size_t>(std::min(rows, kCopyRows)) *
                                      elem_size);
    for (hsize_t start = 0; start < rows; start += kCopyRows) {
      const hsize_t count = std::min(kCopyRows, rows - start);
      const h5::Dataspace file_space{check(H5Dget_space(src.get()), "reading " + path)};
      check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
            "reading " + path);
      const h5::Dataspace mem_space{check(H5Screate_simple(1, &count, nullptr), "reading " + path)};
      check(H5Dread(src.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT,
                    buffer.data()),
            "reading " + path);
      append_rows(dst, path, mem_type, start, count, buffer.data(), false);
    }
  }

  void copy_text(hid_t src_file, const std::string& path, hid_t dst, std::size_t width,
                 hsize_t rows) const {
    if (rows == 0) return;
    const h5::Dataset src{check(H5Dopen2(src_file, path.c_str(), H5P_DEFAULT), "opening " + path)};
    const h5::Datatype fixed = fixed_string_type(width, true);
    std::string raw(static_cast<std::size_t>(rows) * width, '\0');
    const hsize_t start = 0;
    const h5::Dataspace file_space{check(H5Dget_space(src.get()), "reading " + path)};
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &rows, nullptr),
          "reading " + path);
    const h5::Dataspace mem_space{check(H5Screate_simple(1, &rows, nullptr), "reading " + path)};
    check(
        H5Dread(src.get(), fixed.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, raw.data()),
        "reading " + path);
    std::vector<std::string> text(static_cast<std::size_t>(rows));
    std::vector<const char*> pointers(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      const std::string_view cell(raw.data() + i * width, width);
      text[i] = std::string(cell.substr(0, cell.find('\0')));
      pointers[i] = text[i].c_str();
    }
    const h5::Datatype vlen = vlen_string_type();
    append_rows(dst, path, vlen.get(), 0, rows, pointers.data(), false);
  }

  // Writes `finishing_path` from the `.partial` open as `src`: rows_flushed rows
  // and events_flushed events, in the final layout.
  void write_final_copy(hid_t src_file) const {
    const auto rows = static_cast<hsize_t>(rows_flushed);
    const auto events = static_cast<hsize_t>(events_flushed);
    OpenFile dst = create_file(finishing_path, Flavor::final_copy, rows, events);
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
      copy_text(src_file, base + "/nodes/node_kind", nd.node_kind.get(), max_node_kind_bytes,
                nodes);
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

  // ---- reading a `.partial` back (finish, recover) ---------------------------

  // Opens a results file read-only: as an SWMR reader when possible (a `.partial`
  // whose writer died still carries the "open for SWMR writing" flags, and SWMR
  // readers also ignore the possibly stale end-of-file address in its superblock),
  // else plainly (files in the 1.8 format, such as finished ones).
  [[nodiscard]] h5::ReadOnlyFile open_for_reading(const fs::path& path,
                                                  unsigned read_attempts = 1) const {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      Diagnostic d;
      d.where.file = path.string();
      d.message = "cannot read results file " + path.string() +
                  ": not a regular file (a directory, device or FIFO)";
      d.hint = "give the `.partial` file a pfsim run left behind";
      throw UserError(std::move(d));
    }
    h5::PropList fapl{check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate")};
    check(H5Pset_file_locking(fapl.get(), 1, 1), "H5Pset_file_locking");
    // An SWMR reader retries a metadata block whose checksum fails, in case a
    // live writer is changing it: 100 times by default, for every block, which
    // on a damaged file adds up to many minutes. Without a live writer
    // (finish() reads its own closed file; recover() holds the run lock) a bad
    // checksum is damage: fail at once. inspect() allows a few attempts when
    // the file's writer is live.
    check(H5Pset_metadata_read_attempts(fapl.get(), read_attempts),
          "H5Pset_metadata_read_attempts");
    for (const unsigned flags : {H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5F_ACC_RDONLY}) {
      const hid_t id = H5Fopen(path.c_str(), flags, fapl.get());
      if (id >= 0) return h5::ReadOnlyFile{id};
    }
    const std::string stack = h5::take_error_stack();
    std::error_code ec;
    const std::string reason =
        fs::exists(path, ec) ? "not a readable HDF5 file (" + stack + ")" : "no such file";
    Diagnostic d;
    d.where.file = path.string();
    d.message = "cannot read results file " + path.string() + ": " + reason;
    d.hint = "give the `.partial` file a pfsim run left behind";
    throw UserError(std::move(d));
  }

  [[nodiscard]] std::string read_string_attribute(hid_t obj, const char* name,
                                                  const std::string& where) const {
    const std::string what = "reading attribute " + where + ":" + name;
    const h5::Attribute attr{check(H5Aopen(obj, name, H5P_DEFAULT), what)};
    const h5::Datatype type{check(H5Aget_type(attr.get()), what)};
    if (H5Tget_class(type.get()) != H5T_STRING) fail(what + " (not a string)");
    if (check(H5Tis_variable_str(type.get()), what) > 0) {
      char* text = nullptr;
      check(H5Aread(attr.get(), type.get(), &text), what);
      std::string out = text == nullptr ? "" : text;
      H5free_memory(text);
      return out;
    }
    std::string out(H5Tget_size(type.get()), '\0');
    check(H5Aread(attr.get(), type.get(), out.data()), what);
    return out.substr(0, out.find('\0'));
  }

  template <typename T>
  [[nodiscard]] T read_scalar_attribute(hid_t obj, const char* name, hid_t mem_type) const {
    const std::string what = std::string("reading attribute ") + name;
    const h5::Attribute attr{check(H5Aopen(obj, name, H5P_DEFAULT), what)};
    T value{};
    check(H5Aread(attr.get(), mem_type, &value), what);
    return value;
  }

  [[nodiscard]] hsize_t length_of(hid_t file, const char* path) const {
    const h5::Dataset ds{check(H5Dopen2(file, path, H5P_DEFAULT), std::string("opening ") + path)};
    const h5::Dataspace space{check(H5Dget_space(ds.get()), std::string("reading ") + path)};
    hsize_t dims = 0;
    if (check(H5Sget_simple_extent_dims(space.get(), &dims, nullptr), path) != 1) {
      fail(std::string(path) + " is not 1-D");
    }
    return dims;
  }

  // Member names of a group in creation order (same API in HDF5 1.8-1.14).
  [[nodiscard]] std::vector<std::string> list_members(hid_t group, const std::string& where) const {
    H5G_info_t info{};
    check(H5Gget_info(group, &info), "listing " + where);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t size = check(H5Lget_name_by_idx(group, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i,
                                                    nullptr, 0, H5P_DEFAULT),
                                 "listing " + where);
      std::string name(static_cast<std::size_t>(size) + 1, '\0');
      check(H5Lget_name_by_idx(group, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name.data(),
                               name.size(), H5P_DEFAULT),
            "listing " + where);
      name.resize(static_cast<std::size_t>(size));
      names.push_back(std::move(name));
    }
    return names;
  }

  // Element `index` of a 1-D int64 dataset.
  [[nodiscard]] std::int64_t read_int64_at(hid_t file, const std::string& path,
                                           hsize_t index) const {
    const std::string what = "reading " + path;
    const h5::Dataset ds{check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "opening " + path)};
    const h5::Dataspace file_space{check(H5Dget_space(ds.get()), what)};
    const hsize_t one = 1;
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &index, nullptr, &one, nullptr),
          what);
    const h5::Dataspace mem_space{check(H5Screate_simple(1, &one, nullptr), what)};
    std::int64_t value = 0;
    check(
        H5Dread(ds.get(), H5T_NATIVE_INT64, mem_space.get(), file_space.get(), H5P_DEFAULT, &value),
        what);
    return value;
  }

  // The declared networks of `src` and, per network, the complete snapshots and
  // the node and edge rows they cover (network_progress, for write_final_copy).
  void read_networks(hid_t src) {
    networks.clear();
    network_progress.clear();
    if (check(H5Lexists(src, "/networks", H5P_DEFAULT), "looking for /networks") == 0) return;
    const h5::Group root{check(H5Gopen2(src, "/networks", H5P_DEFAULT), "opening /networks")};
    for (const auto& name : list_members(root.get(), "/networks")) {
      const std::string base = "/networks/" + name;
      NetworkSpec spec;
      spec.name = name;
      {
        const h5::Group group{check(H5Gopen2(src, base.c_str(), H5P_DEFAULT), "opening " + base)};
        spec.description = read_string_attribute(group.get(), "description", base);
        const h5::Group nodes{
            check(H5Gopen2(group.get(), "nodes", H5P_DEFAULT), "opening " + base + "/nodes")};
        for (auto& column : list_members(nodes.get(), base + "/nodes")) {
          if (std::find(kNodeColumns.begin(), kNodeColumns.end(), column) == kNodeColumns.end()) {
            spec.node_attributes.push_back(std::move(column));
          }
        }
      }
      NetworkProgress p;
      // `snapshot` is written last in every flush: its length counts complete snapshots.
      const hsize_t snaps = length_of(src, (base + "/snapshot").c_str());
      p.snapshots = static_cast<std::int64_t>(snaps);
      if (snaps > 0) {
        p.nodes = read_int64_at(src, base + "/node_start", snaps - 1) +
                  read_int64_at(src, base + "/node_count", snaps - 1);
        p.edges = read_int64_at(src, base + "/edge_start", snaps - 1) +
                  read_int64_at(src, base + "/edge_count", snaps - 1);
      }
      if (p.nodes < 0 ||
          static_cast<hsize_t>(p.nodes) > length_of(src, (base + "/nodes/row").c_str()) ||
          p.edges < 0 ||
          static_cast<hsize_t>(p.edges) > length_of(src, (base + "/edges/row").c_str())) {
        fail(base + ": the snapshot table covers more node or edge rows than the file holds");
      }
      networks.push_back(std::move(spec));
      network_progress.push_back(std::move(p));
    }
  }

  // Indicators and run metadata, as the writer of `src` was given them.
  void read_description(hid_t src) {
    {
      const h5::Group md{check(H5Gopen2(src, "/metadata", H5P_DEFAULT), "opening /metadata")};
      metadata.scenario_path = read_string_attribute(md.get(), "scenario_path", "/metadata");
      metadata.seed = read_scalar_attribute<std::uint64_t>(md.get(), "seed", H5T_NATIVE_UINT64);
      metadata.threads = read_scalar_attribute<std::int32_t>(md.get(), "threads", H5T_NATIVE_INT32);
      metadata.program_version = read_string_attribute(md.get(), "program_version", "/metadata");
      metadata.git_commit = read_string_attribute(md.get(), "git_commit", "/metadata");
      metadata.start_date = read_string_attribute(md.get(), "start_date", "/metadata");
      const h5::Dataset scenario{
          check(H5Dopen2(md.get(), "scenario", H5P_DEFAULT), "opening /metadata/scenario")};
      const h5::Datatype type = vlen_string_type();
      char* text = nullptr;
      check(H5Dread(scenario.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
            "reading /metadata/scenario");
      metadata.scenario_text = text == nullptr ? "" : text;
      H5free_memory(text);
    }
    const h5::Group ts{check(H5Gopen2(src, "/timeseries", H5P_DEFAULT), "opening /timeseries")};
    // Creation order = the order the writer was given.
    const std::vector<std::string> names = list_members(ts.get(), "/timeseries");
    indicators.clear();
    for (const auto& name : names) {
      if (name == kTimeName) continue;
      const h5::Dataset ds{
          check(H5Dopen2(ts.get(), name.c_str(), H5P_DEFAULT), "opening /timeseries/" + name)};
      const std::string where = "/timeseries/" + name;
      indicators.push_back({name, read_string_attribute(ds.get(), "units", where),
                            read_string_attribute(ds.get(), "description", where)});
    }
  }

  // What recover() and inspect() need to know of a file open as `src`: its
  // indicators, metadata and networks, and the complete rows, events and
  // snapshots (the coordinates are written last in every flush: their lengths
  // count complete ones). Throws InternalError when the file is not a pfsim
  // results file or is damaged.
  void read_layout(hid_t src) {
    read_description(src);
    rows_flushed = static_cast<std::int64_t>(length_of(src, "/timeseries/date"));
    events_flushed = static_cast<std::int64_t>(length_of(src, "/events/event"));
    read_networks(src);
    validate_arguments();
  }

  // Makes the final copy durable before the rename publishes it (the rename itself
  // is made durable by syncing the directory, best effort).
  void sync_to_disk(const fs::path& path) const {
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

  void sync_directory_quietly() const noexcept {
    const fs::path dir = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      (void)::fsync(fd);
      ::close(fd);
    }
  }

  void finish() {
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

  void discard() {
    if (state == State::discarded) return;
    if (state == State::finished) {
      throw InternalError("ResultsWriter::discard after finish (" + final_path.string() + ")");
    }
    out.close_quietly();
    pending_days.clear();
    pending_events.clear();
    for (auto& p : network_progress) p.pending.clear();
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
  void abandon() noexcept {
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
};

std::int64_t ResultsWriter::recover(const std::filesystem::path& partial,
                                    const std::filesystem::path& final_path) {
  Impl w;
  w.final_path = final_path;
  w.partial_path = partial;
  w.finishing_path = final_path;
  w.finishing_path += ".finishing";
  // The run that wrote `<base>.partial` holds `<base>.lock` while it lives:
  // recovering the file of a live run is refused (it is not damaged, only
  // unfinished), as is a second recovery into the same file.
  std::optional<RunLock> writer_lock;
  if (partial.extension() == ".partial") {
    fs::path base = partial;
    base.replace_extension();
    std::error_code ec;
    if (!fs::equivalent(base, final_path, ec) && base != final_path) writer_lock.emplace(base);
  }
  std::error_code same_ec;
  if (partial == final_path || fs::equivalent(partial, final_path, same_ec)) {
    throw w.user_error("recover would write its output over its input " + partial.string(),
                       "give another output file with -o");
  }
  if (path_kind(final_path) == PathKind::directory) {
    throw w.user_error("the output path " + final_path.string() + " is a directory",
                       "give a file name, e.g. " + (final_path / "results.h5").string());
  }
  require_regular_or_absent(final_path, "the output path");
  w.lock = RunLock(final_path);
  w.reserve_disk_space(final_path);
  remove_stale_file(w.finishing_path, "unfinished results file");
  h5::QuietErrors quiet;
  h5::ReadOnlyFile src = w.open_for_reading(partial);
  try {
    w.read_layout(src.get());
    w.write_final_copy(src.get());
    w.check(src.close(), "closing " + partial.string());
    w.sync_to_disk(w.finishing_path);
  } catch (const InternalError& e) {
    // A damaged file can leave objects in HDF5's caches that its exit code
    // then fails to free ("HDF5: infinite loop closing library" on stderr).
    ++h5::parked_files();
    std::error_code ec;
    fs::remove(w.finishing_path, ec);
    Diagnostic d;
    d.where.file = partial.string();
    d.message = std::string("cannot recover results from ") + partial.string() +
                ": not a complete pfsim results file (" + e.what() + ")";
    throw UserError(std::move(d));
  } catch (...) {
    std::error_code ec;
    fs::remove(w.finishing_path, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(w.finishing_path, final_path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(w.finishing_path, ignored);
    throw w.user_error("cannot rename " + w.finishing_path.string() + " to " + final_path.string() +
                           ": " + ec.message(),
                       "check that the directory is writable");
  }
  w.sync_directory_quietly();
  return w.rows_flushed;
}

std::int64_t ResultsWriter::inspect(const std::filesystem::path& path) {
  Impl w;
  w.final_path = path;
  w.partial_path = path;
  h5::QuietErrors quiet;
  // A `.partial` whose run is still writing it: retries are then legitimate.
  fs::path base = path;
  const bool live = base.extension() == ".partial" && writer_is_live(base.replace_extension());
  const h5::ReadOnlyFile src = w.open_for_reading(path, live ? 10 : 1);
  try {
    w.read_layout(src.get());
  } catch (const InternalError& e) {
    // A damaged file can leave objects in HDF5's caches that its exit code
    // then fails to free ("HDF5: infinite loop closing library" on stderr).
    ++h5::parked_files();
    Diagnostic d;
    d.where.file = path.string();
    d.message = "cannot read results file " + path.string() +
                ": not a complete pfsim results file, or damaged (" + e.what() + ")";
    d.hint = "if it is the .partial of a killed run, try `pfsim recover`";
    throw UserError(std::move(d));
  }
  return w.rows_flushed;
}

ResultsWriter::ResultsWriter(std::filesystem::path final_path,
                             std::vector<IndicatorSpec> indicators, RunMetadata metadata,
                             int flush_every_steps, std::vector<NetworkSpec> networks)
    : impl_(std::make_unique<Impl>()) {
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

void ResultsWriter::append(std::int32_t day, std::span<const double> values) {
  Impl& w = *impl_;
  w.ensure_open("append");
  if (values.size() != w.indicators.size()) {
    throw InternalError("ResultsWriter::append: " + std::to_string(values.size()) + " values for " +
                        std::to_string(w.indicators.size()) + " indicators");
  }
  if (w.last_day && day <= *w.last_day) {
    throw InternalError("ResultsWriter::append: day " + std::to_string(day) +
                        " does not follow day " + std::to_string(*w.last_day));
  }
  w.pending_days.push_back(static_cast<double>(day));
  for (std::size_t i = 0; i < values.size(); ++i) w.pending_values[i].push_back(values[i]);
  w.last_day = day;
  ++w.rows_written;
  if (w.pending_days.size() >= w.flush_every) w.flush();
}

void ResultsWriter::record_event(const EventRecord& event) {
  Impl& w = *impl_;
  w.ensure_open("record_event");
  const auto too_long = [&](const std::string& value, std::size_t limit, const char* field) {
    if (value.size() <= limit) return;
    Diagnostic d;
    d.where.file = w.metadata.scenario_path;
    d.message = "event '" + event.type.substr(0, max_event_type_bytes) + "' on day " +
                std::to_string(event.day) + ": its " + field + " is " +
                std::to_string(value.size()) + " bytes; the results file stores at most " +
                std::to_string(limit);
    d.hint = std::string("shorten the shock's ") + field;
    throw UserError(std::move(d));
  };
  too_long(event.type, max_event_type_bytes, "type");
  too_long(event.parameters, max_event_parameters_bytes, "parameters");
  too_long(event.condition, max_event_condition_bytes, "condition");
  if (event.type.find('\0') != std::string::npos ||
      event.parameters.find('\0') != std::string::npos ||
      event.condition.find('\0') != std::string::npos) {
    throw InternalError("ResultsWriter::record_event: text contains a NUL byte");
  }
  w.pending_events.push_back(event);
}

void ResultsWriter::record_network(const NetworkSnapshot& snapshot) {
  Impl& w = *impl_;
  w.ensure_open("record_network");
  const auto bad = [&](const std::string& why) {
    return InternalError("ResultsWriter::record_network('" + snapshot.name + "', day " +
                         std::to_string(snapshot.day) + "): " + why);
  };
  const auto it = std::find_if(w.networks.begin(), w.networks.end(),
                               [&](const NetworkSpec& s) { return s.name == snapshot.name; });
  if (it == w.networks.end()) throw bad("network not declared to the ResultsWriter constructor");
  const auto i = static_cast<std::size_t>(it - w.networks.begin());
  const NetworkSpec& spec = *it;
  NetworkProgress& progress = w.network_progress[i];
  if (progress.last_day && snapshot.day <= *progress.last_day) {
    throw bad("does not follow the snapshot of day " + std::to_string(*progress.last_day));
  }
  const std::size_t n = snapshot.node_kind.size();
  if (snapshot.node_index.size() != n) {
    throw bad(std::to_string(n) + " node kinds but " + std::to_string(snapshot.node_index.size()) +
              " node indices");
  }
  if (n > std::numeric_limits<std::uint32_t>::max()) throw bad("too many nodes");
  for (const auto& kind : snapshot.node_kind) {
    if (kind.size() > max_node_kind_bytes) {
      throw bad("node kind '" + kind + "' is longer than " + std::to_string(max_node_kind_bytes) +
                " bytes");
    }
    if (kind.find('\0') != std::string::npos) throw bad("a node kind contains a NUL byte");
  }
  if (snapshot.node_attribute_names.size() != snapshot.node_attributes.size()) {
    throw bad(std::to_string(snapshot.node_attribute_names.size()) + " attribute names but " +
              std::to_string(snapshot.node_attributes.size()) + " attribute columns");
  }
  if (snapshot.node_attribute_names.size() != spec.node_attributes.size()) {
    throw bad(std::to_string(snapshot.node_attribute_names.size()) +
              " node attributes; the network was declared with " +
              std::to_string(spec.node_attributes.size()));
  }
  NetworkSnapshot copy;
  copy.day = snapshot.day;
  copy.name = snapshot.name;
  copy.node_kind = snapshot.node_kind;
  copy.node_index = snapshot.node_index;
  copy.node_attribute_names = spec.node_attributes;
  copy.node_attributes.reserve(spec.node_attributes.size());
  for (const auto& attr : spec.node_attributes) {
    const auto at =
        std::find(snapshot.node_attribute_names.begin(), snapshot.node_attribute_names.end(), attr);
    if (at == snapshot.node_attribute_names.end())
      throw bad("node attribute '" + attr + "' missing");
    const auto& column =
        snapshot
            .node_attributes[static_cast<std::size_t>(at - snapshot.node_attribute_names.begin())];
    if (column.size() != n) {
      throw bad("node attribute '" + attr + "' has " + std::to_string(column.size()) +
                " values for " + std::to_string(n) + " nodes");
    }
    copy.node_attributes.push_back(column);
  }
  const std::size_t m = snapshot.source.size();
  if (snapshot.target.size() != m || snapshot.weight.size() != m) {
    throw bad(std::to_string(m) + " sources, " + std::to_string(snapshot.target.size()) +
              " targets and " + std::to_string(snapshot.weight.size()) + " weights");
  }
  for (std::size_t e = 0; e < m; ++e) {
    if (snapshot.source[e] >= n || snapshot.target[e] >= n) {
      throw bad("edge " + std::to_string(e) + " (" + std::to_string(snapshot.source[e]) + " -> " +
                std::to_string(snapshot.target[e]) + ") refers to a node beyond the " +
                std::to_string(n) + " nodes");
    }
  }
  if (progress.snapshots + static_cast<std::int64_t>(progress.pending.size()) >=
      std::numeric_limits<std::int32_t>::max()) {
    throw bad("too many snapshots");
  }
  copy.source = snapshot.source;
  copy.target = snapshot.target;
  copy.weight = snapshot.weight;
  progress.pending.push_back(std::move(copy));
  progress.last_day = snapshot.day;
}

void ResultsWriter::flush() {
  impl_->flush();
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
