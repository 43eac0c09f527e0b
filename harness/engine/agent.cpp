#include "engine/agent.h"

#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/sdp.h"
#include "engine/wire_log.h"

namespace ladder::engine {
namespace {

/// Why binding address:port fails, by trying it with plain sockets (nua_create only says
/// NULL, and leaks on that path: so a fixed port is probed before nua_create too).
std::optional<std::string> bind_problem(const core::Endpoint& e) {
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int family = e.address.family == 6 ? AF_INET6 : AF_INET;
    int fd = ::socket(family, type, 0);
    if (fd < 0) return std::strerror(errno);
    if (type == SOCK_STREAM) {  // as Sofia does: a listener in TIME_WAIT is no conflict
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    int rc;
    if (family == AF_INET6) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(e.port);
      std::memcpy(&sa.sin6_addr, e.address.bytes.data(), 16);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(e.port);
      std::memcpy(&sa.sin_addr, e.address.bytes.data(), 4);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    int err = errno;
    ::close(fd);
    if (rc != 0) {
      if (err == EADDRINUSE) return "address in use";
      if (err == EADDRNOTAVAIL) return "address not available on this host";
      return std::strerror(err);
    }
  }
  return std::nullopt;
}

bool is_response_event(nua_event_t e) {
  switch (e) {
    case nua_r_invite:
    case nua_r_bye:
    case nua_r_cancel:
    case nua_r_refer:
    case nua_r_notify:
    case nua_r_options:
    case nua_r_message:
    case nua_r_info:
    case nua_r_update:
    case nua_r_prack:
    case nua_r_subscribe:
      return true;
    default:
      return false;
  }
}

bool is_incoming_request(nua_event_t e) {
  switch (e) {
    case nua_i_invite:
    case nua_i_refer:
    case nua_i_notify:
    case nua_i_message:
    case nua_i_info:
    case nua_i_options:
    case nua_i_subscribe:
    case nua_i_publish:
    case nua_i_register:
    case nua_i_update:
    case nua_i_bye:
    case nua_i_cancel:
      return true;
    default:
      return false;
  }
}

/// Takes the first "Name: value" line for `name` out of a CRLF-separated header block and
/// returns its value ("" when absent).
std::string take_header(std::string& headers, std::string_view name) {
  std::size_t at = 0;
  while (at < headers.size()) {
    std::size_t end = headers.find("\r\n", at);
    std::size_t stop = end == std::string::npos ? headers.size() : end;
    std::string_view line(headers.data() + at, stop - at);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && core::iequals(line.substr(0, colon), name)) {
      std::string value(line.substr(colon + 1));
      value.erase(0, value.find_first_not_of(' '));
      headers.erase(at, end == std::string::npos ? std::string::npos : end + 2 - at);
      if (!headers.empty() && headers.ends_with("\r\n")) headers.resize(headers.size() - 2);
      return value;
    }
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return {};
}

/// The Replaces a transferee must send, from a Refer-To's embedded header
/// ("<sip:c@h?Replaces=id%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>" -> "id@h;to-tag=1;from-tag=2").
std::string replaces_of(std::string_view refer_to) {
  std::size_t q = refer_to.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view hdrs = refer_to.substr(q + 1);
  hdrs = hdrs.substr(0, hdrs.find('>'));
  while (!hdrs.empty()) {
    std::size_t amp = hdrs.find('&');
    std::string_view h = hdrs.substr(0, amp);
    std::size_t eq = h.find('=');
    if (eq != std::string_view::npos && core::iequals(h.substr(0, eq), "Replaces")) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(c | 0x20);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      std::string out;
      std::string_view v = h.substr(eq + 1);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
          out += static_cast<char>(hex(v[i + 1]) * 16 + hex(v[i + 2]));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    if (amp == std::string_view::npos) break;
    hdrs.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

void HandleInfo::release() noexcept {
  if (nh != nullptr) {
    nua_handle_destroy(nh);
    nh = nullptr;
  }
}

std::expected<std::unique_ptr<Agent>, std::string> Agent::create(su_root_t* root,
                                                                 AgentConfig config) {
  std::unique_ptr<Agent> a(new Agent(std::move(config)));
  const AgentConfig& c = a->config_;
  std::string url = "sip:" + c.bind.address.uri_host() + ":" + std::to_string(c.bind.port);
  if (c.transport == core::Transport::tcp) url += ";transport=tcp";
  if (c.bind.port != 0) {
    if (auto problem = bind_problem(c.bind)) {
      return std::unexpected(c.role + ": cannot bind " + c.bind.to_string() + ": " + *problem);
    }
  }
  a->nua_ = nua_create(root, &Agent::trampoline, a.get(), NUTAG_URL(url.c_str()),
                       NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOACK(1), NUTAG_AUTOANSWER(0),
                       NUTAG_AUTOALERT(0), NUTAG_OUTBOUND("no-validate no-options-keepalive"),
                       NUTAG_M_USERNAME(c.user.c_str()), NUTAG_ALLOW("INFO"),
                       // Subscriptions a played phone or server accepts (RFC 3842, RFC 4235).
                       NUTAG_ALLOW_EVENTS("message-summary, dialog, presence"),
                       TAG_IF(c.proxy.has_value(), NUTAG_PROXY(c.proxy ? c.proxy->c_str() : "")),
                       TAG_IF(c.t1x64_ms != 0, NTATAG_SIP_T1X64(c.t1x64_ms)),
                       TAG_IF(c.t4_ms != 0, NTATAG_SIP_T4(c.t4_ms)),
                       TAG_IF(c.udp_buffer != 0, TPTAG_UDP_RMEM(c.udp_buffer)),
                       TAG_IF(c.udp_buffer != 0, TPTAG_UDP_WMEM(c.udp_buffer)),
                       TPTAG_DUMP(c.dump_path.c_str()), TAG_END());
  if (a->nua_ == nullptr) {
    return std::unexpected(
        c.role + ": cannot bind " + c.bind.to_string() + ": " +
        bind_problem(c.bind).value_or("the SIP stack could not start (nua_create failed)"));
  }
  nua_get_params(a->nua_, TAG_ANY(), TAG_END());
  return a;
}

Agent::~Agent() {
  release_handles();
  // The normal path ended with destroy(); nua_destroy without a finished shutdown is not
  // allowed, so a nua left here (an exception unwound play()) is leaked rather than corrupted.
}

void Agent::trampoline(nua_event_t event, int status, char const* phrase, nua_t*, Agent* agent,
                       nua_handle_t* nh, HandleInfo* info, sip_t const* sip,
                       tagi_t tags[]) noexcept {
  if (agent == nullptr) return;
  try {
    agent->on_event(event, status, phrase != nullptr ? phrase : "", nh, info, sip, tags);
  } catch (const std::exception& e) {
    agent->error(agent->config_.role + ": internal error in a SIP event: " + e.what(), false,
                 info != nullptr ? info->instance : 0);
  } catch (...) {
    agent->error(agent->config_.role + ": internal error in a SIP event", false,
                 info != nullptr ? info->instance : 0);
  }
}

HandleInfo* Agent::adopt(nua_handle_t* nh, std::uint64_t instance) {
  auto info = std::make_unique<HandleInfo>();
  info->agent = this;
  info->nh = nh;
  info->instance = instance;
  nua_handle_bind(nh, info.get());
  auto& list = handles_[instance];
  list.push_back(std::move(info));
  return list.back().get();
}

HandleInfo* Agent::new_handle(std::uint64_t instance, std::string_view label,
                              const std::string& to) {
  auto info = std::make_unique<HandleInfo>();
  info->agent = this;
  info->instance = instance;
  info->label = std::string(label);
  std::string from = "<" + config_.aor + ">";
  std::string call_id = config_.new_call_id ? config_.new_call_id(instance) : std::string();
  info->nh = nua_handle(nua_, info.get(), SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()),
                        TAG_IF(!call_id.empty(), SIPTAG_CALL_ID_STR(call_id.c_str())), TAG_END());
  if (info->nh == nullptr) return nullptr;
  auto& list = handles_[instance];
  list.push_back(std::move(info));
  return list.back().get();
}

void Agent::release_instance(std::uint64_t instance) {
  auto it = handles_.find(instance);
  if (it == handles_.end()) return;
  for (auto& h : it->second) {
    if (h.get() == reg_) return;  // the registration outlives the calls
  }
  for (auto& h : it->second) h->release();
  handles_.erase(it);
}

std::size_t Agent::handle_count() const {
  std::size_t n = 0;
  for (const auto& [instance, list] : handles_) n += list.size();
  return n;
}

void Agent::on_event(nua_event_t ev, int status, const char* phrase, nua_handle_t* nh,
                     HandleInfo* info, sip_t const* sip, tagi_t tags[]) {
  if (ev == nua_r_get_params) {
    sip_contact_t const* m = nullptr;
    tl_gets(tags, NTATAG_CONTACT_REF(m), TAG_END());
    if (m != nullptr && m->m_url->url_host != nullptr) {
      auto addr = core::Address::parse(m->m_url->url_host);
      int port = m->m_url->url_port != nullptr ? std::atoi(m->m_url->url_port) : 5060;
      if (addr) bound_ = core::Endpoint{*addr, static_cast<std::uint16_t>(port)};
    }
    return;
  }
  if (ev == nua_r_shutdown) {
    shutdown_status_ = status;
    return;
  }
  if (info == nullptr && nh != nullptr && is_incoming_request(ev)) {
    std::optional<std::uint64_t> instance = 0;
    if (config_.instance_of) {
      const char* id = sip != nullptr && sip->sip_call_id != nullptr ? sip->sip_call_id->i_id : "";
      instance = config_.instance_of(id != nullptr ? id : "");
    }
    if (!instance) {
      // A call this agent has no instance for (over already, or not one of this run's).
      if (status < 200) {
        nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(nua_), TAG_END());
      }
      nua_handle_destroy(nh);
      return;
    }
    info = adopt(nh, *instance);
  }
  if (info == nullptr) return;
  if (sip != nullptr) {
    if (sip->sip_call_id != nullptr && info->call_id.empty()) {
      info->call_id = sip->sip_call_id->i_id;
    }
    if (sip->sip_payload != nullptr && sip->sip_content_type != nullptr &&
        sip->sip_content_type->c_type != nullptr &&
        strcasecmp(sip->sip_content_type->c_type, "application/sdp") == 0) {
      info->remote_sdp.assign(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
    }
  }
  switch (ev) {
    case nua_i_refer: {
      sip_event_t const* event = nullptr;
      tl_gets(tags, NUTAG_REFER_EVENT_REF(event), TAG_END());
      info->refer_event = header_text(reinterpret_cast<const sip_header_t*>(event));
      if (sip != nullptr && sip->sip_referred_by != nullptr) {
        info->referred_by =
            header_text(reinterpret_cast<const sip_header_t*>(sip->sip_referred_by));
      }
      if (sip != nullptr && sip->sip_refer_to != nullptr) {
        info->refer_to = header_text(reinterpret_cast<const sip_header_t*>(sip->sip_refer_to));
      }
      return;
    }
    case nua_i_subscribe:
      // A notifier accepts the subscription at once (its stack's part; RFC 6665 says 200) and
      // the ladder's NOTIFY steps say what it reports. A refresh or an unsubscribe nua answers
      // itself (status >= 200 here).
      if (sip != nullptr && sip->sip_event != nullptr) {
        info->sub_event = header_text(reinterpret_cast<const sip_header_t*>(sip->sip_event));
      }
      if (status < 200 && nh != nullptr) {
        nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua_), TAG_END());
      }
      return;
    case nua_r_register:
      if (status == 401 || status == 407) {
        info->challenge_method = "REGISTER";
        on_challenge(*info, status, phrase, sip);
      } else if (status >= 200) {
        info->register_status = status;
        info->register_phrase = phrase;
        if (status >= 300 && info->auto_auth) {
          // Before the flow the run cannot go on; a scripted REGISTER's rejection is the
          // ladder's business (register-refused-403 expects it; a ladder that expects 200
          // fails at that step).
          error(config_.role + ": REGISTER rejected: " + std::to_string(status) + " " + phrase,
                true, info->instance);
        }
      }
      return;
    case nua_r_unregister:
      if (status >= 200) info->unregister_done = true;
      return;
    default:
      break;
  }
  if (is_response_event(ev) && (status == 401 || status == 407)) {
    info->challenge_method =
        sip != nullptr && sip->sip_cseq != nullptr ? sip->sip_cseq->cs_method_name : "";
    on_challenge(*info, status, phrase, sip);
  }
}

void Agent::on_challenge(HandleInfo& h, int status, const char* phrase, sip_t const* sip) {
  h.challenge = status;
  h.realm.clear();
  if (sip != nullptr) {
    const msg_auth_t* au = status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
    if (au != nullptr) {
      const char* realm = msg_params_find(au->au_params, "realm=");
      if (realm != nullptr) h.realm = realm;
    }
  }
  if (h.auto_auth && !authenticate(h)) {
    error(config_.role + ": REGISTER rejected: " + std::to_string(status) + " " + phrase, true,
          h.instance);
  }
}

bool Agent::authenticate(HandleInfo& h) {
  std::string what = h.challenge_method.empty() ? "request" : h.challenge_method;
  if (!config_.password) {
    error(config_.role + ": " + what + " challenged with " + std::to_string(h.challenge) +
              " but no password: " +
              (config_.password_env.empty()
                   ? std::string("set password_env for the role in the testbed")
                   : "environment variable " + config_.password_env + " is not set"),
          true, h.instance);
    return true;  // reported here
  }
  if (h.auth_attempts >= 2) {
    error(config_.role + ": " + what + " still challenged (" + std::to_string(h.challenge) +
              ") after " + std::to_string(h.auth_attempts) + " attempts with credentials",
          true, h.instance);
    return true;
  }
  std::string realm = h.realm.empty() ? "\"\"" : h.realm;
  if (realm.front() != '"') realm = "\"" + realm + "\"";
  std::string auth = "Digest:" + realm + ":" + config_.user + ":" + *config_.password;
  nua_authenticate(h.nh, NUTAG_AUTH(auth.c_str()), TAG_END());
  ++h.auth_attempts;
  h.challenge = 0;
  return true;
}

void Agent::register_start() {
  reg_ = new_handle(0, "", "<" + config_.aor + ">");
  if (reg_ == nullptr) {
    error(config_.role + ": cannot create a REGISTER handle", true);
    return;
  }
  reg_->is_register = true;
  reg_->auto_auth = true;
  nua_register(reg_->nh, NUTAG_REGISTRAR(config_.registrar.c_str()), TAG_END());
}

void Agent::unregister_all() {
  for (auto& [instance, list] : handles_) {
    for (auto& h : list) {
      if (h->is_register && h->register_status == 200 && h->nh != nullptr && !h->unregister_sent) {
        nua_unregister(h->nh, TAG_END());
        h->unregister_sent = true;
      }
    }
  }
}

bool Agent::unregister_done() const {
  for (const auto& [instance, list] : handles_) {
    for (const auto& h : list) {
      if (h->unregister_sent && !h->unregister_done) return false;
    }
  }
  return true;
}

HandleInfo* Agent::find_call(std::uint64_t instance, std::string_view call_id) {
  auto it = handles_.find(instance);
  if (it == handles_.end()) return nullptr;
  for (auto& h : it->second) {
    if (h->nh != nullptr && !h->is_register && h->call_id == call_id) return h.get();
  }
  return nullptr;
}

HandleInfo* Agent::find_label(std::uint64_t instance, std::string_view label) {
  auto it = handles_.find(instance);
  if (it == handles_.end()) return nullptr;
  for (auto& h : it->second) {
    if (h->nh != nullptr && !h->label.empty() && h->label == label) return h.get();
  }
  return nullptr;
}

HandleInfo* Agent::find_refer(std::uint64_t instance) {
  auto it = handles_.find(instance);
  if (it == handles_.end()) return nullptr;
  for (auto h = it->second.rbegin(); h != it->second.rend(); ++h) {
    if ((*h)->nh != nullptr && !(*h)->refer_event.empty()) return h->get();
  }
  return nullptr;
}

void Agent::remember(const SendParams& p) {
  if (p.content_type.empty() || p.body.empty()) return;
  if (bodies_.size() >= 64) bodies_.erase(bodies_.begin());
  bodies_.push_back(p.body);
}

std::optional<std::string> Agent::sent_body(std::size_t size) const {
  for (auto it = bodies_.rbegin(); it != bodies_.rend(); ++it) {
    if (it->size() == size) return *it;
  }
  return std::nullopt;
}

#define LADDER_BODY_TAGS(p)                                                             \
  TAG_IF(!(p).content_type.empty(), SIPTAG_CONTENT_TYPE_STR((p).content_type.c_str())), \
      TAG_IF(!(p).content_type.empty(), SIPTAG_PAYLOAD_STR((p).body.c_str())),          \
      TAG_IF(!(p).headers.empty(), SIPTAG_HEADER_STR((p).headers.c_str()))

Outcome Agent::invite(HandleInfo* h, std::uint64_t instance, std::string_view label,
                      const std::string& uri, const SendParams& p, const std::string& referred_by,
                      const std::string& replaces) {
  if (h != nullptr && h->challenge != 0 && h->challenge_method == "INVITE") {
    authenticate(*h);
    return Outcome::done();
  }
  if (h == nullptr) {
    h = new_handle(instance, label, "<" + uri + ">");
    if (h == nullptr) return Outcome::not_ready("nua_handle failed");
  }
  ++h->sdp_version;
  // `Supported` from the step replaces the stack's; offering 100rel is nua's early-media mode
  // (its transaction layer strips 100rel from Supported otherwise).
  SendParams q = p;
  std::string supported = take_header(q.headers, "Supported");
  bool rel100 = supported.find("100rel") != std::string::npos;
  remember(q);
  nua_invite(h->nh, LADDER_BODY_TAGS(q), TAG_IF(rel100, NUTAG_EARLY_MEDIA(1)),
             TAG_IF(!supported.empty(), SIPTAG_SUPPORTED_STR(supported.c_str())),
             TAG_IF(!referred_by.empty(), SIPTAG_REFERRED_BY_STR(referred_by.c_str())),
             TAG_IF(!replaces.empty(), SIPTAG_REPLACES_STR(replaces.c_str())), TAG_END());
  return Outcome::done();
}

Outcome Agent::respond(HandleInfo* h, int status, const std::string& phrase, const SendParams& p) {
  if (h == nullptr || h->nh == nullptr) return Outcome::not_ready("no request to answer yet");
  // A Contact the ladder gives (a 3xx's target) replaces the stack's own, not adds to it.
  SendParams q = p;
  std::string contact = take_header(q.headers, "Contact");
  remember(q);
  phrases_.push_back(phrase);  // must outlive the queued signal (see phrases_)
  // Bounded for load runs: a signal is served within the next loop turns, long before 4096
  // more responses are queued.
  if (phrases_.size() > 4096) phrases_.pop_front();
  nua_respond(h->nh, status, phrases_.back().c_str(), LADDER_BODY_TAGS(q),
              TAG_IF(!contact.empty(), SIPTAG_CONTACT_STR(contact.c_str())), TAG_END());
  return Outcome::done();
}

Outcome Agent::request(const Action& a, std::uint64_t instance, std::string_view method,
                       HandleInfo* h, const SendParams& p) {
  auto need_dialog = [&] {
    return Outcome::not_ready(
        "no dialog " + (a.dialog.empty() ? std::string("to send it in") : "'" + a.dialog + "' yet"));
  };
  if (method == "REGISTER") {
    if (reg_ == nullptr) {
      reg_ = new_handle(instance, a.dialog, "<" + config_.aor + ">");
      if (reg_ == nullptr) return Outcome::not_ready("nua_handle failed");
      reg_->is_register = true;
    } else if (reg_->challenge != 0) {
      authenticate(*reg_);
      return Outcome::done();
    }
    const std::string& uri = a.request().uri;
    std::string registrar = uri.empty() ? config_.registrar : uri;
    SendParams q = p;
    std::string expires = take_header(q.headers, "Expires");
    remember(q);
    if (expires == "0") {  // un-REGISTER: nua sends Expires: 0 with the registered Contact
      nua_unregister(reg_->nh, NUTAG_REGISTRAR(registrar.c_str()), LADDER_BODY_TAGS(q), TAG_END());
      reg_->unregister_sent = true;
    } else {
      nua_register(reg_->nh, NUTAG_REGISTRAR(registrar.c_str()), LADDER_BODY_TAGS(q),
                   TAG_IF(!expires.empty(), SIPTAG_EXPIRES_STR(expires.c_str())), TAG_END());
    }
    return Outcome::done();
  }
  if (h != nullptr && h->challenge != 0 && h->challenge_method == method) {
    authenticate(*h);
    return Outcome::done();
  }
  remember(p);
  switch (a.kind) {
    case ActionKind::hang_up:
      if (h == nullptr) return need_dialog();
      nua_bye(h->nh, LADDER_BODY_TAGS(p), TAG_END());
      return Outcome::done();
    case ActionKind::cancel:
      if (h == nullptr) return need_dialog();
      nua_cancel(h->nh, LADDER_BODY_TAGS(p), TAG_END());
      return Outcome::done();
    case ActionKind::transfer:
      if (h == nullptr) return need_dialog();
      nua_refer(h->nh, SIPTAG_REFER_TO_STR(a.transfer().refer_to.c_str()), LADDER_BODY_TAGS(p),
                TAG_END());
      return Outcome::done();
    case ActionKind::digits:  // the ladder's own dtmf-relay body, sent as it is
      if (h == nullptr) return need_dialog();
      nua_info(h->nh, LADDER_BODY_TAGS(p), TAG_END());
      return Outcome::done();
    default:
      break;
  }
  // ActionKind::request: the one place a method name picks the nua call.
  if (method == "NOTIFY") {
    if (h == nullptr) return need_dialog();
    // A notifier reports on the subscription its handle accepted; a transferee on the REFER.
    std::string event = !h->sub_event.empty() ? h->sub_event : h->refer_event;
    if (event.empty()) {
      HandleInfo* r = find_refer(instance);
      if (r != nullptr) event = r->refer_event;
    }
    if (event.empty()) {
      return Outcome::not_ready("no REFER or SUBSCRIBE received yet (a NOTIFY reports on one)");
    }
    bool terminated = a.request().ends_subscription;
    SendParams q = p;
    if (q.content_type.empty() && h->sub_event.empty()) {
      q.content_type = "message/sipfrag;version=2.0";
      q.body = terminated ? "SIP/2.0 200 OK\r\n" : "SIP/2.0 100 Trying\r\n";
    }
    remember(q);
    nua_notify(h->nh, SIPTAG_EVENT_STR(event.c_str()),
               NUTAG_SUBSTATE(terminated ? nua_substate_terminated : nua_substate_active),
               LADDER_BODY_TAGS(q), TAG_END());
  } else if (method == "SUBSCRIBE") {
    if (h == nullptr) {
      h = new_handle(instance, a.dialog, "<" + a.request().uri + ">");
      if (h == nullptr) return Outcome::not_ready("nua_handle failed");
    }
    SendParams q = p;
    std::string expires = take_header(q.headers, "Expires");
    remember(q);
    if (expires == "0") {  // ends the subscription: nua sends Expires: 0 in the dialog
      nua_unsubscribe(h->nh, LADDER_BODY_TAGS(q), TAG_END());
    } else {
      nua_subscribe(h->nh, LADDER_BODY_TAGS(q),
                    TAG_IF(!expires.empty(), SIPTAG_EXPIRES_STR(expires.c_str())), TAG_END());
    }
  } else if (method == "INFO") {
    if (h == nullptr) return need_dialog();
    nua_info(h->nh, LADDER_BODY_TAGS(p), TAG_END());
  } else if (method == "UPDATE") {
    if (h == nullptr) return need_dialog();
    nua_update(h->nh, LADDER_BODY_TAGS(p), TAG_END());
  } else if (method == "OPTIONS" || method == "MESSAGE") {
    if (h == nullptr) {
      h = new_handle(instance, a.dialog, "<" + a.request().uri + ">");
      if (h == nullptr) return Outcome::not_ready("nua_handle failed");
    }
    if (method == "OPTIONS") {
      nua_options(h->nh, LADDER_BODY_TAGS(p), TAG_END());
    } else {
      SendParams q = p;
      if (q.content_type.empty()) {
        q.content_type = "text/plain";
        q.body = "ladder";
      }
      remember(q);
      nua_message(h->nh, LADDER_BODY_TAGS(q), TAG_END());
    }
  } else {
    return Outcome::cannot("the SIP user agent cannot send " + std::string(method) + " requests");
  }
  return Outcome::done();
}

#undef LADDER_BODY_TAGS

HandleInfo* Agent::dialog_handle(const Action& a, std::uint64_t instance) {
  if (a.dialog.empty()) return nullptr;
  if (HandleInfo* h = find_label(instance, a.dialog)) return h;
  return a.call_id.empty() ? nullptr : find_call(instance, a.call_id);
}

std::string Agent::sdp(std::string_view preset, std::uint32_t version) const {
  return make_sdp(preset, bound_ ? bound_->address : core::Address{}, version,
                  config_.media_port);
}

Outcome Agent::perform(const Action& a, std::uint64_t instance) {
  SendParams p{a.content.headers, a.content.type, a.content.body};
  const std::optional<std::string>& preset = a.content.sdp_preset;
  switch (a.kind) {
    case ActionKind::dial:
    case ActionKind::reinvite:
    case ActionKind::hold:
    case ActionKind::resume: {
      HandleInfo* h = dialog_handle(a, instance);
      if (h == nullptr && a.kind != ActionKind::dial) {
        return Outcome::not_ready("no dialog '" + a.dialog + "' yet");
      }
      if (h == nullptr) {
        // The INVITE after a 401/407 to this role's INVITE is its retry with credentials, in the
        // same Call-ID (RFC 3665 3.2), even when the ladder labels only the retry's dialog.
        for (auto& c : handles_[instance]) {
          if (c->nh != nullptr && c->challenge != 0 && c->challenge_method == "INVITE") {
            h = c.get();
            if (h->label.empty()) h->label = a.dialog;
            break;
          }
        }
        // The capture can show the 407 before nua has told this agent of it: the retry waits
        // for the stack, never becomes a new call with a new Call-ID.
        if (h == nullptr && a.kind == ActionKind::dial && a.dial().after_challenge) {
          return Outcome::not_ready("the challenge to the previous INVITE has not reached the stack");
        }
      }
      if (p.content_type.empty()) {
        p.content_type = "application/sdp";
        p.body = sdp(preset.value_or("offer"), h != nullptr ? h->sdp_version + 1 : 1);
      }
      // A new call made because of a REFER says who referred it, and replaces the dialog the
      // Refer-To names (attended transfer, RFC 3891), as a phone does.
      std::string referred_by, replaces;
      if (h == nullptr) {
        if (HandleInfo* r = find_refer(instance)) {
          referred_by = r->referred_by;
          replaces = replaces_of(r->refer_to);
        }
      }
      return invite(h, instance, a.dialog,
                    a.kind == ActionKind::dial ? a.dial().uri : std::string(), p, referred_by,
                    replaces);
    }
    case ActionKind::ring:
    case ActionKind::answer:
    case ActionKind::reject: {
      const Respond& r = a.respond();
      HandleInfo* h = a.call_id.empty() ? nullptr : find_call(instance, a.call_id);
      // An answer to an INVITE carries SDP; so does a 1xx the ladder gives an SDP preset
      // (early media: 183 with `send: {body: {sdp: answer}}`).
      bool sdp_wanted = a.kind == ActionKind::answer || (a.kind == ActionKind::ring && preset);
      if (h != nullptr && r.method == "INVITE" && sdp_wanted && p.content_type.empty()) {
        p.content_type = "application/sdp";
        // Answer the offer in the request this response answers (from the wire); nua's copy of
        // the remote SDP may still be the previous offer when the trigger came from the wire.
        std::string direction(answer_direction(r.offer.empty() ? h->remote_sdp : r.offer));
        std::string want = preset.value_or("answer");
        if (want == "answer" && direction != "sendrecv") want = direction;
        p.body = sdp(want, h->sdp_version);
      }
      const char* standard = sip_status_phrase(r.status);
      std::string phrase = r.reason.value_or(standard != nullptr ? standard : "Response");
      return respond(h, r.status, phrase, p);
    }
    case ActionKind::hang_up:
    case ActionKind::cancel:
    case ActionKind::transfer:
    case ActionKind::digits:
    case ActionKind::request: {
      HandleInfo* h = dialog_handle(a, instance);
      if (preset) {
        p.content_type = "application/sdp";
        p.body = sdp(*preset, h != nullptr ? h->sdp_version + 1 : 1);
        if (h != nullptr) ++h->sdp_version;
      }
      // The method of a typed verb, for the challenge bookkeeping (a copy: a view of this
      // conditional would dangle, it is a temporary std::string).
      std::string method = a.kind == ActionKind::hang_up    ? "BYE"
                           : a.kind == ActionKind::cancel   ? "CANCEL"
                           : a.kind == ActionKind::transfer ? "REFER"
                           : a.kind == ActionKind::digits   ? "INFO"
                                                            : a.request().method;
      return request(a, instance, method, h, p);
    }
  }
  return Outcome::cannot("unknown action");
}

void Agent::release_handles() {
  for (auto& [instance, list] : handles_) {
    for (auto& h : list) h->release();
  }
}

void Agent::shutdown() {
  if (shutdown_called_ || nua_ == nullptr) return;
  shutdown_called_ = true;
  nua_shutdown(nua_);
}

void Agent::destroy() {
  if (nua_ != nullptr && shutdown_done()) {
    nua_destroy(nua_);
    nua_ = nullptr;
  }
}

void Agent::begin_teardown() {
  if (teardown_ != Teardown::none) return;
  // Un-REGISTER what was registered (extra messages the checker tolerates by policy).
  unregister_all();
  teardown_ = Teardown::unregistering;
  phase_deadline_ = now_ns() + 2'000'000'000;
}

bool Agent::teardown_step() {
  core::TimeNs now = now_ns();
  if (teardown_ == Teardown::unregistering && (unregister_done() || now >= phase_deadline_)) {
    // RECIPES.md: destroy handles, nua_shutdown, step until nua_r_shutdown >= 200, nua_destroy.
    release_handles();
    shutdown();
    teardown_ = Teardown::shutting_down;
    phase_deadline_ = now + 5'000'000'000;
  }
  if (teardown_ == Teardown::shutting_down && (shutdown_done() || now >= phase_deadline_)) {
    if (!shutdown_done()) error(config_.role + ": the SIP stack did not shut down within 5s", false);
    destroy();
    teardown_ = Teardown::done;
  }
  return teardown_ == Teardown::done;
}

void Agent::error(std::string message, bool fatal, std::uint64_t instance) {
  errors_.push_back({instance, ActorError{std::move(message), fatal, std::nullopt}});
}

std::vector<ActorError> Agent::take_errors() {
  std::vector<ActorError> out;
  for (auto& [instance, e] : errors_) out.push_back(std::move(e));
  errors_.clear();
  return out;
}

std::vector<std::pair<std::uint64_t, ActorError>> Agent::take_instance_errors() {
  std::vector<std::pair<std::uint64_t, ActorError>> out;
  out.swap(errors_);
  return out;
}

}  // namespace ladder::engine
