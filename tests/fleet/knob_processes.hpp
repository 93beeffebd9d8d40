// Processes of a fleet for the knob's tests and its flip-time measurement: uplift-knob-child
// started with pipes on its stdin and stdout, read line by line with a timeout.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace knob_test {

/// Unix microseconds by the system clock (the children stamp their writes with it too).
inline long long unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A child process: its stdin is a pipe we write (closing it stops the child), its stdout a pipe
/// we read lines from.
class child {
 public:
  explicit child(const std::vector<std::string>& args) {
    // Close-on-exec: another child must not hold this one's stdin open.
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait();
    }
    close_stdin();
    if (stdout_ >= 0) ::close(stdout_);
  }

  /// The next line of its stdout, without the newline; nullopt after `timeout` or at its end.
  std::optional<std::string> line(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(stdout_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  /// The next line that starts with `prefix` (others are skipped).
  std::optional<std::string> line_starting(std::string_view prefix,
                                           std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      auto l = line(left.count() > 0 ? left : std::chrono::milliseconds{0});
      if (!l) return l;
      if (l->rfind(prefix, 0) == 0) return l;
    }
  }

  /// Closes its stdin: the child stops writing, detaches and exits.
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  /// SIGKILL: no detach, its node row stays until its lease runs out.
  void kill9() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  /// Waits for it to end; its exit status, or -signal.
  int wait() {
    if (pid_ <= 0) return exit_;
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    exit_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    return exit_;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int exit_ = 0;
  std::string buffer_;
};

}  // namespace knob_test
