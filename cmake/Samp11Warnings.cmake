# Warnings are errors: a module loaded into other people's processes gets no slack.
# -Wshadow=local is GCC's spelling; clang (the fuzzing build) does not know it.
function(samp11_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wshadow=local>)
endfunction()
