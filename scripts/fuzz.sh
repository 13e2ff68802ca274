#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, -fsanitize=fuzzer,address,undefined) into
# build-fuzz (or SAMP11_FUZZ_BUILD) and runs each for SECONDS (default 30), starting from
# tests/fuzz/corpus/<target>. A crash, leak, timeout or sanitizer report fails the script and
# leaves the input in BUILD/artifacts/. What the fuzzer adds to the corpus stays in
# BUILD/corpus/, not in the seed corpus under git.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=(fuzz_sad fuzz_config fuzz_digestinfo fuzz_pkcs11)
scripts/install-deps.sh

# SAMP11_FUZZ_BUILD names another build folder configured the same way (scripts/test-sanitizers.sh
# shares its ASan build with the fuzzers, so CI compiles the code once for both).
build=${SAMP11_FUZZ_BUILD:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMP11_FUZZ=ON \
  >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  log=$build/$t.log
  # -timeout: one input taking 25 s is a hang, reported like a crash.
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$t-" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 \
      && ! grep -qE '^(==[0-9]+==ERROR|SUMMARY: )|runtime error:' "$log"; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $t ok, ${execs:-?} execs in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs"
  else
    echo "fuzz: $t FAILED (log: $log)"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20 || true
    status=1
  fi
done
exit $status
