// The command line of each kind of part: Kamailio with -A defines and --substdef knobs, baresip
// with a generated config dir, SIPp with its ports, or the testbed's own command.
#include "parts/components.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace ladder::parts::detail {
namespace {

namespace fs = std::filesystem;
using scenario::StartKind;

std::string resolve(const Context& ctx, const std::string& path) {
  // Absolute: Kamailio changes its working directory (-w) after it starts.
  fs::path p(path);
  if (p.is_absolute()) return p.string();
  std::error_code ec;
  fs::path abs = fs::absolute(ctx.testbed_dir / p, ec);
  return (ec ? ctx.testbed_dir / p : abs).lexically_normal().string();
}

std::expected<core::Endpoint, std::string> address_for(const scenario::TestbedRole& role) {
  core::Endpoint e = role.address;
  if (e.address.family == 0) e = *core::Endpoint::parse("127.0.0.1:0");
  if (e.port == 0) {
    auto port = free_port(e.address);
    if (!port) return std::unexpected(port.error());
    e.port = *port;
  }
  return e;
}

// Whether a TCP bind on `at` succeeds now (a listener or a connection's local port fails it).
bool tcp_free(const core::Endpoint& at) {
  int fd = ::socket(at.address.family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_storage ss{};
  socklen_t len;
  if (at.address.family == 6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(at.port);
    std::memcpy(&sa->sin6_addr, at.address.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(at.port);
    std::memcpy(&sa->sin_addr, at.address.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  }
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  ::close(fd);
  return ok;
}

std::expected<std::uint16_t, std::string> another_port(const core::Address& a) {
  return free_port(a);
}

std::string first_existing(const std::vector<std::string>& globs_dirs) {
  for (const std::string& d : globs_dirs) {
    std::error_code ec;
    if (fs::is_directory(d, ec)) return d;
  }
  return {};
}

// Debian puts Kamailio's modules under the multiarch folder.
std::string kamailio_modules() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib", ec)) {
    fs::path m = e.path() / "kamailio" / "modules";
    if (fs::is_directory(m, ec)) return m.string();
  }
  return first_existing({"/usr/lib/kamailio/modules", "/usr/local/lib/kamailio/modules"});
}

std::string baresip_modules() {
  std::error_code ec;
  std::string d = first_existing({"/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules"});
  if (!d.empty()) return d;
  for (const auto& e : fs::directory_iterator("/usr/lib", ec)) {
    fs::path m = e.path() / "baresip" / "modules";
    if (fs::is_directory(m, ec)) return m.string();
  }
  return {};
}

std::expected<std::string, std::string> scratch_dir() {
  // Short and private: Kamailio's control socket path must stay under 108 bytes.
  std::string tmpl = "/tmp/ladder-part-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return std::unexpected(std::string("mkdtemp: ") + std::strerror(errno));
  }
  return tmpl;
}

std::expected<Launch, std::string> kamailio(const scenario::TestbedRole& role,
                                            const scenario::Start& st, const Context& ctx) {
  Launch l;
  auto addr = address_for(role);
  if (!addr) return std::unexpected(addr.error());
  l.address = *addr;
  std::string cfg = resolve(ctx, st.config);
  std::error_code ec;
  if (!fs::is_regular_file(cfg, ec)) return std::unexpected("no Kamailio config at " + cfg);
  auto scratch = scratch_dir();
  if (!scratch) return std::unexpected(scratch.error());
  l.scratch = *scratch;
  l.argv = {"kamailio", "-f", cfg};
  if (std::string m = kamailio_modules(); !m.empty()) {
    l.argv.insert(l.argv.end(), {"-L", m});
  }
  l.argv.insert(l.argv.end(), {"-Y", l.scratch, "-P", l.scratch + "/kamailio.pid", "-w", l.scratch,
                               "-DD", "-E", "-m", "64", "-M", "8"});
  std::map<std::string, std::string> knobs{{"LISTEN_ADDR", l.address.address.uri_host()},
                                           {"LISTEN_PORT", std::to_string(l.address.port)},
                                           {"RUN_DIR", l.scratch}};
  if (!role.domain.empty()) knobs["DOMAIN"] = role.domain;
  for (const auto& [k, v] : st.set) knobs[k] = v;
  for (const auto& [k, v] : knobs) l.argv.insert(l.argv.end(), {"--substdef", "!" + k + "!" + v + "!g"});
  for (const std::string& d : st.defines) l.argv.insert(l.argv.end(), {"-A", d});
  return l;
}

// The proxy the phone registers to: the testbed's proxy DUT, once its port is known.
const scenario::TestbedRole* proxy_of(const scenario::Testbed& tb) {
  for (const auto& r : tb.roles) {
    if (r.played_by == scenario::PlayedBy::dut && r.kind != scenario::RoleKind::ua &&
        r.address.port != 0) {
      return &r;
    }
  }
  return nullptr;
}

// baresip's config, one "key value" per line: the copied file's lines minus the keys we set.
std::string baresip_config(const std::string& base, const std::vector<std::string>& ours) {
  std::set<std::string> keys;
  for (const std::string& l : ours) keys.insert(l.substr(0, l.find(' ')));
  std::string out;
  std::istringstream in(base);
  std::string line;
  while (std::getline(in, line)) {
    std::string key = line.substr(0, line.find_first_of(" \t"));
    if (keys.count(key)) continue;
    out += line + "\n";
  }
  out += "# set by ladder for this run\n";
  for (const std::string& l : ours) out += l + "\n";
  return out;
}

std::expected<Launch, std::string> baresip(const scenario::TestbedRole& role,
                                           const scenario::Start& st, const Context& ctx) {
  Launch l;
  // sip_listen also opens TLS on PORT+1: take a port whose successor is free too.
  for (int attempt = 0; attempt < 20 && l.address.port == 0; ++attempt) {
    auto addr = address_for(role);
    if (!addr) return std::unexpected(addr.error());
    core::Endpoint tls = *addr;
    tls.port = static_cast<std::uint16_t>(tls.port + 1);
    if (role.address.port != 0 || (tls.port != 0 && tcp_free(tls))) {
      l.address = *addr;
    }
  }
  if (l.address.port == 0) return std::unexpected(std::string("no free SIP port pair for baresip"));
  auto ctl = another_port(l.address.address);
  auto dns = another_port(l.address.address);
  if (!ctl || !dns) return std::unexpected(!ctl ? ctl.error() : dns.error());
  l.control = core::Endpoint{l.address.address, *ctl};
  std::error_code abs_ec;
  fs::path conf = fs::absolute(ctx.dir / (role.id + "-baresip"), abs_ec);
  std::error_code ec;
  fs::create_directories(conf, ec);
  if (ec) return std::unexpected("cannot create " + conf.string() + ": " + ec.message());
  std::string user = role.user.empty() ? "phone" : role.user;
  const scenario::TestbedRole* proxy = proxy_of(*ctx.testbed);
  std::string domain = !role.domain.empty()             ? role.domain
                       : proxy && !proxy->domain.empty() ? proxy->domain
                       : proxy                           ? proxy->address.to_string()
                                                         : l.address.to_string();
  auto rtp = another_port(l.address.address);
  if (!rtp) return std::unexpected(rtp.error());
  std::string base;
  bool own_accounts = false;
  if (!st.config.empty()) {
    fs::path from = resolve(ctx, st.config);
    if (!fs::is_directory(from, ec)) return std::unexpected("no baresip config dir at " + from.string());
    fs::copy(from, conf, fs::copy_options::overwrite_existing | fs::copy_options::recursive, ec);
    if (ec) return std::unexpected("cannot copy " + from.string() + ": " + ec.message());
    // Templates (config.in, accounts.in): @NAME@ filled in for this run.
    std::map<std::string, std::string> vars{
        {"@SIP_ADDR@", l.address.address.uri_host()},
        {"@SIP_PORT@", std::to_string(l.address.port)},
        {"@CTRL_ADDR@", l.control->address.uri_host()},
        {"@CTRL_PORT@", std::to_string(l.control->port)},
        {"@DNS_PORT@", std::to_string(*dns)},
        {"@RTP_MIN@", std::to_string(*rtp)},
        {"@RTP_MAX@", std::to_string(*rtp + 20)},
        {"@USER@", user},
        {"@DOMAIN@", domain},
        {"@PROXY@", proxy ? proxy->address.to_string() : l.address.to_string()}};
    for (const char* name : {"config", "accounts"}) {
      fs::path in = conf / (std::string(name) + ".in");
      if (!fs::exists(in, ec)) continue;
      std::ifstream f(in);
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      for (const auto& [k, v] : vars) {
        for (auto at = text.find(k); at != std::string::npos; at = text.find(k, at + v.size())) {
          text.replace(at, k.size(), v);
        }
      }
      std::ofstream(conf / name) << text;
    }
    std::ifstream in(conf / "config");
    base.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    own_accounts = fs::exists(conf / "accounts", ec);
  } else {
    // No audio device: ALSA's null device (ausine is 48 kHz only and breaks G.711 calls).
    base =
        "audio_player alsa,null\naudio_source alsa,null\naudio_alert alsa,null\n"
        "module g711.so\nmodule alsa.so\nmodule_tmp account.so\n"
        "module_app menu.so\nmodule_app ctrl_tcp.so\n";
  }
  std::vector<std::string> ours{"sip_listen " + l.address.to_string(),
                                "net_interface " + l.address.address.to_string(),
                                "ctrl_tcp_listen " + l.control->to_string(),
                                "dns_server " + core::Endpoint{l.address.address, *dns}.to_string()};
  if (std::string m = baresip_modules(); !m.empty()) ours.insert(ours.begin(), "module_path " + m);
  std::ofstream(conf / "config") << baresip_config(base, ours);
  if (!own_accounts) {
    std::string account;
    if (proxy) {
      account = "<sip:" + user + "@" + domain + ">;outbound=\"sip:" + proxy->address.to_string() +
                "\";regint=300;answermode=manual";
      l.registers = true;
    } else {
      account = "<sip:" + user + "@" + l.address.to_string() + ">;regint=0;answermode=manual";
    }
    std::ofstream(conf / "accounts") << account << "\n";
  } else {
    std::ifstream in(conf / "accounts");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    l.registers = text.find("regint=0") == std::string::npos;
  }
  l.argv = {"baresip", "-f", conf.string()};
  return l;
}

std::expected<Launch, std::string> sipp(const scenario::TestbedRole& role,
                                        const scenario::Start& st, const Context& ctx) {
  Launch l;
  auto addr = address_for(role);
  if (!addr) return std::unexpected(addr.error());
  l.address = *addr;
  auto cp = another_port(l.address.address);
  auto mp = another_port(l.address.address);
  if (!cp || !mp) return std::unexpected(!cp ? cp.error() : mp.error());
  std::string sf = resolve(ctx, st.scenario);
  std::error_code ec;
  if (!fs::is_regular_file(sf, ec)) return std::unexpected("no SIPp scenario at " + sf);
  l.argv = {"sipp", "-sf", sf, "-i", l.address.address.to_string(), "-p",
            std::to_string(l.address.port), "-cp", std::to_string(*cp), "-mp",
            std::to_string(*mp), "-nostdin"};
  if (!role.user.empty()) l.argv.insert(l.argv.end(), {"-s", role.user});
  return l;
}

std::string fill_in(std::string s, const std::map<std::string, std::string>& vars) {
  for (const auto& [name, value] : vars) {
    std::string key = "${" + name + "}";
    for (std::size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size())) {
      s.replace(at, key.size(), value);
    }
  }
  return s;
}

std::expected<Launch, std::string> command(const scenario::TestbedRole& role,
                                           const scenario::Start& st, const Context& ctx) {
  Launch l;
  auto addr = address_for(role);
  if (!addr) return std::unexpected(addr.error());
  l.address = *addr;
  std::map<std::string, std::string> vars{{"host", l.address.address.to_string()},
                                          {"port", std::to_string(l.address.port)},
                                          {"address", l.address.to_string()},
                                          {"user", role.user},
                                          {"domain", role.domain},
                                          {"dir", ctx.dir.string()}};
  for (const std::string& a : st.command) l.argv.push_back(fill_in(a, vars));
  return l;
}

}  // namespace

std::expected<Launch, std::string> prepare(const scenario::TestbedRole& role, const Context& ctx) {
  const scenario::Start& st = *role.start;
  std::expected<Launch, std::string> l;
  switch (st.kind) {
    case StartKind::kamailio:
      l = kamailio(role, st, ctx);
      break;
    case StartKind::baresip:
      l = baresip(role, st, ctx);
      break;
    case StartKind::sipp:
      l = sipp(role, st, ctx);
      break;
    case StartKind::command:
      l = command(role, st, ctx);
      break;
  }
  if (l) l->argv.insert(l->argv.end(), st.args.begin(), st.args.end());
  return l;
}

bool baresip_ready(const core::Endpoint& control, bool registers,
                   std::chrono::milliseconds timeout) {
  if (!tcp_accepts(control, timeout)) return false;
  if (!registers) return true;
  int fd = ::socket(control.address.family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_storage ss{};
  socklen_t len;
  if (control.address.family == 6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(control.port);
    std::memcpy(&sa->sin6_addr, control.address.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(control.port);
    std::memcpy(&sa->sin_addr, control.address.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return false;
  std::string cmd = R"({"command":"reginfo","token":"ladder-ready"})";
  std::string frame = std::to_string(cmd.size()) + ":" + cmd + ",";
  if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(frame.size())) {
    return false;
  }
  // Read until the response to our token arrives or the timeout passes.
  std::string got;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (got.find("ladder-ready") == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  // "--- User Agents (N) ---" then one line per account, "OK" in green when registered.
  auto at = got.find("User Agents (");
  if (at == std::string::npos) return false;
  int accounts = std::atoi(got.c_str() + at + 13);
  int ok = 0;
  for (std::size_t p = got.find("mOK "); p != std::string::npos; p = got.find("mOK ", p + 1)) ++ok;
  return accounts > 0 && ok >= accounts;
}

}  // namespace ladder::parts::detail
