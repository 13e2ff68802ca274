// samp11 key csr: a certificate request for a key that already signs (a renewal, a new CA). Its
// signature is a signature like any other: it goes through the SAM's gate, so a SCAL2 key's
// signer approves the request's hash (a SAD given here, deposited, or asked of the device through
// the token's SAD provider) and a SCAL1 key needs its owner's PIN. Spent and audited as a "sign"
// record. The request is the same for the same key and subject, so its hash can be approved
// before it is made (--print-hash).
#include <openssl/crypto.h>

#include <cstdlib>
#include <iostream>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "sam/gated_signing_key.h"
#include "token/token.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct CsrOptions {
  std::string key_id_hex;
  std::string subject;
  std::string out;
  std::string sad;
  std::string pin_env = "SAMP11_PIN";
  bool print_hash = false;
};

// A SAD given as its text, or @FILE.
Result<std::string> SadText(const std::string& option) {
  if (option.empty() || option.front() != '@') return option;
  SAMP11_ASSIGN_OR_RETURN(Bytes text, ReadFile(option.substr(1)));
  std::string sad = ToString(text);
  while (!sad.empty() && (sad.back() == '\n' || sad.back() == '\r')) sad.pop_back();
  return sad;
}

Status RunCsr(const GlobalOptions& global, const CsrOptions& o) {
  std::optional<Bytes> id = HexDecode(o.key_id_hex);
  if (!id || id->empty()) return Status(Code::kArgumentsBad, "--key-id must be hex");
  SAMP11_ASSIGN_OR_RETURN(TokenConfig config, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Token> token, Token::Open(config));
  Sam& sam = token->sam();
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key, sam.keystore().keys().FindKeyById(*id));
  if (!key) return Status(Code::kNotFound, "no key " + o.key_id_hex);
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_key, PublicKeyFromSpki(key->public_spki));
  SAMP11_ASSIGN_OR_RETURN(Bytes tbs, CsrToBeSigned(public_key.get(), o.subject));
  const std::string hash_hex = HexEncode(Digest(HashAlg::kSha256, tbs));
  if (o.print_hash) {
    std::cout << hash_hex << "\n";
    return Status::Ok();
  }

  UserLogin login;
  if (key->scal < 2) {
    const char* pin = std::getenv(o.pin_env.c_str());
    if (pin == nullptr || *pin == '\0') {
      return Status(Code::kArgumentsBad, "key " + o.key_id_hex + " is SCAL1: set " + o.pin_env +
                                             " to the PIN of '" + key->owner + "'");
    }
    std::string value = key->owner + ":" + pin;
    Result<std::shared_ptr<PinActivation>> activation = sam.PinLogin(value);
    OPENSSL_cleanse(value.data(), value.size());
    SAMP11_RETURN_IF_ERROR(activation.status());
    login = UserLogin(nullptr, std::move(activation).value());
  }
  SAMP11_ASSIGN_OR_RETURN(std::string sad, SadText(o.sad));
  GatedSigningKey gated(sam, key->handle, std::move(sad), std::move(login));
  Result<std::string> pem = MakeCsrPem(gated, public_key.get(), o.subject);
  if (!pem.ok() && pem.status().code() == Code::kNoActivation) {
    return Status(Code::kNoActivation,
                  pem.status().message() + "; the request to approve has SHA-256 " + hash_hex +
                      ": its signer issues a SAD for it (samp11 sad issue ... --hash " + hash_hex +
                      "), given here with --sad or by samp11 sad deposit");
  }
  SAMP11_RETURN_IF_ERROR(pem.status());
  if (o.out.empty() || o.out == "-") {
    std::cout << *pem;
    return Status::Ok();
  }
  SAMP11_RETURN_IF_ERROR(WriteFileAtomic(o.out, *pem));
  std::cerr << "certificate request for key " << o.key_id_hex << " written to " << o.out << "\n";
  return Status::Ok();
}

}  // namespace

void AddKeyCsrCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto o = std::make_shared<CsrOptions>();
  CLI::App* csr = app.get_subcommand("key")->add_subcommand(
      "csr",
      "a PKCS#10 request signed by an existing key, through the SAM's gate: a SCAL2 key's signer "
      "approves its hash (--sad, a deposit, or the SAD provider), a SCAL1 key needs its PIN");
  csr->add_option("--key-id", o->key_id_hex, "the key's CKA_ID (hex)")->required();
  csr->add_option("--subject", o->subject, "e.g. /CN=Alice/O=Example")->required();
  csr->add_option("--out", o->out, "write the request (PEM) here; default: standard output");
  csr->add_option("--sad", o->sad,
                  "a SAD binding the request's SHA-256 (see --print-hash): its text, or @FILE");
  csr->add_option("--pin-env", o->pin_env,
                  "SCAL1: the environment variable holding the owner's PIN")
      ->capture_default_str();
  csr->add_flag("--print-hash", o->print_hash,
                "print the SHA-256 (hex) of the request for this key and subject, which the "
                "signer approves, and stop");
  csr->callback([&global, o, exit_code] {
    Status s = RunCsr(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
