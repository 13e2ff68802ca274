# Warnings are errors: a module loaded into other people's processes gets no slack.
function(samp11_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wshadow=local>)
endfunction()
