// samp11 key disable|enable|destroy|info, signer disable|enable|remove, cert status: the
// lifecycle of keys and signers (keystore/lifecycle.h). Added to the key, signer and cert
// commands made in cmd_key.cc and cmd_signer.cc.
#include <openssl/x509.h>

#include <ctime>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/time_text.h"
#include "crypto/keys.h"
#include "crypto/ossl.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

using Json = nlohmann::ordered_json;

Result<Bytes> KeyIdArgument(const std::string& hex) {
  std::optional<Bytes> id = HexDecode(hex);
  if (!id || id->empty()) return Status(Code::kArgumentsBad, "the key id must be hex");
  return std::move(*id);
}

// RFC 2253 text of a DER Name, for listings.
std::string NameText(const Bytes& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(
      d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())), X509_NAME_free);
  if (!name) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name.get(), 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

// A certificate's serial number in hex as `openssl x509 -serial` prints it (lowercase here): the
// INTEGER's value, not CKA_SERIAL_NUMBER's DER encoding with its tag and length.
std::string SerialHex(const Bytes& serial_der) {
  const unsigned char* p = serial_der.data();
  Asn1IntegerPtr serial(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(serial_der.size())));
  if (!serial) return "(unreadable: " + HexEncode(serial_der) + ")";
  const unsigned char* value = ASN1_STRING_get0_data(serial.get());
  const Bytes magnitude(value, value + ASN1_STRING_length(serial.get()));
  const bool negative = ASN1_STRING_type(serial.get()) == V_ASN1_NEG_INTEGER;
  return (negative ? "-" : "") + (magnitude.empty() ? std::string("00") : HexEncode(magnitude));
}

struct KeyReport {
  KeyInfo info;
  KeyUsability usability;
};

Json CertificateJson(const CertRow& cert, int64_t now) {
  Json j;
  j["subject"] = cert.subject_text;
  j["issuer"] = NameText(cert.issuer_der);
  j["serial"] = SerialHex(cert.serial_der);
  j["not_before"] = UtcText(cert.not_before);
  j["not_after"] = UtcText(cert.not_after);
  j["valid_now"] = cert.not_before <= now && now <= cert.not_after;
  return j;
}

// Like the CSC API's credentials/info: what the key is, who it belongs to, whether it may sign.
Json KeyJson(const KeyReport& r, int64_t now) {
  Json j;
  j["id"] = HexEncode(r.info.id);
  j["label"] = r.info.label;
  j["signer"] = r.info.owner;
  j["type"] = KeyTypeName(r.info.type);
  j["algorithm"] = FamilyOf(r.info.type) == KeyFamily::kRsa  ? "RSA"
                   : FamilyOf(r.info.type) == KeyFamily::kEc ? "EC"
                                                             : "EdDSA";
  j["bits"] = KeyBits(r.info.type);
  j["scal"] = r.info.scal;
  j["status"] = r.info.status;
  j["state"] = KeyStateName(r.usability.state);
  if (!r.usability.reason.empty()) j["reason"] = r.usability.reason;
  j["backend"] = r.info.backend;
  j["origin"] = r.info.origin;
  j["created"] = UtcText(r.info.created);
  if (r.usability.certificate) {
    j["certificate"] = CertificateJson(*r.usability.certificate, now);
  } else {
    j["certificate"] = nullptr;
  }
  return j;
}

void PrintKeyText(const KeyReport& r, int64_t now) {
  Json j = KeyJson(r, now);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "certificate") continue;
    std::cout << it.key() << ": " << (it->is_string() ? it->get<std::string>() : it->dump())
              << "\n";
  }
  if (!r.usability.certificate) {
    std::cout << "certificate: none\n";
    return;
  }
  for (auto& [name, value] : j["certificate"].items()) {
    std::cout << "certificate " << name << ": "
              << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
}

// Destroyed keys are shown too: `key info` is how an operator checks that a destroy happened.
Result<KeyReport> Report(Keystore& ks, const TokenConfig& token, const Bytes& id, int64_t now) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> info, ks.keys().DescribeKey(id));
  if (!info) return Status(Code::kNotFound, "no key " + HexEncode(id));
  KeyReport report;
  report.info = std::move(*info);
  SAMP11_ASSIGN_OR_RETURN(report.usability,
                          ks.keys().KeyUsabilityAt(id, now, token.policy.require_certificate));
  return report;
}

struct ChangeOptions {
  std::string target;  // key id (hex) or signer name
  std::string reason;
  bool on_revocation = false;
  bool destroy_keys = false;
};

template <typename Fn>
void OnRun(CLI::App* cmd, int* exit_code, Fn run) {
  cmd->callback([exit_code, run] {
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

void AddKeyChange(CLI::App* key, const GlobalOptions& global, int* exit_code, const char* name,
                  const char* help) {
  auto o = std::make_shared<ChangeOptions>();
  CLI::App* cmd = key->add_subcommand(name, help);
  cmd->add_option("id", o->target, "the key's CKA_ID, hex")->required();
  cmd->add_option("--reason", o->reason, "why, for the audit log");
  const std::string verb = name;
  if (verb == "destroy") {
    cmd->add_flag("--on-revocation", o->on_revocation,
                  "the key's certificate was revoked (recorded as the reason)");
  }
  OnRun(cmd, exit_code, [&global, o, verb]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(Bytes id, KeyIdArgument(o->target));
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
    std::string reason = o->reason;
    if (o->on_revocation) {
      reason = "certificate revoked" + (reason.empty() ? std::string() : ": " + reason);
    }
    if (verb == "disable") {
      SAMP11_RETURN_IF_ERROR(ks->keys().DisableKey(id, reason));
    } else if (verb == "enable") {
      SAMP11_RETURN_IF_ERROR(ks->keys().EnableKey(id, reason));
    } else {
      SAMP11_RETURN_IF_ERROR(ks->keys().DestroyKey(id, reason));
    }
    std::cout << "key " << o->target << " " << verb << (verb == "destroy" ? "ed" : "d") << "\n";
    return Status::Ok();
  });
}

void AddSignerChange(CLI::App* signer, const GlobalOptions& global, int* exit_code,
                     const char* name, const char* help) {
  auto o = std::make_shared<ChangeOptions>();
  CLI::App* cmd = signer->add_subcommand(name, help);
  cmd->add_option("name", o->target, "the signer")->required();
  cmd->add_option("--reason", o->reason, "why, for the audit log");
  const std::string verb = name;
  if (verb == "remove") {
    cmd->add_flag("--destroy-keys", o->destroy_keys, "destroy the signer's keys first");
  }
  OnRun(cmd, exit_code, [&global, o, verb]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
    if (verb == "disable") {
      SAMP11_RETURN_IF_ERROR(ks->signers().DisableSigner(o->target, o->reason));
    } else if (verb == "enable") {
      SAMP11_RETURN_IF_ERROR(ks->signers().EnableSigner(o->target, o->reason));
    } else {
      SAMP11_RETURN_IF_ERROR(ks->RemoveSigner(o->target, o->destroy_keys, o->reason));
    }
    std::cout << "signer '" << o->target << "' " << verb << "d\n";
    return Status::Ok();
  });
}

}  // namespace

void AddLifecycleCommands(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* key = app.get_subcommand("key");
  AddKeyChange(key, global, exit_code, "disable", "stop a key from signing until enabled again");
  AddKeyChange(key, global, exit_code, "enable", "let a disabled key sign again");
  AddKeyChange(key, global, exit_code, "destroy",
               "erase a key for good (from the keystore file, and from its inner token)");

  auto info = std::make_shared<ChangeOptions>();
  auto info_json = std::make_shared<bool>(false);
  CLI::App* info_cmd = key->add_subcommand(
      "info",
      "a key's algorithm, SCAL, signer, status and certificate (like CSC credentials/info)");
  info_cmd->add_option("id", info->target, "the key's CKA_ID, hex")->required();
  info_cmd->add_flag("--json", *info_json, "one JSON object");
  OnRun(info_cmd, exit_code, [&global, info, info_json]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(Bytes id, KeyIdArgument(info->target));
    SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
    const int64_t now = Now();
    SAMP11_ASSIGN_OR_RETURN(KeyReport report, Report(*ks, token, id, now));
    if (*info_json) {
      std::cout << KeyJson(report, now).dump() << "\n";
    } else {
      PrintKeyText(report, now);
    }
    return Status::Ok();
  });

  CLI::App* signer = app.get_subcommand("signer");
  AddSignerChange(signer, global, exit_code, "disable",
                  "stop every key of a signer from signing until enabled again");
  AddSignerChange(signer, global, exit_code, "enable", "let a disabled signer's keys sign again");
  AddSignerChange(signer, global, exit_code, "remove",
                  "remove a signer: device keys and PIN deleted, name never reused");

  auto status = std::make_shared<ChangeOptions>();
  auto status_json = std::make_shared<bool>(false);
  CLI::App* status_cmd = app.get_subcommand("cert")->add_subcommand(
      "status", "whether each key's certificate lets it sign now (exit 3 if one does not)");
  status_cmd->add_option("--key-id", status->target, "one key (hex); default: every key");
  status_cmd->add_flag("--json", *status_json, "JSON lines");
  status_cmd->callback([&global, status, status_json, exit_code] {
    bool all_valid = true;
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      const int64_t now = Now();
      auto show = [&](const Bytes& id) -> Status {
        SAMP11_ASSIGN_OR_RETURN(KeyReport r, Report(*ks, token, id, now));
        const KeyState state = r.usability.state;
        const bool cert_problem = state == KeyState::kCertificateExpired ||
                                  state == KeyState::kCertificateNotYetValid ||
                                  state == KeyState::kNoCertificate;
        all_valid = all_valid && !cert_problem;
        if (*status_json) {
          Json j;
          j["id"] = HexEncode(id);
          j["signer"] = r.info.owner;
          j["state"] = KeyStateName(state);
          j["certificate"] = r.usability.certificate
                                 ? CertificateJson(*r.usability.certificate, now)
                                 : Json(nullptr);
          std::cout << j.dump() << "\n";
          return Status::Ok();
        }
        std::cout << HexEncode(id) << "  " << KeyStateName(state);
        if (r.usability.certificate) {
          const CertRow& c = *r.usability.certificate;
          std::cout << "  " << UtcText(c.not_before) << " .. " << UtcText(c.not_after) << "  "
                    << c.subject_text;
        } else {
          std::cout << "  no certificate";
        }
        std::cout << "\n";
        return Status::Ok();
      };
      if (!status->target.empty()) {
        SAMP11_ASSIGN_OR_RETURN(Bytes id, KeyIdArgument(status->target));
        SAMP11_RETURN_IF_ERROR(show(id));
      } else {
        int64_t after = 0;
        for (;;) {
          SAMP11_ASSIGN_OR_RETURN(std::vector<KeyInfo> page, ks->keys().ListKeys(after, 1000));
          if (page.empty()) break;
          for (const KeyInfo& k : page) {
            after = k.handle;
            SAMP11_RETURN_IF_ERROR(show(k.id));
          }
        }
      }
      return Status::Ok();
    };
    Status s = run();
    // Monitoring can alert on exit code 3; the listing says which key.
    *exit_code = !s.ok() ? Fail(s) : all_valid ? 0 : 3;
  });
}

}  // namespace samp11::cli
