// A checkpoint archive: named arrays and texts in one HDF5 file that says what
// it is (a `format` name and a `format_version`). It knows nothing of the
// model: run/checkpoint.cpp says which arrays a checkpoint holds. HDF5 stays
// inside sim/record/ (this header does not include it).
//
// Writing is atomic: the archive is written to `<path>.tmp` and renamed onto
// `path` by commit(), so `path` is always either the previous archive or the
// new one, whole. Each array carries a 64-bit FNV-1a hash of its bytes, checked
// when it is read: a flipped byte in the data is reported, not simulated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pfsim::record {

enum class ArrayType : std::uint8_t { i8, u8, i16, u16, i32, u32, i64, u64, f32, f64 };

template <class T>
[[nodiscard]] constexpr ArrayType array_type_of() {
  if constexpr (std::is_same_v<T, std::int8_t>) return ArrayType::i8;
  if constexpr (std::is_same_v<T, std::uint8_t>) return ArrayType::u8;
  if constexpr (std::is_same_v<T, std::int16_t>) return ArrayType::i16;
  if constexpr (std::is_same_v<T, std::uint16_t>) return ArrayType::u16;
  if constexpr (std::is_same_v<T, std::int32_t>) return ArrayType::i32;
  if constexpr (std::is_same_v<T, std::uint32_t>) return ArrayType::u32;
  if constexpr (std::is_same_v<T, std::int64_t>) return ArrayType::i64;
  if constexpr (std::is_same_v<T, std::uint64_t>) return ArrayType::u64;
  if constexpr (std::is_same_v<T, float>) return ArrayType::f32;
  if constexpr (std::is_same_v<T, double>) return ArrayType::f64;
}

class ArchiveWriter {
 public:
  // Creates `<path>.tmp` (a stale one is replaced) with the root attributes
  // `format` = kind and `format_version`. Throws UserError naming the path and
  // the OS reason when it cannot be created.
  ArchiveWriter(std::filesystem::path path, std::string_view kind, std::int64_t format_version);
  ~ArchiveWriter();  // without commit(): the temp file is removed, `path` untouched
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // One array; `name` may contain '/' (groups are created as needed).
  template <class T>
  void put(const std::string& name, std::span<const T> values) {
    put_raw(name, array_type_of<T>(), values.data(), values.size());
  }
  void put_text(const std::string& name, std::string_view text);
  // A text attribute of the root (program version, commit: for people).
  void put_root_attribute(const std::string& name, std::string_view text);
  // Flushes, closes, syncs and renames the temp file onto `path`. Throws
  // UserError (the previous archive at `path` is kept).
  void commit();
  [[nodiscard]] std::uintmax_t bytes_written() const { return bytes_; }

 private:
  void put_raw(const std::string& name, ArrayType type, const void* data, std::size_t count);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uintmax_t bytes_ = 0;
};

class ArchiveReader {
 public:
  // Opens `path` read-only and checks what it is. Throws UserError naming the
  // file and what is wrong: missing, not HDF5, truncated or damaged, an HDF5
  // file of another kind (e.g. a results file), another format version.
  ArchiveReader(std::filesystem::path path, std::string_view kind, std::int64_t format_version);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Throws UserError when the array is missing, of another type, or its bytes
  // do not match their hash.
  template <class T>
  [[nodiscard]] std::vector<T> get(const std::string& name) {
    std::vector<T> out;
    get_raw(name, array_type_of<T>(), [&out](std::size_t n) -> void* {
      out.resize(n);
      return out.data();
    });
    return out;
  }
  [[nodiscard]] std::string get_text(const std::string& name);
  [[nodiscard]] bool has(const std::string& name) const;
  [[nodiscard]] std::string root_attribute(const std::string& name) const;  // "" if absent
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // A UserError naming the file: "<path>: <message>".
  [[noreturn]] void fail(const std::string& message, const std::string& hint = {}) const;

 private:
  void get_raw(const std::string& name, ArrayType type,
               const std::function<void*(std::size_t)>& allocate);
  std::filesystem::path path_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pfsim::record
