#include "exec/parallel.hpp"

namespace pfsim::exec {

ThreadLimit::ThreadLimit(int threads)
    : threads_(threads > 0 ? threads : oneapi::tbb::this_task_arena::max_concurrency()) {
  control_ = std::make_unique<oneapi::tbb::global_control>(
      oneapi::tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads_));
}

Arena::Arena(int threads)
    : threads_(threads > 0 ? threads : oneapi::tbb::this_task_arena::max_concurrency()),
      arena_(std::make_unique<oneapi::tbb::task_arena>(threads_)) {}

Arena::~Arena() = default;

int max_threads() {
  return static_cast<int>(oneapi::tbb::global_control::active_value(
      oneapi::tbb::global_control::max_allowed_parallelism));
}

}  // namespace pfsim::exec
