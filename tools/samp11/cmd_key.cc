// samp11 key / cert: keys generated inside the module, bound to one signer, and their certificates.
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct GenerateOptions {
  std::string signer;
  std::string type = "ec-p256";
  std::string label;
  std::string id_hex;
  int scal = 2;
  int64_t max_signatures = 0;  // SCAL1 activation limits; taken only when given
  int64_t max_seconds = 0;
  CLI::Option* max_signatures_option = nullptr;
  CLI::Option* max_seconds_option = nullptr;
  bool require_otp = false;  // SCAL1: the PIN login must carry the owner's TOTP code
  std::string csr_path;
  std::string subject;
  std::string public_key_path;
  std::string backend;  // empty: the token's key_backend
};

// "softhsm" is accepted for the pkcs11 backend: it is what an operator running SoftHSMv2 types.
Result<std::string> BackendName(const std::string& option) {
  if (option.empty() || option == "file" || option == "pkcs11") return option;
  if (option == "softhsm") return std::string("pkcs11");
  return Status(Code::kArgumentsBad, "--backend is file or pkcs11 (softhsm), not '" + option + "'");
}

// The public key file and the certificate request of a new or imported key. The request is
// signed once here, as proof of possession for the CA, by the key wherever it lives.
// announce: say where the request went (key generate|import; a batch reports in JSON instead).
Status WriteKeyOutputs(const UnwrappedKey& key, const std::string& public_key_path,
                       const std::string& csr_path, const std::string& subject,
                       bool announce = true) {
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_key, PublicKeyFromSpki(key.info.public_spki));
  if (!public_key_path.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::string pem, PublicKeyToPem(public_key.get()));
    SAMP11_RETURN_IF_ERROR(WriteFileAtomic(public_key_path, pem));
  }
  if (!csr_path.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::string csr, MakeCsrPem(*key.signer, public_key.get(), subject));
    SAMP11_RETURN_IF_ERROR(WriteFileAtomic(csr_path, csr));
    if (announce) std::cout << "certificate request written to " << csr_path << "\n";
  }
  return Status::Ok();
}

// SCAL1 keys carry their activation limits in their (authenticated) policy; SCAL2 keys need a
// SAD per signature and take none.
Result<std::optional<ActivationLimits>> LimitsFromOptions(const GenerateOptions& o) {
  ActivationLimits limits;
  if (o.max_signatures_option->count() > 0) limits.max_signatures = o.max_signatures;
  if (o.max_seconds_option->count() > 0) limits.max_seconds = o.max_seconds;
  const bool given = limits.max_signatures || limits.max_seconds;
  if (o.scal == 2) {
    if (given || o.require_otp) {
      return Status(Code::kArgumentsBad,
                    "--max-signatures, --max-seconds and --require-otp are for SCAL1 keys "
                    "(--scal 1)");
    }
    return std::optional<ActivationLimits>();
  }
  if (!given) {
    return Status(Code::kArgumentsBad,
                  "a SCAL1 key needs --max-signatures N, --max-seconds T or both");
  }
  SAMP11_RETURN_IF_ERROR(CheckActivationLimits(limits));
  limits.require_otp = o.require_otp;
  return std::optional<ActivationLimits>(limits);
}

Status RunGenerate(const GlobalOptions& global, const GenerateOptions& o) {
  std::optional<KeyType> type = KeyTypeFromName(o.type);
  if (!type) return Status(Code::kArgumentsBad, "unknown key type '" + o.type + "'");
  if (o.scal != 1 && o.scal != 2) return Status(Code::kArgumentsBad, "--scal is 1 or 2");
  SAMP11_ASSIGN_OR_RETURN(std::optional<ActivationLimits> limits, LimitsFromOptions(o));
  Bytes id;
  if (!o.id_hex.empty()) {
    std::optional<Bytes> decoded = HexDecode(o.id_hex);
    if (!decoded || decoded->empty()) return Status(Code::kArgumentsBad, "--id must be hex");
    id = *decoded;
  }
  if (!o.csr_path.empty() && o.subject.empty()) {
    return Status(Code::kArgumentsBad, "--csr needs --subject");
  }
  SAMP11_ASSIGN_OR_RETURN(std::string backend, BackendName(o.backend));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  std::string label = o.label.empty() ? o.signer + "-" + o.type : o.label;
  SAMP11_ASSIGN_OR_RETURN(UnwrappedKey key, ks->keys().GenerateKey(o.signer, *type, label, o.scal,
                                                                   id, limits, backend));
  std::cout << "key " << HexEncode(key.info.id) << " (" << KeyTypeName(key.info.type) << ", SCAL"
            << key.info.scal << ", label '" << key.info.label << "', " << key.info.backend
            << " backend) bound to '" << key.info.owner << "'\n";
  if (limits) {
    std::cout << "activated by the PIN of '" << key.info.owner << "' for "
              << (limits->max_signatures ? std::to_string(*limits->max_signatures)
                                         : "any number of")
              << " signatures"
              << (limits->max_seconds
                      ? " within " + std::to_string(*limits->max_seconds) + " seconds"
                      : std::string())
              << " per login" << (limits->require_otp ? " with a TOTP code" : "") << "\n";
  }
  return WriteKeyOutputs(key, o.public_key_path, o.csr_path, o.subject);
}

struct ImportOptions {
  std::string signer;
  std::string inner_id_hex;
  std::string label;
  std::string id_hex;
  std::string backend = "pkcs11";
  std::string csr_path;
  std::string subject;
  std::string public_key_path;
};

// Binds a key that already lives in the inner token (made there by another tool) to a signer.
// Only SCAL2: a migrated key is put under a SAD per signature.
Status RunImport(const GlobalOptions& global, const ImportOptions& o) {
  std::optional<Bytes> inner_id = HexDecode(o.inner_id_hex);
  if (!inner_id || inner_id->empty()) {
    return Status(Code::kArgumentsBad, "--inner-id must be the key's CKA_ID in hex");
  }
  Bytes id;
  if (!o.id_hex.empty()) {
    std::optional<Bytes> decoded = HexDecode(o.id_hex);
    if (!decoded || decoded->empty()) return Status(Code::kArgumentsBad, "--id must be hex");
    id = *decoded;
  }
  if (!o.csr_path.empty() && o.subject.empty()) {
    return Status(Code::kArgumentsBad, "--csr needs --subject");
  }
  SAMP11_ASSIGN_OR_RETURN(std::string backend, BackendName(o.backend));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  AdoptedKeyFacts facts;
  SAMP11_ASSIGN_OR_RETURN(UnwrappedKey key,
                          ks->keys().ImportKey(o.signer, backend, *inner_id, o.label,
                                               /*scal=*/2, id, std::nullopt, &facts));
  std::cout << "key " << HexEncode(key.info.id) << " (" << KeyTypeName(key.info.type)
            << ", SCAL2, label '" << key.info.label << "', " << key.info.backend
            << " backend) bound to '" << key.info.owner << "'\n";
  if (!facts.always_sensitive || !facts.never_extractable) {
    std::cout << "warning: the token says this key was once "
              << (!facts.never_extractable ? "extractable" : "not sensitive")
              << ": copies of it may exist outside the token\n";
  }
  return WriteKeyOutputs(key, o.public_key_path, o.csr_path, o.subject);
}

// One line of a `key generate-batch` file: a JSON object. Unknown members are refused (a typo
// must not silently make a key other than the one meant).
struct BatchEntry {
  int line = 0;
  std::string signer;
  KeyType type = KeyType::kEcP256;
  std::string type_name = "ec-p256";
  Bytes id;
  std::string label;
  int scal = 2;
  std::optional<ActivationLimits> limits;
  std::string subject;
};

Result<BatchEntry> ParseBatchLine(int line, const std::string& text) {
  const std::string at = "line " + std::to_string(line) + ": ";
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status(Code::kArgumentsBad, at + "not a JSON object");
  static const std::set<std::string> kKnown = {
      "signer", "type", "id", "label", "scal", "max_signatures", "max_seconds", "subject"};
  for (const auto& [name, value] : j.items()) {
    if (kKnown.count(name) == 0)
      return Status(Code::kArgumentsBad, at + "unknown member '" + name + "'");
    const bool number = name == "scal" || name == "max_signatures" || name == "max_seconds";
    if (number ? !value.is_number_integer() : !value.is_string()) {
      return Status(Code::kArgumentsBad,
                    at + "'" + name + "' must be " + (number ? "an integer" : "a string"));
    }
  }
  BatchEntry e;
  e.line = line;
  if (!j.contains("signer")) return Status(Code::kArgumentsBad, at + "no 'signer'");
  e.signer = j["signer"].get<std::string>();
  if (j.contains("type")) e.type_name = j["type"].get<std::string>();
  std::optional<KeyType> type = KeyTypeFromName(e.type_name);
  if (!type) return Status(Code::kArgumentsBad, at + "unknown key type '" + e.type_name + "'");
  e.type = *type;
  if (j.contains("id")) {
    std::optional<Bytes> id = HexDecode(j["id"].get<std::string>());
    if (!id || id->empty()) return Status(Code::kArgumentsBad, at + "'id' must be hex");
    e.id = *id;
  }
  e.label = j.value("label", e.signer + "-" + e.type_name);
  e.scal = j.value("scal", 2);
  if (e.scal != 1 && e.scal != 2) return Status(Code::kArgumentsBad, at + "'scal' is 1 or 2");
  ActivationLimits limits;
  if (j.contains("max_signatures")) limits.max_signatures = j["max_signatures"].get<int64_t>();
  if (j.contains("max_seconds")) limits.max_seconds = j["max_seconds"].get<int64_t>();
  const bool given = limits.max_signatures || limits.max_seconds;
  if (e.scal == 2 && given) {
    return Status(Code::kArgumentsBad, at + "max_signatures and max_seconds are for SCAL1 keys");
  }
  if (e.scal == 1) {
    if (!given)
      return Status(Code::kArgumentsBad, at + "a SCAL1 key needs max_signatures or max_seconds");
    Status checked = CheckActivationLimits(limits);
    if (!checked.ok()) return Status(checked.code(), at + checked.message());
    e.limits = limits;
  }
  e.subject = j.value("subject", "");
  if (!e.subject.empty()) {
    Status checked = CheckSubject(e.subject);
    if (!checked.ok()) return Status(checked.code(), at + checked.message());
  }
  return e;
}

struct BatchOptions {
  std::string from;
  std::string out_dir;
  std::string backend;
};

// Many keys in one run: every line is checked first (syntax, types, limits, subjects, signers
// enrolled, ids free and not repeated), so a file with a mistake makes no key at all. Then each
// key is made as `key generate` makes it (its own durable write and audit record), with its
// public key and, given a subject, its request in the output folder, and one JSON line on stdout.
// A failure while generating stops the run: the keys reported so far are made, the rest are not.
Status RunGenerateBatch(const GlobalOptions& global, const BatchOptions& o) {
  SAMP11_ASSIGN_OR_RETURN(Bytes content, ReadFile(o.from));
  std::vector<BatchEntry> entries;
  {
    std::istringstream lines(ToString(content));
    std::string text;
    for (int line = 1; std::getline(lines, text); ++line) {
      if (text.find_first_not_of(" \t\r") == std::string::npos ||
          text[text.find_first_not_of(" \t")] == '#')
        continue;
      SAMP11_ASSIGN_OR_RETURN(BatchEntry e, ParseBatchLine(line, text));
      entries.push_back(std::move(e));
    }
  }
  if (entries.empty()) return Status(Code::kArgumentsBad, o.from + ": no keys to generate");
  const bool writes = !o.out_dir.empty();
  bool any_subject = false;
  for (const BatchEntry& e : entries) any_subject = any_subject || !e.subject.empty();
  if (any_subject && !writes) {
    return Status(Code::kArgumentsBad, "lines with a 'subject' need --out-dir for their requests");
  }
  SAMP11_ASSIGN_OR_RETURN(std::string backend, BackendName(o.backend));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  std::set<Bytes> ids;
  for (const BatchEntry& e : entries) {
    const std::string at = "line " + std::to_string(e.line) + ": ";
    SAMP11_ASSIGN_OR_RETURN(bool enrolled, ks->signers().SignerExists(e.signer));
    if (!enrolled) return Status(Code::kNotFound, at + "no signer '" + e.signer + "'");
    if (e.id.empty()) continue;
    if (!ids.insert(e.id).second) {
      return Status(Code::kAlreadyExists, at + "id " + HexEncode(e.id) + " is on an earlier line");
    }
    SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> taken, ks->keys().FindKeyById(e.id));
    if (taken) return Status(Code::kAlreadyExists, at + "key " + HexEncode(e.id) + " exists");
  }
  if (writes) {
    struct stat st {};
    if (::stat(o.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status(Code::kArgumentsBad, "--out-dir " + o.out_dir + " is not a folder");
    }
  }
  int64_t made = 0;
  for (const BatchEntry& e : entries) {
    Result<UnwrappedKey> key =
        ks->keys().GenerateKey(e.signer, e.type, e.label, e.scal, e.id, e.limits, backend);
    if (!key.ok()) {
      return Status(key.status().code(), "line " + std::to_string(e.line) + ": " +
                                             key.status().message() + " (" + std::to_string(made) +
                                             " key(s) made before it)");
    }
    const std::string id = HexEncode(key->info.id);
    nlohmann::ordered_json report;
    report["line"] = e.line;
    report["id"] = id;
    report["signer"] = e.signer;
    report["type"] = e.type_name;
    report["scal"] = e.scal;
    if (writes) {
      const std::string base = o.out_dir + "/" + id;
      const std::string csr = e.subject.empty() ? "" : base + ".csr";
      SAMP11_RETURN_IF_ERROR(
          WriteKeyOutputs(*key, base + ".pub.pem", csr, e.subject, /*announce=*/false));
      report["public_key"] = base + ".pub.pem";
      if (!csr.empty()) report["csr"] = csr;
    }
    std::cout << report.dump() << "\n" << std::flush;
    ++made;
  }
  std::cerr << made << " key(s) generated\n";
  return Status::Ok();
}

Status RunList(const GlobalOptions& global, const std::string& signer, bool json) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  int64_t after = 0;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<KeyInfo> page, ks->keys().ListKeys(after, 1000));
    if (page.empty()) break;
    for (const KeyInfo& k : page) {
      after = k.handle;
      if (!signer.empty() && k.owner != signer) continue;
      // Whether it may sign now (keystore/lifecycle.h): disabled, signer disabled, certificate.
      SAMP11_ASSIGN_OR_RETURN(
          KeyUsability usability,
          ks->keys().KeyUsabilityAt(k.id, now, token.policy.require_certificate));
      const char* state = KeyStateName(usability.state);
      if (json) {
        nlohmann::ordered_json j;
        j["id"] = HexEncode(k.id);
        j["label"] = k.label;
        j["type"] = KeyTypeName(k.type);
        j["signer"] = k.owner;
        j["scal"] = k.scal;
        j["backend"] = k.backend;
        j["status"] = k.status;
        j["state"] = state;
        std::cout << j.dump() << "\n";
      } else {
        std::cout << HexEncode(k.id) << "  " << KeyTypeName(k.type) << "  SCAL" << k.scal << "  "
                  << k.backend << "  " << state << "  " << k.owner << "  " << k.label << "\n";
      }
    }
  }
  return Status::Ok();
}

struct CertOptions {
  std::string key_id;
  std::string cert_path;
  std::string label;
};

Status RunCertImport(const GlobalOptions& global, const CertOptions& o) {
  std::optional<Bytes> key_id = HexDecode(o.key_id);
  if (!key_id || key_id->empty()) return Status(Code::kArgumentsBad, "--key-id must be hex");
  SAMP11_ASSIGN_OR_RETURN(Bytes cert, ReadFile(o.cert_path));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(CertRow row, ks->certs().ImportCertificate(*key_id, cert, o.label));
  std::cout << "certificate '" << row.subject_text << "' stored for key " << o.key_id << "\n";
  return Status::Ok();
}

struct CertExportOptions {
  std::string key_id;
  std::string out;
  bool all = false;
};

// The certificate a relying party needs now: of those valid at this moment, the one valid
// longest (a renewal's); --all: every one stored, newest first.
Status RunCertExport(const GlobalOptions& global, const CertExportOptions& o) {
  std::optional<Bytes> key_id = HexDecode(o.key_id);
  if (!key_id || key_id->empty()) return Status(Code::kArgumentsBad, "--key-id must be hex");
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(std::vector<CertRow> rows, ks->certs().FindCertsByKeyId(*key_id));
  if (rows.empty()) {
    return Status(Code::kNotFound, "key " + o.key_id + " has no certificate");
  }
  std::sort(rows.begin(), rows.end(), [](const CertRow& a, const CertRow& b) {
    return a.not_after != b.not_after ? a.not_after > b.not_after : a.created > b.created;
  });
  std::vector<const CertRow*> chosen;
  if (o.all) {
    for (const CertRow& row : rows) chosen.push_back(&row);
  } else {
    const int64_t now = Now();
    for (const CertRow& row : rows) {
      if (row.not_before <= now && now <= row.not_after) {
        chosen.push_back(&row);
        break;
      }
    }
    if (chosen.empty()) {
      return Status(Code::kNotFound, "key " + o.key_id + " has no certificate valid now (" +
                                         std::to_string(rows.size()) +
                                         " stored; --all exports them)");
    }
  }
  std::string pem;
  for (const CertRow* row : chosen) {
    SAMP11_ASSIGN_OR_RETURN(std::string one, CertificatePem(row->der));
    pem += one;
  }
  if (o.out.empty() || o.out == "-") {
    std::cout << pem;
    return Status::Ok();
  }
  return WriteFileAtomic(o.out, pem);
}

}  // namespace

void AddKeyCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* key = app.add_subcommand("key", "generate and list signing keys");
  key->require_subcommand(1);

  auto gen = std::make_shared<GenerateOptions>();
  CLI::App* gen_cmd = key->add_subcommand("generate", "generate a key bound to a signer for life");
  gen_cmd->add_option("--signer", gen->signer, "the enrolled signer who alone may activate it")
      ->required();
  gen_cmd
      ->add_option("--type", gen->type,
                   "ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096 | ed25519")
      ->capture_default_str();
  gen_cmd->add_option("--label", gen->label, "CKA_LABEL (default: signer-type)");
  gen_cmd->add_option("--id", gen->id_hex, "CKA_ID in hex (default: 16 random bytes)");
  gen_cmd
      ->add_option("--scal", gen->scal,
                   "sole control assurance level: 2 (a SAD per signature) or 1 (the signer's PIN)")
      ->capture_default_str();
  gen->max_signatures_option = gen_cmd->add_option("--max-signatures", gen->max_signatures,
                                                   "SCAL1: signatures per PIN login (1..1000000)");
  gen->max_seconds_option = gen_cmd->add_option("--max-seconds", gen->max_seconds,
                                                "SCAL1: seconds a PIN login lasts (1..86400)");
  gen_cmd->add_flag("--require-otp", gen->require_otp,
                    "SCAL1: sign only under a PIN login with the owner's TOTP code "
                    "(NAME:PIN:CODE; `samp11 signer set-totp`)");
  gen_cmd->add_option("--csr", gen->csr_path, "write a PKCS#10 request here");
  gen_cmd->add_option("--subject", gen->subject, "CSR subject, e.g. /CN=Alice/O=Example");
  gen_cmd->add_option("--public-key", gen->public_key_path, "write the public key (PEM) here");
  gen_cmd->add_option("--backend", gen->backend,
                      "file | pkcs11 (alias softhsm): where the key lives (default: the token's "
                      "key_backend)");
  gen_cmd->callback([&global, gen, exit_code] {
    Status s = RunGenerate(global, *gen);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto batch = std::make_shared<BatchOptions>();
  CLI::App* batch_cmd = key->add_subcommand(
      "generate-batch",
      "generate many keys from a file of JSON lines ({\"signer\", \"type\", \"id\", \"label\", "
      "\"scal\", \"max_signatures\", \"max_seconds\", \"subject\"}): all lines checked first");
  batch_cmd->add_option("--from", batch->from, "the file, one JSON object per line ('#' comments)")
      ->required();
  batch_cmd->add_option("--out-dir", batch->out_dir,
                        "write each key's public key (ID.pub.pem) and, for a line with a subject, "
                        "its request (ID.csr) into this folder");
  batch_cmd->add_option("--backend", batch->backend,
                        "file | pkcs11 (alias softhsm) (default: the token's key_backend)");
  batch_cmd->callback([&global, batch, exit_code] {
    Status s = RunGenerateBatch(global, *batch);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto imp = std::make_shared<ImportOptions>();
  CLI::App* imp_cmd = key->add_subcommand(
      "import", "bind a key already in the pkcs11 backend's token to a signer (SCAL2)");
  imp_cmd->add_option("--signer", imp->signer, "the enrolled signer who alone may activate it")
      ->required();
  imp_cmd->add_option("--inner-id", imp->inner_id_hex, "the inner key's CKA_ID (hex)")->required();
  imp_cmd->add_option("--label", imp->label, "CKA_LABEL (default: empty)");
  imp_cmd->add_option("--id", imp->id_hex, "CKA_ID in samp11 (default: the inner id)");
  imp_cmd->add_option("--backend", imp->backend, "pkcs11 (alias softhsm)")->capture_default_str();
  imp_cmd->add_option("--csr", imp->csr_path, "write a PKCS#10 request here");
  imp_cmd->add_option("--subject", imp->subject, "CSR subject, e.g. /CN=Alice/O=Example");
  imp_cmd->add_option("--public-key", imp->public_key_path, "write the public key (PEM) here");
  imp_cmd->callback([&global, imp, exit_code] {
    Status s = RunImport(global, *imp);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto list_signer = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list_cmd =
      key->add_subcommand("list", "list keys (id, type, SCAL, backend, state, signer, label)");
  list_cmd->add_option("--signer", *list_signer, "only this signer's keys");
  list_cmd->add_flag("--json", *list_json, "one JSON object per line");
  list_cmd->callback([&global, list_signer, list_json, exit_code] {
    Status s = RunList(global, *list_signer, *list_json);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

void AddCertCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* cert = app.add_subcommand("cert", "certificates of keys");
  cert->require_subcommand(1);
  auto imp = std::make_shared<CertOptions>();
  CLI::App* import_cmd =
      cert->add_subcommand("import", "store a key's certificate (a CKO_CERTIFICATE, same CKA_ID)");
  import_cmd->add_option("--key-id", imp->key_id, "the key's CKA_ID (hex)")->required();
  import_cmd->add_option("--cert", imp->cert_path, "certificate file (PEM or DER)")->required();
  import_cmd->add_option("--label", imp->label, "CKA_LABEL (default: the key's)");
  import_cmd->callback([&global, imp, exit_code] {
    Status s = RunCertImport(global, *imp);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto exp = std::make_shared<CertExportOptions>();
  CLI::App* export_cmd = cert->add_subcommand(
      "export", "a key's certificate in PEM: the one valid now (the longest-lived), or --all");
  export_cmd->add_option("--key-id", exp->key_id, "the key's CKA_ID (hex)")->required();
  export_cmd->add_option("--out", exp->out, "file to write (default: standard output)");
  export_cmd->add_flag("--all", exp->all, "every certificate stored for the key, newest first");
  export_cmd->callback([&global, exp, exit_code] {
    Status s = RunCertExport(global, *exp);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
