#include "report/html_page.h"

#include <cstdio>

#include "report/html_asset.h"

namespace ladder::report::html {

namespace {

std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += attribute ? "&gt;" : ">"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&#39;" : "'"; break;
      default:
        if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string escape(std::string_view text) { return escape(text, true); }
std::string escape_text(std::string_view text) { return escape(text, false); }

std::string page(std::string_view title, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 8192);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"generator\" content=\"ladder\">\n<title>";
  out += escape(title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head><body>\n";
  out += body;
  out += "\n<script>";
  out += kScript;
  out += "</script>\n</body></html>\n";
  return out;
}

std::string seconds(long long ns) {
  char buf[32];
  bool neg = ns < 0;
  unsigned long long v = neg ? static_cast<unsigned long long>(-ns) : static_cast<unsigned long long>(ns);
  std::snprintf(buf, sizeof buf, "%s%llu.%06llu", neg ? "-" : "", v / 1000000000ULL,
                (v % 1000000000ULL) / 1000ULL);
  return buf;
}

}  // namespace ladder::report::html
