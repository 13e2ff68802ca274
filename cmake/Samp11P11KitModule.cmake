# Registers samp11 with p11-kit at `cmake --install`: a samp11.module file naming the installed
# library, so that p11-kit-proxy.so, GnuTLS, `p11-kit list-modules` and `p11-kit server` find it.
# The file is written at install time, so the path it names follows `--prefix` and DESTDIR.
#
# Where it goes, unless SAMP11_P11KIT_MODULE_DIR says (relative: under the install prefix):
# - prefix /usr (a package): p11-kit's own module directory, `pkg-config --variable
#   p11_module_configs p11-kit-1` (Debian: /usr/share/p11-kit/modules);
# - prefix /usr/local (the default, `sudo cmake --install build`): p11-kit's system configuration
#   directory, /etc/pkcs11/modules, since p11-kit reads nothing under /usr/local;
# - any other prefix: PREFIX/share/p11-kit/modules, and the install says that p11-kit does not
#   read it there and how to register it (a per-user registration is ~/.config/pkcs11/modules/,
#   ignored by p11-kit for root).
set(SAMP11_P11KIT_MODULE_DIR "" CACHE STRING
    "where cmake --install writes samp11.module (relative: under the prefix; empty: by prefix)")
# A package that runs samp11 as a service (debian/) registers the service's socket instead of the
# library: p11-kit then forwards each consumer's calls to `p11-kit server` (a `remote:` module,
# p11-kit's pkcs11.conf(5)), and the module, its keys and its keystore never enter the consumer's
# process. Empty (the default): the library itself, loaded into each consumer.
set(SAMP11_P11KIT_MODULE_REMOTE "" CACHE STRING
    "a p11-kit remote address (unix:path=...) for samp11.module to name instead of the library")
# p11-kit reads module files from its own directory and from SYSCONFDIR/pkcs11/modules (its
# p11_system_config_modules variable names the former on Debian, for packages: not used here).
pkg_get_variable(samp11_p11kit_module_configs p11-kit-1 p11_module_configs)
pkg_get_variable(samp11_p11kit_sysconfdir p11-kit-1 sysconfdir)
if(NOT samp11_p11kit_module_configs)
  set(samp11_p11kit_module_configs "/usr/share/p11-kit/modules")
endif()
if(NOT samp11_p11kit_sysconfdir)
  set(samp11_p11kit_sysconfdir "/etc")
endif()
set(samp11_p11kit_system_modules "${samp11_p11kit_sysconfdir}/pkcs11/modules")

function(samp11_install_p11kit_module target)
  install(CODE "
    set(dir \"${SAMP11_P11KIT_MODULE_DIR}\")
    if(dir STREQUAL \"\")
      if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
        set(dir \"${samp11_p11kit_module_configs}\")
      elseif(CMAKE_INSTALL_PREFIX STREQUAL \"/usr/local\")
        set(dir \"${samp11_p11kit_system_modules}\")
      else()
        set(dir \"share/p11-kit/modules\")
      endif()
    endif()
    if(NOT IS_ABSOLUTE \"\${dir}\")
      set(dir \"\${CMAKE_INSTALL_PREFIX}/\${dir}\")
    endif()
    set(libdir \"${CMAKE_INSTALL_LIBDIR}\")
    if(NOT IS_ABSOLUTE \"\${libdir}\")
      set(libdir \"\${CMAKE_INSTALL_PREFIX}/\${libdir}\")
    endif()
    set(file \"\$ENV{DESTDIR}\${dir}/samp11.module\")
    message(STATUS \"Installing: \${file}\")
    set(remote \"${SAMP11_P11KIT_MODULE_REMOTE}\")
    if(remote STREQUAL \"\")
      set(where \"module: \${libdir}/pkcs11/$<TARGET_SONAME_FILE_NAME:${target}>\")
    else()
      set(where \"# the samp11 service (p11-kit server), reached over its socket\nremote: \${remote}\")
    endif()
    file(WRITE \"\${file}\" \"# samp11, the Signature Activation Module (written by cmake --install)
\${where}
critical: no
\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${file}\")
    if(NOT dir STREQUAL \"${samp11_p11kit_module_configs}\" AND
       NOT dir STREQUAL \"${samp11_p11kit_system_modules}\")
      message(STATUS \"samp11: p11-kit does not read \${dir}: to register samp11 for everyone, \"
                     \"copy samp11.module to ${samp11_p11kit_system_modules}/ (or for one user \"
                     \"to ~/.config/pkcs11/modules/), or install with --prefix /usr or /usr/local\")
    endif()
  ")
endfunction()
