// SADs deposited ahead of the signature they activate (`samp11 sad deposit`), found by key and
// hash when C_Sign comes without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class DepositStore {
 public:
  virtual ~DepositStore() = default;

  // kAlreadyExists if a SAD with that (kid, jti) is already deposited (a second deposit never
  // displaces the first), or if the row lists one hash twice. Atomic: all of it or nothing.
  virtual Status InsertDeposit(const DepositRow& row) = 0;
  // The SAD texts deposited for this key that bind this hash and expire at or after min_exp,
  // newest first, at most limit.
  virtual Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                        int64_t min_exp, size_t limit) = 0;
  // Removes deposits whose SAD expired before the given time; returns how many.
  virtual Result<int64_t> PurgeDeposits(int64_t sad_exp_before) = 0;
};

}  // namespace samp11
