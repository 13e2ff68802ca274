# Every dependency comes from Debian 12's archive (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto SSL)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(PkgConfig REQUIRED)
# p11-kit ships the pkcs11.h we compile the ABI against.
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
# The PostgreSQL state of several signing nodes (state/postgres/).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# The QR code `samp11 signer set-totp` draws for an authenticator app (the CLI only).
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
if(SAMP11_BUILD_TESTS)
  find_package(doctest 2.4 REQUIRED)
endif()
