#include "keystore/audit_metrics.h"

#include <charconv>
#include <sstream>

#include "common/bytes.h"

namespace samp11 {
namespace {

constexpr std::string_view kVia = "via ";
constexpr std::string_view kMechanism = "mechanism=";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The known code a refusal's detail starts with ("code: "), or "".
std::string KnownCodePrefix(std::string_view detail) {
  const size_t colon = detail.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 32) return "";
  const std::string_view name = detail.substr(0, colon);
  for (int c = static_cast<int>(Code::kArgumentsBad); c <= static_cast<int>(Code::kInternal); ++c) {
    if (name == CodeName(static_cast<Code>(c))) return std::string(name);
  }
  return "";
}

// The label value escaping of the exposition format: backslash, double quote and newline.
std::string Escaped(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A sample's labels: token first, then the given pairs.
std::string Labels(const std::string& token,
                   std::initializer_list<std::pair<const char*, std::string_view>> pairs) {
  std::string out = "{token=\"" + Escaped(token) + "\"";
  for (const auto& [name, value] : pairs) {
    out += ",";
    out += name;
    out += "=\"" + Escaped(value) + "\"";
  }
  return out + "}";
}

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// Microseconds as seconds, exactly: 1848000 -> "1.848", 60000000 -> "60".
std::string SecondsText(int64_t us) {
  std::string text = std::to_string(us / 1000000);
  std::string fraction = std::to_string(1000000 + us % 1000000).substr(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace

std::string RefusalCode(std::string_view detail) {
  std::string code = KnownCodePrefix(detail);
  return code.empty() ? "unrecorded" : code;
}

SignDetail ParseSignDetail(std::string_view detail) {
  SignDetail out;
  out.reason_code = KnownCodePrefix(detail);
  // The activation part: "via " at the start or after "; ", followed by "; mechanism=". A
  // refusal's reason comes before it and may hold anything, so the first such "via " wins; a
  // record from before the facts were written has "via ACTIVATION" alone.
  std::string_view rest;
  bool found = false;
  for (size_t at = 0; (at = detail.find(kVia, at)) != std::string_view::npos; ++at) {
    if (at != 0 && (at < 2 || detail.substr(at - 2, 2) != "; ")) continue;
    const std::string_view tail = detail.substr(at + kVia.size());
    const size_t end = tail.find("; ");
    if (end == std::string_view::npos) {
      if (out.activation.empty()) out.activation = std::string(tail);
      continue;
    }
    if (!StartsWith(tail.substr(end + 2), kMechanism)) continue;
    out.activation = std::string(tail.substr(0, end));
    rest = tail.substr(end + 2);
    found = true;
    break;
  }
  if (!found) return out;
  // Space-separated name=value fields; caller= takes the rest (a path may hold spaces).
  while (!rest.empty()) {
    if (StartsWith(rest, "caller=")) {
      out.caller = std::string(rest.substr(7));
      break;
    }
    const size_t space = rest.find(' ');
    const std::string_view field = rest.substr(0, space);
    const size_t equals = field.find('=');
    if (equals != std::string_view::npos) {
      const std::string_view name = field.substr(0, equals);
      const std::string_view value = field.substr(equals + 1);
      if (name == "mechanism") {
        out.mechanism = std::string(value);
      } else if (name == "hash") {
        out.hash = std::string(value);
      } else if (name == "took_us") {
        int64_t us = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), us);
        if (ec == std::errc() && ptr == value.data() + value.size() && us >= 0) out.took_us = us;
      }
    }
    if (space == std::string_view::npos) break;
    rest = rest.substr(space + 1);
  }
  return out;
}

const std::vector<int64_t>& AuditMetrics::BucketsMicros() {
  static const std::vector<int64_t> buckets = {
      100,    250,    500,    1000,    2500,    5000,    10000,    25000,    50000,
      100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000};
  return buckets;
}

void AuditMetrics::Add(const AuditRecord& record) {
  ++records_;
  if (record.seq > last_seq_) {
    last_seq_ = record.seq;
    last_at_ = record.at;
  }
  const AuditEvent& e = record.event;
  ++by_event_[{e.event, e.outcome}];
  const bool ok = e.outcome == audit_outcome::kOk;
  if (e.event != audit_event::kSign) {
    if (!ok) ++refusals_[{e.event, RefusalCode(e.detail)}];
    return;
  }
  SignDetail sign = ParseSignDetail(e.detail);
  // A label value PromQL can match without quoting parentheses.
  if (sign.activation == "PIN login (SCAL1)") sign.activation = "pin-login";
  const std::string key_id = HexEncode(e.key_id);
  if (!ok) {
    ++sign_refusals_[{e.signer, key_id, RefusalCode(e.detail)}];
    return;
  }
  ++signatures_[{e.signer, key_id, sign.mechanism, sign.activation}];
  if (!sign.took_us) return;
  Histogram& h = sign_seconds_[sign.activation];
  const std::vector<int64_t>& bounds = BucketsMicros();
  if (h.counts.empty()) h.counts.assign(bounds.size() + 1, 0);
  size_t bucket = 0;
  while (bucket < bounds.size() && *sign.took_us > bounds[bucket]) ++bucket;
  ++h.counts[bucket];
  h.sum_us += *sign.took_us;
  ++h.count;
}

std::string AuditMetrics::PrometheusText(const std::string& token, int64_t pending) const {
  std::ostringstream out;
  Family(out, "samp11_signatures_total", "counter",
         "Signatures released, by signer, key, mechanism and activation path (audit log).");
  for (const auto& [k, n] : signatures_) {
    const auto& [signer, key_id, mechanism, activation] = k;
    out << "samp11_signatures_total"
        << Labels(token, {{"signer", signer},
                          {"key_id", key_id},
                          {"mechanism", mechanism},
                          {"activation", activation}})
        << " " << n << "\n";
  }
  Family(out, "samp11_sign_refusals_total", "counter",
         "Signatures refused or failed, by signer, key and reason (the refusal's code).");
  for (const auto& [k, n] : sign_refusals_) {
    const auto& [signer, key_id, reason] = k;
    out << "samp11_sign_refusals_total"
        << Labels(token, {{"signer", signer}, {"key_id", key_id}, {"reason", reason}}) << " " << n
        << "\n";
  }
  Family(out, "samp11_refusals_total", "counter",
         "Other steps refused or failed (logins, deposits, key management), by event and reason.");
  for (const auto& [k, n] : refusals_) {
    const auto& [event, reason] = k;
    out << "samp11_refusals_total" << Labels(token, {{"event", event}, {"reason", reason}}) << " "
        << n << "\n";
  }
  Family(out, "samp11_audit_records_total", "counter", "Audit records, by event and outcome.");
  for (const auto& [k, n] : by_event_) {
    const auto& [event, outcome] = k;
    out << "samp11_audit_records_total" << Labels(token, {{"event", event}, {"outcome", outcome}})
        << " " << n << "\n";
  }
  Family(out, "samp11_sign_seconds", "histogram",
         "Time the SAM took for a released signature (decision, any wait for the signer's "
         "device, the signature; not its audit record's write), by activation path.");
  const std::vector<int64_t>& bounds = BucketsMicros();
  for (const auto& [activation, h] : sign_seconds_) {
    int64_t cumulative = 0;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += h.counts[i];
      const std::string le = i < bounds.size() ? SecondsText(bounds[i]) : "+Inf";
      out << "samp11_sign_seconds_bucket" << Labels(token, {{"activation", activation}, {"le", le}})
          << " " << cumulative << "\n";
    }
    out << "samp11_sign_seconds_sum" << Labels(token, {{"activation", activation}}) << " "
        << SecondsText(h.sum_us) << "\n";
    out << "samp11_sign_seconds_count" << Labels(token, {{"activation", activation}}) << " "
        << h.count << "\n";
  }
  Family(out, "samp11_activation_requests_pending", "gauge",
         "Activation requests waiting for a signer's device (at most 1000 are counted).");
  out << "samp11_activation_requests_pending" << Labels(token, {}) << " " << pending << "\n";
  Family(out, "samp11_audit_last_seq", "gauge", "Sequence number of the newest audit record.");
  out << "samp11_audit_last_seq" << Labels(token, {}) << " " << last_seq_ << "\n";
  Family(out, "samp11_audit_last_record_timestamp_seconds", "gauge",
         "Time of the newest audit record (seconds since the epoch; 0 for an empty log).");
  out << "samp11_audit_last_record_timestamp_seconds" << Labels(token, {}) << " " << last_at_
      << "\n";
  return out.str();
}

Result<AuditMetrics> ReadAuditMetrics(AuditLog& log) {
  AuditMetrics metrics;
  AuditFilter all;
  int64_t after = 0;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRecord> page, log.List(all, after));
    if (page.empty()) break;
    for (const AuditRecord& record : page) metrics.Add(record);
    after = page.back().seq;
  }
  return metrics;
}

}  // namespace samp11
