// Certificates of the signing keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class CertStore {
 public:
  virtual ~CertStore() = default;

  // Fills row.handle (> 0, never reused). kNotFound if no key has row.key_id (a destroyed key
  // keeps its id).
  virtual Status InsertCert(CertRow& row) = 0;
  virtual Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) = 0;
  virtual Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) = 0;  // by handle
  // Pages as the key listings do (handle > after, ascending, at most limit).
  virtual Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                        size_t limit) = 0;
  virtual Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) = 0;
};

}  // namespace samp11
