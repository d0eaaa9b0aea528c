// ResultsWriter: layout, attributes, dimension scales, .partial → final, error
// paths and byte-identical output. The file is read back with the HDF5 C API.
// (What a SIGKILLed run leaves behind is tested from Python, with h5py and
// xarray, in tests/python/test_partial_after_kill.py.)
#include <doctest/doctest.h>
#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "record/h5_handle.hpp"
#include "record/results_writer.hpp"

namespace fs = std::filesystem;
namespace h5 = pfsim::record::h5;
using pfsim::record::EventRecord;
using pfsim::record::IndicatorSpec;
using pfsim::record::ResultsWriter;
using pfsim::record::RunMetadata;

namespace {

// A fresh, empty directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("pfsim_record_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

std::vector<IndicatorSpec> two_indicators() {
  return {{"money_supply", "RMB", "Broad money held by households and firms."},
          {"default_rate", "1/year", "Share of loans that default, annualised."}};
}

RunMetadata test_metadata() {
  RunMetadata m;
  m.scenario_text = "name: test\nsteps: 5\n";
  m.scenario_path = "scenarios/test.yaml";
  m.seed = 42;
  m.threads = 2;
  m.program_version = "0.1.0";
  m.git_commit = "abcdef012345";
  m.start_date = "2019-01-01";
  return m;
}

// Writes `rows` rows (day = 2*i, values i*10 + k) and two events, then finishes.
void write_standard(const fs::path& path, int rows, int flush_every) {
  ResultsWriter w(path, two_indicators(), test_metadata(), flush_every);
  w.record_event({3, "ipo_halt", R"({"platforms": ["p2p_1"]})", ""});
  for (int i = 0; i < rows; ++i) {
    const std::array<double, 2> row{i * 10.0, i * 10.0 + 1.0};
    w.append(2 * i, row);
  }
  w.record_event({7, "rate_cut", R"({"bp": 25})", "npl_ratio > 0.08"});
  w.finish();
}

h5::File open_read(const fs::path& path) {
  h5::QuietErrors quiet;
  h5::File f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)};
  REQUIRE(f.valid());
  return f;
}

h5::Dataset open_dataset(hid_t file, const char* path) {
  h5::Dataset d{H5Dopen2(file, path, H5P_DEFAULT)};
  REQUIRE_MESSAGE(d.valid(), path);
  return d;
}

// Reads a string attribute, fixed-length or variable-length.
std::string string_attr(hid_t obj, const char* name, bool* is_variable = nullptr) {
  h5::Attribute a{H5Aopen(obj, name, H5P_DEFAULT)};
  REQUIRE_MESSAGE(a.valid(), name);
  h5::Datatype t{H5Aget_type(a.get())};
  REQUIRE(H5Tget_class(t.get()) == H5T_STRING);
  const bool variable = H5Tis_variable_str(t.get()) > 0;
  if (is_variable != nullptr) *is_variable = variable;
  if (variable) {
    char* text = nullptr;
    REQUIRE(H5Aread(a.get(), t.get(), &text) >= 0);
    std::string out(text);
    H5free_memory(text);
    return out;
  }
  std::string out(H5Tget_size(t.get()), '\0');
  REQUIRE(H5Aread(a.get(), t.get(), out.data()) >= 0);
  return out.substr(0, out.find('\0'));
}

double double_attr(hid_t obj, const char* name) {
  h5::Attribute a{H5Aopen(obj, name, H5P_DEFAULT)};
  REQUIRE(a.valid());
  double v = 0;
  REQUIRE(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) >= 0);
  return v;
}

std::vector<double> read_doubles(hid_t ds) {
  h5::Dataspace s{H5Dget_space(ds)};
  const auto n = H5Sget_simple_extent_npoints(s.get());
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0) REQUIRE(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  return v;
}

std::vector<std::string> read_vlen_strings(hid_t ds) {
  h5::Dataspace s{H5Dget_space(ds)};
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(s.get()));
  h5::Datatype t{H5Tcopy(H5T_C_S1)};
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  REQUIRE(H5Dread(ds, t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) >= 0);
  std::vector<std::string> out(raw.begin(), raw.end());
  REQUIRE(H5Dvlen_reclaim(t.get(), s.get(), H5P_DEFAULT, raw.data()) >= 0);
  return out;
}

// The stored (compressed) bytes of every chunk of a 1-D dataset.
std::vector<std::vector<unsigned char>> raw_chunks(hid_t ds) {
  hsize_t nchunks = 0;
  h5::Dataspace s{H5Dget_space(ds)};
  REQUIRE(H5Dget_num_chunks(ds, s.get(), &nchunks) >= 0);
  std::vector<std::vector<unsigned char>> out;
  for (hsize_t i = 0; i < nchunks; ++i) {
    hsize_t offset = 0;
    unsigned mask = 0;
    haddr_t addr = 0;
    hsize_t size = 0;
    REQUIRE(H5Dget_chunk_info(ds, s.get(), i, &offset, &mask, &addr, &size) >= 0);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    std::uint32_t filters = 0;
    REQUIRE(H5Dread_chunk(ds, H5P_DEFAULT, &offset, &filters, bytes.data()) >= 0);
    out.push_back(std::move(bytes));
  }
  return out;
}

// {current length, maximum length, chunk length} of a 1-D chunked dataset.
std::array<hsize_t, 3> shape_of(hid_t ds) {
  h5::Dataspace space{H5Dget_space(ds)};
  hsize_t dims = 0;
  hsize_t maxdims = 0;
  REQUIRE(H5Sget_simple_extent_dims(space.get(), &dims, &maxdims) == 1);
  h5::PropList dcpl{H5Dget_create_plist(ds)};
  hsize_t chunk = 0;
  REQUIRE(H5Pget_chunk(dcpl.get(), 1, &chunk) == 1);
  return {dims, maxdims, chunk};
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("finished file: groups, datasets, attributes and dimension scales") {
  TempDir dir;
  const fs::path out = dir.path() / "results.h5";
  write_standard(out, 5, 2);
  CHECK(dir.names() == std::vector<std::string>{"results.h5"});

  const h5::File f = open_read(out);
  CHECK(string_attr(f.get(), "Conventions") == "CF-1.8");
  CHECK(string_attr(f.get(), "pfsim_version") == "0.1.0");
  CHECK(!string_attr(f.get(), "title").empty());

  SUBCASE("time coordinate") {
    const h5::Dataset date = open_dataset(f.get(), "/timeseries/date");
    CHECK(H5DSis_scale(date.get()) > 0);
    bool variable = true;
    CHECK(string_attr(date.get(), "units", &variable) == "days since 2019-01-01");
    CHECK_FALSE(variable);  // CF attributes: fixed-length strings
    CHECK(string_attr(date.get(), "calendar") == "proleptic_gregorian");
    CHECK(read_doubles(date.get()) == std::vector<double>{0, 2, 4, 6, 8});
    // Sized exactly in the finished file (netCDF readers would otherwise ask every
    // variable for its length); chunks of min(1024, rows).
    CHECK(shape_of(date.get()) == std::array<hsize_t, 3>{5, 5, 5});
    char name[16] = {};
    CHECK(H5DSget_scale_name(date.get(), name, sizeof name) > 0);
    CHECK(std::string(name) == "date");
  }

  SUBCASE("indicators") {
    const h5::Dataset date = open_dataset(f.get(), "/timeseries/date");
    const h5::Dataset money = open_dataset(f.get(), "/timeseries/money_supply");
    const h5::Dataset rate = open_dataset(f.get(), "/timeseries/default_rate");
    CHECK(H5DSis_attached(money.get(), date.get(), 0) > 0);
    CHECK(H5DSis_attached(rate.get(), date.get(), 0) > 0);
    CHECK(read_doubles(money.get()) == std::vector<double>{0, 10, 20, 30, 40});
    CHECK(read_doubles(rate.get()) == std::vector<double>{1, 11, 21, 31, 41});

    bool variable = true;
    CHECK(string_attr(money.get(), "units", &variable) == "RMB");
    CHECK_FALSE(variable);
    CHECK(string_attr(money.get(), "long_name") == "money supply");
    CHECK(string_attr(money.get(), "description") == "Broad money held by households and firms.");
    CHECK(string_attr(rate.get(), "units") == "1/year");
    CHECK(std::isnan(double_attr(money.get(), "_FillValue")));

    h5::Datatype type{H5Dget_type(money.get())};
    CHECK(H5Tequal(type.get(), H5T_IEEE_F64LE) > 0);
    h5::Dataspace space{H5Dget_space(money.get())};
    hsize_t dims = 0;
    hsize_t maxdims = 0;
    REQUIRE(H5Sget_simple_extent_dims(space.get(), &dims, &maxdims) == 1);
    CHECK(dims == 5);
    CHECK(maxdims == H5S_UNLIMITED);  // extendable along time

    h5::PropList dcpl{H5Dget_create_plist(money.get())};
    hsize_t chunk = 0;
    CHECK(H5Pget_layout(dcpl.get()) == H5D_CHUNKED);
    CHECK(H5Pget_chunk(dcpl.get(), 1, &chunk) == 1);
    CHECK(chunk == 1024);
    REQUIRE(H5Pget_nfilters(dcpl.get()) == 2);
    unsigned flags = 0;
    std::array<unsigned, 8> cd{};
    std::size_t nelmts = cd.size();
    CHECK(H5Pget_filter2(dcpl.get(), 0, &flags, &nelmts, cd.data(), 0, nullptr, nullptr) ==
          H5Z_FILTER_SHUFFLE);
    nelmts = cd.size();
    CHECK(H5Pget_filter2(dcpl.get(), 1, &flags, &nelmts, cd.data(), 0, nullptr, nullptr) ==
          H5Z_FILTER_DEFLATE);
    CHECK(nelmts == 1);
    CHECK(cd[0] == 4);  // deflate level
    double fill = 0;
    CHECK(H5Pget_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill) >= 0);
    CHECK(std::isnan(fill));
    hbool_t track_times = 1;
    CHECK(H5Pget_obj_track_times(dcpl.get(), &track_times) >= 0);
    CHECK_FALSE(track_times);
  }

  SUBCASE("events") {
    const h5::Dataset index = open_dataset(f.get(), "/events/event");
    const h5::Dataset day = open_dataset(f.get(), "/events/day");
    const h5::Dataset type = open_dataset(f.get(), "/events/type");
    const h5::Dataset params = open_dataset(f.get(), "/events/parameters");
    const h5::Dataset cond = open_dataset(f.get(), "/events/condition");
    CHECK(H5DSis_scale(index.get()) > 0);
    for (const auto* ds : {&day, &type, &params, &cond}) {
      CHECK(H5DSis_attached(ds->get(), index.get(), 0) > 0);
    }
    CHECK(read_doubles(day.get()) == std::vector<double>{3, 7});
    CHECK(string_attr(day.get(), "units") == "days since 2019-01-01");
    CHECK(read_vlen_strings(type.get()) == std::vector<std::string>{"ipo_halt", "rate_cut"});
    CHECK(read_vlen_strings(params.get()) ==
          std::vector<std::string>{R"({"platforms": ["p2p_1"]})", R"({"bp": 25})"});
    CHECK(read_vlen_strings(cond.get()) == std::vector<std::string>{"", "npl_ratio > 0.08"});
  }

  SUBCASE("metadata") {
    h5::Group g{H5Gopen2(f.get(), "/metadata", H5P_DEFAULT)};
    REQUIRE(g.valid());
    bool variable = false;
    CHECK(string_attr(g.get(), "scenario_path", &variable) == "scenarios/test.yaml");
    CHECK(variable);  // h5py reads variable-length string attributes as str
    CHECK(string_attr(g.get(), "program_version") == "0.1.0");
    CHECK(string_attr(g.get(), "git_commit") == "abcdef012345");
    CHECK(string_attr(g.get(), "start_date") == "2019-01-01");
    h5::Attribute seed{H5Aopen(g.get(), "seed", H5P_DEFAULT)};
    h5::Datatype seed_type{H5Aget_type(seed.get())};
    CHECK(H5Tequal(seed_type.get(), H5T_STD_U64LE) > 0);
    std::uint64_t seed_value = 0;
    CHECK(H5Aread(seed.get(), H5T_NATIVE_UINT64, &seed_value) >= 0);
    CHECK(seed_value == 42);
    CHECK(double_attr(g.get(), "threads") == 2);

    const h5::Dataset scenario = open_dataset(f.get(), "/metadata/scenario");
    h5::Datatype t{H5Dget_type(scenario.get())};
    CHECK(H5Tis_variable_str(t.get()) > 0);
    char* text = nullptr;
    REQUIRE(H5Dread(scenario.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) >= 0);
    CHECK(std::string(text) == "name: test\nsteps: 5\n");
    H5free_memory(text);
  }
}

TEST_CASE("the run writes <path>.partial; finish() renames it to <path>") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  ResultsWriter w(out, two_indicators(), test_metadata(), 3);
  CHECK(w.final_path() == out);
  CHECK(w.partial_path() == dir.path() / "r.h5.partial");
  // The run lock is held as long as the writer writes.
  const std::vector<std::string> running{"r.h5.lock", "r.h5.partial"};
  CHECK(dir.names() == running);

  const std::array<double, 2> row{1.0, 2.0};
  for (int day = 0; day < 4; ++day) w.append(day, row);
  CHECK(w.rows_written() == 4);
  CHECK(w.rows_flushed() == 3);  // flush_every_steps = 3; the 4th row is buffered
  w.flush();
  CHECK(w.rows_flushed() == 4);
  CHECK(dir.names() == running);

  w.finish();
  CHECK(dir.names() == std::vector<std::string>{"r.h5"});
  CHECK_THROWS_AS(w.append(9, row), pfsim::InternalError);
  CHECK_THROWS_AS(w.finish(), pfsim::InternalError);
  CHECK_THROWS_AS(w.discard(), pfsim::InternalError);
}

TEST_CASE("a stale .partial is replaced; an existing final file is replaced only by finish()") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  std::ofstream(dir.path() / "r.h5.partial") << "stale garbage";
  std::ofstream(out) << "previous result";
  {
    ResultsWriter w(out, two_indicators(), test_metadata(), 1);
    const std::array<double, 2> row{1.0, 2.0};
    w.append(0, row);
    CHECK(file_bytes(out) == "previous result");
    w.finish();
  }
  CHECK(dir.names() == std::vector<std::string>{"r.h5"});
  const h5::File f = open_read(out);
  CHECK(read_doubles(open_dataset(f.get(), "/timeseries/money_supply").get()) ==
        std::vector<double>{1.0});
}

TEST_CASE("destructor without finish(): closes cleanly and leaves the .partial") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  {
    ResultsWriter w(out, two_indicators(), test_metadata(), 10);
    w.record_event({1, "ipo_halt", "{}", ""});
    const std::array<double, 2> row{5.0, 6.0};
    w.append(0, row);
    w.append(1, row);
    CHECK(w.rows_flushed() == 0);
  }
  CHECK(dir.names() == std::vector<std::string>{"r.h5.partial"});
  // Closed cleanly: opens without SWMR flags, and the buffered rows were written.
  const h5::File f = open_read(dir.path() / "r.h5.partial");
  CHECK(read_doubles(open_dataset(f.get(), "/timeseries/date").get()) == std::vector<double>{0, 1});
  CHECK(read_doubles(open_dataset(f.get(), "/timeseries/default_rate").get()) ==
        std::vector<double>{6, 6});
  CHECK(read_doubles(open_dataset(f.get(), "/events/day").get()) == std::vector<double>{1});

  // The .partial layout: unlimited, 1024-row chunks, fixed-length event text.
  const h5::Dataset rate = open_dataset(f.get(), "/timeseries/default_rate");
  CHECK(shape_of(rate.get()) == std::array<hsize_t, 3>{2, H5S_UNLIMITED, 1024});
  const h5::Dataset date = open_dataset(f.get(), "/timeseries/date");
  CHECK(H5DSis_attached(rate.get(), date.get(), 0) > 0);
  const h5::Dataset params = open_dataset(f.get(), "/events/parameters");
  h5::Datatype type{H5Dget_type(params.get())};
  CHECK(H5Tis_variable_str(type.get()) == 0);
  CHECK(H5Tget_size(type.get()) == pfsim::record::max_event_parameters_bytes);
  std::string text(H5Tget_size(type.get()), '\0');
  REQUIRE(H5Dread(params.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) >= 0);
  CHECK(text.substr(0, text.find('\0')) == "{}");
}

TEST_CASE("discard() removes the .partial") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  ResultsWriter w(out, two_indicators(), test_metadata(), 2);
  const std::array<double, 2> row{5.0, 6.0};
  w.append(0, row);
  w.append(1, row);
  w.discard();
  CHECK(dir.names().empty());
  w.discard();  // idempotent
  CHECK_THROWS_AS(w.append(2, row), pfsim::InternalError);
}

TEST_CASE("an unwritable location is a UserError naming the path, and leaves no file") {
  TempDir dir;
  SUBCASE("missing directory") {
    const fs::path out = dir.path() / "no_such_dir" / "r.h5";
    try {
      ResultsWriter w(out, two_indicators(), test_metadata(), 2);
      FAIL("expected a UserError");
    } catch (const pfsim::UserError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics().front();
      CHECK(d.where.file == out.string());
      CHECK(d.message.find("r.h5") != std::string::npos);
      CHECK(d.message.find("No such file or directory") != std::string::npos);
      CHECK(d.hint.find("does not exist") != std::string::npos);
    }
    CHECK(dir.names().empty());
  }
  SUBCASE("output path is a directory") {
    const fs::path out = dir.path() / "sub";
    fs::create_directories(out);
    CHECK_THROWS_AS(ResultsWriter(out, two_indicators(), test_metadata(), 2), pfsim::UserError);
    CHECK(dir.names() == std::vector<std::string>{"sub"});
  }
  SUBCASE("read-only directory") {
    if (::geteuid() == 0) return;  // root writes anywhere
    const fs::path ro = dir.path() / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    try {
      ResultsWriter w(ro / "r.h5", two_indicators(), test_metadata(), 2);
      FAIL("expected a UserError");
    } catch (const pfsim::UserError& e) {
      CHECK(e.diagnostics().front().message.find("Permission denied") != std::string::npos);
      CHECK(e.diagnostics().front().hint.find("writable") != std::string::npos);
    }
    fs::permissions(ro, fs::perms::owner_all);
    CHECK(fs::is_empty(ro));
  }
}

TEST_CASE("one writer per path: a second one is refused at once, naming this process") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  ResultsWriter first(out, two_indicators(), test_metadata(), 2);
  first.append(0, std::array{1.0, 2.0});
  first.flush();
  const std::string before = file_bytes(first.partial_path());
  try {
    ResultsWriter second(out, two_indicators(), test_metadata(), 2);
    FAIL("expected a UserError");
  } catch (const pfsim::UserError& e) {
    const auto& d = e.diagnostics().front();
    CHECK(d.message.find("being written by this process") != std::string::npos);
    CHECK(d.hint.find("r.h5.lock") != std::string::npos);
  }
  CHECK(file_bytes(first.partial_path()) == before);  // not truncated
  // recover() into the same path is refused too.
  CHECK_THROWS_AS(ResultsWriter::recover(first.partial_path(), out), pfsim::UserError);
  first.append(1, std::array{3.0, 4.0});
  first.finish();
  CHECK(dir.names() == std::vector<std::string>{"r.h5"});          // lock file gone
  ResultsWriter third(out, two_indicators(), test_metadata(), 2);  // free again
  third.discard();
}

TEST_CASE("only regular files: symlinks, FIFOs and directories at any of the paths are refused") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  const fs::path target = dir.path() / "precious";
  std::ofstream(target) << "keep";
  for (const char* suffix : {"", ".partial", ".finishing", ".creating", ".lock"}) {
    CAPTURE(suffix);
    fs::path planted = out;
    planted += suffix;
    fs::create_symlink(target, planted);
    try {
      ResultsWriter w(out, two_indicators(), test_metadata(), 2);
      FAIL("expected a UserError");
    } catch (const pfsim::UserError& e) {
      CHECK(e.diagnostics().front().message.find("symbolic link") != std::string::npos);
    }
    CHECK(file_bytes(target) == "keep");
    CHECK(fs::is_symlink(planted));
    fs::remove(planted);
    REQUIRE(::mkfifo(planted.c_str(), 0600) == 0);
    CHECK_THROWS_AS(ResultsWriter(out, two_indicators(), test_metadata(), 2), pfsim::UserError);
    fs::remove(planted);
  }
  CHECK(dir.names() == std::vector<std::string>{"precious"});
}

TEST_CASE("interventions: written into the final copy before the rename, only when given") {
  TempDir dir;
  const std::string json = R"([{"type": "column_write", "day": 3}])";
  for (const bool given : {false, true}) {
    const fs::path out = dir.path() / (given ? "with.h5" : "without.h5");
    ResultsWriter w(out, two_indicators(), test_metadata(), 2);
    w.append(0, std::array{1.0, 2.0});
    if (given) w.set_interventions_json(json);
    w.finish();
    const h5::File f{H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)};
    REQUIRE(f.valid());
    const bool exists = H5Lexists(f.get(), "/metadata/interventions", H5P_DEFAULT) > 0;
    CHECK(exists == given);
  }
}

TEST_CASE("inspect(): a results file's rows; a damaged or foreign file is a UserError naming it") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  ResultsWriter w(out, two_indicators(), test_metadata(), 2);
  for (int day = 0; day < 5; ++day) w.append(day, std::array{1.0, 2.0});
  w.finish();
  CHECK(ResultsWriter::inspect(out) == 5);
  const std::string bytes = file_bytes(out);
  const fs::path cut = dir.path() / "cut.h5";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 10);
  try {
    (void)ResultsWriter::inspect(cut);
    FAIL("expected a UserError");
  } catch (const pfsim::UserError& e) {
    CHECK(e.diagnostics().front().message.find(cut.string()) != std::string::npos);
  }
  const fs::path fifo = dir.path() / "fifo.h5";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_AS((void)ResultsWriter::inspect(fifo), pfsim::UserError);  // no hang
}

TEST_CASE("invalid arguments fail before any file is created") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  auto specs = two_indicators();
  specs.push_back(specs.front());
  CHECK_THROWS_AS(ResultsWriter(out, specs, test_metadata(), 2), pfsim::InternalError);
  CHECK_THROWS_AS(ResultsWriter(out, {{"bad/name", "1", ""}}, test_metadata(), 2),
                  pfsim::InternalError);
  CHECK_THROWS_AS(ResultsWriter(out, {{"date", "1", ""}}, test_metadata(), 2),
                  pfsim::InternalError);
  CHECK_THROWS_AS(ResultsWriter(out, two_indicators(), test_metadata(), 0), pfsim::InternalError);
  auto meta = test_metadata();
  meta.start_date = "2019-02-30";
  CHECK_THROWS_AS(ResultsWriter(out, two_indicators(), meta, 2), pfsim::InternalError);
  CHECK(dir.names().empty());
}

TEST_CASE("append and record_event check their input") {
  TempDir dir;
  ResultsWriter w(dir.path() / "r.h5", two_indicators(), test_metadata(), 2);
  const std::array<double, 2> row{1.0, 2.0};
  const std::array<double, 1> short_row{1.0};
  CHECK_THROWS_AS(w.append(0, short_row), pfsim::InternalError);
  w.append(5, row);
  CHECK_THROWS_AS(w.append(5, row), pfsim::InternalError);  // days strictly increase
  CHECK_THROWS_AS(w.append(4, row), pfsim::InternalError);
  w.append(6, row);

  EventRecord long_event{1, "ipo_halt",
                         std::string(pfsim::record::max_event_parameters_bytes + 1, 'x'), ""};
  try {
    w.record_event(long_event);
    FAIL("expected a UserError");
  } catch (const pfsim::UserError& e) {
    CHECK(e.diagnostics().front().where.file == "scenarios/test.yaml");
    CHECK(e.diagnostics().front().message.find("parameters") != std::string::npos);
  }
  // Exactly at the limit is fine and comes back whole.
  const std::string longest(pfsim::record::max_event_parameters_bytes, 'y');
  w.record_event({2, "ipo_halt", longest, ""});
  w.finish();
  const h5::File f = open_read(dir.path() / "r.h5");
  CHECK(read_vlen_strings(open_dataset(f.get(), "/events/parameters").get()) ==
        std::vector<std::string>{longest});
  CHECK(read_doubles(open_dataset(f.get(), "/timeseries/date").get()) == std::vector<double>{5, 6});
}

TEST_CASE("more rows than one chunk, flushed in odd batches") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  const int rows = 2500;  // three chunks of 1024
  {
    ResultsWriter w(out, two_indicators(), test_metadata(), 7);
    for (int i = 0; i < rows; ++i) {
      const std::array<double, 2> row{i * 0.5, -i * 1.0};
      w.append(i, row);
    }
    w.finish();
  }
  const h5::File f = open_read(out);
  const auto money = read_doubles(open_dataset(f.get(), "/timeseries/money_supply").get());
  const auto rate = read_doubles(open_dataset(f.get(), "/timeseries/default_rate").get());
  REQUIRE(money.size() == rows);
  CHECK(shape_of(open_dataset(f.get(), "/timeseries/money_supply").get()) ==
        std::array<hsize_t, 3>{rows, H5S_UNLIMITED, 1024});
  CHECK(shape_of(open_dataset(f.get(), "/timeseries/date").get()) ==
        std::array<hsize_t, 3>{rows, rows, 1024});
  REQUIRE(rate.size() == rows);
  bool all_equal = true;
  for (int i = 0; i < rows; ++i) {
    all_equal = all_equal && money[static_cast<std::size_t>(i)] == i * 0.5 &&
                rate[static_cast<std::size_t>(i)] == -i * 1.0;
  }
  CHECK(all_equal);
}

TEST_CASE("two runs with equal data give byte-identical datasets and files") {
  TempDir dir;
  const fs::path a = dir.path() / "a.h5";
  const fs::path b = dir.path() / "b.h5";
  write_standard(a, 1500, 4);
  write_standard(b, 1500, 4);

  const h5::File fa = open_read(a);
  const h5::File fb = open_read(b);
  for (const char* path : {"/timeseries/date", "/timeseries/money_supply",
                           "/timeseries/default_rate", "/events/day", "/events/event"}) {
    CAPTURE(path);
    const h5::Dataset da = open_dataset(fa.get(), path);
    const h5::Dataset db = open_dataset(fb.get(), path);
    CHECK(read_doubles(da.get()) == read_doubles(db.get()));
    const auto chunks = raw_chunks(da.get());
    CHECK(!chunks.empty());
    CHECK(chunks == raw_chunks(db.get()));
  }
  CHECK(file_bytes(a) == file_bytes(b));
}

TEST_CASE("recover(): a .partial becomes the file finish() would have written") {
  TempDir dir;
  const fs::path finished = dir.path() / "finished.h5";
  write_standard(finished, 1500, 4);

  const fs::path abandoned = dir.path() / "abandoned.h5";
  {
    ResultsWriter w(abandoned, two_indicators(), test_metadata(), 4);
    w.record_event({3, "ipo_halt", R"({"platforms": ["p2p_1"]})", ""});
    for (int i = 0; i < 1500; ++i) {
      const std::array<double, 2> row{i * 10.0, i * 10.0 + 1.0};
      w.append(2 * i, row);
    }
    w.record_event({7, "rate_cut", R"({"bp": 25})", "npl_ratio > 0.08"});
  }  // no finish(): the destructor leaves abandoned.h5.partial
  const fs::path partial = dir.path() / "abandoned.h5.partial";
  const fs::path recovered = dir.path() / "recovered.h5";
  CHECK(ResultsWriter::recover(partial, recovered) == 1500);
  CHECK(fs::exists(partial));  // only read
  CHECK_FALSE(fs::exists(dir.path() / "recovered.h5.finishing"));
  CHECK(file_bytes(recovered) == file_bytes(finished));
}

TEST_CASE("recover(): unreadable input is a UserError and leaves nothing behind") {
  TempDir dir;
  const fs::path out = dir.path() / "out.h5";
  CHECK_THROWS_AS(ResultsWriter::recover(dir.path() / "missing.h5.partial", out), pfsim::UserError);
  std::ofstream(dir.path() / "junk.partial") << "not HDF5";
  CHECK_THROWS_AS(ResultsWriter::recover(dir.path() / "junk.partial", out), pfsim::UserError);
  CHECK(dir.names() == std::vector<std::string>{"junk.partial"});
}

// ---- networks ---------------------------------------------------------------

namespace {

using pfsim::record::NetworkSnapshot;
using pfsim::record::NetworkSpec;

std::vector<NetworkSpec> two_networks() {
  return {{"interbank", {"equity", "failed"}, "Claims between banks."},
          {"fund_placements", {"aum"}, ""}};
}

// Three interbank snapshots (the second hands its attributes over in another
// order, the third is empty) and one fund_placements snapshot, interleaved with
// six rows (days 0..5).
// With `s1_in_parts`, the day-3 interbank snapshot is given in two parts of
// one node each (record_network_in_parts), its edge in the first part pointing
// at the node of the second.
void write_networked(const fs::path& path, int flush_every, bool finish, bool s1_in_parts = false) {
  ResultsWriter w(path, two_indicators(), test_metadata(), flush_every, two_networks());
  const std::array<double, 2> row{1.0, 2.0};
  NetworkSnapshot s0;
  s0.day = 0;
  s0.name = "interbank";
  s0.node_kind = {"bank", "bank", "platform"};
  s0.node_index = {0, 1, 0};
  s0.node_attribute_names = {"equity", "failed"};
  s0.node_attributes = {{10, 20, 30}, {0, 0, 1}};
  s0.source = {2, 1, 2};  // not sorted: stored in the order given
  s0.target = {0, 0, 1};
  s0.weight = {5.5, 1.25, 7};
  w.record_network(s0);
  w.append(0, row);
  w.append(1, row);
  NetworkSnapshot f0;
  f0.day = 2;
  f0.name = "fund_placements";
  f0.node_kind = {"fund"};
  f0.node_index = {7};
  f0.node_attribute_names = {"aum"};
  f0.node_attributes = {{1e9}};
  w.record_network(f0);
  w.append(2, row);
  NetworkSnapshot s1;
  s1.day = 3;
  s1.name = "interbank";
  s1.node_kind = {"bank", "fund"};
  s1.node_index = {1, 4};
  s1.node_attribute_names = {"failed", "equity"};
  s1.node_attributes = {{1, 0}, {-5, 100}};
  s1.source = {0};
  s1.target = {1};
  s1.weight = {2.5};
  if (s1_in_parts) {
    int part_no = 0;
    w.record_network_in_parts("interbank", 3, 2, [&](NetworkSnapshot& part) {
      if (part_no == 2) return false;
      part.node_kind = {s1.node_kind[part_no]};
      part.node_index = {s1.node_index[part_no]};
      part.node_attribute_names = s1.node_attribute_names;
      part.node_attributes = {{s1.node_attributes[0][part_no]}, {s1.node_attributes[1][part_no]}};
      if (part_no == 0) {
        part.source = s1.source;
        part.target = s1.target;
        part.weight = s1.weight;
      }
      ++part_no;
      return true;
    });
  } else {
    w.record_network(s1);
  }
  w.append(3, row);
  NetworkSnapshot s2;
  s2.day = 4;
  s2.name = "interbank";
  s2.node_attribute_names = {"equity", "failed"};
  s2.node_attributes = {{}, {}};
  w.record_network(s2);
  w.append(4, row);
  w.append(5, row);
  if (finish) w.finish();
}

// Member names of a group, in creation order.
std::vector<std::string> members(hid_t file, const char* path) {
  h5::Group g{H5Gopen2(file, path, H5P_DEFAULT)};
  REQUIRE_MESSAGE(g.valid(), path);
  H5G_info_t info{};
  REQUIRE(H5Gget_info(g.get(), &info) >= 0);
  std::vector<std::string> out;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    std::array<char, 256> name{};
    REQUIRE(H5Lget_name_by_idx(g.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name.data(),
                               name.size(), H5P_DEFAULT) > 0);
    out.emplace_back(name.data());
  }
  return out;
}

std::vector<std::string> read_fixed_strings(hid_t ds) {
  h5::Datatype t{H5Dget_type(ds)};
  REQUIRE(H5Tis_variable_str(t.get()) == 0);
  const std::size_t width = H5Tget_size(t.get());
  h5::Dataspace s{H5Dget_space(ds)};
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(s.get()));
  std::string raw(n * width, '\0');
  if (n > 0) REQUIRE(H5Dread(ds, t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) >= 0);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string cell = raw.substr(i * width, width);
    out.push_back(cell.substr(0, cell.find('\0')));
  }
  return out;
}

// Members of an enum datatype, in code order (codes 0, 1, …), and the
// member names of an enum column's codes, row by row.
std::vector<std::string> enum_members(hid_t type) {
  REQUIRE(H5Tget_class(type) == H5T_ENUM);
  REQUIRE(H5Tget_size(type) == 1);
  std::vector<std::string> out(static_cast<std::size_t>(H5Tget_nmembers(type)));
  for (unsigned m = 0; m < out.size(); ++m) {
    std::uint8_t code = 0;
    REQUIRE(H5Tget_member_value(type, m, &code) >= 0);
    REQUIRE(code < out.size());
    char* name = H5Tget_member_name(type, m);
    REQUIRE(name != nullptr);
    out[code] = name;
    H5free_memory(name);
  }
  return out;
}

std::vector<std::string> read_enum_strings(hid_t ds) {
  h5::Datatype t{H5Dget_type(ds)};
  const std::vector<std::string> names = enum_members(t.get());
  h5::Dataspace s{H5Dget_space(ds)};
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(s.get()));
  std::vector<std::uint8_t> codes(n);
  if (n > 0) REQUIRE(H5Dread(ds, t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, codes.data()) >= 0);
  std::vector<std::string> out;
  for (const std::uint8_t c : codes) out.push_back(names.at(c));
  return out;
}

std::vector<double> doubles_at(hid_t file, const std::string& path) {
  return read_doubles(open_dataset(file, path.c_str()).get());
}

// Appends `rows` rows of junk to a 1-D dataset of a closed `.partial`, as a kill
// in the middle of a flush can leave them.
void append_junk(hid_t file, const std::string& path, hsize_t rows) {
  const h5::Dataset ds = open_dataset(file, path.c_str());
  const auto [old_rows, max_rows, chunk] = shape_of(ds.get());
  (void)max_rows;
  (void)chunk;
  const hsize_t new_rows = old_rows + rows;
  REQUIRE(H5Dset_extent(ds.get(), &new_rows) >= 0);
  h5::Datatype type{H5Dget_type(ds.get())};
  std::vector<unsigned char> junk(static_cast<std::size_t>(rows) * H5Tget_size(type.get()), 0x41);
  h5::Dataspace file_space{H5Dget_space(ds.get())};
  REQUIRE(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &old_rows, nullptr, &rows,
                              nullptr) >= 0);
  h5::Dataspace mem_space{H5Screate_simple(1, &rows, nullptr)};
  REQUIRE(H5Dwrite(ds.get(), type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT,
                   junk.data()) >= 0);
}

}  // namespace

TEST_CASE("networks: layout and values of a finished file") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  write_networked(out, 2, true);
  CHECK(dir.names() == std::vector<std::string>{"r.h5"});
  const h5::File f = open_read(out);
  CHECK(members(f.get(), "/") ==
        std::vector<std::string>{"timeseries", "events", "networks", "metadata"});
  // Declared order, not name order.
  CHECK(members(f.get(), "/networks") == std::vector<std::string>{"interbank", "fund_placements"});
  CHECK(members(f.get(), "/networks/interbank") ==
        std::vector<std::string>{"snapshot", "day", "node_start", "node_count", "edge_start",
                                 "edge_count", "nodes", "edges"});
  CHECK(members(f.get(), "/networks/interbank/nodes") ==
        std::vector<std::string>{"row", "snapshot", "node_kind_t", "node_kind", "node_index",
                                 "equity", "failed"});
  CHECK(members(f.get(), "/networks/interbank/edges") ==
        std::vector<std::string>{"row", "snapshot", "source", "target", "weight"});

  SUBCASE("snapshot table") {
    h5::Group g{H5Gopen2(f.get(), "/networks/interbank", H5P_DEFAULT)};
    REQUIRE(g.valid());
    CHECK(string_attr(g.get(), "description") == "Claims between banks.");
    CHECK(string_attr(g.get(), "long_name") == "interbank network");
    CHECK(string_attr(g.get(), "edge_direction").find("held by `target`") != std::string::npos);
    const h5::Dataset snapshot = open_dataset(f.get(), "/networks/interbank/snapshot");
    CHECK(H5DSis_scale(snapshot.get()) > 0);
    CHECK(read_doubles(snapshot.get()) == std::vector<double>{0, 1, 2});
    CHECK(shape_of(snapshot.get()) == std::array<hsize_t, 3>{3, 3, 3});  // sized exactly
    const h5::Dataset day = open_dataset(f.get(), "/networks/interbank/day");
    CHECK(H5DSis_attached(day.get(), snapshot.get(), 0) > 0);
    CHECK(string_attr(day.get(), "units") == "days since 2019-01-01");
    CHECK(string_attr(day.get(), "calendar") == "proleptic_gregorian");
    CHECK(read_doubles(day.get()) == std::vector<double>{0, 3, 4});
    CHECK(doubles_at(f.get(), "/networks/interbank/node_start") == std::vector<double>{0, 3, 5});
    CHECK(doubles_at(f.get(), "/networks/interbank/node_count") == std::vector<double>{3, 2, 0});
    CHECK(doubles_at(f.get(), "/networks/interbank/edge_start") == std::vector<double>{0, 3, 4});
    CHECK(doubles_at(f.get(), "/networks/interbank/edge_count") == std::vector<double>{3, 1, 0});
    h5::Datatype start_type{
        H5Dget_type(open_dataset(f.get(), "/networks/interbank/node_start").get())};
    CHECK(H5Tequal(start_type.get(), H5T_STD_I64LE) > 0);
  }

  SUBCASE("nodes") {
    const h5::Dataset row = open_dataset(f.get(), "/networks/interbank/nodes/row");
    CHECK(H5DSis_scale(row.get()) > 0);
    CHECK(read_doubles(row.get()) == std::vector<double>{0, 1, 2, 3, 4});
    CHECK(shape_of(row.get()) == std::array<hsize_t, 3>{5, 5, 5});
    CHECK(doubles_at(f.get(), "/networks/interbank/nodes/snapshot") ==
          std::vector<double>{0, 0, 0, 1, 1});
    const h5::Dataset kind = open_dataset(f.get(), "/networks/interbank/nodes/node_kind");
    // An enum of one-byte codes, the kinds in name order, its type named
    // node_kind_t (netCDF), with the CF categorical attributes.
    h5::Datatype kind_type{H5Dget_type(kind.get())};
    CHECK(enum_members(kind_type.get()) == std::vector<std::string>{"bank", "fund", "platform"});
    CHECK(H5Tcommitted(kind_type.get()) > 0);
    h5::Datatype named{H5Topen2(f.get(), "/networks/interbank/nodes/node_kind_t", H5P_DEFAULT)};
    REQUIRE(named.valid());
    CHECK(H5Tequal(named.get(), kind_type.get()) > 0);
    CHECK(string_attr(kind.get(), "flag_meanings") == "bank fund platform");
    CHECK(string_attr(kind.get(), "long_name") == "kind of agent, e.g. bank");
    CHECK(read_enum_strings(kind.get()) ==
          std::vector<std::string>{"bank", "bank", "platform", "bank", "fund"});
    const h5::Dataset index = open_dataset(f.get(), "/networks/interbank/nodes/node_index");
    h5::Datatype index_type{H5Dget_type(index.get())};
    CHECK(H5Tequal(index_type.get(), H5T_STD_U32LE) > 0);
    CHECK(read_doubles(index.get()) == std::vector<double>{0, 1, 0, 1, 4});
    // The second snapshot gave its attributes as {failed, equity}: mapped by name.
    const h5::Dataset equity = open_dataset(f.get(), "/networks/interbank/nodes/equity");
    CHECK(read_doubles(equity.get()) == std::vector<double>{10, 20, 30, -5, 100});
    CHECK(doubles_at(f.get(), "/networks/interbank/nodes/failed") ==
          std::vector<double>{0, 0, 1, 1, 0});
    CHECK(std::isnan(double_attr(equity.get(), "_FillValue")));
    CHECK(string_attr(equity.get(), "long_name") == "equity");
    for (const char* path :
         {"/networks/interbank/nodes/snapshot", "/networks/interbank/nodes/node_kind",
          "/networks/interbank/nodes/node_index", "/networks/interbank/nodes/equity",
          "/networks/interbank/nodes/failed"}) {
      CAPTURE(path);
      CHECK(H5DSis_attached(open_dataset(f.get(), path).get(), row.get(), 0) > 0);
    }
  }

  SUBCASE("edges: in the order given, source owes target") {
    CHECK(doubles_at(f.get(), "/networks/interbank/edges/row") == std::vector<double>{0, 1, 2, 3});
    CHECK(doubles_at(f.get(), "/networks/interbank/edges/snapshot") ==
          std::vector<double>{0, 0, 0, 1});
    CHECK(doubles_at(f.get(), "/networks/interbank/edges/source") ==
          std::vector<double>{2, 1, 2, 0});
    CHECK(doubles_at(f.get(), "/networks/interbank/edges/target") ==
          std::vector<double>{0, 0, 1, 1});
    const h5::Dataset weight = open_dataset(f.get(), "/networks/interbank/edges/weight");
    CHECK(read_doubles(weight.get()) == std::vector<double>{5.5, 1.25, 7, 2.5});
    CHECK(string_attr(weight.get(), "units") == "RMB");
    const h5::Dataset row = open_dataset(f.get(), "/networks/interbank/edges/row");
    CHECK(H5DSis_attached(weight.get(), row.get(), 0) > 0);
  }

  SUBCASE("a network with snapshots but no edges") {
    CHECK(doubles_at(f.get(), "/networks/fund_placements/day") == std::vector<double>{2});
    CHECK(doubles_at(f.get(), "/networks/fund_placements/nodes/aum") == std::vector<double>{1e9});
    CHECK(read_enum_strings(
              open_dataset(f.get(), "/networks/fund_placements/nodes/node_kind").get()) ==
          std::vector<std::string>{"fund"});
    CHECK(doubles_at(f.get(), "/networks/fund_placements/edges/weight").empty());
    CHECK(doubles_at(f.get(), "/networks/fund_placements/edges/row").empty());
  }

  SUBCASE("the time series are as without networks") {
    CHECK(doubles_at(f.get(), "/timeseries/date") == std::vector<double>{0, 1, 2, 3, 4, 5});
  }
}

TEST_CASE("networks: snapshots larger than the flush's write blocks keep every row in place") {
  // Two snapshots of 70,000 nodes and edges flushed together: more rows than
  // the 65,536-row blocks the flush writes the derived columns (row,
  // snapshot, node_kind) in, while the others are written whole.
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  const std::size_t n = 70000;
  const auto kind_of = [](std::size_t j) { return j % 3 == 0 ? "platform" : "bank"; };
  {
    ResultsWriter w(out, two_indicators(), test_metadata(), 10, two_networks());
    for (int day = 0; day < 2; ++day) {
      NetworkSnapshot s;
      s.day = day;
      s.name = "interbank";
      s.node_attribute_names = {"equity", "failed"};
      s.node_attributes.assign(2, {});
      for (std::size_t j = 0; j < n; ++j) {
        s.node_kind.emplace_back(kind_of(j));
        s.node_index.push_back(static_cast<std::uint32_t>(j) + static_cast<std::uint32_t>(day));
        s.node_attributes[0].push_back(0.5 * static_cast<double>(j) + day);
        s.node_attributes[1].push_back(0);
        s.source.push_back(static_cast<std::uint32_t>(j));
        s.target.push_back(static_cast<std::uint32_t>((j + 1) % n));
        s.weight.push_back(static_cast<double>(j) + day);
      }
      w.record_network(std::move(s));
    }
    const std::array<double, 2> row{1.0, 2.0};
    w.append(0, row);
    w.append(1, row);
    w.finish();
  }
  const h5::File f = open_read(out);
  const std::string g = "/networks/interbank/";
  const auto rows = doubles_at(f.get(), g + "nodes/row");
  const auto snapshot = doubles_at(f.get(), g + "nodes/snapshot");
  const auto index = doubles_at(f.get(), g + "nodes/node_index");
  const auto equity = doubles_at(f.get(), g + "nodes/equity");
  const auto kinds =
      read_enum_strings(open_dataset(f.get(), (g + "nodes/node_kind").c_str()).get());
  const auto edge_rows = doubles_at(f.get(), g + "edges/row");
  const auto edge_snapshot = doubles_at(f.get(), g + "edges/snapshot");
  const auto source = doubles_at(f.get(), g + "edges/source");
  const auto weight = doubles_at(f.get(), g + "edges/weight");
  for (const auto* v :
       {&rows, &snapshot, &index, &equity, &edge_rows, &edge_snapshot, &source, &weight})
    REQUIRE(v->size() == 2 * n);
  REQUIRE(kinds.size() == 2 * n);
  CHECK(doubles_at(f.get(), g + "node_start") == std::vector<double>{0, static_cast<double>(n)});
  std::size_t wrong = 0;
  for (std::size_t r = 0; r < 2 * n; ++r) {
    const std::size_t day = r / n, j = r % n;
    const auto d = static_cast<double>(day);
    const bool ok = rows[r] == static_cast<double>(r) && snapshot[r] == d &&
                    index[r] == static_cast<double>(j + day) &&
                    equity[r] == 0.5 * static_cast<double>(j) + d && kinds[r] == kind_of(j) &&
                    edge_rows[r] == static_cast<double>(r) && edge_snapshot[r] == d &&
                    source[r] == static_cast<double>(j) && weight[r] == static_cast<double>(j) + d;
    if (!ok) ++wrong;
  }
  CHECK(wrong == 0);
}

TEST_CASE("networks: without declared networks there is no /networks group") {
  TempDir dir;
  write_standard(dir.path() / "r.h5", 3, 2);
  const h5::File f = open_read(dir.path() / "r.h5");
  CHECK(H5Lexists(f.get(), "/networks", H5P_DEFAULT) == 0);
  CHECK(members(f.get(), "/") == std::vector<std::string>{"timeseries", "events", "metadata"});
}

TEST_CASE("networks: the .partial holds flushed snapshots, node kinds fixed-length") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  write_networked(out, 2, false);  // destructor: closes cleanly, leaves the .partial
  const h5::File f = open_read(dir.path() / "r.h5.partial");
  const h5::Dataset snapshot = open_dataset(f.get(), "/networks/interbank/snapshot");
  CHECK(shape_of(snapshot.get()) == std::array<hsize_t, 3>{3, H5S_UNLIMITED, 64});
  const h5::Dataset row = open_dataset(f.get(), "/networks/interbank/nodes/row");
  CHECK(shape_of(row.get()) == std::array<hsize_t, 3>{5, H5S_UNLIMITED, 4096});
  const h5::Dataset kind = open_dataset(f.get(), "/networks/interbank/nodes/node_kind");
  h5::Datatype type{H5Dget_type(kind.get())};
  CHECK(H5Tget_size(type.get()) == pfsim::record::max_node_kind_bytes);
  CHECK(read_fixed_strings(kind.get()) ==
        std::vector<std::string>{"bank", "bank", "platform", "bank", "fund"});
  CHECK(doubles_at(f.get(), "/networks/interbank/edges/weight") ==
        std::vector<double>{5.5, 1.25, 7, 2.5});
}

TEST_CASE("networks: equal data give byte-identical files; recover() carries networks over") {
  TempDir dir;
  const fs::path a = dir.path() / "a.h5";
  const fs::path b = dir.path() / "b.h5";
  write_networked(a, 2, true);
  write_networked(b, 3, true);  // other batches, same data
  CHECK(file_bytes(a) == file_bytes(b));

  const fs::path abandoned = dir.path() / "c.h5";
  write_networked(abandoned, 2, false);
  const fs::path partial = dir.path() / "c.h5.partial";
  const fs::path recovered = dir.path() / "recovered.h5";

  SUBCASE("a cleanly closed .partial") {
    CHECK(ResultsWriter::recover(partial, recovered) == 6);
    CHECK(file_bytes(recovered) == file_bytes(a));
  }
  SUBCASE("rows beyond the last complete snapshot (a kill in mid-flush) are cut") {
    {
      h5::QuietErrors quiet;
      h5::File f{H5Fopen(partial.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)};
      REQUIRE(f.valid());
      // A kill while the next batch of interbank was being written: its node and
      // edge rows and part of the snapshot table are there, `snapshot` is not.
      for (const char* column :
           {"nodes/snapshot", "nodes/node_kind", "nodes/node_index", "nodes/equity", "nodes/failed",
            "nodes/row", "edges/snapshot", "edges/source", "edges/target", "edges/weight",
            "edges/row", "day", "node_start", "node_count"}) {
        append_junk(f.get(), std::string("/networks/interbank/") + column, 2);
      }
      append_junk(f.get(), "/networks/fund_placements/nodes/aum", 1);
    }
    CHECK(ResultsWriter::recover(partial, recovered) == 6);
    CHECK(file_bytes(recovered) == file_bytes(a));
  }
}

TEST_CASE("networks: a snapshot given in parts gives the file it gives whole") {
  TempDir dir;
  const fs::path whole = dir.path() / "whole.h5";
  const fs::path parts = dir.path() / "parts.h5";
  write_networked(whole, 2, true);
  write_networked(parts, 2, true, true);
  CHECK(file_bytes(parts) == file_bytes(whole));

  // A writer that is not finished: its .partial holds the snapshot (its rows
  // were written with the parts, its table row with the destructor's flush).
  const fs::path abandoned = dir.path() / "c.h5";
  write_networked(abandoned, 1000, false, true);
  CHECK(ResultsWriter::recover(dir.path() / "c.h5.partial", dir.path() / "rec.h5") == 6);
  CHECK(file_bytes(dir.path() / "rec.h5") == file_bytes(whole));
}

TEST_CASE("networks: a bad part fails the writer and its snapshot never enters the table") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  const auto part_of = [](std::uint32_t node, std::vector<std::uint32_t> targets) {
    NetworkSnapshot p;
    p.node_kind = {"bank"};
    p.node_index = {node};
    p.node_attribute_names = {"equity", "failed"};
    p.node_attributes = {{1.0}, {0.0}};
    for (const std::uint32_t t : targets) {
      p.source.push_back(node);
      p.target.push_back(t);
      p.weight.push_back(1.0);
    }
    return p;
  };
  const auto write_with = [&](std::size_t declared, std::uint32_t far_target) {
    ResultsWriter w(out, two_indicators(), test_metadata(), 100, two_networks());
    const std::array<double, 2> row{1.0, 2.0};
    w.append(0, row);
    NetworkSnapshot first = part_of(0, {1});
    first.day = 0;
    first.name = "interbank";
    first.node_kind = {"bank", "bank"};
    first.node_index = {0, 1};
    first.node_attributes = {{1.0, 2.0}, {0.0, 0.0}};
    first.source = {0};
    first.target = {1};
    first.weight = {1.0};
    w.record_network(first);
    w.append(1, row);
    w.flush();
    std::uint32_t next = 0;
    CHECK_THROWS_AS(w.record_network_in_parts("interbank", 1, declared,
                                              [&](NetworkSnapshot& part) {
                                                if (next == 2) return false;
                                                part = part_of(next, {next == 1 ? far_target : 0});
                                                ++next;
                                                return true;
                                              }),
                    pfsim::InternalError);
    CHECK_THROWS_AS(w.append(2, row), pfsim::InternalError);  // the writer has failed
  };
  SUBCASE("an edge beyond the snapshot's nodes") {
    write_with(2, 2);
  }
  SUBCASE("parts holding fewer nodes than declared") {
    write_with(3, 0);
  }
  // The rows and the snapshot flushed before are in the .partial; the bad
  // snapshot's rows, written before its part failed, are beyond the table.
  const fs::path recovered = dir.path() / "rec.h5";
  CHECK(ResultsWriter::recover(dir.path() / "r.h5.partial", recovered) == 2);
  const h5::File f = open_read(recovered);
  CHECK(doubles_at(f.get(), "/networks/interbank/node_count") == std::vector<double>{2});
  CHECK(doubles_at(f.get(), "/networks/interbank/nodes/equity") == std::vector<double>{1, 2});
}

TEST_CASE("networks: invalid declarations fail before any file is created") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  const auto fails = [&](std::vector<NetworkSpec> networks) {
    CHECK_THROWS_AS(ResultsWriter(out, two_indicators(), test_metadata(), 2, std::move(networks)),
                    pfsim::InternalError);
  };
  fails({{"bad name", {}, ""}});
  fails({{"interbank", {}, ""}, {"interbank", {}, ""}});
  fails({{"interbank", {"equity", "equity"}, ""}});
  fails({{"interbank", {"capital/ratio"}, ""}});
  for (const char* reserved : {"row", "snapshot", "node_kind", "node_index", "node_kind_t"}) {
    CAPTURE(reserved);
    fails({{"interbank", {reserved}, ""}});
  }
  CHECK(dir.names().empty());
}

TEST_CASE("networks: record_network checks its input and leaves the file unchanged") {
  TempDir dir;
  const fs::path out = dir.path() / "r.h5";
  ResultsWriter w(out, two_indicators(), test_metadata(), 1, two_networks());
  const auto valid = [] {
    NetworkSnapshot s;
    s.day = 5;
    s.name = "interbank";
    s.node_kind = {"bank", "bank"};
    s.node_index = {0, 1};
    s.node_attribute_names = {"equity", "failed"};
    s.node_attributes = {{1, 2}, {0, 0}};
    s.source = {0};
    s.target = {1};
    s.weight = {3};
    return s;
  };
  const auto rejects = [&](NetworkSnapshot s) {
    CHECK_THROWS_AS(w.record_network(s), pfsim::InternalError);
  };
  {
    auto s = valid();
    s.name = "colending";  // not declared
    rejects(s);
  }
  {
    auto s = valid();
    s.node_index = {0};
    rejects(s);
  }
  {
    auto s = valid();
    s.node_attribute_names = {"equity", "capital_ratio"};
    rejects(s);
  }
  {
    auto s = valid();
    s.node_attribute_names = {"equity"};
    s.node_attributes = {{1, 2}};
    rejects(s);
  }
  {
    auto s = valid();
    s.node_attributes[1] = {0};
    rejects(s);
  }
  {
    auto s = valid();
    s.target = {2};  // beyond the two nodes
    rejects(s);
  }
  {
    auto s = valid();
    s.weight = {};
    rejects(s);
  }
  {
    auto s = valid();
    s.node_kind[0] = std::string(pfsim::record::max_node_kind_bytes + 1, 'k');
    rejects(s);
  }
  {
    auto s = valid();
    s.node_kind[0] = std::string("ba\0nk", 5);
    rejects(s);
  }
  // Kinds are enum members and words of flag_meanings: identifiers only.
  for (const char* kind : {"", "money fund", "9bank", "bank-1"}) {
    CAPTURE(kind);
    auto s = valid();
    s.node_kind[1] = kind;
    rejects(s);
  }
  {
    // 257 distinct kinds in one network: more than one byte codes.
    auto s = valid();
    s.node_kind.clear();
    s.node_index.clear();
    s.node_attributes = {{}, {}};
    for (int k = 0; k < 257; ++k) {
      std::string kind = "k";  // not "k" + …: GCC 12's -Wrestrict false positive
      kind += std::to_string(k);
      s.node_kind.push_back(std::move(kind));
      s.node_index.push_back(0);
      s.node_attributes[0].push_back(0);
      s.node_attributes[1].push_back(0);
    }
    rejects(s);
  }
  auto longest = valid();
  longest.node_kind[0] = std::string(pfsim::record::max_node_kind_bytes, 'k');  // at the limit
  w.record_network(longest);
  {
    auto s = valid();  // day 5 again: days increase strictly per network
    rejects(s);
    s.name = "fund_placements";  // … but each network counts its own days
    s.node_attribute_names = {"aum"};
    s.node_attributes = {{1, 2}};
    w.record_network(s);
  }
  const std::array<double, 2> row{1.0, 2.0};
  w.append(5, row);
  w.finish();
  const h5::File f = open_read(out);
  CHECK(doubles_at(f.get(), "/networks/interbank/day") == std::vector<double>{5});
  CHECK(read_enum_strings(open_dataset(f.get(), "/networks/interbank/nodes/node_kind").get()) ==
        std::vector<std::string>{std::string(pfsim::record::max_node_kind_bytes, 'k'), "bank"});
  CHECK(doubles_at(f.get(), "/networks/fund_placements/nodes/aum") == std::vector<double>{1, 2});
  CHECK_THROWS_AS(w.record_network(valid()), pfsim::InternalError);  // after finish
}
