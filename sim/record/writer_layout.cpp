// Results file writer: the layout. create_file() builds every group, dataset and
// attribute of a results file, for the `.partial` (unlimited, SWMR, 1.10 format)
// or the final copy (exact coordinate lengths, variable-length text, node kinds
// as an enum, 1.8 format);
// create() makes the `.partial` of a new run.

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {
namespace {
namespace fs = std::filesystem;
}  // namespace

h5::PropList ResultsWriter::Impl::object_create_plist(hid_t plist_class) const {
  h5::PropList pl{check(H5Pcreate(plist_class), "H5Pcreate")};
  // No timestamps in object headers: equal data give equal bytes.
  check(H5Pset_obj_track_times(pl.get(), 0), "H5Pset_obj_track_times");
  // Attributes and links listed in the order written (netCDF keeps that order).
  check(H5Pset_attr_creation_order(pl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "H5Pset_attr_creation_order");
  if (plist_class != H5P_DATASET_CREATE && plist_class != H5P_DATATYPE_CREATE) {
    check(H5Pset_link_creation_order(pl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "H5Pset_link_creation_order");
  }
  return pl;
}

h5::Group ResultsWriter::Impl::create_group(hid_t parent, const char* name) const {
  const h5::PropList gcpl = object_create_plist(H5P_GROUP_CREATE);
  return h5::Group{check(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                         std::string("creating group ") + name)};
}

h5::Datatype ResultsWriter::Impl::fixed_string_type(std::size_t bytes, bool utf8) const {
  h5::Datatype type{check(H5Tcopy(H5T_C_S1), "H5Tcopy")};
  check(H5Tset_size(type.get(), std::max<std::size_t>(bytes, 1)), "H5Tset_size");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
  check(H5Tset_cset(type.get(), utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "H5Tset_cset");
  return type;
}

h5::Datatype ResultsWriter::Impl::vlen_string_type() const {
  h5::Datatype type{check(H5Tcopy(H5T_C_S1), "H5Tcopy")};
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

void ResultsWriter::Impl::write_attribute(hid_t obj, const char* name, hid_t file_type,
                                          hid_t mem_type, const void* value) const {
  const h5::Dataspace space{check(H5Screate(H5S_SCALAR), "H5Screate")};
  const std::string what = std::string("writing attribute ") + name;
  h5::Attribute attr{
      check(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what)};
  check(H5Awrite(attr.get(), mem_type, value), what);
  check(attr.close(), what);
}

// Fixed-length string attribute (netCDF NC_CHAR): what CF readers expect for
// `units`, `calendar`, `long_name` and `Conventions`. ASCII unless it cannot be.
void ResultsWriter::Impl::text_attribute(hid_t obj, const char* name,
                                         std::string_view value) const {
  const h5::Datatype type = fixed_string_type(value.size(), !is_ascii(value));
  std::string buffer(value);
  if (buffer.empty()) buffer.push_back('\0');
  write_attribute(obj, name, type.get(), type.get(), buffer.data());
}

// Variable-length UTF-8 string attribute: h5py returns it as `str`.
void ResultsWriter::Impl::vlen_text_attribute(hid_t obj, const char* name,
                                              const std::string& value) const {
  const h5::Datatype type = vlen_string_type();
  const char* ptr = value.c_str();
  write_attribute(obj, name, type.get(), type.get(), &ptr);
}

// One 1-D dataset, empty, growing up to `max_rows` (H5S_UNLIMITED for the
// `.partial`); chunked, deflate (+ shuffle) if `compress`.
h5::Dataset ResultsWriter::Impl::create_column(hid_t group, const std::string& name,
                                               hid_t file_type, hsize_t max_rows,
                                               hsize_t chunk_rows, bool compress,
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
  // A chunk cache of one chunk: columns are only appended to, so the chunk
  // being filled is the only one worth keeping. HDF5's default (1 MiB per
  // dataset) keeps written chunks too, and with ~200 columns that memory grew
  // with the run's length (docs/architecture.md, "Memory in long runs").
  const h5::PropList dapl{check(H5Pcreate(H5P_DATASET_ACCESS), what)};
  const std::size_t chunk_bytes = static_cast<std::size_t>(chunk_rows) * H5Tget_size(file_type);
  check(H5Pset_chunk_cache(dapl.get(), kChunkCacheSlots, chunk_bytes, 1.0), what);
  return h5::Dataset{check(
      H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
      what)};
}

void ResultsWriter::Impl::write_root_attributes(hid_t file) const {
  text_attribute(file, "Conventions", "CF-1.8");
  text_attribute(file, "title", "pfsim simulation results");
  text_attribute(file, "pfsim_version", metadata.program_version);
}

// `coord_rows`: maximum length of the `date` scale (H5S_UNLIMITED in the `.partial`).
void ResultsWriter::Impl::create_timeseries(OpenFile& f, hsize_t coord_rows) const {
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
void ResultsWriter::Impl::create_events(OpenFile& f, Flavor flavor, hsize_t coord_events) const {
  const h5::Group group = create_group(f.file.get(), "events");
  const std::string since = "days since " + metadata.start_date;

  f.ev_index = create_column(group.get(), kEventName, H5T_STD_I32LE, coord_events, kEventsPerChunk,
                             true, nullptr);
  check(H5DSset_scale(f.ev_index.get(), kEventName), "H5DSset_scale(event)");
  text_attribute(f.ev_index.get(), "long_name", "event sequence number, in the order recorded");

  f.ev_day = create_column(group.get(), "day", H5T_STD_I32LE, H5S_UNLIMITED, kEventsPerChunk, true,
                           nullptr);
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
h5::Dataset ResultsWriter::Impl::text_column(hid_t group, const char* name, std::size_t width,
                                             Flavor flavor, hsize_t chunk_rows) const {
  if (flavor == Flavor::streaming) {
    const h5::Datatype type = fixed_string_type(width, true);
    return create_column(group, name, type.get(), H5S_UNLIMITED, chunk_rows, true, nullptr);
  }
  const h5::Datatype type = vlen_string_type();
  return create_column(group, name, type.get(), H5S_UNLIMITED, chunk_rows, false, nullptr);
}

// The final copy's node_kind: one uint8 code per row, of an HDF5 enum whose
// members are `kinds` (sorted, codes 0, 1, ...), committed as nodes/node_kind_t
// before the column (netCDF-C shows an enum variable only through a named type
// it has read first), with the CF categorical attributes flag_values and
// flag_meanings. No heap object per row, unlike variable-length strings
// (docs/performance.md, "Memory in run length"). An empty table has no kinds
// and an HDF5 enum needs a member: its column stays variable-length text.
h5::Dataset ResultsWriter::Impl::node_kind_column(hid_t group,
                                                  const std::vector<std::string>& kinds) const {
  if (kinds.empty()) {
    return text_column(group, "node_kind", max_node_kind_bytes, Flavor::final_copy,
                       kNetworkRowsPerChunk);
  }
  if (kinds.size() > kMaxNodeKinds) throw InternalError("more than 256 node kinds in one network");
  const std::string what = "creating the node_kind enum";
  h5::Datatype type{check(H5Tenum_create(H5T_STD_U8LE), what)};
  std::vector<std::uint8_t> codes;
  std::string meanings;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const auto code = static_cast<std::uint8_t>(k);
    check(H5Tenum_insert(type.get(), kinds[k].c_str(), &code), what);
    codes.push_back(code);
    meanings += (k == 0 ? "" : " ") + kinds[k];
  }
  const h5::PropList tcpl = object_create_plist(H5P_DATATYPE_CREATE);
  check(H5Tcommit2(group, kNodeKindTypeName, type.get(), H5P_DEFAULT, tcpl.get(), H5P_DEFAULT),
        what);
  h5::Dataset ds = create_column(group, "node_kind", type.get(), H5S_UNLIMITED,
                                 kNetworkRowsPerChunk, true, nullptr);
  {
    const auto n = static_cast<hsize_t>(codes.size());
    const h5::Dataspace space{check(H5Screate_simple(1, &n, nullptr), what)};
    h5::Attribute attr{check(
        H5Acreate2(ds.get(), "flag_values", H5T_STD_U8LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
        what)};
    check(H5Awrite(attr.get(), H5T_NATIVE_UINT8, codes.data()), what);
    check(attr.close(), what);
  }
  text_attribute(ds.get(), "flag_meanings", meanings);
  return ds;
}

// /networks/<name> for every declared network. The coordinates of the final
// copy are sized to network_progress (what is copied), as for `date`.
void ResultsWriter::Impl::create_networks(
    OpenFile& f, Flavor flavor, const std::vector<std::vector<std::string>>& kinds) const {
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
      nd.node_kind =
          flavor == Flavor::streaming
              ? text_column(nodes.get(), "node_kind", max_node_kind_bytes, flavor,
                            kNetworkRowsPerChunk)
              : node_kind_column(nodes.get(),
                                 i < kinds.size() ? kinds[i] : std::vector<std::string>{});
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

void ResultsWriter::Impl::create_metadata(hid_t file, Flavor flavor) const {
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
  write_attribute(group.get(), "results_format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &format);
}

// Bounded HDF5 caches for a file access list (writing and reading back): the
// chunk indices and chunks of a long run's columns grow with it, and HDF5's
// defaults (an adaptive metadata cache up to 32 MiB, 1 MiB of chunks per
// dataset) grew along. create_column sets one chunk per dataset; the default
// covers datasets HDF5 reopens itself (H5Fstart_swmr_write does).
void ResultsWriter::Impl::bound_caches(hid_t fapl) const {
  check(H5Pset_cache(fapl, 0, kChunkCacheSlots, kDefaultChunkCacheBytes, 1.0), "H5Pset_cache");
  H5AC_cache_config_t mdc{};
  mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  check(H5Pget_mdc_config(fapl, &mdc), "H5Pget_mdc_config");
  mdc.set_initial_size = true;
  mdc.initial_size = kMetadataCacheBytes;
  mdc.min_size = kMetadataCacheBytes / 2;
  mdc.max_size = kMetadataCacheBytes;
  check(H5Pset_mdc_config(fapl, &mdc), "H5Pset_mdc_config");
}

// `rows`/`events`: the final copy's exact lengths (ignored for the `.partial`).
ResultsWriter::Impl::OpenFile ResultsWriter::Impl::create_file(
    const fs::path& path, Flavor flavor, hsize_t rows, hsize_t events,
    const std::vector<std::vector<std::string>>& kinds) const {
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
  bound_caches(fapl.get());
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
  create_networks(f, flavor, kinds);
  create_metadata(f.file.get(), flavor);
  if (flavor == Flavor::streaming) {
    // From here on the file is only appended to; no object or attribute may be
    // created any more. Groups and attributes are closed, datasets stay open.
    check(H5Fstart_swmr_write(f.file.get()), "H5Fstart_swmr_write");
  }
  return f;
}

void ResultsWriter::Impl::create() {
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
      throw user_error("cannot rename " + creating_path.string() + " to " + partial_path.string() +
                           ": " + os_message(err),
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

}  // namespace pfsim::record
