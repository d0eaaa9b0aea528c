// Internal to sim/record/: RAII ownership of HDF5 identifiers and HDF5 error
// handling. Nothing outside sim/record/ includes HDF5 headers.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

namespace pfsim::record::h5 {

using CloseFn = herr_t (*)(hid_t);

// Owns one hid_t and closes it with `Close` (H5Fclose, H5Dclose, ...). Move-only.
// Never wrap library constants such as H5T_NATIVE_DOUBLE or H5P_DEFAULT.
template <CloseFn Close>
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }

  [[nodiscard]] hid_t get() const noexcept { return id_; }
  [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Closes and ignores failure (destructors, error paths).
  void reset() noexcept {
    if (id_ >= 0) {
      (void)Close(id_);
      id_ = H5I_INVALID_HID;
    }
  }
  // Gives up ownership without closing; the handle is empty afterwards.
  [[nodiscard]] hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }
  // Closes and reports the library's verdict; the handle is empty afterwards.
  [[nodiscard]] herr_t close() noexcept {
    const herr_t status = id_ >= 0 ? Close(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<&H5Fclose>;
using Group = Handle<&H5Gclose>;
using Dataset = Handle<&H5Dclose>;
using Dataspace = Handle<&H5Sclose>;
using PropList = Handle<&H5Pclose>;
using Attribute = Handle<&H5Aclose>;
using Datatype = Handle<&H5Tclose>;

// Switches HDF5's automatic error-stack printing off for its lifetime and restores
// whatever handler was installed before (h5py, loaded in the same process by the
// Python bindings, installs its own). Failures are reported by exceptions instead.
class QuietErrors {
 public:
  QuietErrors() noexcept {
    if (H5Eget_auto2(H5E_DEFAULT, &func_, &data_) < 0) {
      func_ = nullptr;
      data_ = nullptr;
    }
    (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { (void)H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// How many files flush_and_close() had to park (see there) in this process.
inline int& parked_files() noexcept {
  static int count = 0;
  return count;
}

// Closes a file opened read-only. Closing a damaged file can fail too, and
// then HDF5 keeps its identifier as for a failed write (flush_and_close): it is
// counted with the parked files, so that the CLI ends without the library's
// exit code, which would try again.
inline herr_t close_read_only(hid_t id) {
  const herr_t status = H5Fclose(id);
  if (status < 0) ++parked_files();
  return status;
}
using ReadOnlyFile = Handle<&close_read_only>;

// Flushes, then closes `file`; returns the verdict (< 0: the file on disk is
// not complete). The handle is empty afterwards. Why not just H5Fclose: when
// closing fails half-way (disk full, I/O error), HDF5 1.10 frees the file's
// memory but keeps its identifier, and H5_term_library, at exit, closes it
// again: SIGSEGV after the error was reported. H5Fflush reports the same I/O
// errors without that. `free_space` is called once when the first flush fails
// (the caller frees a disk reserve, see RunLock::release_reserve) before a
// second try. A file that still cannot be flushed is "parked": never closed
// here (closing it would fail the same way); parked_files() counts them, and
// the CLI ends with _exit() so that the library never closes them either.
template <typename FreeSpace>
herr_t flush_and_close(File& file, FreeSpace&& free_space) noexcept {
  if (!file.valid()) return 0;
  if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) {
    free_space();
    if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) {
      (void)file.release();
      ++parked_files();
      return -1;
    }
  }
  return file.close();
}

inline herr_t flush_and_close(File& file) noexcept {
  return flush_and_close(file, [] {});
}

// The current thread's HDF5 error stack as one line, innermost cause last; clears it.
inline std::string take_error_stack() {
  std::string text;
  const auto walk = [](unsigned /*n*/, const H5E_error2_t* err, void* out) -> herr_t {
    auto& s = *static_cast<std::string*>(out);
    if (err->desc != nullptr && err->desc[0] != '\0') {
      if (!s.empty()) s += "; ";
      s += err->desc;
    }
    return 0;
  };
  (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk, &text);
  (void)H5Eclear2(H5E_DEFAULT);
  if (text.empty()) text = "no detail on the HDF5 error stack";
  return text;
}

}  // namespace pfsim::record::h5
