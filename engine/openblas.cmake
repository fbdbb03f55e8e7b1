# OpenBLAS for an engine-only build (ASLSWEEP_ENGINE_ONLY): pkg-config when
# it finds openblas, otherwise cblas.h and libopenblas under
# CMAKE_PREFIX_PATH (e.g. Debian packages unpacked into a private prefix,
# bench/gpu/device_check.sh). Either way the target is PkgConfig::OPENBLAS.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)
endif()
if(NOT TARGET PkgConfig::OPENBLAS)
  # Suffixes below <prefix>/include and <prefix>/lib[/<arch>]: Debian keeps
  # the pthread flavour in its own folders.
  find_path(OPENBLAS_INCLUDE_DIR cblas.h
            PATH_SUFFIXES x86_64-linux-gnu/openblas-pthread
                          aarch64-linux-gnu/openblas-pthread openblas-pthread openblas)
  find_library(OPENBLAS_LIBRARY NAMES openblas
               PATH_SUFFIXES openblas-pthread x86_64-linux-gnu/openblas-pthread
                             aarch64-linux-gnu/openblas-pthread)
  if(NOT OPENBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
    message(FATAL_ERROR "OpenBLAS not found: install libopenblas-dev, or set "
            "CMAKE_PREFIX_PATH to a prefix holding include/.../cblas.h and "
            "lib/.../libopenblas.so (bench/gpu/fetch_debs.sh makes one)")
  endif()
  add_library(PkgConfig::OPENBLAS INTERFACE IMPORTED)
  target_include_directories(PkgConfig::OPENBLAS INTERFACE ${OPENBLAS_INCLUDE_DIR})
  target_link_libraries(PkgConfig::OPENBLAS INTERFACE ${OPENBLAS_LIBRARY} m)
endif()
message(STATUS "OpenBLAS for the engine: ${OPENBLAS_LINK_LIBRARIES}${OPENBLAS_LIBRARY}")
