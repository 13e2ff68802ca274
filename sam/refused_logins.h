// Login values refused moments ago. NSS answers CKR_PIN_INCORRECT by asking its application for
// the value again, and pdfsig's callback hands back the same value for ever (92,058 C_Login calls
// in 15 s were measured): verifying it again, and writing an audit record with an fsync each
// time, would make a busy loop of the module. So a value refused by verification is remembered
// for a short window, by its SHA-256 digest (never the value itself) and the kind of login: the
// same value again within the window is refused at once, without verification or audit record,
// with kCancelled (CKR_FUNCTION_CANCELED), which NSS does not retry; repeats are counted.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

class RefusedLogins {
 public:
  static constexpr int64_t kWindowMillis = 10000;
  static constexpr size_t kCapacity = 64;  // least recently refused values are forgotten first

  struct Repeat {
    Status first;          // the refusal the value got when it was verified
    uint64_t repeats;      // this repeat included
    int64_t first_millis;  // when it was refused (monotonic)
  };

  // Counts and returns the repeat if scope+value was refused within the window.
  std::optional<Repeat> Find(std::string_view scope, std::string_view value);
  // Remembers a refusal worth remembering: one that verification decided (an invalid or expired
  // SAD, a wrong PIN), not a fault that may pass (storage, a device).
  void Remember(std::string_view scope, std::string_view value, const Status& refusal);

 private:
  struct Entry {
    Bytes digest;
    Status first;
    int64_t first_millis = 0;
    int64_t last_millis = 0;
    uint64_t repeats = 0;
  };
  static Bytes DigestOf(std::string_view scope, std::string_view value);

  std::mutex mu_;
  std::list<Entry> entries_;  // most recent first; at most kCapacity
};

// True at the repeat counts worth an audit record and a log line: 1, 10, 100, ...
bool IsRepeatWorthRecording(uint64_t repeats);

}  // namespace samp11
