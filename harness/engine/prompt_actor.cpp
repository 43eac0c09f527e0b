#include "engine/prompt_actor.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace ladder::engine {

std::string instruction(const Action& a) {
  switch (a.kind) {
    case ActionKind::dial:
      return "call " + a.dial().uri + " now";
    case ActionKind::reinvite:
      return "update the call (re-INVITE) now";
    case ActionKind::hold:
      return "put the call on hold now";
    case ActionKind::resume:
      return "resume the held call now";
    case ActionKind::ring:
      return {};  // a phone rings by itself
    case ActionKind::answer:
      return "answer the call now";
    case ActionKind::reject: {
      int st = a.respond().status;
      if (st == 486) return "reject the call as busy now";
      if (st == 603) return "decline the call now";
      return "reject the call now (the ladder expects " + std::to_string(st) + ")";
    }
    case ActionKind::hang_up:
      return "hang up now";
    case ActionKind::cancel:
      return "hang up the unanswered call now";
    case ActionKind::transfer:
      return "transfer the call to " + a.transfer().refer_to + " (blind transfer) now";
    case ActionKind::digits:
      return "press " + a.digits().digits + " now";
    case ActionKind::request:
      return "make the phone send " + a.request().method + " now";
  }
  return {};
}

std::expected<std::unique_ptr<PromptActor>, std::string> PromptActor::create(
    std::string role, core::Endpoint address, Loop& loop, PromptOptions options) {
  std::unique_ptr<PromptActor> p(new PromptActor(std::move(role), address, loop, options));
  auto w = loop.watch(options.in_fd, Readiness::readable, [a = p.get()] { a->on_input(); });
  if (!w) return std::unexpected(p->role_ + " (prompt): cannot watch the terminal: " + w.error());
  p->input_ = std::move(*w);
  return p;
}

PromptActor::PromptActor(std::string role, core::Endpoint address, Loop& loop,
                         PromptOptions options)
    : role_(std::move(role)), address_(address), loop_(loop), options_(options) {}

PromptActor::~PromptActor() = default;

void PromptActor::say(const std::string& line) {
  std::string text = line + "\n";
  std::size_t at = 0;
  while (at < text.size()) {
    ssize_t n = ::write(options_.out_fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a terminal that cannot be written to: nothing better to do
    at += static_cast<std::size_t>(n);
  }
}

void PromptActor::event(std::string name) {
  OperatorEvent e;
  e.time = loop_.now();
  e.role = role_;
  e.driver = "prompt";
  e.name = std::move(name);
  if (pending_) {
    e.detail = instruction(*pending_) + " (" + pending_->label + ")";
    e.call_id = pending_->call_id;
  }
  events_.push_back(std::move(e));
}

Outcome PromptActor::ask(const Action& action, const std::string& because) {
  if (pending_) return Outcome::not_ready("waiting for the operator (" + pending_->label + ")");
  std::string what = instruction(action);
  if (what.empty()) return Outcome::done();
  pending_ = action;
  std::string why = because.empty() ? std::string() : " [" + because + "]";
  say(role_ + ": " + what + " (" + action.label + ")" + why + "; Enter when done, s to skip");
  event("asked");
  core::TimeNs left = action.deadline - loop_.now();
  if (action.deadline > 0) {
    auto ms = std::chrono::milliseconds(std::max<core::TimeNs>(left / 1'000'000, 0));
    if (auto t = loop_.after(ms, [this] { on_deadline(); })) timer_ = std::move(*t);
  }
  return Outcome::done();
}

void PromptActor::on_input() {
  char buf[256];
  // The loop said readable: one read() does not block. A terminal in canonical mode hands
  // over a whole line; a pipe or raw terminal may split it, hence `typed_`.
  ssize_t n = ::read(options_.in_fd, buf, sizeof buf);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
  }
  if (n <= 0) {
    input_.reset();
    timer_.reset();
    errors_.push_back({role_ + " (prompt): the terminal closed (end of input) while " +
                           (pending_ ? "waiting for " + pending_->label : std::string("idle")),
                       true, pending_ ? std::optional(pending_->step) : std::nullopt});
    pending_.reset();
    return;
  }
  typed_.append(buf, static_cast<std::size_t>(n));
  std::size_t nl;
  while ((nl = typed_.find('\n')) != std::string::npos) {
    std::string line = typed_.substr(0, nl);
    typed_.erase(0, nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!pending_) continue;  // typed ahead of any question: ignored
    timer_.reset();
    if (line == "s" || line == "S") {
      event("skipped");
      errors_.push_back({role_ + " (prompt): the operator skipped " + pending_->label + " (" +
                             instruction(*pending_) + ")",
                         true, pending_->step});
    } else {
      event("done");
    }
    pending_.reset();
  }
}

void PromptActor::on_deadline() {
  timer_.reset();
  if (!pending_) return;
  say(role_ + ": no answer by the deadline; " + pending_->label + " fails if the wire did not show it");
  event("no answer");
  pending_.reset();
}

std::vector<ActorError> PromptActor::take_errors() { return std::exchange(errors_, {}); }

void PromptActor::begin_teardown() {
  if (pending_) {
    say(role_ + ": the run is over; no need to " + instruction(*pending_));
    pending_.reset();
  }
  timer_.reset();
  input_.reset();
}

Outcome FallbackActor::perform(const Action& action) {
  Outcome o = primary_->perform(action);
  if (o.status != Outcome::Status::cannot) return o;
  return prompt_->ask(action, o.reason);
}

std::vector<ActorError> FallbackActor::take_errors() {
  std::vector<ActorError> out = primary_->take_errors();
  for (ActorError& e : prompt_->take_errors()) out.push_back(std::move(e));
  return out;
}

void FallbackActor::begin_teardown() {
  primary_->begin_teardown();
  prompt_->begin_teardown();
}

bool FallbackActor::teardown_step() {
  if (!primary_done_) primary_done_ = primary_->teardown_step();
  return primary_done_ && prompt_->teardown_step();
}

}  // namespace ladder::engine
