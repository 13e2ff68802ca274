#include "sam/refused_logins.h"

#include <openssl/crypto.h>

#include "common/cancel_signal.h"
#include "crypto/digest.h"

namespace samp11 {

Bytes RefusedLogins::DigestOf(std::string_view scope, std::string_view value) {
  Digester digester(HashAlg::kSha256);
  digester.Update(reinterpret_cast<const uint8_t*>(scope.data()), scope.size());
  const uint8_t separator = 0;
  digester.Update(&separator, 1);
  digester.Update(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  return digester.Final();
}

std::optional<RefusedLogins::Repeat> RefusedLogins::Find(std::string_view scope,
                                                         std::string_view value) {
  const Bytes digest = DigestOf(scope, value);
  const int64_t now = MonotonicMillis();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    // Constant time although these are digests of refused values: a wrong PIN is still close to
    // a right one, and the compare costs nothing.
    if (CRYPTO_memcmp(it->digest.data(), digest.data(), digest.size()) != 0) continue;
    // The window runs from the last try: a value sent in a tight loop stays refused.
    if (now - it->last_millis > kWindowMillis) {
      entries_.erase(it);
      return std::nullopt;
    }
    it->last_millis = now;
    ++it->repeats;
    Repeat repeat{it->first, it->repeats, it->first_millis};
    entries_.splice(entries_.begin(), entries_, it);
    return repeat;
  }
  return std::nullopt;
}

void RefusedLogins::Remember(std::string_view scope, std::string_view value,
                             const Status& refusal) {
  const Code code = refusal.code();
  if (code != Code::kActivationInvalid && code != Code::kActivationExpired) return;
  Entry entry;
  entry.digest = DigestOf(scope, value);
  entry.first = refusal;
  entry.first_millis = entry.last_millis = MonotonicMillis();
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_front(std::move(entry));
  if (entries_.size() > kCapacity) entries_.pop_back();
}

bool IsRepeatWorthRecording(uint64_t repeats) {
  while (repeats >= 10 && repeats % 10 == 0) repeats /= 10;
  return repeats == 1;
}

}  // namespace samp11
