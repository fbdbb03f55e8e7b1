# `cpack -G DEB` from the build tree: a Debian package of the install tree
# under /usr. Its Depends come from the shared libraries the binary really
# links (dpkg-shlibdeps), so a site's other MPI or BLAS gives other Depends.
set(CPACK_PACKAGE_NAME aslsweep)
set(CPACK_PACKAGE_VENDOR "aslsweep")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deep-learning denoising ablation studies for ASL MRI")
set(CPACK_PACKAGE_DESCRIPTION "aslsweep expands a YAML sweep spec into training and inference jobs, \
runs them under MPI with its own deep-learning engine, collects every result in one \
parallel-HDF5 cube and turns it into ablation tables, statistics and plots.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "aslsweep maintainers <aslsweep@localhost>")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# mpirun is not a linked library; the phantom's anatomy comes from
# mricron-data's templates (not needed for sweeps over real BIDS data); man
# and the completions are optional.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin | mpi-default-bin")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mricron-data, man-db, bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lmod | environment-modules, slurm-client")
include(CPack)
