// Safe output paths for results files: one writer per path for the whole run,
// and no planted symlink, device, FIFO or directory is ever written through.
//
// The run lock is flock(2) on a sidecar file `<results>.lock` next to the
// results. It is taken before anything at the path is touched and held until
// the results are renamed into place (or the writer gives up); the lock file is
// then deleted. HDF5's own file lock cannot serve: it is dropped once SWMR
// writing starts, and a reader's lock would block a writer. A process killed
// with SIGKILL leaves the `.lock` file behind, unlocked: the next run takes it.
#pragma once

#include <filesystem>
#include <string>

namespace pfsim::record {

// Holds `<path>.lock` locked (flock, exclusive) for its lifetime. Move-only.
class RunLock {
 public:
  RunLock() = default;
  // Throws pfsim::UserError at once (never waits) when another process (or
  // another writer in this process) holds the lock; the message names the
  // holder's pid when the system tells it (/proc/locks).
  explicit RunLock(const std::filesystem::path& results_path);
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  [[nodiscard]] bool held() const noexcept { return fd_ >= 0; }
  [[nodiscard]] const std::filesystem::path& lock_path() const noexcept { return lock_path_; }
  // Disk space held back for closing the results cleanly when the disk fills:
  // `bytes` allocated to the lock file (in the same directory, so on the same
  // file system as the results). Returns 0, or the errno of the failure (ENOSPC
  // when the disk cannot spare that much). release_reserve() gives the space
  // back to the file system, once, so that HDF5 can write the metadata it needs
  // to close a file whose writing failed (output_guard.cpp says why).
  [[nodiscard]] int reserve(long bytes) noexcept;
  void release_reserve() const noexcept;
  // Deletes the lock file and releases the lock (idempotent, never throws).
  void release() noexcept;

 private:
  int fd_ = -1;
  std::filesystem::path lock_path_;
};

// Whether a live writer holds the run lock of `results_path` (its
// `<results_path>.lock`); takes no lock and creates nothing.
[[nodiscard]] bool writer_is_live(const std::filesystem::path& results_path);

// What is at `path`, without following a symlink.
enum class PathKind { absent, regular, directory, symlink, other };
[[nodiscard]] PathKind path_kind(const std::filesystem::path& path);

// Throws pfsim::UserError unless `path` is absent or a regular file (not a
// symlink, directory, FIFO, socket or device). `role` names it in the message,
// e.g. "the results file".
void require_regular_or_absent(const std::filesystem::path& path, const std::string& role);

// Deletes a stale regular file at `path` (left by an earlier run; the caller
// holds the run lock) so that it can be created afresh with O_EXCL; refuses
// (pfsim::UserError) anything that is not a regular file.
void remove_stale_file(const std::filesystem::path& path, const std::string& role);

}  // namespace pfsim::record
