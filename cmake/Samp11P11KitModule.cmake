# Registers samp11 with p11-kit at `cmake --install`: a samp11.module file naming the installed
# library, so that p11-kit-proxy.so, GnuTLS, `p11-kit list-modules` and `p11-kit server` find it.
# The file is written at install time, so the path it names follows `--prefix` and DESTDIR.
#
# SAMP11_P11KIT_MODULE_DIR: where the file goes; relative paths are under the install prefix.
# p11-kit reads `pkg-config --variable p11_module_configs p11-kit-1` (Debian: /usr/share/p11-kit/
# modules), which the default reaches with the prefix /usr. A per-user registration is
# ~/.config/pkcs11/modules/ (ignored by p11-kit for root).
set(SAMP11_P11KIT_MODULE_DIR "${CMAKE_INSTALL_DATADIR}/p11-kit/modules" CACHE STRING
    "where cmake --install writes samp11.module (relative: under the install prefix)")

function(samp11_install_p11kit_module target)
  install(CODE "
    set(dir \"${SAMP11_P11KIT_MODULE_DIR}\")
    if(NOT IS_ABSOLUTE \"\${dir}\")
      set(dir \"\${CMAKE_INSTALL_PREFIX}/\${dir}\")
    endif()
    set(libdir \"${CMAKE_INSTALL_LIBDIR}\")
    if(NOT IS_ABSOLUTE \"\${libdir}\")
      set(libdir \"\${CMAKE_INSTALL_PREFIX}/\${libdir}\")
    endif()
    set(file \"\$ENV{DESTDIR}\${dir}/samp11.module\")
    message(STATUS \"Installing: \${file}\")
    file(WRITE \"\${file}\" \"# samp11, the Signature Activation Module (written by cmake --install)
module: \${libdir}/pkcs11/$<TARGET_SONAME_FILE_NAME:${target}>
critical: no
\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${file}\")
  ")
endfunction()
