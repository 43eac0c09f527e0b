# Fuzzing. Every libFuzzer entry (a file defining LLVMFuzzerTestOneInput) is declared beside the
# code it tests with ladder_fuzz_target(NAME SOURCES ... LIBS ...):
# - in every build (GCC too) its committed corpus, fuzz/corpus/NAME, replays as a gtest
#   (NAME_replay), so the entry keeps compiling and every seed and past reproducer keeps passing;
# - with LADDER_FUZZ=ON (clang only) it is also a libFuzzer executable, NAME. scripts/fuzz builds
#   those, and only those, into build-fuzz.
option(LADDER_FUZZ "Build the libFuzzer targets (clang >= 16, with ASan and UBSan)" OFF)

if(LADDER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LADDER_FUZZ needs clang (GCC has no -fsanitize=fuzzer): "
                        "-DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_C_COMPILER=clang-16")
  endif()
  # Coverage and sanitizers on all of the project's code, not just the entries; the libFuzzer
  # main is linked into the fuzz executables only. UB aborts, so the fuzzer reports it as a crash.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # libstdc++ 12 hides <expected> unless __cpp_concepts >= 202002L. Clang claims that only from
  # version 19, though clang 16 already implements what <expected> needs (P0848, conditionally
  # trivial special members); so tell libstdc++ the truth. C++ only: it is a C++ macro.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wno-builtin-macro-redefined>
                        $<$<COMPILE_LANGUAGE:CXX>:-U__cpp_concepts>
                        $<$<COMPILE_LANGUAGE:CXX>:-D__cpp_concepts=202002L>)
  endif()
  add_custom_target(fuzz_targets)
endif()

set(LADDER_FUZZ_CORPORA ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus)

# ladder_fuzz_target(NAME SOURCES entry.cpp... LIBS libs...)
function(ladder_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  ladder_test(${name}_replay unit
    SOURCES ${F_SOURCES} ${LADDER_SOURCE_DIR}/fuzz/replay_test.cpp LIBS ${F_LIBS})
  target_include_directories(${name}_replay PRIVATE ${LADDER_SOURCE_DIR}/fuzz)
  target_compile_definitions(${name}_replay PRIVATE
    LADDER_FUZZ_CORPUS="${LADDER_FUZZ_CORPORA}/${name}" LADDER_FUZZ_TARGET=${name})
  if(LADDER_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_compile_definitions(${name} PRIVATE LADDER_SOURCE_DIR="${LADDER_SOURCE_DIR}")
    add_dependencies(fuzz_targets ${name})
  endif()
endfunction()
