# CPack: a Debian package of what cmake/install.cmake installs (`cpack -G DEB` in the build
# folder, or scripts/package). Included from the top-level CMakeLists.txt after install.cmake.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ladder)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SIP call flows (ladders) as executable tests")
set(CPACK_PACKAGE_DESCRIPTION
    "ladder plays the users of a SIP call flow against a device under test, captures the wire "
    "and checks the capture against the flow; it also checks any pcap.")
set(CPACK_PACKAGE_CONTACT "ladder maintainers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The shared libraries the binary links (objdump -p: NEEDED), by the Debian 12 package that holds
# each (dpkg -S), with the versions of their shlibs files. harness/cli/deb_test.cpp checks that
# every NEEDED library's package is here.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libsofia-sip-ua0 (>= 1.12.11+20110422.1+1e14eea~dfsg), libyaml-cpp0.7, \
libpcap0.8 (>= 1.10.3), libre2-9 (>= 20220601+dfsg), libcurl4 (>= 7.88.1), libstdc++6 (>= 12), \
libgcc-s1, libc6 (>= 2.36)")
# What `ladder run` can start or drive on a bench (testbeds/); none is needed for `check`.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kamailio, baresip, sip-tester")
# gzip: a few times faster than xz for a package this small, which a CI test builds.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
