# Sanitizer and fuzzing builds. Flags go on every target (libraries, the shared module, tools,
# tests) because a sanitizer only sees what was compiled with it, and ASan/TSan need the whole
# process instrumented alike.
set(SAMP11_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined or thread")
option(SAMP11_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

set(samp11_sanitizers "${SAMP11_SANITIZE}")
if(SAMP11_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SAMP11_FUZZ needs clang (libFuzzer): configure with CXX=clang++ CC=clang")
  endif()
  if(NOT samp11_sanitizers)
    set(samp11_sanitizers "address,undefined")
  endif()
  # Coverage instrumentation everywhere; only the fuzzer executables link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(samp11_sanitizers)
  # -O1 -g1: line tables are all a sanitizer report needs, and these builds compile everything a
  # second and third time in CI (gcc's TSan build takes half the time it takes at -O2 -g).
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
  set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG")
  # Frame pointers give whole stacks in reports; no recovery so a UBSan finding fails the test
  # instead of scrolling past.
  add_compile_options(-fsanitize=${samp11_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${samp11_sanitizers})
  if(samp11_sanitizers MATCHES "address|thread")
    # The module is linked with -Wl,--no-undefined, but the ASan/TSan runtime is deliberately
    # not linked into shared objects: it comes from the executable (or LD_PRELOAD).
    set(SAMP11_ALLOW_UNDEFINED_RUNTIME ON)
  endif()
endif()
