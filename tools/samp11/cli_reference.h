// The command line described from its own CLI11 tree, so that the manual page and the shell
// completion never drift from what the parser accepts: `samp11 --man-page` prints samp11(1) in
// roff, `samp11 --bash-completion` prints a bash completion script. The build runs both
// (CMakeLists.txt) and installs what they print; they are not in --help.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace samp11::cli {

std::string ManPage(const CLI::App& app, const std::string& version,
                    const std::string& exit_status);
std::string BashCompletion(const CLI::App& app);

}  // namespace samp11::cli
