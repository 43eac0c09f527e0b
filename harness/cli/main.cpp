// ladder: SIP call-flow conformance harness. The only place that decides the exit status.
#include <cstdio>
#include <exception>
#include <map>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"ladder: SIP call flows (ladders) as executable tests"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ladder " LADDER_VERSION);  // the project's, as packaged

  std::map<CLI::App*, ladder::cli::Runner> runners;
  auto remember = [&](ladder::cli::Runner r) { runners[app.get_subcommands({}).back()] = r; };
  remember(ladder::cli::add_show(app));
  remember(ladder::cli::add_check(app));
  remember(ladder::cli::add_validate(app));
  remember(ladder::cli::add_list(app));
  remember(ladder::cli::add_run(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return ladder::cli::bad_input;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) {
      try {
        return run();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ladder %s: internal error: %s\n", sub->get_name().c_str(), e.what());
        return ladder::cli::environment;
      }
    }
  }
  return ladder::cli::bad_input;
}
