// Private: what a played role puts in the messages it sends, derived from the ladder and the
// testbed without Sofia: the Request-URI of a new request, the Refer-To of a REFER, extra headers
// and bodies from `send:`, whether a NOTIFY ends its subscription.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "scenario/scenario.h"

namespace ladder::engine {

class Targets {
 public:
  /// `bindings`: role attributes with the played roles' actual ports. `proxy`: the DUT proxy
  /// role requests are routed through, if the ladder has one.
  Targets(const scenario::Scenario& scenario, const scenario::Testbed& testbed,
          scenario::Bindings bindings, std::optional<std::string> proxy);

  /// The step's `uri:` when it is one literal after expansion; else
  /// sip:USER@(proxy domain | proxy address | peer address), USER from `uri: {user: ...}`, the
  /// receiving role, or the role the proxy forwards the request to.
  std::string request_uri(std::size_t step) const;
  /// `send: {headers: {Refer-To: ...}}`, else the step's Refer-To expectation (its equals, or
  /// its URI user), else the first UA role that is neither sender nor receiver; in <>.
  std::string refer_to(std::size_t step) const;
  /// A NOTIFY whose Subscription-State expectation mentions "terminated".
  bool notify_terminated(std::size_t step) const;
  /// `send:` headers as "Name: value\r\n..." (Refer-To left out: it has its own tag).
  std::string headers(std::size_t step) const;
  /// `send:` body: {content type, text}; an SDP preset gives {"application/sdp", ""} and
  /// sdp_preset() names it.
  std::optional<std::pair<std::string, std::string>> body(std::size_t step) const;
  std::optional<std::string> sdp_preset(std::size_t step) const;

  /// sip:user@host for a role: the proxy's domain when there is a proxy, else its address.
  std::string aor(const std::string& role) const;
  /// "sip:DOMAIN" or "sip:HOST:PORT" of the proxy (REGISTER's Request-URI).
  std::string registrar() const;
  const scenario::Bindings& bindings() const { return bindings_; }
  /// Values saved from the wire during the run (Plan::saved), for `${var}` in what is sent.
  /// Not owned; must outlive this. Unset: only the roles' attributes expand.
  void use_saved(const std::map<std::string, std::string, std::less<>>* saved) { saved_ = saved; }

 private:
  std::string attr(const std::string& role, const std::string& name) const;
  std::string expand(const scenario::Template& t) const;
  std::string host_for(const std::string& role) const;
  std::optional<std::string> role_with_user(const std::string& user) const;
  const scenario::Scenario* scenario_;
  const scenario::Testbed* testbed_;
  scenario::Bindings bindings_;
  std::optional<std::string> proxy_;
  const std::map<std::string, std::string, std::less<>>* saved_ = nullptr;
  /// `t` with the roles' attributes and the saved values; empty when a value is unknown.
  std::optional<std::string> expanded(const scenario::Template& t) const;
};

}  // namespace ladder::engine
