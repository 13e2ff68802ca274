// A QR code drawn on a terminal with Unicode half blocks (two rows of modules per line), for an
// authenticator app to scan an otpauth:// URI (`samp11 signer set-totp`). libqrencode makes the
// symbol.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace samp11::cli {

// The text to print: one line per two rows of modules, with a quiet zone of 2 modules around.
// Light modules are drawn as blocks and dark ones as spaces, as `qrencode -t UTF8` does: on a
// terminal with a dark background the code then shows dark on light, as scanners expect.
Result<std::string> QrTerminalText(std::string_view text);

}  // namespace samp11::cli
