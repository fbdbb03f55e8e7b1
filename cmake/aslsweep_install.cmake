# Install layout (cmake --install build --prefix P), relocatable: the binary
# carries no path of the build tree, and the modulefiles find P from their
# own location, so a copied P runs as well as the original.
#   P/bin/aslsweep
#   P/share/aslsweep/examples/        sweep specs
#   P/share/doc/aslsweep/             README and docs/
#   P/share/man/man1/                 aslsweep.1, aslsweep-COMMAND.1
#   P/share/bash-completion/completions/aslsweep
#   P/share/zsh/site-functions/_aslsweep
#   P/share/modulefiles/aslsweep/     VERSION (Tcl) and VERSION.lua (Lmod)
include(GNUInstallDirs)

# Source paths in assertion messages are written relative to the source tree.
add_compile_options(-ffile-prefix-map=${PROJECT_SOURCE_DIR}/= -fdebug-prefix-map=${PROJECT_BINARY_DIR}=.)
# Libraries from a private prefix (HDF5_ROOT, a module's MPI or BLAS) stay
# found after install through RUNPATH; folders under /usr are the system's
# own and the dynamic loader finds them by soname, so they are left out.
set(_rpath "")
foreach(_lib IN LISTS HDF5_LIBRARIES HDF5_HL_LIBRARIES MPI_C_LIBRARIES BLAS_LIBRARIES
                      NIFTI2_LIBRARY ZNZ_LIBRARY)
  if(IS_ABSOLUTE "${_lib}")
    get_filename_component(_dir "${_lib}" DIRECTORY)
    if(NOT _dir MATCHES "^/usr/")
      list(APPEND _rpath "${_dir}")
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES _rpath)
set(CMAKE_INSTALL_RPATH "${_rpath}")

# Called from the top level once the aslsweep target exists.
function(aslsweep_install_rules)
  install(TARGETS aslsweep RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/aslsweep/examples
    FILES_MATCHING PATTERN "*.yaml")
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
    FILES_MATCHING PATTERN "*.md")

  # Man pages and completions come from the built binary's --help and
  # docs/spec.md, regenerated whenever either changes.
  set(gen ${PROJECT_BINARY_DIR}/share)
  add_custom_command(OUTPUT ${gen}/man/man1/aslsweep.1
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:aslsweep> -DSPEC_MD=${PROJECT_SOURCE_DIR}/docs/spec.md
            -DOUT=${gen} -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/aslsweep_shelldocs.cmake
    DEPENDS aslsweep ${PROJECT_SOURCE_DIR}/docs/spec.md ${PROJECT_SOURCE_DIR}/cmake/aslsweep_shelldocs.cmake
    COMMENT "aslsweep: man pages and shell completion from --help")
  add_custom_target(aslsweep_shelldocs ALL DEPENDS ${gen}/man/man1/aslsweep.1)
  install(DIRECTORY ${gen}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR})
  install(FILES ${gen}/bash-completion/completions/aslsweep
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${gen}/zsh/site-functions/_aslsweep DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)

  set(mod ${PROJECT_BINARY_DIR}/share/modulefiles/aslsweep)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/modulefile.lua.in ${mod}/${PROJECT_VERSION}.lua @ONLY)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/modulefile.tcl.in ${mod}/${PROJECT_VERSION} @ONLY)
  install(FILES ${mod}/${PROJECT_VERSION}.lua ${mod}/${PROJECT_VERSION}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/modulefiles/aslsweep)
endfunction()
