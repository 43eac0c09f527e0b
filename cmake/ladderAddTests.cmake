# ladder_add_tests(): each ladder file of a folder as one CTest test.
#
#   find_package(ladder REQUIRED)
#   ladder_add_tests(DIRECTORY scenarios/phone TESTBED bench.yaml
#                    [TAGS tag...]            # only ladders with any of these tags
#                    [RESOURCE_LOCK name]     # tests that hold one scarce device (a bench phone)
#                    [PREFIX p]               # test names: p<path in DIRECTORY without .yaml>
#                    [LABELS label...]        # more labels for every test
#                    [TIMEOUT seconds]        # per test (default 300)
#                    [ARGS arg...])           # more `ladder run` arguments (--step-timeout 2)
#
# Each test runs `ladder run FILE --testbed TESTBED --out <build dir>/ladder-runs/<test name>`,
# so a failed test leaves its capture and reports there (the test name, unique, keeps two calls
# on one folder from sharing a run directory). Its LABELS are `ladder` and the ladder's
# tags (`ctest -L hold`). Tags are read at configure time with `ladder list --format cmake`;
# the ladder files are configure dependencies, so editing tags or adding a ladder re-runs CMake
# on the next build (`ctest` alone does not).
#
# A testbed that holds a scarce device: give RESOURCE_LOCK with a name for that device, the
# same name in every call that uses it (e.g. the testbed's file name, or the phone's name when
# several testbeds drive one phone). CTest then never runs two of those tests at once, even with
# `ctest -j`, and needs no resource spec file. (CTest's RESOURCE_GROUPS are not used: without
# `--resource-spec-file` CTest ignores them and would drive one phone from two tests at once.)
# Testbeds whose roles are all played by the harness on ephemeral ports need no lock.
include_guard(GLOBAL)

function(ladder_add_tests)
  cmake_parse_arguments(PARSE_ARGV 0 LT "" "DIRECTORY;TESTBED;RESOURCE_LOCK;PREFIX;TIMEOUT"
                        "TAGS;LABELS;ARGS")
  if(LT_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ladder_add_tests: unknown arguments: ${LT_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT LT_DIRECTORY OR NOT LT_TESTBED)
    message(FATAL_ERROR "ladder_add_tests: DIRECTORY and TESTBED are required")
  endif()
  if(NOT TARGET ladder::ladder)
    message(FATAL_ERROR "ladder_add_tests: no ladder::ladder target: call find_package(ladder)")
  endif()
  if(NOT DEFINED LT_PREFIX)
    set(LT_PREFIX "ladder/")
  endif()
  if(NOT LT_TIMEOUT)
    set(LT_TIMEOUT 300)
  endif()
  cmake_path(ABSOLUTE_PATH LT_DIRECTORY BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
  cmake_path(ABSOLUTE_PATH LT_TESTBED BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
  if(NOT IS_DIRECTORY "${LT_DIRECTORY}")
    message(FATAL_ERROR "ladder_add_tests: ${LT_DIRECTORY} is not a folder")
  endif()
  if(NOT EXISTS "${LT_TESTBED}")
    message(FATAL_ERROR "ladder_add_tests: testbed ${LT_TESTBED} not found")
  endif()

  # Re-run CMake when a ladder is added, removed or edited (its tags may have changed).
  file(GLOB_RECURSE ladder_files CONFIGURE_DEPENDS "${LT_DIRECTORY}/*.yaml"
       "${LT_DIRECTORY}/*.yml")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ladder_files})

  get_target_property(ladder_exe ladder::ladder LOCATION)
  string(MD5 key "${LT_DIRECTORY}")
  set(listing "${CMAKE_CURRENT_BINARY_DIR}/ladder-list-${key}.cmake")
  execute_process(COMMAND "${ladder_exe}" list "${LT_DIRECTORY}" --format cmake
                  OUTPUT_FILE "${listing}" ERROR_VARIABLE errors RESULT_VARIABLE status)
  # 2: some ladder does not load; it is still added and its test fails with the error.
  if(NOT status EQUAL 0 AND NOT status EQUAL 2)
    message(FATAL_ERROR "ladder_add_tests: `ladder list ${LT_DIRECTORY}` failed (${status}):\n"
                        "${errors}")
  endif()
  if(errors)
    message(WARNING "ladder_add_tests: ${errors}")
  endif()
  include("${listing}")

  set(added 0)
  if(LADDER_LIST_COUNT GREATER 0)
    math(EXPR last "${LADDER_LIST_COUNT} - 1")
    foreach(i RANGE ${last})
      set(tags "${LADDER_LIST_${i}_TAGS}")
      if(LT_TAGS AND LADDER_LIST_${i}_VALID)
        set(wanted FALSE)
        foreach(t IN LISTS LT_TAGS)
          if(t IN_LIST tags)
            set(wanted TRUE)
          endif()
        endforeach()
        if(NOT wanted)
          continue()
        endif()
      endif()
      set(relative "${LADDER_LIST_${i}_RELATIVE}")
      string(REGEX REPLACE "\\.ya?ml$" "" stem "${relative}")
      set(name "${LT_PREFIX}${stem}")
      add_test(NAME "${name}"
               COMMAND ladder::ladder run "${LADDER_LIST_${i}_FILE}" --testbed "${LT_TESTBED}"
                       --out "${CMAKE_CURRENT_BINARY_DIR}/ladder-runs/${name}" ${LT_ARGS})
      set(labels ladder ${tags} ${LT_LABELS})
      set_tests_properties("${name}" PROPERTIES LABELS "${labels}" TIMEOUT ${LT_TIMEOUT})
      if(LT_RESOURCE_LOCK)
        set_tests_properties("${name}" PROPERTIES RESOURCE_LOCK "${LT_RESOURCE_LOCK}")
      endif()
      math(EXPR added "${added} + 1")
    endforeach()
  endif()
  if(added EQUAL 0)
    message(WARNING "ladder_add_tests: no ladder under ${LT_DIRECTORY} was added"
                    " (TAGS: ${LT_TAGS})")
  endif()
endfunction()
