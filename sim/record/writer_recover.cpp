// Results file writer: reading a results file back. read_layout() recovers what
// the writer of a `.partial` (or a finished file) was given and how many rows,
// events and snapshots are complete; recover() then writes the final copy as
// finish() would, inspect() only checks.

#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {
namespace {
namespace fs = std::filesystem;
}  // namespace

// Opens a results file read-only: as an SWMR reader when possible (a `.partial`
// whose writer died still carries the "open for SWMR writing" flags, and SWMR
// readers also ignore the possibly stale end-of-file address in its superblock),
// else plainly (files in the 1.8 format, such as finished ones).
h5::ReadOnlyFile ResultsWriter::Impl::open_for_reading(const fs::path& path,
                                                       unsigned read_attempts) const {
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
  bound_caches(fapl.get());
  // An SWMR reader retries a metadata block whose checksum fails, in case a
  // live writer is changing it: 100 times by default, for every block, which
  // on a damaged file adds up to many minutes. Without a live writer
  // (finish() reads its own closed file; recover() holds the run lock) a bad
  // checksum is damage: fail at once. inspect() allows a few attempts when
  // the file's writer is live.
  check(H5Pset_metadata_read_attempts(fapl.get(), read_attempts), "H5Pset_metadata_read_attempts");
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

std::string ResultsWriter::Impl::read_string_attribute(hid_t obj, const char* name,
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
T ResultsWriter::Impl::read_scalar_attribute(hid_t obj, const char* name, hid_t mem_type) const {
  const std::string what = std::string("reading attribute ") + name;
  const h5::Attribute attr{check(H5Aopen(obj, name, H5P_DEFAULT), what)};
  T value{};
  check(H5Aread(attr.get(), mem_type, &value), what);
  return value;
}

hsize_t ResultsWriter::Impl::length_of(hid_t file, const char* path) const {
  const h5::Dataset ds{check(H5Dopen2(file, path, H5P_DEFAULT), std::string("opening ") + path)};
  const h5::Dataspace space{check(H5Dget_space(ds.get()), std::string("reading ") + path)};
  hsize_t dims = 0;
  if (check(H5Sget_simple_extent_dims(space.get(), &dims, nullptr), path) != 1) {
    fail(std::string(path) + " is not 1-D");
  }
  return dims;
}

// Member names of a group in creation order (same API in HDF5 1.8-1.14).
std::vector<std::string> ResultsWriter::Impl::list_members(hid_t group,
                                                           const std::string& where) const {
  H5G_info_t info{};
  check(H5Gget_info(group, &info), "listing " + where);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = check(
        H5Lget_name_by_idx(group, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT),
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
std::int64_t ResultsWriter::Impl::read_int64_at(hid_t file, const std::string& path,
                                                hsize_t index) const {
  const std::string what = "reading " + path;
  const h5::Dataset ds{check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "opening " + path)};
  const h5::Dataspace file_space{check(H5Dget_space(ds.get()), what)};
  const hsize_t one = 1;
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &index, nullptr, &one, nullptr),
        what);
  const h5::Dataspace mem_space{check(H5Screate_simple(1, &one, nullptr), what)};
  std::int64_t value = 0;
  check(H5Dread(ds.get(), H5T_NATIVE_INT64, mem_space.get(), file_space.get(), H5P_DEFAULT, &value),
        what);
  return value;
}

// The declared networks of `src` and, per network, the complete snapshots and
// the node and edge rows they cover (network_progress, for write_final_copy).
void ResultsWriter::Impl::read_networks(hid_t src) {
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
void ResultsWriter::Impl::read_description(hid_t src) {
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
void ResultsWriter::Impl::read_layout(hid_t src) {
  read_description(src);
  rows_flushed = static_cast<std::int64_t>(length_of(src, "/timeseries/date"));
  events_flushed = static_cast<std::int64_t>(length_of(src, "/events/event"));
  read_networks(src);
  validate_arguments();
}

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

}  // namespace pfsim::record
