// `samp11 metrics` (keystore/audit_metrics.h): sign records taken apart, and the counts and
// histograms read from a log. The exposition text is also parsed by Prometheus' own Python client
// in tests/integration/audit_cli_test.sh.
#include <doctest/doctest.h>

#include <string>

#include "keystore/audit_metrics.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::NewToken;
using testing::SignEvent;
using testing::TempDir;
using testing::TestToken;

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST_CASE("metrics: a sign record's detail taken apart") {
  SignDetail ok = ParseSignDetail(
      "via context-login; mechanism=CKM_ECDSA_SHA256 hash=sha256:00ff took_us=412 "
      "caller=/opt/my app/bin/signer");
  CHECK(ok.reason_code.empty());
  CHECK(ok.activation == "context-login");
  CHECK(ok.mechanism == "CKM_ECDSA_SHA256");
  CHECK(ok.hash == "sha256:00ff");
  REQUIRE(ok.took_us.has_value());
  CHECK(*ok.took_us == 412);
  CHECK(ok.caller == "/opt/my app/bin/signer");  // spaces and all: it comes last

  SignDetail pin = ParseSignDetail(
      "via PIN login (SCAL1); mechanism=CKM_EDDSA hash=sha256:ab took_us=9 caller=/usr/bin/x");
  CHECK(pin.activation == "PIN login (SCAL1)");
  CHECK(pin.mechanism == "CKM_EDDSA");

  // A refusal: its code and reason first (the reason may hold "; " and "via").
  SignDetail refused = ParseSignDetail(
      "rejected: the key that signed SAD jti=x; via y (kid 'k') was removed; via deposit; "
      "mechanism=CKM_ECDSA took_us=3 caller=/usr/bin/openssl");
  CHECK(refused.reason_code == "rejected");
  CHECK(refused.activation == "deposit");  // not the reason's "via y ..."
  CHECK(refused.mechanism == "CKM_ECDSA");
  SignDetail refused2 = ParseSignDetail(
      "activation-expired: SAD jti=x expired; via user-login; mechanism=CKM_RSA_PKCS took_us=7 "
      "caller=/usr/bin/java");
  CHECK(refused2.reason_code == "activation-expired");
  CHECK(refused2.activation == "user-login");
  CHECK(refused2.mechanism == "CKM_RSA_PKCS");
  CHECK(refused2.hash.empty());  // refused before its data was hashed
  CHECK(*refused2.took_us == 7);

  // Records from before the facts were written: the activation only.
  SignDetail old = ParseSignDetail("via deposit");
  CHECK(old.activation == "deposit");
  CHECK(old.mechanism.empty());
  CHECK_FALSE(old.took_us.has_value());
  // Nonsense never throws nor reads past the end.
  for (const char* text :
       {"", "via ", "; via ", "x; via a; mechanism=", "via a; mechanism=M took_us=",
        "via a; mechanism=M took_us=-5 caller=", "via a; mechanism=M took_us=9x"}) {
    SignDetail d = ParseSignDetail(text);
    CHECK_FALSE((d.took_us.has_value() && *d.took_us < 0));
  }
  CHECK_FALSE(ParseSignDetail("via a; mechanism=M took_us=9x").took_us.has_value());

  CHECK(RefusalCode("rejected: hash already spent") == "rejected");
  CHECK(RefusalCode("pin-locked: signer 'a' is locked") == "pin-locked");
  CHECK(RefusalCode("hash already spent for SAD jti=x") == "unrecorded");  // an old record
  CHECK(RefusalCode("nonsense: words") == "unrecorded");
}

TEST_CASE("metrics: counts, refusals by reason, histograms, from every page of the log") {
  TempDir dir;
  TestToken token = NewToken(dir, "metrics \"quoted\"");
  Keystore& ks = *token.keystore;
  const Bytes key_a = {0xa1, 0x1c};
  // More than one page of records (a page is a few hundred).
  for (int i = 0; i < 1200; ++i) {
    REQUIRE(ks.audit()
                .Append(SignEvent("alice", key_a, "j" + std::to_string(i), audit_outcome::kOk,
                                  "via context-login; mechanism=CKM_ECDSA_SHA256 hash=sha256:00 "
                                  "took_us=" +
                                      std::to_string(i % 2 == 0 ? 80 : 3000) +
                                      " caller=/usr/bin/pkcs11-tool"))
                .ok());
  }
  REQUIRE(ks.audit()
              .Append(SignEvent("alice", key_a, "p", audit_outcome::kOk,
                                "via signer-request; mechanism=CKM_ECDSA hash=sha256:00 "
                                "took_us=45000000 caller=/usr/bin/pdfsig"))
              .ok());
  REQUIRE(ks.audit()
              .Append(SignEvent("alice", key_a, "r", audit_outcome::kRefused,
                                "rejected: hash already spent for SAD jti=r; via context-login; "
                                "mechanism=CKM_ECDSA_SHA256 took_us=5 caller=/usr/bin/x"))
              .ok());
  REQUIRE(ks.audit()
              .Append(SignEvent("bob\"\n", Bytes{0xb0}, "q", audit_outcome::kRefused,
                                "hash already spent"))  // an old record: no code
              .ok());
  REQUIRE(ks.audit()
              .Append(SignEvent("seal", Bytes{0x5e}, "", audit_outcome::kOk,
                                "via PIN login (SCAL1); mechanism=CKM_EDDSA hash=sha256:00 "
                                "took_us=60 caller=/usr/bin/openssl"))
              .ok());
  AuditEvent login;
  login.event = audit_event::kLoginContext;
  login.outcome = audit_outcome::kRefused;
  login.detail = "activation-invalid: SAD signature does not verify";
  REQUIRE(ks.audit().Append(login).ok());

  auto metrics = ReadAuditMetrics(ks.audit());
  REQUIRE_MESSAGE(metrics.ok(), metrics.status().ToString());
  CHECK(metrics->records() == 1206);  // and the token's creation
  const std::string text = metrics->PrometheusText(ks.label(), 3);
  const std::string t = "token=\"metrics \\\"quoted\\\"\"";  // label values escaped
  CHECK(Contains(text, "samp11_signatures_total{" + t +
                           ",signer=\"alice\",key_id=\"a11c\",mechanism=\"CKM_ECDSA_SHA256\","
                           "activation=\"context-login\"} 1200"));
  CHECK(Contains(text, "samp11_signatures_total{" + t +
                           ",signer=\"alice\",key_id=\"a11c\",mechanism=\"CKM_ECDSA\","
                           "activation=\"signer-request\"} 1"));
  CHECK(Contains(text, "samp11_sign_refusals_total{" + t +
                           ",signer=\"alice\",key_id=\"a11c\",reason=\"rejected\"} 1"));
  CHECK(Contains(text, "samp11_sign_refusals_total{" + t +
                           ",signer=\"bob\\\"\\n\",key_id=\"b0\",reason=\"unrecorded\"} 1"));
  CHECK(Contains(text, "samp11_refusals_total{" + t +
                           ",event=\"login-context\",reason=\"activation-invalid\"} 1"));
  CHECK(Contains(text, "samp11_audit_records_total{" + t + ",event=\"sign\",outcome=\"ok\"} 1202"));
  // The histogram is cumulative: 600 under 0.1 ms, all 1200 by 5 ms; the pull path's 45 s wait
  // is in its own series.
  CHECK(Contains(text, "samp11_sign_seconds_bucket{" + t +
                           ",activation=\"context-login\",le=\"0.0001\"} 600"));
  CHECK(Contains(text, "samp11_sign_seconds_bucket{" + t +
                           ",activation=\"context-login\",le=\"0.0025\"} 600"));
  CHECK(Contains(text, "samp11_sign_seconds_bucket{" + t +
                           ",activation=\"context-login\",le=\"0.005\"} 1200"));
  CHECK(Contains(
      text, "samp11_sign_seconds_bucket{" + t + ",activation=\"context-login\",le=\"+Inf\"} 1200"));
  CHECK(Contains(text, "samp11_sign_seconds_count{" + t + ",activation=\"context-login\"} 1200"));
  CHECK(Contains(text, "samp11_sign_seconds_sum{" + t + ",activation=\"context-login\"} 1.848"));
  CHECK(Contains(
      text, "samp11_sign_seconds_bucket{" + t + ",activation=\"signer-request\",le=\"30\"} 0"));
  CHECK(Contains(
      text, "samp11_sign_seconds_bucket{" + t + ",activation=\"signer-request\",le=\"60\"} 1"));
  CHECK(Contains(text, "samp11_activation_requests_pending{" + t + "} 3"));
  CHECK(Contains(text, "samp11_audit_last_seq{" + t + "} 1206"));
  CHECK(Contains(text,
                 "samp11_audit_records_total{" + t + ",event=\"token-create\",outcome=\"ok\"} 1"));
  CHECK(Contains(text, "samp11_signatures_total{" + t +
                           ",signer=\"seal\",key_id=\"5e\",mechanism=\"CKM_EDDSA\","
                           "activation=\"pin-login\"} 1"));
  // Every family is declared once, before its samples.
  CHECK(text.find("# TYPE samp11_sign_seconds histogram\n") <
        text.find("samp11_sign_seconds_bucket"));
}

TEST_CASE("metrics: a new token's log gives every family, with zero counts") {
  TempDir dir;
  TestToken token = NewToken(dir);
  auto metrics = ReadAuditMetrics(token.keystore->audit());
  REQUIRE(metrics.ok());
  const std::string text = metrics->PrometheusText("test", 0);
  CHECK(Contains(text, "# TYPE samp11_signatures_total counter"));
  CHECK(Contains(text, "# TYPE samp11_sign_refusals_total counter"));
  CHECK_FALSE(Contains(text, "samp11_signatures_total{"));
  CHECK(Contains(text, "samp11_audit_last_seq{token=\"test\"} 1"));  // the token's creation
  CHECK(Contains(text, "samp11_activation_requests_pending{token=\"test\"} 0"));
}

}  // namespace
}  // namespace samp11
