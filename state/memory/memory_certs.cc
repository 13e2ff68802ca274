// Certificates of the signing keys: few per key, so lookups other than by handle scan them.
#include <limits>
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

// Certificates with handle > after that match, by handle, at most limit.
template <typename Match>
std::vector<CertRow> CertsWhere(const std::map<int64_t, CertRow>& certs, int64_t after,
                                size_t limit, Match match) {
  std::vector<CertRow> rows;
  for (auto it = certs.upper_bound(after); it != certs.end() && rows.size() < limit; ++it) {
    if (match(it->second)) rows.push_back(it->second);
  }
  return rows;
}

}  // namespace

Status MemoryCertStore::InsertCert(CertRow& row) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  if (tables.key_by_id.count(row.key_id) == 0) {
    return Status(Code::kNotFound, "no key " + HexEncode(row.key_id) + " for the certificate");
  }
  CertRow stored = row;
  stored.handle = ++tables.last_cert_handle;
  tables.certs.emplace(stored.handle, stored);
  row.handle = stored.handle;
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<CertRow>> MemoryCertStore::FindCertByHandle(int64_t handle) {
  auto lock = c_.Lock();
  auto found = c_.tables().certs.find(handle);
  if (found == c_.tables().certs.end()) return std::optional<CertRow>();
  return std::optional<CertRow>(found->second);
}

Result<std::vector<CertRow>> MemoryCertStore::FindCertsByKeyId(const Bytes& key_id) {
  auto lock = c_.Lock();
  return CertsWhere(c_.tables().certs, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<size_t>::max(),
                    [&](const CertRow& row) { return row.key_id == key_id; });
}

Result<std::vector<CertRow>> MemoryCertStore::FindCertsByLabel(std::string_view label,
                                                               int64_t after, size_t limit) {
  auto lock = c_.Lock();
  return CertsWhere(c_.tables().certs, after, limit,
                    [&](const CertRow& row) { return row.label == label; });
}

Result<std::vector<CertRow>> MemoryCertStore::ListCerts(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  return CertsWhere(c_.tables().certs, after, limit, [](const CertRow&) { return true; });
}

}  // namespace samp11
