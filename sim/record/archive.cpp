#include "record/archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "core/error.hpp"
#include "record/h5_handle.hpp"
#include "record/output_guard.hpp"

namespace pfsim::record {

namespace {

constexpr const char* hash_attribute = "fnv1a64";

hid_t memory_type(ArrayType t) {
  switch (t) {
    case ArrayType::i8:
      return H5T_NATIVE_INT8;
    case ArrayType::u8:
      return H5T_NATIVE_UINT8;
    case ArrayType::i16:
      return H5T_NATIVE_INT16;
    case ArrayType::u16:
      return H5T_NATIVE_UINT16;
    case ArrayType::i32:
      return H5T_NATIVE_INT32;
    case ArrayType::u32:
      return H5T_NATIVE_UINT32;
    case ArrayType::i64:
      return H5T_NATIVE_INT64;
    case ArrayType::u64:
      return H5T_NATIVE_UINT64;
    case ArrayType::f32:
      return H5T_NATIVE_FLOAT;
    case ArrayType::f64:
      return H5T_NATIVE_DOUBLE;
  }
  return H5T_NATIVE_UINT8;
}

// Little-endian on disk whatever the machine (readable on another one).
hid_t file_type(ArrayType t) {
  switch (t) {
    case ArrayType::i8:
      return H5T_STD_I8LE;
    case ArrayType::u8:
      return H5T_STD_U8LE;
    case ArrayType::i16:
      return H5T_STD_I16LE;
    case ArrayType::u16:
      return H5T_STD_U16LE;
    case ArrayType::i32:
      return H5T_STD_I32LE;
    case ArrayType::u32:
      return H5T_STD_U32LE;
    case ArrayType::i64:
      return H5T_STD_I64LE;
    case ArrayType::u64:
      return H5T_STD_U64LE;
    case ArrayType::f32:
      return H5T_IEEE_F32LE;
    case ArrayType::f64:
      return H5T_IEEE_F64LE;
  }
  return H5T_STD_U8LE;
}

std::size_t type_size(ArrayType t) {
  switch (t) {
    case ArrayType::i8:
    case ArrayType::u8:
      return 1;
    case ArrayType::i16:
    case ArrayType::u16:
      return 2;
    case ArrayType::i32:
    case ArrayType::u32:
    case ArrayType::f32:
      return 4;
    case ArrayType::i64:
    case ArrayType::u64:
    case ArrayType::f64:
      return 8;
  }
  return 1;
}

// FNV-1a over the bytes in memory (the machine's byte order; every supported
// platform is little-endian, like the file).
std::uint64_t fnv1a64(const void* data, std::size_t bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

UserError file_error(const std::filesystem::path& path, std::string message, std::string hint) {
  Diagnostic d;
  d.where.file = path.string();
  d.message = std::move(message);
  d.hint = std::move(hint);
  return UserError(std::move(d));
}

void write_text_attribute(hid_t object, const std::string& name, std::string_view text) {
  const h5::Datatype type(H5Tcopy(H5T_C_S1));
  (void)H5Tset_size(type.get(), std::max<std::size_t>(1, text.size()));
  (void)H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  const h5::Dataspace space(H5Screate(H5S_SCALAR));
  const h5::Attribute attr(
      H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  std::string padded(text);
  if (padded.empty()) padded.push_back('\0');
  if (!attr || H5Awrite(attr.get(), type.get(), padded.data()) < 0)
    throw InternalError("checkpoint: cannot write attribute " + name + ": " +
                        h5::take_error_stack());
}

// A fixed-length text attribute; nullopt-like "" with ok=false when absent or not text.
bool read_text_attribute(hid_t object, const std::string& name, std::string& out) {
  if (H5Aexists(object, name.c_str()) <= 0) return false;
  const h5::Attribute attr(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  if (!attr) return false;
  const h5::Datatype type(H5Aget_type(attr.get()));
  if (!type || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0)
    return false;
  const std::size_t size = H5Tget_size(type.get());
  const h5::Datatype mem(H5Tcopy(H5T_C_S1));
  (void)H5Tset_size(mem.get(), size);
  (void)H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
  std::string buf(size, '\0');
  if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) return false;
  buf.resize(std::strlen(buf.c_str()));
  out = std::move(buf);
  return true;
}

std::filesystem::path temp_path(const std::filesystem::path& path) {
  std::filesystem::path t = path;
  t += ".tmp";
  return t;
}

// The rename in commit() replaces whatever entry is at `path`: a planted
// symlink, a FIFO or a device node (as root, /dev/null), or a user's script or
// scenario. Only an absent path or an earlier HDF5 file (a checkpoint being
// replaced) may be there.
void require_replaceable_archive(const std::filesystem::path& path) {
  require_regular_or_absent(path, "the checkpoint");
  if (path_kind(path) != PathKind::regular) return;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;  // unreadable: the rename is the OS's call
  static constexpr unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char head[8] = {};
  const ssize_t got = ::read(fd, head, sizeof head);
  ::close(fd);
  if (got == 0) return;  // an empty file holds nothing to lose
  if (got == static_cast<ssize_t>(sizeof head) &&
      std::memcmp(head, hdf5_signature, sizeof head) == 0)
    return;
  throw file_error(path,
                   "the checkpoint " + path.string() +
                       " would replace a file that is not HDF5 (a checkpoint only replaces an "
                       "earlier checkpoint)",
                   "choose another path, e.g. one ending in .ckpt.h5");
}

}  // namespace

// --- writer -------------------------------------------------------------------

struct ArchiveWriter::Impl {
  std::filesystem::path path, temp;
  h5::File file;
  h5::PropList link_create;  // creates intermediate groups
  bool committed = false;
};

ArchiveWriter::ArchiveWriter(std::filesystem::path path, std::string_view kind,
                             std::int64_t format_version)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  impl_->temp = temp_path(impl_->path);
  const h5::QuietErrors quiet;
  require_replaceable_archive(impl_->path);
  remove_stale_file(impl_->temp, "checkpoint temporary file");  // of a killed writer
  impl_->file = h5::File(H5Fcreate(impl_->temp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT));
  if (!impl_->file) {
    const int err = errno;
    throw file_error(impl_->path,
                     "cannot create the checkpoint " + impl_->temp.string() + ": " +
                         (err != 0 ? std::strerror(err) : h5::take_error_stack()),
                     "check that the folder exists and is writable");
  }
  impl_->link_create = h5::PropList(H5Pcreate(H5P_LINK_CREATE));
  (void)H5Pset_create_intermediate_group(impl_->link_create.get(), 1);
  write_text_attribute(impl_->file.get(), "format", kind);
  const h5::Dataspace space(H5Screate(H5S_SCALAR));
  const h5::Attribute version(H5Acreate2(impl_->file.get(), "format_version", H5T_STD_I64LE,
                                         space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!version || H5Awrite(version.get(), H5T_NATIVE_INT64, &format_version) < 0)
    throw InternalError("checkpoint: cannot write format_version: " + h5::take_error_stack());
}

ArchiveWriter::~ArchiveWriter() {
  if (impl_->committed) return;
  impl_->file.reset();
  std::error_code ec;
  std::filesystem::remove(impl_->temp, ec);
}

void ArchiveWriter::put_raw(const std::string& name, ArrayType type, const void* data,
                            std::size_t count) {
  const h5::QuietErrors quiet;
  const hsize_t dims[1] = {count};
  const h5::Dataspace space(H5Screate_simple(1, dims, nullptr));
  const h5::Dataset ds(H5Dcreate2(impl_->file.get(), name.c_str(), file_type(type), space.get(),
                                  impl_->link_create.get(), H5P_DEFAULT, H5P_DEFAULT));
  const std::size_t bytes = count * type_size(type);
  if (!ds ||
      (count > 0 && H5Dwrite(ds.get(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    throw file_error(impl_->path,
                     "cannot write " + name + " to the checkpoint: " + h5::take_error_stack(),
                     "is the disk full?");
  const std::uint64_t hash = fnv1a64(data, bytes);
  const h5::Dataspace scalar(H5Screate(H5S_SCALAR));
  const h5::Attribute attr(
      H5Acreate2(ds.get(), hash_attribute, H5T_STD_U64LE, scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr || H5Awrite(attr.get(), H5T_NATIVE_UINT64, &hash) < 0)
    throw file_error(impl_->path, "cannot write " + name + "'s hash: " + h5::take_error_stack(),
                     "is the disk full?");
  bytes_ += bytes;
}

void ArchiveWriter::put_text(const std::string& name, std::string_view text) {
  put_raw(name, ArrayType::u8, text.data(), text.size());
}

void ArchiveWriter::put_root_attribute(const std::string& name, std::string_view text) {
  write_text_attribute(impl_->file.get(), name, text);
}

void ArchiveWriter::commit() {
  {
    const h5::QuietErrors quiet;
    if (h5::flush_and_close(impl_->file) < 0)
      throw file_error(
          impl_->path,
          "cannot finish the checkpoint " + impl_->temp.string() + ": " + h5::take_error_stack(),
          "is the disk full? The previous checkpoint is kept");
  }
  // On disk before the rename: a crash right after must not leave a renamed,
  // empty file in place of the last good checkpoint.
  const int fd = ::open(impl_->temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw file_error(
        impl_->path,
        "cannot sync the checkpoint " + impl_->temp.string() + ": " + std::strerror(err),
        "the previous checkpoint is kept");
  }
  ::close(fd);
  require_replaceable_archive(impl_->path);  // planted while the archive was written?
  std::error_code ec;
  std::filesystem::rename(impl_->temp, impl_->path, ec);
  if (ec)
    throw file_error(impl_->path,
                     "cannot rename " + impl_->temp.string() + " onto it: " + ec.message(),
                     "the previous checkpoint is kept");
  impl_->committed = true;
  const std::filesystem::path dir =
      impl_->path.has_parent_path() ? impl_->path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);  // the rename itself; best effort
    ::close(dfd);
  }
}

// --- reader -------------------------------------------------------------------

struct ArchiveReader::Impl {
  h5::ReadOnlyFile file;
};

void ArchiveReader::fail(const std::string& message, const std::string& hint) const {
  throw file_error(path_, message, hint);
}

ArchiveReader::ArchiveReader(std::filesystem::path path, std::string_view kind,
                             std::int64_t format_version)
    : path_(std::move(path)), impl_(std::make_unique<Impl>()) {
  const h5::QuietErrors quiet;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec))
    fail("no such checkpoint file", "a checkpoint is written by pfsim run --checkpoint-every N");
  if (!std::filesystem::is_regular_file(path_, ec)) fail("not a regular file");
  {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    ::close(fd);
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
  if (is_hdf5 <= 0)
    fail("not an HDF5 file, so not a checkpoint",
         "give the .ckpt.h5 file written by pfsim run --checkpoint-every or "
         "Simulation.save_checkpoint");
  impl_->file = h5::ReadOnlyFile(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!impl_->file)
    fail("truncated or damaged: HDF5 cannot open it (" + h5::take_error_stack() + ")",
         "a checkpoint is written whole or not at all: this one was cut or changed afterwards; "
         "use an earlier one");
  std::string format;
  if (!read_text_attribute(impl_->file.get(), "format", format) || format != kind)
    fail("an HDF5 file but not a pfsim checkpoint (no root attribute format = \"" +
             std::string(kind) + "\"" + (format.empty() ? "" : "; it says \"" + format + "\"") +
             ")",
         "results files cannot be resumed; give the .ckpt.h5 file written beside them");
  std::int64_t version = -1;
  if (H5Aexists(impl_->file.get(), "format_version") > 0) {
    const h5::Attribute attr(H5Aopen(impl_->file.get(), "format_version", H5P_DEFAULT));
    if (!attr || H5Aread(attr.get(), H5T_NATIVE_INT64, &version) < 0) version = -1;
  }
  if (version != format_version)
    fail("checkpoint format version " + std::to_string(version) +
             ", but this pfsim reads version " + std::to_string(format_version),
         "resume it with the pfsim that wrote it (root attribute program_version: " +
             root_attribute("program_version") + ")");
}

ArchiveReader::~ArchiveReader() = default;

bool ArchiveReader::has(const std::string& name) const {
  const h5::QuietErrors quiet;
  return H5Lexists(impl_->file.get(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string ArchiveReader::root_attribute(const std::string& name) const {
  std::string out;
  (void)read_text_attribute(impl_->file.get(), name, out);
  return out;
}

void ArchiveReader::get_raw(const std::string& name, ArrayType type,
                            const std::function<void*(std::size_t)>& allocate) {
  const h5::QuietErrors quiet;
  // Each level must exist: H5Lexists fails on a missing intermediate group.
  for (std::size_t at = name.find('/'); at != std::string::npos; at = name.find('/', at + 1))
    if (H5Lexists(impl_->file.get(), name.substr(0, at).c_str(), H5P_DEFAULT) <= 0)
      fail("damaged: " + name + " is missing", "use an earlier checkpoint");
  if (H5Lexists(impl_->file.get(), name.c_str(), H5P_DEFAULT) <= 0)
    fail("damaged: " + name + " is missing", "use an earlier checkpoint");
  const h5::Dataset ds(H5Dopen2(impl_->file.get(), name.c_str(), H5P_DEFAULT));
  if (!ds) fail("damaged: cannot open " + name + " (" + h5::take_error_stack() + ")");
  const h5::Datatype stored(H5Dget_type(ds.get()));
  if (!stored || H5Tequal(stored.get(), file_type(type)) <= 0)
    fail("damaged: " + name + " has another element type than a checkpoint's");
  const h5::Dataspace space(H5Dget_space(ds.get()));
  hsize_t dims[1] = {0};
  if (!space || H5Sget_simple_extent_ndims(space.get()) != 1 ||
      H5Sget_simple_extent_dims(space.get(), dims, nullptr) != 1)
    fail("damaged: " + name + " is not a one-dimensional array");
  const auto count = static_cast<std::size_t>(dims[0]);
  void* into = allocate(count);
  if (count > 0 && H5Dread(ds.get(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, into) < 0)
    fail("truncated or damaged: cannot read " + name + " (" + h5::take_error_stack() + ")",
         "use an earlier checkpoint");
  std::uint64_t stored_hash = 0;
  const h5::Attribute attr(H5Aopen(ds.get(), hash_attribute, H5P_DEFAULT));
  if (!attr || H5Aread(attr.get(), H5T_NATIVE_UINT64, &stored_hash) < 0)
    fail("damaged: " + name + " has no hash");
  if (fnv1a64(into, count * type_size(type)) != stored_hash)
    fail("corrupt: the bytes of " + name + " do not match their hash",
         "the file was changed after it was written; use an earlier checkpoint");
}

std::string ArchiveReader::get_text(const std::string& name) {
  const std::vector<std::uint8_t> bytes = get<std::uint8_t>(name);
  return {bytes.begin(), bytes.end()};
}

}  // namespace pfsim::record
