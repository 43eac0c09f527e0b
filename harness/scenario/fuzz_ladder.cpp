// libFuzzer entry for the ladder and testbed loaders: the input is the text of a YAML file. It is
// loaded as a ladder and as a testbed (parse, model, validation and their diagnostics, which
// quote the source line under a caret), and whatever loads is put to the uses the CLI and the
// checker make of it: role bindings, placeholder expansion, the binding check against the
// library's loopback testbed (or, for a testbed, against the caller-hangs-up ladder).
// Build and run: scripts/fuzz fuzz_ladder SECONDS. Corpus: fuzz/corpus/fuzz_ladder.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scenario/scenario.h"

namespace {

using namespace ladder;

std::size_t touch(std::string_view s) {
  std::size_t h = s.size();
  for (char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}

std::size_t touch(const std::vector<core::Diagnostic>& ds) {
  std::size_t h = 0;
  for (const core::Diagnostic& d : ds) h += touch(d.format()) + touch(scenario::summary_line(d));
  return h;
}

// The library's own files, read once: what a fuzzed file is bound against. A broken library is
// a broken build, not an input the fuzzer found: stop loudly.
const scenario::Scenario& fixed_ladder() {
  static const scenario::LoadResult loaded =
      scenario::load_scenario(LADDER_SOURCE_DIR "/scenarios/basic/caller-hangs-up.yaml");
  if (!loaded.ok()) {
    std::fprintf(stderr, "fuzz_ladder: the library's caller-hangs-up.yaml does not load\n");
    std::abort();
  }
  return *loaded.scenario;
}

const scenario::Testbed& fixed_testbed() {
  static const scenario::TestbedResult loaded =
      scenario::load_testbed(LADDER_SOURCE_DIR "/scenarios/testbeds/loopback-kamailio.yaml");
  if (!loaded.ok()) {
    std::fprintf(stderr, "fuzz_ladder: the library's loopback-kamailio.yaml does not load\n");
    std::abort();
  }
  return *loaded.testbed;
}

std::size_t expand_all(const scenario::Template& t, const scenario::Bindings& b) {
  std::string missing;
  std::size_t h = 0;
  if (auto v = scenario::expand(t, b, scenario::Escape::none, &missing)) h += touch(*v);
  if (auto v = scenario::expand(t, b, scenario::Escape::regex, &missing)) h += touch(*v);
  return h + touch(missing);
}

std::size_t use(const scenario::Scenario& sc) {
  std::size_t h = touch(sc.name) + touch(sc.summary);
  h += touch(scenario::check_binding(sc, fixed_testbed()));
  const scenario::Bindings bindings = scenario::bindings_from(fixed_testbed());
  for (const scenario::Role& r : sc.roles) {
    h += touch(r.id) + touch(scenario::to_string(r.kind)) + sc.expects_record_route(r);
  }
  for (const scenario::Step& step : sc.steps) {
    h += touch(step.label()) + sc.find_step(step.id).value_or(0) + step.preceded_by.size() +
         step.trigger.value_or(0) + step.answers.value_or(0);
    if (step.request_uri) {
      for (const scenario::StringMatch& m : step.request_uri->match) h += expand_all(m.value, bindings);
    }
    for (const scenario::HeaderExpectation& he : step.headers) {
      for (const scenario::StringMatch& m : he.value) h += expand_all(m.value, bindings);
    }
    if (step.send) {
      for (const auto& [name, value] : step.send->headers) h += touch(name) + expand_all(value, bindings);
      if (step.send->body_text) h += expand_all(*step.send->body_text, bindings);
    }
  }
  return h;
}

std::size_t use(const scenario::Testbed& tb) {
  std::size_t h = touch(scenario::check_binding(fixed_ladder(), tb));
  const scenario::Bindings b = scenario::bindings_from(tb);
  for (const auto& [role, attrs] : b.roles) {
    for (const auto& [name, value] : attrs) h += touch(role) + touch(name) + touch(value);
  }
  const scenario::RoleMap map = scenario::RoleMap::from_testbed(tb);
  for (const scenario::TestbedRole& r : tb.roles) {
    h += touch(r.address.to_string()) + touch(map.role_of(r.address).value_or(""));
  }
  h += map.bindings().roles.size();
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  volatile std::size_t sink = 0;
  (void)fixed_ladder();  // loaded before the first input, so no input is blamed for it

  const scenario::LoadResult ladder = scenario::load_scenario_text(text, "fuzz.yaml");
  sink = sink + touch(ladder.diagnostics);
  if (ladder.ok()) sink = sink + use(*ladder.scenario);

  const scenario::TestbedResult testbed = scenario::load_testbed_text(text, "fuzz-testbed.yaml");
  sink = sink + touch(testbed.diagnostics);
  if (testbed.ok()) sink = sink + use(*testbed.testbed);
  return 0;
}
