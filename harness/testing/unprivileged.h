// Test-only: runs a piece of a test as a user without capture rights (nobody when the test runs
// as root), in a child process, and returns what it reports.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>

namespace ladder::testing {

/// `body`'s string from a forked child that first gives up root (if it has it). A child that
/// says nothing within `deadline` is killed; the result is then "(no answer within the deadline)".
inline std::string as_unprivileged(const std::function<std::string()>& body,
                                   std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  int fds[2];
  if (::pipe(fds) != 0) return "(pipe failed)";
  pid_t pid = ::fork();
  if (pid < 0) return "(fork failed)";
  if (pid == 0) {
    ::close(fds[0]);
    if (::getuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    std::string out = body();
    if (::write(fds[1], out.data(), out.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  auto end = std::chrono::steady_clock::now() + deadline;
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      timed_out = true;
      break;
    }
    char buf[512];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return timed_out ? "(no answer within the deadline)" : got;
}

}  // namespace ladder::testing
