# Every external library aslsweep links, found the portable way so that a
# site's module, Spack or custom prefix works as well as Debian's packages.
# Each failure stops configuration with one message that names the package to
# install or the variable to set. The targets defined here (hdf5par, nifti2,
# aslsweep_blas, PkgConfig::YAML/CAIRO/GSL) are what the libraries link.

function(aslsweep_missing what debian hint)
  message(FATAL_ERROR
    "aslsweep: ${what} not found.\n"
    "  On Debian/Ubuntu: apt-get install ${debian}   (or: scripts/setup --runtime)\n"
    "  Elsewhere: ${hint}")
endfunction()

find_package(PkgConfig)
find_package(Threads REQUIRED)

find_package(MPI COMPONENTS C)
if(NOT MPI_C_FOUND)
  aslsweep_missing("MPI (C bindings)" "libopenmpi-dev openmpi-bin"
    "load your MPI module, or set MPI_HOME (or MPI_C_COMPILER=/path/to/mpicc).")
endif()

# The results cube is written by every rank at once: only a parallel HDF5
# will do. HDF5_ROOT (variable or environment) points at a private prefix.
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C HL)
if(NOT HDF5_FOUND)
  aslsweep_missing("HDF5 (C and high-level libraries)" "libhdf5-openmpi-dev"
    "load a parallel HDF5 module, or set HDF5_ROOT=/prefix/of/parallel/hdf5.")
endif()
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "aslsweep: the HDF5 found (${HDF5_INCLUDE_DIRS}) is serial; the results cube needs a parallel (MPI) HDF5.\n"
    "  On Debian/Ubuntu: apt-get install libhdf5-openmpi-dev\n"
    "  Elsewhere: set HDF5_ROOT=/prefix/of/parallel/hdf5 (built with --enable-parallel),\n"
    "  then configure in a fresh build folder (or delete CMakeCache.txt).")
endif()
add_library(hdf5par INTERFACE)
target_include_directories(hdf5par INTERFACE ${HDF5_INCLUDE_DIRS})
target_compile_definitions(hdf5par INTERFACE ${HDF5_DEFINITIONS})
target_link_libraries(hdf5par INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_LIBRARIES} MPI::MPI_C)

# BLAS: OpenBLAS unless BLA_VENDOR names another (see FindBLAS). The engine
# holds OpenBLAS to one thread through its own call; other vendors are held
# through their environment variables (docs/install.md).
if(NOT DEFINED BLA_VENDOR)
  set(BLA_VENDOR OpenBLAS CACHE STRING "BLAS vendor for FindBLAS (OpenBLAS, FlexiBLAS, Intel10_64lp_seq, ...)")
endif()
find_package(BLAS)
if(NOT BLAS_FOUND)
  aslsweep_missing("BLAS (vendor ${BLA_VENDOR})" "libopenblas-dev"
    "set BLA_VENDOR to your vendor and BLA_VENDOR's prefix in CMAKE_PREFIX_PATH.")
endif()
if(PKG_CONFIG_FOUND AND BLA_VENDOR STREQUAL "OpenBLAS")
  pkg_check_modules(PC_OPENBLAS QUIET openblas)
endif()
get_filename_component(_blas_dir "${BLAS_LIBRARIES}" DIRECTORY)
find_path(CBLAS_INCLUDE_DIR cblas.h
  HINTS ${PC_OPENBLAS_INCLUDE_DIRS} "${_blas_dir}/../include"
  PATH_SUFFIXES openblas openblas-pthread)
if(NOT CBLAS_INCLUDE_DIR)
  aslsweep_missing("cblas.h (BLAS C interface)" "libopenblas-dev"
    "set CBLAS_INCLUDE_DIR to the folder holding cblas.h.")
endif()
add_library(aslsweep_blas INTERFACE)
target_include_directories(aslsweep_blas INTERFACE ${CBLAS_INCLUDE_DIR})
target_link_libraries(aslsweep_blas INTERFACE ${BLAS_LIBRARIES})
if(BLA_VENDOR STREQUAL "OpenBLAS")
  target_compile_definitions(aslsweep_blas INTERFACE ASLSWEEP_BLAS_OPENBLAS=1)
endif()

if(NOT PKG_CONFIG_FOUND)
  aslsweep_missing("pkg-config" "pkg-config" "install pkg-config (or pkgconf) and put it on PATH.")
endif()
# pkg_check_modules REQUIRED prints only the module name; say what to install.
function(aslsweep_pkg var module debian)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${var}_FOUND)
    aslsweep_missing("${module} (pkg-config)" "${debian}"
      "add the folder holding ${module}.pc to PKG_CONFIG_PATH.")
  endif()
endfunction()
aslsweep_pkg(YAML yaml-0.1 libyaml-dev)
aslsweep_pkg(CAIRO cairo libcairo2-dev)
aslsweep_pkg(GSL gsl libgsl-dev)

find_package(ZLIB)
if(NOT ZLIB_FOUND)
  aslsweep_missing("zlib" "zlib1g-dev" "set ZLIB_ROOT to its prefix.")
endif()
# nifticlib: libnifti2 reads and writes NIfTI-1 and NIfTI-2. Debian 12's
# CMake package for it points at files under the wrong prefix, so find the
# pieces directly (NIFTI_ROOT or CMAKE_PREFIX_PATH for other prefixes).
find_path(NIFTI_INCLUDE_DIR nifti2_io.h HINTS ${NIFTI_ROOT} $ENV{NIFTI_ROOT}
  PATH_SUFFIXES include/nifti nifti)
find_library(NIFTI2_LIBRARY nifti2 HINTS ${NIFTI_ROOT} $ENV{NIFTI_ROOT} PATH_SUFFIXES lib)
find_library(ZNZ_LIBRARY znz HINTS ${NIFTI_ROOT} $ENV{NIFTI_ROOT} PATH_SUFFIXES lib)
if(NOT NIFTI_INCLUDE_DIR OR NOT NIFTI2_LIBRARY OR NOT ZNZ_LIBRARY)
  aslsweep_missing("nifticlib (nifti2_io.h, libnifti2, libznz)" "libnifti2-dev libznz-dev"
    "set NIFTI_ROOT to the nifticlib prefix.")
endif()
add_library(nifti2 INTERFACE)
target_include_directories(nifti2 INTERFACE ${NIFTI_INCLUDE_DIR})
target_link_libraries(nifti2 INTERFACE ${NIFTI2_LIBRARY} ${ZNZ_LIBRARY} ZLIB::ZLIB m)
