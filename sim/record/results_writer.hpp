// The results file (HDF5). What a results file contains is defined here, apart
// from the model: the recorder hands over named indicator rows and metadata.
//
// Layout (docs/results-format.md):
//   /                 attrs: Conventions="CF-1.8", title, pfsim_version
//   /timeseries/date  float64 [time], dimension scale, units "days since YYYY-MM-DD"
//   /timeseries/<ind> float64 [time], chunked, deflate, dimension scale `date`
//                     attached; attrs units, long_name, description, _FillValue
//   /events/...       event (index, dimension scale), day, type, parameters (JSON),
//                     condition: one row per record_event()
//   /networks/<name>/ only for networks declared to the constructor: snapshots of
//                     a network (record_network) as three append-only tables:
//                     snapshot (index, day, node_start/count, edge_start/count),
//                     nodes/ (row, snapshot, node_kind, node_index, one column per
//                     node attribute) and edges/ (row, snapshot, source, target,
//                     weight)
//   /metadata         attrs: scenario_path, seed, threads, program_version,
//                     git_commit, start_date, created_by, results_format_version;
//                     dataset `scenario` (resolved YAML text)
//
// The run writes `<path>.partial` (HDF5 SWMR mode, datasets unlimited along time).
// append() buffers rows; every `flush_every_steps` rows (and on flush()) they are
// written and flushed, so a SIGKILLed process leaves a `.partial` that holds every
// row up to the last flush: it opens with h5py.File(p, "r", swmr=True), recover()
// turns it into a finished file (a plain open is refused until
// `h5clear -s --increment=0 p`). finish() writes a compact copy in the HDF5 1.8
// format to `<path>.finishing`, fsyncs it, renames it to `<path>` and deletes the
// `.partial`. Object creation times are not recorded, so two runs with equal data
// give byte-identical files.
//
// Not thread-safe: one thread owns a writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pfsim::record {

struct IndicatorSpec {
  std::string name;         // dataset name, snake_case, e.g. "money_supply"
  std::string units;        // e.g. "RMB", "1", "1/year", "count"
  std::string description;  // one sentence for a human
};

struct RunMetadata {
  std::string scenario_text;  // the fully resolved scenario (YAML)
  std::string scenario_path;
  std::uint64_t seed = 0;
  int threads = 1;
  std::string program_version;
  std::string git_commit;
  std::string start_date;  // ISO "YYYY-MM-DD" of step 0
};

// Event text is stored in fixed-length string columns (variable-length strings are
// not safe under HDF5 SWMR writing, see docs/results-format.md). record_event()
// throws pfsim::UserError when a field is longer than this many bytes (UTF-8).
inline constexpr std::size_t max_event_type_bytes = 64;
inline constexpr std::size_t max_event_parameters_bytes = 4096;
inline constexpr std::size_t max_event_condition_bytes = 1024;

// Network snapshots. An HDF5 SWMR writer cannot create groups or datasets once
// writing has started, so every network is declared to the constructor (its name
// and node attribute names); record_network() then only appends rows.
// node_kind is fixed-length text in the `.partial`; the finished file codes it
// in one byte per node, an HDF5 enum of the network's kinds (at most 256).
inline constexpr std::size_t max_node_kind_bytes = 32;

struct NetworkSpec {
  std::string name;  // group name, [A-Za-z_][A-Za-z0-9_]*, e.g. "interbank"
  // One float64 column per name, e.g. {"equity", "capital_ratio", "failed"}; valid
  // identifiers, unique, not "row", "snapshot", "node_kind", "node_index" or
  // "node_kind_t".
  std::vector<std::string> node_attributes;
  std::string description;  // one sentence for a human (may be empty)
};

// One snapshot of a declared network. Nodes are numbered by their position in
// node_kind/node_index (0 … n−1); an edge (source[i], target[i], weight[i]) says
// that `source` owes `target` weight[i] RMB, i.e. it is a claim held by `target`
// on `source` (the creditor is `target`). Edges are stored in the order given.
struct NetworkSnapshot {
  std::int32_t day = 0;                              // days since start
  std::string name;                                  // a declared network, e.g. "interbank"
  std::vector<std::string> node_kind;                // per node, an identifier, e.g. "bank"
  std::vector<std::uint32_t> node_index;             // per node: index within its kind's store
  std::vector<std::vector<double>> node_attributes;  // columns, one value per node
  std::vector<std::string> node_attribute_names;     // any order; the declared set
  std::vector<std::uint32_t> source, target;         // node positions (see above)
  std::vector<double> weight;                        // RMB
};

struct EventRecord {
  std::int32_t day = 0;    // days since start date
  std::string type;        // shock type, e.g. "ipo_halt"
  std::string parameters;  // JSON object text
  std::string condition;   // for triggers: the expression that fired; else empty
};

class ResultsWriter {
 public:
  // Takes the run lock `<final_path>.lock` (output_guard.hpp) and creates
  // `<final_path>.partial` with O_EXCL (a stale regular file of an earlier run is
  // deleted first). Throws pfsim::UserError at once if another writer holds the
  // lock (naming its pid), if the final path, `.partial` or `.finishing` is
  // anything but a regular file or absent (symlink, directory, FIFO, device), or
  // if the location cannot be written (message names the path and the OS reason).
  // `networks`: the networks record_network() may be given (see NetworkSpec);
  // none by default, and then the file has no /networks group.
  ResultsWriter(std::filesystem::path final_path, std::vector<IndicatorSpec> indicators,
                RunMetadata metadata, int flush_every_steps,
                std::vector<NetworkSpec> networks = {});
  ~ResultsWriter();  // without finish(): closes cleanly and leaves only the .partial
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // One step: `day` (days since start) and one value per indicator, in the order
  // given to the constructor.
  void append(std::int32_t day, std::span<const double> values);
  void record_event(const EventRecord& event);
  // Buffers one snapshot of a network declared to the constructor; it reaches the
  // file with the next flush (like events). Days must increase strictly per
  // network. Throws pfsim::InternalError (file unchanged) for an undeclared
  // network, attribute names other than the declared set, columns of the wrong
  // length, an edge endpoint >= the node count, a node_kind that is not an
  // identifier ([A-Za-z_][A-Za-z0-9_]*) or longer than max_node_kind_bytes, or
  // a 257th distinct node_kind in one network.
  void record_network(const NetworkSnapshot& snapshot);
  // The same, taking the snapshot's columns instead of copying them (it is
  // left unchanged when this throws).
  void record_network(NetworkSnapshot&& snapshot);
  // A snapshot of `nodes` nodes too large to hold whole (the suppliers network
  // of 10^6+ firms), given in parts and written as they come: `next_part` fills
  // the next part (nodes in order; its edges' source and target are positions
  // in the whole snapshot, its name and day are set here) and returns false
  // when there is none. Each part's rows are written to the file as it comes;
  // the snapshot enters the snapshot table with the next flush, like a
  // buffered one (until then its rows are beyond the table, where no reader
  // looks), so a snapshot cut short is never read. Each part is checked as
  // record_network() checks a snapshot; a failed check or write throws and
  // leaves the writer failed.
  void record_network_in_parts(const std::string& name, std::int32_t day, std::size_t nodes,
                               const std::function<bool(NetworkSnapshot&)>& next_part);
  void flush();
  // Every snapshot given to record_network() so far, read back from the file
  // (buffered ones are flushed first) and handed to `visit` one at a time, in
  // the order recorded (by day, then in the order the networks were declared).
  // Memory: one snapshot at a time. A run that streams its results keeps no
  // snapshot in memory and reads them back here (checkpoints, forks).
  void read_network_snapshots(const std::function<void(NetworkSnapshot&&)>& visit);
  // The same from a closed `.partial` or a finished results file. Throws
  // pfsim::UserError naming the file when it cannot be read.
  static void read_network_snapshots(const std::filesystem::path& results_file,
                                     const std::function<void(NetworkSnapshot&&)>& visit);
  // The rows appended so far of the indicators at `columns` (positions in the
  // constructor's indicators), read back from the file (buffered rows are
  // flushed first) and handed to `visit` one column at a time with its
  // position in `columns`. A run that streams its results keeps no rows in
  // memory and reads them back here (Simulation::series, checkpoints, forks).
  void read_series(std::span<const std::size_t> columns,
                   const std::function<void(std::size_t, std::vector<double>&&)>& visit);
  // The same from a closed `.partial` or a finished results file: the first
  // `rows` rows of /timeseries/<indicators[i]>. Throws pfsim::UserError naming
  // the file when it cannot be read or holds fewer rows.
  static void read_series(const std::filesystem::path& results_file,
                          std::span<const std::string> indicators, std::int64_t rows,
                          const std::function<void(std::size_t, std::vector<double>&&)>& visit);
  // JSON text stored as /metadata/interventions in the finished file (written
  // by finish(), before the rename; not in the `.partial`). Without a call the
  // file has no such dataset.
  void set_interventions_json(std::string json);
  // Flush, close and rename `.partial` → final path, then release the run lock.
  // After this the writer is inert. On an I/O error (disk full) throws
  // pfsim::UserError; the `.partial` keeps every row flushed so far and a file
  // already at the final path is untouched.
  void finish();
  // Close and delete the `.partial` file (used when a run is abandoned before any
  // useful output exists).
  void discard();

  // Turns the `.partial` left by a run that died (SIGKILL, crash) into a finished
  // results file at `final_path`, exactly as finish() would have written it: the
  // rows up to the last complete flush (the length of /timeseries/date; a dataset
  // caught one batch longer by a kill in mid-flush is cut to it), the events and
  // the network snapshots likewise (the length of /networks/<name>/snapshot, and
  // the node and edge rows those snapshots cover). The `.partial` is only read
  // (as an HDF5 SWMR reader), never changed. Returns the number of rows. Throws
  // pfsim::UserError if `partial` cannot be read as a pfsim results file (a
  // damaged file fails at once, without HDF5's retries), if the run that writes
  // it is still alive (it holds `<base>.lock`), or `final_path` cannot be
  // written (same rules as the constructor's).
  static std::int64_t recover(const std::filesystem::path& partial,
                              const std::filesystem::path& final_path);

  // Reads the structure of a results file (finished, or a `.partial`) as
  // recover() does, without writing anything; returns its complete rows.
  // Throws pfsim::UserError naming the file, at once, when it is not a
  // readable pfsim results file (damaged, truncated, foreign, not a regular
  // file). Front ends call it before reading a file with other tools (h5py
  // retries damaged metadata for minutes).
  static std::int64_t inspect(const std::filesystem::path& path);

  // How often this process left HDF5 in a state its exit code may not clean
  // up: files that could not be closed because the disk stayed full even
  // after the reserve was freed (h5_handle.hpp, flush_and_close), any failed
  // HDF5 call, damaged files recover()/inspect() gave up on. HDF5 could crash
  // at exit, or print "infinite loop closing library"; a program that sees > 0
  // should end with _exit().
  [[nodiscard]] static int files_left_open() noexcept;

  [[nodiscard]] const std::filesystem::path& partial_path() const;
  [[nodiscard]] const std::filesystem::path& final_path() const;
  // Rows accepted by append() so far (flushed or still buffered).
  [[nodiscard]] std::int64_t rows_written() const;
  // Rows already handed to the file by the last flush: after a SIGKILL the
  // `.partial` holds at least this many rows.
  [[nodiscard]] std::int64_t rows_flushed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pfsim::record
