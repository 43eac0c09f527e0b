// The action-uri driver's parts on a real loop (SuLoop): the Action URL listener's parsing and
// limits, libcurl's multi interface driven by the loop (answers, refusals, timeouts), and the
// driver's verbs as HTTP requests, with the listener standing in as the phone's web server.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/action_uri_actor.h"
#include "engine/action_url.h"
#include "engine/http_client.h"
#include "engine/su_loop.h"

namespace ladder::engine {
namespace {

using std::chrono::milliseconds;

TEST(ActionUrl, ParsesAGetRequestLine) {
  auto t = parse_request_line("GET /event/incoming?call_id=a%40b&remote=sip%3Abob+x HTTP/1.1");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->path, "/event/incoming");
  EXPECT_EQ(t->query.at("call_id"), "a@b");
  EXPECT_EQ(t->query.at("remote"), "sip:bob x");
  auto bare = parse_request_line("GET /event/idle HTTP/1.0");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->query.empty());
}

TEST(ActionUrl, RefusesWhatIsNotAGet) {
  EXPECT_EQ(parse_request_line("POST /event/x HTTP/1.1").error(), "method POST, not GET");
  EXPECT_EQ(parse_request_line("GET /event/x SIP/2.0").error(), "not HTTP/1.x");
  EXPECT_EQ(parse_request_line("GET event HTTP/1.1").error(), "target is not a path");
  EXPECT_FALSE(parse_request_line("garbage"));
  EXPECT_FALSE(parse_request_line(""));
}

TEST(ActionUrl, EncodesAndDecodes) {
  EXPECT_EQ(url_encode("sip:bob@example.test;x=1"), "sip%3Abob%40example.test%3Bx%3D1");
  EXPECT_EQ(url_decode(url_encode("a b/c?d=é")), "a b/c?d=é");
  EXPECT_EQ(url_decode("100%"), "100%");  // a bad escape stays as written
  EXPECT_EQ(url_decode("%4"), "%4");
  EXPECT_EQ(url_decode("%zz"), "%zz");
}

class OnLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = SuLoop::create();
    ASSERT_TRUE(l) << l.error();
    loop_ = std::move(*l);
    auto h = HttpClient::create(*loop_);
    ASSERT_TRUE(h) << h.error();
    http_ = std::move(*h);
  }
  void TearDown() override {
    http_.reset();
    phone_.reset();
    loop_.reset();
  }
  /// Turns the loop until `done` or 5 s.
  template <typename F>
  bool until(F done) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < end) loop_->step(10);
    return done();
  }
  /// A web server that answers 200 to every GET and keeps what it was asked.
  void start_phone() {
    auto p = ActionUrlListener::create(
        *loop_, *core::Endpoint::parse("127.0.0.1:0"),
        [this](const HttpTarget& t) { asked_.push_back(t); },
        [this](const std::string& e) { errors_.push_back(e); });
    ASSERT_TRUE(p) << p.error();
    phone_ = std::move(*p);
  }
  std::string url(const std::string& path) const {
    return "http://" + phone_->bound().to_string() + path;
  }
  HttpResponse get(const std::string& u, milliseconds timeout = milliseconds(2000)) {
    std::optional<HttpResponse> got;
    HttpRequest q;
    q.url = u;
    q.timeout = timeout;
    EXPECT_TRUE(http_->get(q, [&](const HttpResponse& r) { got = r; }));
    EXPECT_TRUE(until([&] { return got.has_value(); })) << "no end to GET " << u;
    return got.value_or(HttpResponse{});
  }

  std::unique_ptr<SuLoop> loop_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<ActionUrlListener> phone_;
  std::vector<HttpTarget> asked_;
  std::vector<std::string> errors_;
};

TEST_F(OnLoop, AGetThroughLibcurlOnTheLoopReachesTheListener) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  HttpResponse r = get(url("/event/established?call_id=42&remote=bob"));
  EXPECT_EQ(r.status, 200) << r.error;
  ASSERT_EQ(asked_.size(), 1u);
  EXPECT_EQ(asked_[0].path, "/event/established");
  EXPECT_EQ(asked_[0].query.at("call_id"), "42");
  // Several at once, each answered.
  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    HttpRequest q;
    q.url = url("/event/n" + std::to_string(i));
    ASSERT_TRUE(http_->get(q, [&](const HttpResponse& x) { answered += x.status == 200; }));
  }
  EXPECT_TRUE(until([&] { return answered == 5; })) << answered;
  EXPECT_EQ(http_->pending(), 0u);
}

TEST_F(OnLoop, AnOversizedRequestIsRefusedAndReported) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  HttpResponse r = get(url("/event/x?pad=" + std::string(9000, 'a')));
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(asked_.empty());
  ASSERT_FALSE(errors_.empty());
  EXPECT_EQ(errors_[0], "a request longer than 8 KiB");
}

TEST_F(OnLoop, ASlowClientIsCutOffAtItsDeadline) {
  auto p = ActionUrlListener::create(
      *loop_, *core::Endpoint::parse("127.0.0.1:0"), [](const HttpTarget&) {},
      [this](const std::string& e) { errors_.push_back(e); }, milliseconds(200));
  ASSERT_TRUE(p) << p.error();
  phone_ = std::move(*p);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(phone_->bound().port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::send(fd, "GET /ev", 7, 0), 7);  // and then nothing
  EXPECT_TRUE(until([&] { return !errors_.empty(); }));
  EXPECT_EQ(errors_.at(0), "a request took longer than 200 ms");
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "the listener closed the connection";
  ::close(fd);
}

TEST_F(OnLoop, RefusedAndTimedOutAreToldApart) {
  // A port nobody listens on: bind, read its number, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  HttpResponse refused = get("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/");
  EXPECT_TRUE(refused.refused) << refused.error;
  EXPECT_EQ(refused.status, 0);
  // A server that accepts (the kernel does, for a listening socket) and never answers.
  int deaf = ::socket(AF_INET, SOCK_STREAM, 0);
  a.sin_port = 0;
  ASSERT_EQ(::bind(deaf, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(deaf, 4), 0);
  len = sizeof a;
  ::getsockname(deaf, reinterpret_cast<sockaddr*>(&a), &len);
  auto start = std::chrono::steady_clock::now();
  HttpResponse slow =
      get("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/", milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  ::close(deaf);
  EXPECT_TRUE(slow.timed_out) << slow.error;
  EXPECT_FALSE(slow.refused);
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

class Driver : public OnLoop {
 protected:
  void SetUp() override {
    OnLoop::SetUp();
    ASSERT_NO_FATAL_FAILURE(start_phone());
    ActionUriOptions o;
    o.role = "A";
    o.base = "http://" + phone_->bound().to_string();
    o.listen = *core::Endpoint::parse("127.0.0.1:0");
    auto a = ActionUriActor::create(std::move(o), *loop_);
    ASSERT_TRUE(a) << a.error();
    actor_ = std::move(*a);
    ASSERT_TRUE(until([&] { return actor_->ready(); }));
    ASSERT_EQ(asked_.size(), 1u) << "the probe";
    EXPECT_EQ(asked_[0].path, "/servlet");
    EXPECT_TRUE(asked_[0].query.empty()) << "the probe presses no key";
    asked_.clear();
  }
  void TearDown() override {
    actor_.reset();
    OnLoop::TearDown();
  }
  /// The phone says `event` to the driver's listener.
  void phone_says(const std::string& event) {
    HttpResponse r = get("http://" + actor_->listening()->to_string() + event);
    EXPECT_EQ(r.status, 200);
  }
  Action action(ActionKind k, std::size_t step) {
    Action a;
    a.kind = k;
    a.step = step;
    a.deadline = loop_->now() + 5'000'000'000;
    return a;
  }
  std::unique_ptr<ActionUriActor> actor_;
};

TEST_F(Driver, DialsWithTheNumberKey) {
  Action a = action(ActionKind::dial, 0);
  a.detail = Dial{"sip:bob@example.test", false};
  EXPECT_EQ(actor_->perform(a).status, Outcome::Status::done);
  ASSERT_TRUE(until([&] { return asked_.size() == 1; }));
  EXPECT_EQ(asked_[0].path, "/servlet");
  EXPECT_EQ(asked_[0].query.at("key"), "number=sip:bob@example.test");
  ASSERT_TRUE(actor_->sent(0));
  EXPECT_EQ(actor_->sent(0)->what, "A (action-uri): dial sip:bob@example.test");
  // A transferee's call: the phone places it itself.
  Action b = action(ActionKind::dial, 1);
  b.detail = Dial{"sip:carol@example.test", true};
  EXPECT_EQ(actor_->perform(b).status, Outcome::Status::done);
  EXPECT_FALSE(actor_->sent(1));
}

TEST_F(Driver, AnswersOnlyOnceThePhoneSaidIncomingAndNamesTheCall) {
  Action a = action(ActionKind::answer, 3);
  a.detail = Respond{200, std::nullopt, ""};
  Outcome early = actor_->perform(a);
  EXPECT_EQ(early.status, Outcome::Status::not_ready);
  EXPECT_EQ(early.reason, "waiting for the phone's Action URL /event/incoming");
  phone_says("/event/incoming?call_id=c1%40x&remote=sip%3Abob%40example.test");
  auto ev = actor_->take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].driver, "action-uri");
  EXPECT_EQ(ev[0].name, "incoming");
  EXPECT_EQ(ev[0].call_id, "c1@x");
  EXPECT_EQ(ev[0].detail, "remote=sip:bob@example.test");
  EXPECT_EQ(actor_->perform(a).status, Outcome::Status::done);
  ASSERT_TRUE(until([&] { return asked_.size() == 1; }));
  EXPECT_EQ(asked_[0].query.at("key"), "ASW:c1@x");
  // Established, then held by a command that names the same call.
  phone_says("/event/established?call_id=c1%40x");
  Action h = action(ActionKind::hold, 4);
  EXPECT_EQ(actor_->perform(h).status, Outcome::Status::done);
  ASSERT_TRUE(until([&] { return asked_.size() == 2; }));
  EXPECT_EQ(asked_[1].query.at("key"), "HOLD:c1@x");
}

TEST_F(Driver, PressesTheStepsKeysInOrder) {
  Action t = action(ActionKind::transfer, 5);
  t.detail = Transfer{"<sip:carol@example.test>"};
  Outcome no_keys = actor_->perform(t);
  EXPECT_EQ(no_keys.status, Outcome::Status::cannot);
  EXPECT_NE(no_keys.reason.find("action: {press: [F_TRANSFER"), std::string::npos);
  t.press = {"F_TRANSFER", "1", "0", "0", "3", "POUND"};
  EXPECT_EQ(actor_->perform(t).status, Outcome::Status::done);
  ASSERT_TRUE(until([&] { return asked_.size() == 6; }));
  std::vector<std::string> keys;
  for (const auto& x : asked_) keys.push_back(x.query.at("key"));
  EXPECT_EQ(keys, t.press);
  EXPECT_EQ(actor_->sent(5)->what, "A (action-uri): press F_TRANSFER 1 0 0 3 POUND");
}

TEST_F(Driver, APhoneThatAnswersAnErrorFailsTheStepNamingTheVerb) {
  // The phone goes away mid-run: the next command is refused.
  std::string base = "http://" + phone_->bound().to_string();
  phone_.reset();
  Action h = action(ActionKind::hang_up, 7);
  EXPECT_EQ(actor_->perform(h).status, Outcome::Status::done);
  std::vector<ActorError> errs;
  ASSERT_TRUE(until([&] {
    for (auto& e : actor_->take_errors()) errs.push_back(e);
    return !errs.empty();
  }));
  EXPECT_TRUE(errs[0].fatal);
  EXPECT_EQ(errs[0].step, 7u);
  EXPECT_EQ(errs[0].message, "A (action-uri at " + base +
                                 "): hang up (CALLEND): connection refused; did the phone "
                                 "restart or lose its network?");
}

}  // namespace
}  // namespace ladder::engine
