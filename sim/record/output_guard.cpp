// Run lock and path checks for results files (see output_guard.hpp).
#include "record/output_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "core/error.hpp"

namespace pfsim::record {
namespace {

namespace fs = std::filesystem;

std::string os_message(int err) {
  return std::generic_category().message(err);
}

UserError path_error(const fs::path& path, std::string message, std::string hint) {
  Diagnostic d;
  d.where.file = path.string();
  d.message = std::move(message);
  d.hint = std::move(hint);
  return UserError(std::move(d));
}

// The pid holding an flock on the file open as `fd`, from /proc/locks (Linux;
// a lock held through this process's own descriptor names this process).
std::optional<long> flock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  char id[64];
  std::snprintf(id, sizeof id, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: FLOCK  ADVISORY  WRITE 1234 00:2e:56789 0 EOF"; waiters have "->".
    std::istringstream in(line);
    std::string number, type, mode, access, device;
    long pid = 0;
    if (!(in >> number >> type)) continue;
    if (type == "->" || type != "FLOCK") continue;
    if (!(in >> mode >> access >> pid >> device)) continue;
    if (device == id && pid > 0) return pid;
  }
  return std::nullopt;
}

const char* kind_name(PathKind kind) {
  switch (kind) {
    case PathKind::directory:
      return "a directory";
    case PathKind::symlink:
      return "a symbolic link";
    case PathKind::other:
      return "not a regular file (a device, FIFO or socket)";
    case PathKind::absent:
    case PathKind::regular:
      break;
  }
  return "a file";
}

}  // namespace

PathKind path_kind(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return PathKind::absent;
  if (S_ISLNK(st.st_mode)) return PathKind::symlink;
  if (S_ISDIR(st.st_mode)) return PathKind::directory;
  if (S_ISREG(st.st_mode)) return PathKind::regular;
  return PathKind::other;
}

void require_regular_or_absent(const fs::path& path, const std::string& role) {
  const PathKind kind = path_kind(path);
  if (kind == PathKind::absent || kind == PathKind::regular) return;
  throw path_error(path,
                   role + " " + path.string() + " is " + kind_name(kind) +
                       "; pfsim only "
                       "writes regular files and never writes through a link",
                   "remove it or choose another output path");
}

void remove_stale_file(const fs::path& path, const std::string& role) {
  require_regular_or_absent(path, role);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    const int err = errno;
    throw path_error(
        path, "cannot replace the stale " + role + " " + path.string() + ": " + os_message(err),
        "check that the directory is writable, or delete the file");
  }
}

bool writer_is_live(const fs::path& results_path) {
  fs::path lock_path = results_path;
  lock_path += ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st {};
  bool live = false;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    live = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  }
  ::close(fd);  // also drops a shared lock we may have taken
  return live;
}

RunLock::RunLock(const fs::path& results_path) {
  fs::path lock_path = results_path;
  lock_path += ".lock";
  // A lock file deleted by its holder between our open() and flock() is not
  // the lock any more: retry with the file now at the path.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int err = errno;
      if (err == ELOOP) require_regular_or_absent(lock_path, "the lock file");
      std::string hint = "check that the directory exists and is writable";
      if (err == ENOENT) {
        hint = "the directory " + lock_path.parent_path().string() +
               " does not exist; create it or choose another output path";
      }
      throw path_error(
          results_path,
          "cannot create the results file's lock " + lock_path.string() + ": " + os_message(err),
          std::move(hint));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      require_regular_or_absent(lock_path, "the lock file");
      throw path_error(lock_path, "the lock file " + lock_path.string() + " is not a regular file",
                       "remove it");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const std::optional<long> pid = flock_holder(fd);
        ::close(fd);
        std::string who = "another process";
        if (pid && *pid == static_cast<long>(::getpid())) {
          who = "this process (another simulation or writer)";
        } else if (pid) {
          who = "another process (pid " + std::to_string(*pid) + ")";
        }
        throw path_error(results_path,
                         "the results file " + results_path.string() + " is being written by " +
                             who + "; two runs must not write one file",
                         "wait for the other run to end or choose another output path (the "
                         "lock is " +
                             lock_path.string() + ")");
      }
      ::close(fd);
      // No locks on this file system (some network mounts): run unlocked, as
      // HDF5 does with its own locks there.
      if (err == ENOLCK || err == ENOSYS || err == EOPNOTSUPP) {
        lock_path_ = lock_path;
        return;
      }
      throw path_error(results_path, "cannot lock " + lock_path.string() + ": " + os_message(err),
                       "check that the directory is writable");
    }
    struct stat now {};
    if (::lstat(lock_path.c_str(), &now) == 0 && now.st_dev == st.st_dev &&
        now.st_ino == st.st_ino) {
      // Holder's pid for people looking at the file; the lock is what counts.
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
      fd_ = fd;
      lock_path_ = lock_path;
      return;
    }
    ::close(fd);
  }
  throw path_error(
      results_path,
      "cannot take the lock " + lock_path.string() + ": it keeps being replaced by another process",
      "choose another output path");
}

// Why a reserve: on a full disk HDF5 cannot write the metadata it needs to
// close a file, and HDF5 1.10 cannot survive a failed close (it closes the file
// again at exit and crashes, h5_handle.hpp). Space freed from our own lock file
// at that moment lets the close succeed, so the `.partial` ends closed and
// readable and the process ends with its error message and exit code 2.
int RunLock::reserve(long bytes) noexcept {
  if (fd_ < 0 || bytes <= 0) return 0;
  const int err = ::posix_fallocate(fd_, 0, bytes);
  if (err != 0) {
    (void)::ftruncate(fd_, 0);
    return err;
  }
  // The pid stays readable at the start of the file (followed by zeros).
  const std::string pid = std::to_string(::getpid()) + "\n";
  (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
  return 0;
}

void RunLock::release_reserve() const noexcept {
  if (fd_ >= 0) (void)::ftruncate(fd_, 0);
}

RunLock::~RunLock() {
  release();
}

RunLock::RunLock(RunLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    lock_path_ = std::move(other.lock_path_);
  }
  return *this;
}

void RunLock::release() noexcept {
  if (fd_ < 0) return;
  // Delete while still holding the lock: a process that opened this file and
  // waits for it finds, once it has the lock, that it is no longer the file at
  // the path, and retries.
  (void)::unlink(lock_path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pfsim::record
