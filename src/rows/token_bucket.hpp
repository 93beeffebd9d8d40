#pragma once
// The backfill's rate limit: a token bucket shared by a process's workers.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

namespace uplift::detail {

/// A token bucket shared by a process's workers: `rate` tokens per second, at most `burst`.
class token_bucket {
 public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  token_bucket(double rate, double burst, clock_fn now)
      : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(std::max(burst, 1.0)), now_(std::move(now)),
        last_(now_()) {}
  /// Takes n tokens; returns how long the caller must wait before going on (zero when it need
  /// not). Tokens may go into debt: a batch larger than the burst waits for the whole of it.
  std::chrono::nanoseconds take(double n) {
    std::lock_guard lock(mutex_);
    const auto t = now_();
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(t - last_).count());
    last_ = t;
    tokens_ -= n;
    if (tokens_ >= 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(-tokens_ / rate_ * 1e9));
  }
  double rate() const noexcept { return rate_; }

 private:
  std::mutex mutex_;
  double rate_, burst_, tokens_;
  clock_fn now_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace uplift::detail
