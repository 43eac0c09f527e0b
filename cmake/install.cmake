# `cmake --install`: the binary, the ladder library, the testbed examples, the README and the
# CMake package (find_package(ladder) -> ladder::ladder and ladder_add_tests()).
# Included from the top-level CMakeLists.txt after the targets exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Relative to the prefix, so an installed (or unpacked) tree can live anywhere; `ladder list`
# finds share/ladder/scenarios from its own path (cli/list.cpp).
set(LADDER_INSTALL_SCENARIOS "${CMAKE_INSTALL_DATADIR}/ladder/scenarios")
set(LADDER_INSTALL_TESTBEDS "${CMAKE_INSTALL_DATADIR}/ladder/testbeds")
# lib/cmake, not the multiarch libdir: the package holds no library, only an executable.
set(LADDER_INSTALL_CMAKE "lib/cmake/ladder")

install(TARGETS ladder EXPORT ladderTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY scenarios/ DESTINATION ${LADDER_INSTALL_SCENARIOS})
install(DIRECTORY testbeds/ DESTINATION ${LADDER_INSTALL_TESTBEDS})
# The example testbed files beside the reference components' configs.
install(DIRECTORY scenarios/testbeds/ DESTINATION ${LADDER_INSTALL_TESTBEDS}
        FILES_MATCHING PATTERN "*.yaml")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(EXPORT ladderTargets NAMESPACE ladder:: DESTINATION ${LADDER_INSTALL_CMAKE})
configure_package_config_file(cmake/ladderConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ladderConfig.cmake
  INSTALL_DESTINATION ${LADDER_INSTALL_CMAKE}
  PATH_VARS LADDER_INSTALL_SCENARIOS LADDER_INSTALL_TESTBEDS)
# An executable and data: any architecture's project may use it.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ladderConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ladderConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ladderConfigVersion.cmake
              cmake/ladderAddTests.cmake
        DESTINATION ${LADDER_INSTALL_CMAKE})
