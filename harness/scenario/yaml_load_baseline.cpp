// yaml_load_baseline FILE: loads a YAML file with bare yaml-cpp and prints "steps=N" (the length
// of its top-level `steps:`). scripts/bench-validate compares `ladder validate` against this
// floor: whatever validation costs beyond it is ours.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: yaml_load_baseline FILE\n");
    return 2;
  }
  try {
    YAML::Node root = YAML::LoadFile(argv[1]);
    std::printf("steps=%zu\n", root["steps"] ? root["steps"].size() : std::size_t{0});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}
