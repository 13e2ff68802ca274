// A temporary folder for a test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace samp11::testing {

class TempFolder {
 public:
  TempFolder() {
    char tmpl[] = "/tmp/samp11-test-XXXXXX";
    char* made = ::mkdtemp(tmpl);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  virtual ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace samp11::testing
