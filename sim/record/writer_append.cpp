// Results file writer: appending. append(), record_event() and record_network()
// check and buffer; every flush writes the buffered batch into the `.partial`,
// each dataset extended, written and flushed in turn, the coordinates last.

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "record/writer_impl.hpp"

namespace pfsim::record {
namespace {
namespace fs = std::filesystem;
}  // namespace

void ResultsWriter::Impl::append_rows(hid_t ds, const std::string& name, hid_t mem_type,
                                      hsize_t old_rows, hsize_t rows, const void* data,
                                      bool flush_dataset) const {
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

void ResultsWriter::Impl::append_text_column(hid_t ds, const std::string& name, std::size_t width,
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

// The node and edge rows of one snapshot (or one part of one) of network `i`,
// its nodes from row `node_at` and its edges from row `edge_at` of the
// network's tables: the columns it holds straight from its vectors, the
// derived ones (row, snapshot, node_kind as fixed-length text) through a buffer
// of at most `block` rows. No column of several snapshots is concatenated: at
// 10^6 firms the suppliers network's snapshot alone would take 72 bytes a node
// more (docs/performance.md). The snapshot's memory goes back at once.
void ResultsWriter::Impl::write_snapshot_rows(std::size_t i, NetworkSnapshot& s,
                                              std::int64_t node_at, std::int64_t edge_at,
                                              std::int32_t snapshot_id) {
  NetworkDatasets& nd = out.networks[i];
  const std::string base = "networks/" + networks[i].name;
  const std::size_t n_attrs = networks[i].node_attributes.size();
  constexpr std::size_t block = 1 << 16;
  const h5::Datatype kind_type = fixed_string_type(max_node_kind_bytes, true);
  std::string kinds;
  std::vector<std::int64_t> rows;
  std::vector<std::int32_t> ids;
  // Rows [at, at + count) of the table (a row's `row` is its position).
  const auto fill_rows = [&](std::int64_t at, std::size_t count) {
    rows.resize(count);
    ids.assign(count, snapshot_id);
    for (std::size_t j = 0; j < count; ++j) rows[j] = at + static_cast<std::int64_t>(j);
  };
  const std::size_t n = s.node_kind.size();
  const auto nodes_at = static_cast<hsize_t>(node_at);
  for (std::size_t from = 0; from < n; from += block) {
    const std::size_t count = std::min(block, n - from);
    const hsize_t rows_at = nodes_at + from;
    fill_rows(static_cast<std::int64_t>(rows_at), count);
    kinds.assign(count * max_node_kind_bytes, '\0');
    for (std::size_t j = 0; j < count; ++j)
      std::memcpy(kinds.data() + j * max_node_kind_bytes, s.node_kind[from + j].data(),
                  s.node_kind[from + j].size());
    append_rows(nd.node_snapshot.get(), base + "/nodes/snapshot", H5T_NATIVE_INT32, rows_at, count,
                ids.data(), true);
    append_rows(nd.node_kind.get(), base + "/nodes/node_kind", kind_type.get(), rows_at, count,
                kinds.data(), true);
    append_rows(nd.node_row.get(), base + "/nodes/row", H5T_NATIVE_INT64, rows_at, count,
                rows.data(), true);
  }
  append_rows(nd.node_index.get(), base + "/nodes/node_index", H5T_NATIVE_UINT32, nodes_at, n,
              s.node_index.data(), true);
  for (std::size_t a = 0; a < n_attrs; ++a) {
    append_rows(nd.node_attributes[a].get(), base + "/nodes/" + networks[i].node_attributes[a],
                H5T_NATIVE_DOUBLE, nodes_at, n, s.node_attributes[a].data(), true);
  }
  const std::size_t m = s.source.size();
  const auto edges_at = static_cast<hsize_t>(edge_at);
  for (std::size_t from = 0; from < m; from += block) {
    const std::size_t count = std::min(block, m - from);
    fill_rows(static_cast<std::int64_t>(edges_at + from), count);
    append_rows(nd.edge_snapshot.get(), base + "/edges/snapshot", H5T_NATIVE_INT32, edges_at + from,
                count, ids.data(), true);
    append_rows(nd.edge_row.get(), base + "/edges/row", H5T_NATIVE_INT64, edges_at + from, count,
                rows.data(), true);
  }
  append_rows(nd.source.get(), base + "/edges/source", H5T_NATIVE_UINT32, edges_at, m,
              s.source.data(), true);
  append_rows(nd.target.get(), base + "/edges/target", H5T_NATIVE_UINT32, edges_at, m,
              s.target.data(), true);
  append_rows(nd.weight.get(), base + "/edges/weight", H5T_NATIVE_DOUBLE, edges_at, m,
              s.weight.data(), true);
  s = NetworkSnapshot{};
}

// Appends snapshots whose rows are written to network `i`'s snapshot table,
// its coordinate `snapshot` last, so that the length of `snapshot` counts
// complete snapshots and node_start/edge_start + count of the last one the
// complete node and edge rows.
void ResultsWriter::Impl::append_snapshot_table(std::size_t i, const SnapshotTable& t) {
  NetworkProgress& p = network_progress[i];
  NetworkDatasets& nd = out.networks[i];
  const std::string base = "networks/" + networks[i].name;
  const auto old_snaps = static_cast<hsize_t>(p.snapshots);
  const hsize_t new_snaps = t.ids.size();
  append_rows(nd.day.get(), base + "/day", H5T_NATIVE_INT32, old_snaps, new_snaps, t.days.data(),
              true);
  append_rows(nd.node_start.get(), base + "/node_start", H5T_NATIVE_INT64, old_snaps, new_snaps,
              t.node_start.data(), true);
  append_rows(nd.node_count.get(), base + "/node_count", H5T_NATIVE_INT64, old_snaps, new_snaps,
              t.node_count.data(), true);
  append_rows(nd.edge_start.get(), base + "/edge_start", H5T_NATIVE_INT64, old_snaps, new_snaps,
              t.edge_start.data(), true);
  append_rows(nd.edge_count.get(), base + "/edge_count", H5T_NATIVE_INT64, old_snaps, new_snaps,
              t.edge_count.data(), true);
  append_rows(nd.snapshot.get(), base + "/snapshot", H5T_NATIVE_INT32, old_snaps, new_snaps,
              t.ids.data(), true);
  p.snapshots += static_cast<std::int64_t>(new_snaps);
  if (new_snaps > 0) {
    p.nodes = t.node_start.back() + t.node_count.back();
    p.edges = t.edge_start.back() + t.edge_count.back();
  }
}

void ResultsWriter::Impl::SnapshotTable::add(std::int32_t id, std::int32_t day,
                                             std::int64_t first_node, std::int64_t nodes,
                                             std::int64_t first_edge, std::int64_t edges) {
  ids.push_back(id);
  days.push_back(day);
  node_start.push_back(first_node);
  node_count.push_back(nodes);
  edge_start.push_back(first_edge);
  edge_count.push_back(edges);
}

// The rows of network `i`'s buffered snapshots, after those already in the
// file; their table rows join `written`, for the next flush.
void ResultsWriter::Impl::write_pending_rows(std::size_t i) {
  NetworkProgress& p = network_progress[i];
  for (NetworkSnapshot& s : p.pending) {
    const std::int64_t nodes = p.next_node_row();
    const std::int64_t edges = p.next_edge_row();
    const std::int32_t id = p.next_id();
    p.written.add(id, s.day, nodes, static_cast<std::int64_t>(s.node_kind.size()), edges,
                  static_cast<std::int64_t>(s.source.size()));
    write_snapshot_rows(i, s, nodes, edges, id);
  }
  p.pending.clear();
}

// Appends network `i`'s snapshots: the rows of the buffered ones, then the
// table rows of every snapshot whose rows are written.
void ResultsWriter::Impl::write_network_pending(std::size_t i) {
  NetworkProgress& p = network_progress[i];
  write_pending_rows(i);
  if (p.written.ids.empty()) return;
  append_snapshot_table(i, p.written);
  p.written = SnapshotTable{};
}

void ResultsWriter::Impl::write_pending() {
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
    append_text_column(out.ev_type.get(), "events/type", max_event_type_bytes, &EventRecord::type);
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
      append_rows(out.series[i].get(), "timeseries/" + indicators[i].name, H5T_NATIVE_DOUBLE, n, k,
                  pending_values[i].data(), true);
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

void ResultsWriter::Impl::flush() {
  ensure_open("flush");
  h5::QuietErrors quiet;
  try {
    write_pending();
  } catch (...) {
    state = State::failed;
    throw;
  }
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
  record_network(NetworkSnapshot(snapshot));
}

// Checks one snapshot, or one part of one whose edges may refer to any of
// `all_nodes` nodes, against network `i`'s declaration, and returns its columns
// with the attributes in declared order (taken, not copied: a snapshot of 10^6
// firms is tens of MB). Throws before anything is taken, leaving `snapshot`
// unchanged; the node kinds are the network's once every check has passed.
NetworkSnapshot ResultsWriter::Impl::checked_columns(std::size_t i, NetworkSnapshot& snapshot,
                                                     std::size_t all_nodes) {
  const auto bad = [&](const std::string& why) {
    return InternalError("ResultsWriter::record_network('" + snapshot.name + "', day " +
                         std::to_string(snapshot.day) + "): " + why);
  };
  const NetworkSpec& spec = networks[i];
  NetworkProgress& progress = network_progress[i];
  const std::size_t n = snapshot.node_kind.size();
  if (snapshot.node_index.size() != n) {
    throw bad(std::to_string(n) + " node kinds but " + std::to_string(snapshot.node_index.size()) +
              " node indices");
  }
  if (all_nodes > std::numeric_limits<std::uint32_t>::max()) throw bad("too many nodes");
  // Kinds become the members of the final copy's node_kind enum (and the words
  // of its CF flag_meanings): identifiers, at most kMaxNodeKinds per network.
  std::vector<std::string> new_kinds;
  const std::string* last = nullptr;  // nodes come in runs of one kind
  for (const auto& kind : snapshot.node_kind) {
    if (last != nullptr && kind == *last) continue;
    last = &kind;
    if (kind.size() > max_node_kind_bytes) {
      throw bad("node kind '" + kind + "' is longer than " + std::to_string(max_node_kind_bytes) +
                " bytes");
    }
    if (kind.find('\0') != std::string::npos) throw bad("a node kind contains a NUL byte");
    if (!is_valid_name(kind)) {
      throw bad("node kind '" + kind + "' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (!std::binary_search(progress.kinds.begin(), progress.kinds.end(), kind) &&
        std::find(new_kinds.begin(), new_kinds.end(), kind) == new_kinds.end()) {
      new_kinds.push_back(kind);
    }
  }
  if (progress.kinds.size() + new_kinds.size() > kMaxNodeKinds) {
    throw bad("more than " + std::to_string(kMaxNodeKinds) +
              " node kinds in one network (the results file codes them in one byte)");
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
  std::vector<std::size_t> attribute_at;  // declared order → position in the snapshot
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
    attribute_at.push_back(static_cast<std::size_t>(at - snapshot.node_attribute_names.begin()));
  }
  const std::size_t m = snapshot.source.size();
  if (snapshot.target.size() != m || snapshot.weight.size() != m) {
    throw bad(std::to_string(m) + " sources, " + std::to_string(snapshot.target.size()) +
              " targets and " + std::to_string(snapshot.weight.size()) + " weights");
  }
  for (std::size_t e = 0; e < m; ++e) {
    if (snapshot.source[e] >= all_nodes || snapshot.target[e] >= all_nodes) {
      throw bad("edge " + std::to_string(e) + " (" + std::to_string(snapshot.source[e]) + " -> " +
                std::to_string(snapshot.target[e]) + ") refers to a node beyond the " +
                std::to_string(all_nodes) + " nodes");
    }
  }
  NetworkSnapshot copy;
  copy.day = snapshot.day;
  copy.name = snapshot.name;
  copy.node_attribute_names = spec.node_attributes;
  copy.node_attributes.reserve(spec.node_attributes.size());
  copy.node_kind = std::move(snapshot.node_kind);
  copy.node_index = std::move(snapshot.node_index);
  for (const std::size_t k : attribute_at)
    copy.node_attributes.push_back(std::move(snapshot.node_attributes[k]));
  copy.source = std::move(snapshot.source);
  copy.target = std::move(snapshot.target);
  copy.weight = std::move(snapshot.weight);
  if (!new_kinds.empty()) {
    progress.kinds.insert(progress.kinds.end(), new_kinds.begin(), new_kinds.end());
    std::sort(progress.kinds.begin(), progress.kinds.end());
  }
  return copy;
}

std::size_t ResultsWriter::Impl::next_snapshot_of(const std::string& name, std::int32_t day) const {
  const auto bad = [&](const std::string& why) {
    return InternalError("ResultsWriter::record_network('" + name + "', day " +
                         std::to_string(day) + "): " + why);
  };
  const auto it = std::find_if(networks.begin(), networks.end(),
                               [&](const NetworkSpec& s) { return s.name == name; });
  if (it == networks.end()) throw bad("network not declared to the ResultsWriter constructor");
  const auto i = static_cast<std::size_t>(it - networks.begin());
  const NetworkProgress& progress = network_progress[i];
  if (progress.last_day && day <= *progress.last_day) {
    throw bad("does not follow the snapshot of day " + std::to_string(*progress.last_day));
  }
  if (progress.snapshots + static_cast<std::int64_t>(progress.pending.size()) +
          static_cast<std::int64_t>(progress.written.ids.size()) >=
      std::numeric_limits<std::int32_t>::max()) {
    throw bad("too many snapshots");
  }
  return i;
}

void ResultsWriter::record_network(NetworkSnapshot&& snapshot) {
  Impl& w = *impl_;
  w.ensure_open("record_network");
  const std::size_t i = w.next_snapshot_of(snapshot.name, snapshot.day);
  Impl::NetworkProgress& progress = w.network_progress[i];
  progress.pending.push_back(w.checked_columns(i, snapshot, snapshot.node_kind.size()));
  progress.last_day = snapshot.day;
}

// The network's buffered snapshots are written first (rows stay in the order
// recorded), then each part's rows as it comes; the snapshot's table row waits
// for the next flush, like any snapshot's, so the file's flushes keep their
// rhythm and a snapshot enters the table in the same flush as the day's rows.
// Until then its rows lie beyond the table, where readers and recover() do not
// look (a kill leaves them there).
void ResultsWriter::record_network_in_parts(
    const std::string& name, std::int32_t day, std::size_t nodes,
    const std::function<bool(NetworkSnapshot&)>& next_part) {
  Impl& w = *impl_;
  w.ensure_open("record_network");
  const std::size_t i = w.next_snapshot_of(name, day);
  h5::QuietErrors quiet;
  try {
    w.write_pending_rows(i);
    Impl::NetworkProgress& p = w.network_progress[i];
    const std::int64_t first_node = p.next_node_row();
    const std::int64_t first_edge = p.next_edge_row();
    const std::int32_t id = p.next_id();
    std::int64_t nodes_done = 0, edges_done = 0;
    NetworkSnapshot part;
    while (next_part(part)) {
      part.name = name;
      part.day = day;
      NetworkSnapshot columns = w.checked_columns(i, part, nodes);
      const auto n = static_cast<std::int64_t>(columns.node_kind.size());
      const auto m = static_cast<std::int64_t>(columns.source.size());
      w.write_snapshot_rows(i, columns, first_node + nodes_done, first_edge + edges_done, id);
      nodes_done += n;
      edges_done += m;
      part = NetworkSnapshot{};
    }
    if (nodes_done != static_cast<std::int64_t>(nodes)) {
      throw InternalError("ResultsWriter::record_network_in_parts('" + name + "', day " +
                          std::to_string(day) + "): the parts held " + std::to_string(nodes_done) +
                          " nodes, not " + std::to_string(nodes));
    }
    p.written.add(id, day, first_node, nodes_done, first_edge, edges_done);
    p.last_day = day;
  } catch (...) {
    w.state = Impl::State::failed;
    throw;
  }
}

void ResultsWriter::flush() {
  impl_->flush();
}

}  // namespace pfsim::record
