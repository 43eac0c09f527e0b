#include "sip/syntax.h"

#include "sip/names.h"
#include "sip/text.h"
#include "sip/wire_headers.h"

namespace ladder::sip {
namespace {

using text::is_lws;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

// Index just past a quoted-string starting at `i` (value[i] == '"'), or value.size().
std::size_t skip_quoted(std::string_view value, std::size_t i) {
  for (++i; i < value.size(); ++i) {
    if (value[i] == '\\') {
      ++i;
    } else if (value[i] == '"') {
      return i + 1;
    }
  }
  return value.size();
}

struct Ids {
  int from = header_id("From"), to = header_id("To"), contact = header_id("Contact"),
      route = header_id("Route"), record_route = header_id("Record-Route"),
      authorization = header_id("Authorization"),
      proxy_authorization = header_id("Proxy-Authorization"),
      www_authenticate = header_id("WWW-Authenticate"),
      proxy_authenticate = header_id("Proxy-Authenticate");
};
const Ids& ids() {
  static const Ids i;
  return i;
}

}  // namespace

const char* name_addr_flaw(std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '"') {
      i = skip_quoted(value, i) - 1;
    } else if (c == '<') {
      if (i + 1 < value.size() && is_lws(value[i + 1])) return "whitespace inside <>";
    } else if (c == '>') {
      if (i > 0 && is_lws(value[i - 1])) return "whitespace inside <>";
    }
  }
  return nullptr;
}

const char* auth_flaw(std::string_view value) {
  std::size_t i = 0, n = value.size();
  auto skip_lws = [&] {
    while (i < n && is_lws(value[i])) ++i;
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < n && is_token_char(value[i])) ++i;
    return i > start;
  };
  skip_lws();
  token();  // the scheme: Digest, Basic ...
  skip_lws();
  bool after_scheme = true;  // the next parameter needs no comma before it
  while (i < n) {
    if (!after_scheme) {
      if (value[i] != ',') return "auth parameters are not separated by commas";
      ++i;
      skip_lws();
      if (i == n) break;
    }
    if (!token()) return "an auth parameter is not name=value";
    skip_lws();
    if (i < n && value[i] == '=') {
      ++i;
      skip_lws();
      if (i < n && value[i] == '"') {
        i = skip_quoted(value, i);
      } else if (!token()) {
        return "an auth parameter is not name=value";
      }
      skip_lws();
      after_scheme = false;
      continue;
    }
    // A token without '=' after a comma starts another challenge (its scheme); anywhere else
    // it is a parameter without a value.
    if (after_scheme) return "an auth parameter is not name=value";
    after_scheme = true;
  }
  return nullptr;
}

std::string header_syntax_problem(const std::vector<WireHeader>& headers) {
  const Ids& id = ids();
  for (const WireHeader& h : headers) {
    const char* flaw = nullptr;
    if (h.id < 0) continue;
    if (h.id == id.from || h.id == id.to || h.id == id.contact || h.id == id.route ||
        h.id == id.record_route) {
      flaw = name_addr_flaw(h.value);
    } else if (h.id == id.authorization || h.id == id.proxy_authorization ||
               h.id == id.www_authenticate || h.id == id.proxy_authenticate) {
      flaw = auth_flaw(h.value);
    }
    if (flaw != nullptr) {
      return "bad " + std::string(h.canonical) + " header: '" + std::string(h.value) + "' (" +
             flaw + ")";
    }
  }
  return "";
}

}  // namespace ladder::sip
