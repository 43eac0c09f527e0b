#include "engine/drivers.h"

#include <cstdlib>

#include "engine/action_uri_actor.h"
#include "engine/baresip_actor.h"
#include "engine/prompt_actor.h"
#include "scenario/duration.h"

namespace ladder::engine {
namespace {

std::string where(const scenario::TestbedRole& role) {
  const scenario::SourcePos& p = role.driver->pos;
  return " (testbed line " + std::to_string(p.line) + ", column " + std::to_string(p.col) + ")";
}

std::expected<std::unique_ptr<Actor>, std::string> make_baresip(const scenario::TestbedRole& role,
                                                                Loop& loop) {
  auto it = role.driver->options.find("control");
  if (it == role.driver->options.end()) {
    return std::unexpected(role.id +
                           " (baresip): the driver needs `control: HOST:PORT`, the "
                           "address of baresip's ctrl_tcp" +
                           where(role));
  }
  auto control = core::Endpoint::parse(it->second);
  if (!control || control->port == 0) {
    return std::unexpected(role.id + " (baresip): `control: " + it->second + "` is not HOST:PORT" +
                           where(role));
  }
  BaresipOptions o;
  o.role = role.id;
  o.control = *control;
  o.phone = role.address;
  auto a = BaresipActor::create(std::move(o), loop);
  if (!a) return std::unexpected(a.error());
  return std::unique_ptr<Actor>(std::move(*a));
}

std::optional<std::string> option(const scenario::TestbedRole& role, const std::string& key) {
  auto it = role.driver->options.find(key);
  if (it == role.driver->options.end()) return std::nullopt;
  return it->second;
}

std::expected<std::unique_ptr<Actor>, std::string> make_action_uri(
    const scenario::TestbedRole& role, Loop& loop, const SecretLookup& secrets) {
  const std::string who = role.id + " (action-uri)";
  ActionUriOptions o;
  o.role = role.id;
  o.phone = role.address;
  auto base = option(role, "base");
  if (!base) {
    return std::unexpected(who + ": the driver needs `base: http://PHONE`, the phone's web "
                                 "address" + where(role));
  }
  o.base = *base;
  if (!o.base.starts_with("http://") && !o.base.starts_with("https://")) {
    return std::unexpected(who + ": `base: " + o.base + "` is not an http:// or https:// URL" +
                           where(role));
  }
  if (o.base.find('@', o.base.find("//") + 2) != std::string::npos) {
    return std::unexpected(who + ": `base:` must not carry a login; name the variables with "
                                 "`user_env:` and `password_env:`" + where(role));
  }
  while (o.base.ends_with('/')) o.base.pop_back();
  if (auto s = option(role, "servlet")) {
    if (s->empty() || s->front() != '/') {
      return std::unexpected(who + ": `servlet: " + *s + "` is not a path such as /servlet" +
                             where(role));
    }
    o.servlet = *s;
  }
  auto user_env = option(role, "user_env");
  auto password_env = option(role, "password_env");
  if (user_env.has_value() != password_env.has_value()) {
    return std::unexpected(who + ": give both `user_env:` and `password_env:`, or neither" +
                           where(role));
  }
  if (user_env) {
    for (const std::string* name : {&*user_env, &*password_env}) {
      auto v = secrets ? secrets(*name) : std::optional<std::string>();
      if (!secrets) {
        if (const char* e = std::getenv(name->c_str())) v = std::string(e);
      }
      if (!v) {
        return std::unexpected(who + ": the environment variable " + *name +
                               " is not set (named by the driver" + where(role) + ")");
      }
      (name == &*user_env ? o.user : o.password) = *v;
    }
    o.user_env = *user_env;
    o.password_env = *password_env;
    o.auth = HttpAuth::any;
    if (auto a = option(role, "auth")) {
      if (*a == "basic") {
        o.auth = HttpAuth::basic;
      } else if (*a == "digest") {
        o.auth = HttpAuth::digest;
      } else if (*a != "any") {
        return std::unexpected(who + ": `auth: " + *a + "`: expected basic, digest or any" +
                               where(role));
      }
    }
  }
  if (auto l = option(role, "listen")) {
    auto e = core::Endpoint::parse(*l);
    if (!e) {
      return std::unexpected(who + ": `listen: " + *l +
                             "` is not IP:PORT (the Action URL listener; port 0: any)" +
                             where(role));
    }
    o.listen = *e;
  }
  if (auto a = option(role, "account")) o.account = *a;
  if (auto d = option(role, "dial")) {
    if (*d != "uri" && *d != "user") {
      return std::unexpected(who + ": `dial: " + *d + "`: expected uri or user" + where(role));
    }
    o.dial_user_only = *d == "user";
  }
  if (auto t = option(role, "timeout")) {
    auto d = scenario::parse_duration(*t);
    if (!d || d->count() <= 0) {
      return std::unexpected(who + ": `timeout: " + *t + "` is not a duration such as 3s" +
                             where(role));
    }
    o.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  auto a = ActionUriActor::create(std::move(o), loop);
  if (!a) return std::unexpected(a.error());
  return std::unique_ptr<Actor>(std::move(*a));
}

}  // namespace

std::expected<std::unique_ptr<Actor>, std::string> make_driver(const scenario::TestbedRole& role,
                                                               Loop& loop,
                                                               const SecretLookup& secrets) {
  if (!role.driver) return nullptr;
  std::unique_ptr<Actor> actor;
  switch (role.driver->kind) {
    case scenario::DriverKind::prompt: {
      auto p = PromptActor::create(role.id, role.address, loop);
      if (!p) return std::unexpected(p.error());
      return std::unique_ptr<Actor>(std::move(*p));
    }
    case scenario::DriverKind::csta:
      return std::unexpected(role.id +
                             ": driver 'csta' (uaCSTA over SIP) is not supported yet; use "
                             "baresip, action-uri or prompt");
    case scenario::DriverKind::baresip: {
      auto b = make_baresip(role, loop);
      if (!b) return std::unexpected(b.error());
      actor = std::move(*b);
      break;
    }
    case scenario::DriverKind::action_uri: {
      auto a = make_action_uri(role, loop, secrets);
      if (!a) return std::unexpected(a.error());
      actor = std::move(*a);
      break;
    }
  }
  // `fallback: prompt`: what the driver cannot do, the operator is asked to do.
  auto fb = role.driver->options.find("fallback");
  if (actor && fb != role.driver->options.end() && fb->second == "prompt") {
    auto p = PromptActor::create(role.id, role.address, loop);
    if (!p) return std::unexpected(p.error());
    actor = std::make_unique<FallbackActor>(std::move(actor), std::move(*p));
  }
  return actor;
}

}  // namespace ladder::engine
