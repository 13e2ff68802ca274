#include "tools/samp11/qr_terminal.h"

#include <qrencode.h>

#include <memory>

namespace samp11::cli {

Result<std::string> QrTerminalText(std::string_view text) {
  const std::string input(text);
  // Level M (15% of the symbol recoverable), the usual choice for otpauth URIs.
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, /*casesensitive=*/1),
      &QRcode_free);
  if (!code) return Status(Code::kInternal, "the QR code could not be made (text too long?)");
  constexpr int kQuiet = 2;
  const int width = code->width;
  const int size = width + 2 * kQuiet;
  // Bit 0 of each module is dark.
  auto dark = [&](int row, int column) {
    row -= kQuiet;
    column -= kQuiet;
    if (row < 0 || column < 0 || row >= width || column >= width) return false;
    return (code->data[row * width + column] & 1) != 0;
  };
  std::string out;
  for (int row = 0; row < size; row += 2) {
    for (int column = 0; column < size; ++column) {
      const bool top_light = !dark(row, column);
      const bool bottom_light = row + 1 < size ? !dark(row + 1, column) : false;
      if (top_light && bottom_light) {
        out += "\u2588";  // full block
      } else if (top_light) {
        out += "\u2580";  // upper half block
      } else if (bottom_light) {
        out += "\u2584";  // lower half block
      } else {
        out += " ";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace samp11::cli
