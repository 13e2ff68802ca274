// samp11 key / cert: keys generated inside the module, bound to one signer, and their certificates.
#include <iostream>
#include <optional>

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
  std::string csr_path;
  std::string subject;
  std::string public_key_path;
};

// SCAL1 keys carry their activation limits in their (authenticated) policy; SCAL2 keys need a
// SAD per signature and take none.
Result<std::optional<ActivationLimits>> LimitsFromOptions(const GenerateOptions& o) {
  ActivationLimits limits;
  if (o.max_signatures_option->count() > 0) limits.max_signatures = o.max_signatures;
  if (o.max_seconds_option->count() > 0) limits.max_seconds = o.max_seconds;
  const bool given = limits.max_signatures || limits.max_seconds;
  if (o.scal == 2) {
    if (given) {
      return Status(Code::kArgumentsBad,
                    "--max-signatures and --max-seconds are for SCAL1 keys (--scal 1)");
    }
    return std::optional<ActivationLimits>();
  }
  if (!given) {
    return Status(Code::kArgumentsBad,
                  "a SCAL1 key needs --max-signatures N, --max-seconds T or both");
  }
  SAMP11_RETURN_IF_ERROR(CheckActivationLimits(limits));
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
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  std::string label = o.label.empty() ? o.signer + "-" + o.type : o.label;
  SAMP11_ASSIGN_OR_RETURN(UnwrappedKey key,
                          ks->GenerateKey(o.signer, *type, label, o.scal, id, limits));
  std::cout << "key " << HexEncode(key.info.id) << " (" << KeyTypeName(key.info.type) << ", SCAL"
            << key.info.scal << ", label '" << key.info.label << "') bound to '" << key.info.owner
            << "'\n";
  if (limits) {
    std::cout << "activated by the PIN of '" << key.info.owner << "' for "
              << (limits->max_signatures ? std::to_string(*limits->max_signatures)
                                         : "any number of")
              << " signatures"
              << (limits->max_seconds
                      ? " within " + std::to_string(*limits->max_seconds) + " seconds"
                      : std::string())
              << " per login\n";
  }
  if (!o.public_key_path.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::string pem, PublicKeyToPem(key.private_key.get()));
    SAMP11_RETURN_IF_ERROR(WriteFileAtomic(o.public_key_path, pem));
  }
  if (!o.csr_path.empty()) {
    // The request is signed once here, at generation, as proof of possession for the CA.
    SAMP11_ASSIGN_OR_RETURN(std::string csr, MakeCsrPem(key.private_key.get(), o.subject));
    SAMP11_RETURN_IF_ERROR(WriteFileAtomic(o.csr_path, csr));
    std::cout << "certificate request written to " << o.csr_path << "\n";
  }
  return Status::Ok();
}

Status RunList(const GlobalOptions& global, const std::string& signer, bool json) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  int64_t after = 0;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<KeyInfo> page, ks->ListKeys(after, 1000));
    if (page.empty()) break;
    for (const KeyInfo& k : page) {
      after = k.handle;
      if (!signer.empty() && k.owner != signer) continue;
      if (json) {
        nlohmann::ordered_json j;
        j["id"] = HexEncode(k.id);
        j["label"] = k.label;
        j["type"] = KeyTypeName(k.type);
        j["signer"] = k.owner;
        j["scal"] = k.scal;
        std::cout << j.dump() << "\n";
      } else {
        std::cout << HexEncode(k.id) << "  " << KeyTypeName(k.type) << "  SCAL" << k.scal << "  "
                  << k.owner << "  " << k.label << "\n";
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
  SAMP11_ASSIGN_OR_RETURN(CertRow row, ks->ImportCertificate(*key_id, cert, o.label));
  std::cout << "certificate '" << row.subject_text << "' stored for key " << o.key_id << "\n";
  return Status::Ok();
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
  gen_cmd->add_option("--csr", gen->csr_path, "write a PKCS#10 request here");
  gen_cmd->add_option("--subject", gen->subject, "CSR subject, e.g. /CN=Alice/O=Example");
  gen_cmd->add_option("--public-key", gen->public_key_path, "write the public key (PEM) here");
  gen_cmd->callback([&global, gen, exit_code] {
    Status s = RunGenerate(global, *gen);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto list_signer = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list_cmd = key->add_subcommand("list", "list keys (id, type, SCAL, signer, label)");
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
}

}  // namespace samp11::cli
