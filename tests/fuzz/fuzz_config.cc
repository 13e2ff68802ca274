// ParseConfig on arbitrary text: the module reads its configuration from a file an operator
// edits, so malformed JSON and wrong member types must be refused, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  samp11::Result<samp11::ModuleConfig> config = samp11::ParseConfig(text, "/fuzz");
  if (config.ok()) {
    // What parses must serialize and parse again: SaveConfig writes exactly this text.
    samp11::Result<samp11::ModuleConfig> again =
        samp11::ParseConfig(samp11::ConfigToJson(*config), "/fuzz");
    (void)again;
  }
  return 0;
}
