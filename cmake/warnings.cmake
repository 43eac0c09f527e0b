# Warnings for the project's own code only (third-party headers come in as SYSTEM).
add_library(ladder_warnings INTERFACE)
target_compile_options(ladder_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wimplicit-fallthrough)
# Not -Wnull-dereference: GCC 12 reports false positives inside libstdc++ and CLI11 at -O2.
if(LADDER_WERROR)
  target_compile_options(ladder_warnings INTERFACE -Werror)
endif()
