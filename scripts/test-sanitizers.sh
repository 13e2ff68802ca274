#!/usr/bin/env bash
# The tests again under sanitizers, then the fuzzers; scripts/test.sh runs this after the plain
# suite. Any sanitizer report fails it (halt_on_error, -fno-sanitize-recover=all).
#   build-asan (clang): AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer, built with
#     SAMP11_FUZZ=ON so that the same objects also make the libFuzzer targets: every CTest test
#     that runs only programs we build (unit_*, module_tests, sign_with_sad, crash_signer, the
#     samp11 CLI), then scripts/fuzz.sh on that build (FUZZ_SECONDS each, default 20).
#     Skipped here: the tests that load the module into other programs (pkcs11-tool, OpenSSL's
#     libp11 engine, python3/PyKCS11, the consumer_* tests of every consumer, the demo,
#     lifecycle_cli, rotate_crash, backup_restore, postgres_nodes and migrate_cli, which use
#     pkcs11-tool): the ASan runtime must be the first library of a process, and
#     preloading it into those programs turns their own leaks at exit into failures that are
#     not ours; and crash_safety, whose 200 SIGKILLs
#     test durability, not memory (under ASan it takes three minutes), nor postgres_race and
#     postgres_race_kill, three nodes of 8 threads racing on PostgreSQL (one SIGKILLed), which
#     test the database's exactly-once, not memory. scripts/test.sh runs them against the
#     normal build.
#   build-tsan (gcc): ThreadSanitizer on the tests that run threads.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
# Each phase says when it starts (seconds since this script began), so a slow CI run shows where.
say() { echo "test-sanitizers: $* [${SECONDS}s]"; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

build() {  # build DIR SANITIZERS [TARGET...]
  local dir=$1 sanitizers=$2
  shift 2
  CC=gcc CXX=g++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSAMP11_SANITIZE="$sanitizers" >/dev/null
  local targets=()
  [ $# -eq 0 ] || targets=(--target "$@")
  cmake --build "$dir" -j"$jobs" "${targets[@]}" >/dev/null
}

external='^(consumer_.*|pkcs11_tool|otp_totp|otp_ocra|postgres_nodes|postgres_roles|postgres_race|postgres_race_kill|migrate_cli|softhsm_backend_cli|rollback_cli_pkcs11|lifecycle_cli|rotate_crash|backup_restore|libp11_engine_deposit|pykcs11_deposit|csc_tokens|signer_request|demo|quickstart|crash_safety|debian_package)$'
say "build-asan (clang; address,undefined and fuzzer coverage)"
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMP11_FUZZ=ON \
  >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
# The SAM and module suites on PostgreSQL (unit_sam_postgres, module_tests_postgres) stay with the
# plain suite; the PostgreSQL state runs under ASan in unit_postgres.
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 \
  -E "$external|^module_tests(_pkcs11|_postgres)?\$|^unit_(sam|fault)_pkcs11\$|^unit_sam_postgres\$|^bench_smoke\$")
say "ASan: the tests that load SoftHSM"
# The tests that load SoftHSM (the pkcs11 key backend's inner token: module_tests has cases that
# always do, and it, unit_sam and unit_fault run again with every key in it; bench_smoke has a
# SoftHSM peer and keys in SoftHSM behind samp11). SoftHSM leaks in its own code
# (tests/lsan_softhsm.supp); the suppression names its library, which only the slow unwinder
# reaches (libcrypto, in between, has no frame pointers), so these runs take it.
softhsm_env=("ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0"
  "LSAN_OPTIONS=suppressions=$PWD/tests/lsan_softhsm.supp")
(cd build-asan && env "${softhsm_env[@]}" ctest --output-on-failure --timeout 900 -R '^bench_smoke$')
# module_tests with the keys in the file: its "pkcs11 backend:" cases (the only ones that load
# SoftHSM) run in the pkcs11 run below, so this one keeps the fast unwinder (half the time).
build-asan/tests/integration/module_tests -tce='pkcs11 backend:*'
env "${softhsm_env[@]}" SAMP11_TEST_KEY_BACKEND=pkcs11 build-asan/tests/unit/unit_sam
env "${softhsm_env[@]}" SAMP11_TEST_KEY_BACKEND=pkcs11 build-asan/tests/unit/unit_fault
env "${softhsm_env[@]}" SAMP11_TEST_KEY_BACKEND=pkcs11 build-asan/tests/integration/module_tests

say "fuzzers on build-asan"
SAMP11_FUZZ_BUILD=build-asan scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

say "build-tsan (thread)"
build build-tsan thread module_tests unit_keystore unit_hsm unit_sam unit_state
say "TSan: the threaded cases"
# The concurrency cases only: everything else is single-threaded and already ran under ASan.
build-tsan/tests/integration/module_tests -tc='*threads*'
build-tsan/tests/unit/unit_keystore -tc='*concurrent*,*threads*,checkpointer*'
# The signature journal: its background folder, several threads and processes on one journal.
build-tsan/tests/unit/unit_state -tc='*threads*,journal:*'
build-tsan/tests/unit/unit_hsm -tc='*threads*'
build-tsan/tests/unit/unit_sam -tc='*concurrent*'
say "TSan: with the keys in SoftHSM"
# Again with the keys in SoftHSM: the inner token's session pool signs with no lock around it.
SAMP11_TEST_KEY_BACKEND=pkcs11 build-tsan/tests/integration/module_tests -tc='*threads*'
SAMP11_TEST_KEY_BACKEND=pkcs11 build-tsan/tests/unit/unit_sam -tc='*concurrent*'
say "done"
