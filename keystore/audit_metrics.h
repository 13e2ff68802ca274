// `samp11 metrics`: what the token did, counted from its audit log, so that the work of every
// process on the token counts (the module runs in many processes; none of them could export its
// own counters whole). Written in the Prometheus text exposition format (0.0.4), for
// node_exporter's textfile collector. Records are read as they are, not checked: `samp11 audit
// verify` is the check.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "keystore/audit.h"
#include "keystore/audit_log.h"

namespace samp11 {

// A sign record's detail, taken apart (its form: docs/keystore.md, "Audit log"):
//   [code: reason; ]via ACTIVATION; mechanism=M [hash=ALG:HEX] [took_us=N] caller=PATH
// A field the record does not have stays empty (records written before a field existed).
struct SignDetail {
  std::string reason_code;  // a refusal's code (CodeName), "" for a signature
  std::string activation;   // context-login, user-login, deposit, signer-request, PIN login (SCAL1)
  std::string mechanism;
  std::string hash;  // "sha256:<hex>"
  std::optional<int64_t> took_us;
  std::string caller;
};
SignDetail ParseSignDetail(std::string_view detail);

// The code a refusal's detail starts with ("rejected: ..."), or "unrecorded" when it names none
// (a record from before refusals named their code).
std::string RefusalCode(std::string_view detail);

class AuditMetrics {
 public:
  // Upper bounds of the signature-time histogram, in microseconds (written as seconds): from a
  // SCAL1 signature's tenth of a millisecond to a signer who takes a minute to approve on the
  // pull path.
  static const std::vector<int64_t>& BucketsMicros();

  void Add(const AuditRecord& record);
  // The exposition text. Every sample carries token="token_label"; pending_requests is the
  // number of activation requests waiting for a signer's device.
  std::string PrometheusText(const std::string& token_label, int64_t pending_requests) const;

  int64_t records() const { return records_; }

 private:
  struct Histogram {
    std::vector<int64_t> counts;  // per bucket, not cumulative; the last is +Inf
    int64_t sum_us = 0;
    int64_t count = 0;
  };

  int64_t records_ = 0;
  int64_t last_seq_ = 0;
  int64_t last_at_ = 0;
  std::map<std::tuple<std::string, std::string>, int64_t> by_event_;  // (event, outcome)
  // (signer, key id hex, mechanism, activation)
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> signatures_;
  // (signer, key id hex, reason code)
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> sign_refusals_;
  std::map<std::tuple<std::string, std::string>, int64_t> refusals_;  // (event, reason code)
  std::map<std::string, Histogram> sign_seconds_;                     // by activation
};

// Activation labels are the record's words (context-login, user-login, deposit, signer-request,
// none), but "pin-login" for a SCAL1 PIN login.

// Every record of the log, a page at a time (constant memory however long the log).
Result<AuditMetrics> ReadAuditMetrics(AuditLog& log);

}  // namespace samp11
