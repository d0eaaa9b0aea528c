// Results file writer: reading indicator rows and network snapshots back, from
// the `.partial` being written (through the writer's own handle) or from a
// closed `.partial` or finished file. A run that streams its results keeps
// neither in memory; Simulation::series, checkpoints, forks and a second
// results file read them back from here (docs/architecture.md, "Memory in long
// runs").

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>

#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {

void ResultsWriter::Impl::read_block(hid_t ds, hid_t mem_type, hsize_t start, hsize_t count,
                                     void* into, const std::string& what) const {
  const h5::Dataspace file_space{check(H5Dget_space(ds), what)};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
        what);
  const h5::Dataspace mem_space{check(H5Screate_simple(1, &count, nullptr), what)};
  check(H5Dread(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, into), what);
}

// `count` rows of a 1-D dataset from row `start`.
template <typename T>
std::vector<T> ResultsWriter::Impl::read_rows(hid_t ds, hid_t mem_type, hsize_t start,
                                              hsize_t count, const std::string& what) const {
  std::vector<T> out(count);
  if (count > 0) read_block(ds, mem_type, start, count, out.data(), what);
  return out;
}

// Text rows: fixed-length in a `.partial`, variable-length in a finished file
// (format 1, and an empty node table), or codes of an enum (node_kind of a
// finished file, format 2).
std::vector<std::string> ResultsWriter::Impl::read_text_rows(hid_t ds, hsize_t start, hsize_t count,
                                                             const std::string& what) const {
  const Impl& w = *this;
  std::vector<std::string> out;
  out.reserve(count);
  if (count == 0) return out;
  const h5::Datatype type{w.check(H5Dget_type(ds), what)};
  if (w.check(H5Tget_class(type.get()), what) == H5T_ENUM) {
    if (H5Tget_size(type.get()) != 1) throw InternalError(what + ": an enum wider than one byte");
    std::array<std::string, 256> names;
    std::array<bool, 256> known{};
    const int members = w.check(H5Tget_nmembers(type.get()), what);
    for (int m = 0; m < members; ++m) {
      std::uint8_t code = 0;
      w.check(H5Tget_member_value(type.get(), static_cast<unsigned>(m), &code), what);
      char* name = H5Tget_member_name(type.get(), static_cast<unsigned>(m));
      if (name == nullptr) throw InternalError(what + ": an enum member without a name");
      names[code] = name;
      known[code] = true;
      H5free_memory(name);
    }
    const std::vector<std::uint8_t> codes =
        read_rows<std::uint8_t>(ds, type.get(), start, count, what);
    for (const std::uint8_t c : codes) {
      if (!known[c]) throw InternalError(what + ": a code outside the node_kind enum");
      out.push_back(names[c]);
    }
    return out;
  }
  if (w.check(H5Tis_variable_str(type.get()), what) > 0) {
    std::vector<char*> text(count, nullptr);
    read_block(ds, type.get(), start, count, text.data(), what);
    for (char* t : text) out.emplace_back(t == nullptr ? "" : t);
    const h5::Dataspace mem_space{w.check(H5Screate_simple(1, &count, nullptr), what)};
    (void)H5Dvlen_reclaim(type.get(), mem_space.get(), H5P_DEFAULT, text.data());
    return out;
  }
  const std::size_t width = H5Tget_size(type.get());
  std::string buffer(count * width, '\0');
  read_block(ds, type.get(), start, count, buffer.data(), what);
  for (hsize_t k = 0; k < count; ++k) {
    const std::string_view s(buffer.data() + k * width, width);
    out.emplace_back(s.substr(0, s.find('\0')));
  }
  return out;
}

void ResultsWriter::Impl::read_network_snapshots(
    hid_t file, const std::function<void(NetworkSnapshot&&)>& visit) const {
  const auto open = [&](const std::string& path) {
    return h5::Dataset{check(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "opening " + path)};
  };
  // The snapshot tables are small: read them whole, then order every
  // snapshot as the run recorded them (by day, then in declaration order).
  struct Table {
    std::vector<std::int32_t> day;
    std::vector<std::int64_t> node_start, node_count, edge_start, edge_count;
  };
  std::vector<Table> tables(networks.size());
  std::vector<std::tuple<std::int32_t, std::size_t, std::size_t>> order;  // day, network, row
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const std::string base = "/networks/" + networks[i].name;
    const auto n = static_cast<hsize_t>(network_progress[i].snapshots);
    const auto i64 = [&](const char* column) {
      const h5::Dataset ds = open(base + "/" + column);
      return read_rows<std::int64_t>(ds.get(), H5T_NATIVE_INT64, 0, n,
                                     "reading " + base + "/" + column);
    };
    Table& t = tables[i];
    {
      const h5::Dataset ds = open(base + "/day");
      t.day = read_rows<std::int32_t>(ds.get(), H5T_NATIVE_INT32, 0, n, "reading " + base + "/day");
    }
    t.node_start = i64("node_start");
    t.node_count = i64("node_count");
    t.edge_start = i64("edge_start");
    t.edge_count = i64("edge_count");
    for (std::size_t k = 0; k < n; ++k) order.emplace_back(t.day[k], i, k);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [day, i, k] : order) {
    const std::string base = "/networks/" + networks[i].name;
    const Table& t = tables[i];
    const auto node_start = static_cast<hsize_t>(t.node_start[k]);
    const auto nodes = static_cast<hsize_t>(t.node_count[k]);
    const auto edge_start = static_cast<hsize_t>(t.edge_start[k]);
    const auto edges = static_cast<hsize_t>(t.edge_count[k]);
    const std::string what = "reading a snapshot of " + base;
    NetworkSnapshot s;
    s.day = day;
    s.name = networks[i].name;
    s.node_kind = read_text_rows(open(base + "/nodes/node_kind").get(), node_start, nodes, what);
    s.node_index = read_rows<std::uint32_t>(open(base + "/nodes/node_index").get(),
                                            H5T_NATIVE_UINT32, node_start, nodes, what);
    s.node_attribute_names = networks[i].node_attributes;
    for (const std::string& a : networks[i].node_attributes) {
      s.node_attributes.push_back(read_rows<double>(open(base + "/nodes/" + a).get(),
                                                    H5T_NATIVE_DOUBLE, node_start, nodes, what));
    }
    s.source = read_rows<std::uint32_t>(open(base + "/edges/source").get(), H5T_NATIVE_UINT32,
                                        edge_start, edges, what);
    s.target = read_rows<std::uint32_t>(open(base + "/edges/target").get(), H5T_NATIVE_UINT32,
                                        edge_start, edges, what);
    s.weight = read_rows<double>(open(base + "/edges/weight").get(), H5T_NATIVE_DOUBLE, edge_start,
                                 edges, what);
    visit(std::move(s));
  }
}

void ResultsWriter::read_network_snapshots(const std::function<void(NetworkSnapshot&&)>& visit) {
  Impl& w = *impl_;
  w.flush();  // the buffered snapshots too
  h5::QuietErrors quiet;
  w.read_network_snapshots(w.out.file.get(), visit);
}

void ResultsWriter::read_network_snapshots(const std::filesystem::path& results_file,
                                           const std::function<void(NetworkSnapshot&&)>& visit) {
  Impl w;
  w.final_path = results_file;
  w.partial_path = results_file;
  h5::QuietErrors quiet;
  const h5::ReadOnlyFile src = w.open_for_reading(results_file);
  try {
    w.read_layout(src.get());
    w.read_network_snapshots(src.get(), visit);
  } catch (const InternalError& e) {
    ++h5::parked_files();
    Diagnostic d;
    d.where.file = results_file.string();
    d.message = "cannot read the network snapshots back from " + results_file.string() + " (" +
                e.what() + ")";
    d.hint = "the run streamed them there; keep the file where it was while the simulation lives";
    throw UserError(std::move(d));
  }
}

void ResultsWriter::read_series(
    std::span<const std::size_t> columns,
    const std::function<void(std::size_t, std::vector<double>&&)>& visit) {
  Impl& w = *impl_;
  w.flush();  // the buffered rows too
  h5::QuietErrors quiet;
  const auto rows = static_cast<hsize_t>(w.rows_flushed);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] >= w.out.series.size()) throw InternalError("read_series: no such column");
    const std::string name = "timeseries/" + w.indicators[columns[i]].name;
    visit(i, w.read_rows<double>(w.out.series[columns[i]].get(), H5T_NATIVE_DOUBLE, 0, rows,
                                 "reading " + name + " back"));
  }
}

void ResultsWriter::read_series(
    const std::filesystem::path& results_file, std::span<const std::string> indicators,
    std::int64_t rows, const std::function<void(std::size_t, std::vector<double>&&)>& visit) {
  Impl w;
  w.final_path = results_file;
  w.partial_path = results_file;
  h5::QuietErrors quiet;
  const h5::ReadOnlyFile src = w.open_for_reading(results_file);
  const auto want = static_cast<hsize_t>(rows);
  for (std::size_t i = 0; i < indicators.size(); ++i) {
    const std::string path = "/timeseries/" + indicators[i];
    std::vector<double> column;
    try {
      const h5::Dataset ds{w.check(H5Dopen2(src.get(), path.c_str(), H5P_DEFAULT), path)};
      if (w.length_of(src.get(), path.c_str()) < want)
        throw InternalError(path + " holds fewer rows than the run recorded");
      column = w.read_rows<double>(ds.get(), H5T_NATIVE_DOUBLE, 0, want, "reading " + path);
    } catch (const InternalError& e) {
      ++h5::parked_files();
      Diagnostic d;
      d.where.file = results_file.string();
      d.message = "cannot read the recorded rows back from " + results_file.string() + " (" +
                  e.what() + ")";
      d.hint = "the run streamed them there; keep the file where it was while the simulation lives";
      throw UserError(std::move(d));
    }
    visit(i, std::move(column));
  }
}

}  // namespace pfsim::record
