// The one file that includes libcurl (linked PRIVATE to ladder_engine).
#include "engine/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <vector>

namespace ladder::engine {

struct HttpClient::Transfer {
  CURL* easy = nullptr;
  Done done;
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

HttpClient::Watches::~Watches() {
  readable.reset();
  writable.reset();
  if (dup_fd >= 0) ::close(dup_fd);
}

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  std::size_t bytes = size * n;
  if (body->size() < kMaxBody) body->append(data, std::min(bytes, kMaxBody - body->size()));
  return bytes;  // the rest is read and dropped: a phone's page is not what we came for
}

bool global_init() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

}  // namespace

HttpClient::HttpClient(Loop& loop) : loop_(loop) {}

std::expected<std::unique_ptr<HttpClient>, std::string> HttpClient::create(Loop& loop) {
  if (!global_init()) return std::unexpected("cannot initialise libcurl (curl_global_init)");
  std::unique_ptr<HttpClient> c(new HttpClient(loop));
  c->multi_ = curl_multi_init();
  if (c->multi_ == nullptr) return std::unexpected("cannot initialise libcurl (curl_multi_init)");
  curl_multi_setopt(c->multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(c->multi_, CURLMOPT_SOCKETDATA, c.get());
  curl_multi_setopt(c->multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
  curl_multi_setopt(c->multi_, CURLMOPT_TIMERDATA, c.get());
  return c;
}

HttpClient::~HttpClient() {
  // Removing a handle makes libcurl close its sockets (CURL_POLL_REMOVE through on_socket).
  for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_, t->easy);
  transfers_.clear();
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  timer_.reset();
  watches_.clear();
}

int HttpClient::on_socket(void* /*easy*/, int fd, int what, void* self, void* /*socket_data*/) {
  auto* c = static_cast<HttpClient*>(self);
  if (what == CURL_POLL_REMOVE) {
    c->watches_.erase(fd);
    return 0;
  }
  Watches& w = c->watches_[fd];
  bool in = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
  bool out = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
  // One watch per direction, made and dropped as libcurl asks.
  if (in && !w.readable) {
    auto r = c->loop_.watch(fd, Readiness::readable, [c, fd] { c->act(fd, CURL_CSELECT_IN); });
    if (r) w.readable = std::move(*r);
  } else if (!in) {
    w.readable.reset();
  }
  if (out && !w.writable) {
    if (w.dup_fd < 0) w.dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (w.dup_fd < 0) return -1;
    auto r =
        c->loop_.watch(w.dup_fd, Readiness::writable, [c, fd] { c->act(fd, CURL_CSELECT_OUT); });
    if (r) w.writable = std::move(*r);
  } else if (!out) {
    w.writable.reset();
  }
  return 0;
}

int HttpClient::on_timer(void* /*multi*/, long timeout_ms, void* self) {
  auto* c = static_cast<HttpClient*>(self);
  if (timeout_ms < 0) {
    c->timer_.reset();
    return 0;
  }
  auto t = c->loop_.after(std::chrono::milliseconds(timeout_ms),
                          [c] { c->act(CURL_SOCKET_TIMEOUT, 0); });
  if (!t) return -1;
  c->timer_ = std::move(*t);
  return 0;
}

void HttpClient::act(int fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  finish_done();
}

void HttpClient::finish_done() {
  std::vector<std::pair<Done, HttpResponse>> finished;
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    auto it = transfers_.find(m->easy_handle);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    HttpResponse r;
    CURLcode code = m->data.result;
    if (code == CURLE_OK) {
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
      r.body = std::move(t->body);
    } else {
      long os_errno = 0;
      curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
      r.refused = os_errno == ECONNREFUSED;
      r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      r.error = t->error[0] != '\0' ? std::string(t->error) : curl_easy_strerror(code);
    }
    curl_multi_remove_handle(multi_, t->easy);
    finished.emplace_back(std::move(t->done), std::move(r));
  }
  for (auto& [done, r] : finished) {
    if (done) done(r);
  }
}

bool HttpClient::get(const HttpRequest& q, Done done) {
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  if (t->easy == nullptr) return false;
  t->done = std::move(done);
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, q.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // a bench phone is reached directly, never by proxy
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(q.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(q.timeout.count()));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->body);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "ladder");
  if (q.auth != HttpAuth::none) {
    long mask = q.auth == HttpAuth::basic    ? CURLAUTH_BASIC
                : q.auth == HttpAuth::digest ? CURLAUTH_DIGEST
                                             : CURLAUTH_BASIC | CURLAUTH_DIGEST;
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, mask);
    curl_easy_setopt(e, CURLOPT_USERNAME, q.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, q.password.c_str());
  }
  if (curl_multi_add_handle(multi_, e) != CURLM_OK) return false;
  transfers_[e] = std::move(t);
  return true;
}

}  // namespace ladder::engine
