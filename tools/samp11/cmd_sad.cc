// samp11 sad issue: plays the signer's device. It signs a SAD for one or more document hashes
// with the device's private key, exactly as docs/sad.md says a device must.
#include <ctime>
#include <iostream>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "sad/request.h"
#include "sad/sad.h"
#include "sam/sam.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct IssueOptions {
  std::string device_key;
  std::string kid;
  std::string signer;
  std::string iss;
  std::string key_id;
  std::string aud;
  std::string hash_alg = "sha256";
  std::vector<std::string> hash_files;
  std::vector<std::string> hashes;
  int64_t lifetime = 300;
  int64_t iat = 0;
  std::string jti;
};

Result<Bytes> DecodeHashArgument(const std::string& text, HashAlg alg) {
  if (std::optional<Bytes> hex = HexDecode(text); hex && hex->size() == HashSize(alg)) return *hex;
  if (std::optional<Bytes> b64 = Base64Decode(text); b64 && b64->size() == HashSize(alg)) {
    return *b64;
  }
  return Status(Code::kArgumentsBad,
                "--hash '" + text + "' is not a " + HashName(alg) + " digest in hex or base64");
}

Status RunIssue(const GlobalOptions& global, const IssueOptions& o) {
  std::optional<HashAlg> alg = HashFromName(o.hash_alg);
  if (!alg) return Status(Code::kArgumentsBad, "unknown hash algorithm '" + o.hash_alg + "'");
  SadClaims claims;
  claims.sub = o.signer;
  claims.iss = o.iss.empty() ? o.signer : o.iss;
  claims.credential_id = o.key_id;
  for (char& c : claims.credential_id) c = static_cast<char>(std::tolower(c));
  claims.hash_alg = *alg;
  for (const std::string& path : o.hash_files) {
    SAMP11_ASSIGN_OR_RETURN(Bytes content, ReadFile(path));
    claims.hashes.push_back(Digest(*alg, content));
  }
  for (const std::string& h : o.hashes) {
    SAMP11_ASSIGN_OR_RETURN(Bytes hash, DecodeHashArgument(h, *alg));
    claims.hashes.push_back(hash);
  }
  if (claims.hashes.empty()) {
    return Status(Code::kArgumentsBad, "give at least one --hash-file or --hash");
  }
  claims.aud = o.aud;
  if (claims.aud.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
    claims.aud = ks->identity();
  }
  claims.iat = o.iat != 0 ? o.iat : static_cast<int64_t>(std::time(nullptr));
  claims.exp = claims.iat + o.lifetime;
  if (o.jti.empty()) {
    SAMP11_ASSIGN_OR_RETURN(Bytes jti, RandomBytes(16));
    claims.jti = Base64UrlEncode(jti);
  } else {
    claims.jti = o.jti;
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes pem, ReadFile(o.device_key));
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr device, PrivateKeyFromPem(ToString(pem)));
  std::string kid = o.kid;
  if (kid.empty()) {
    SAMP11_ASSIGN_OR_RETURN(kid, JwkThumbprint(device.get()));
  }
  SAMP11_ASSIGN_OR_RETURN(std::string sad, IssueSad(claims, kid, device.get()));
  std::cout << sad << "\n";
  return Status::Ok();
}

// Reads a SAD from a file, or from standard input for "-"; surrounding whitespace is dropped.
Result<std::string> ReadSad(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    SAMP11_ASSIGN_OR_RETURN(Bytes content, ReadFile(path));
    text = ToString(content);
  }
  size_t begin = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  if (begin == std::string::npos) return Status(Code::kArgumentsBad, "no SAD in " + path);
  return text.substr(begin, end - begin + 1);
}

Status RunDeposit(const GlobalOptions& global, const std::string& path) {
  SAMP11_ASSIGN_OR_RETURN(std::string text, ReadSad(path));
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenTokenKeystore(token));
  Sam sam(*ks, token.policy, DefaultClock());
  SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> sad, sam.DepositInKeystore(text));
  const SadClaims& c = sad->sad.claims;
  std::cout << "deposited SAD " << c.jti << " of '" << c.sub << "' for key " << c.credential_id
            << ": " << c.hashes.size() << " hash(es), usable for " << (c.exp - sam.Now()) << " s\n";
  return Status::Ok();
}

// The activation requests waiting for a signer's device (the deposit SAD provider).
Status RunRequests(const GlobalOptions& global, bool json) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  SAMP11_ASSIGN_OR_RETURN(std::vector<SadRequestRow> rows, ks->requests().ListPending(now));
  for (const SadRequestRow& row : rows) {
    if (json) {
      std::cout << row.request_json << "\n";  // what a device reads (docs/sad.md)
      continue;
    }
    Result<ActivationRequest> r = ParseActivationRequest(row.request_json);
    if (!r.ok()) {
      std::cout << row.id << "  (unreadable: " << r.status().message() << ")\n";
      continue;
    }
    std::cout << r->request_id << "  signer=" << DisplayText(r->signer) << "  key=" << r->key_id
              << "  " << r->mechanism << "  " << HashName(r->hash_alg) << "=" << HexEncode(r->hash)
              << "  caller=" << r->caller_pid << ":" << DisplayText(r->caller_executable)
              << (r->label.empty() ? "" : "  label=\"" + DisplayText(r->label) + "\"")
              << "  expires-in=" << (r->expires - now) << "s\n";
  }
  if (!json) std::cerr << rows.size() << " pending request(s)\n";
  return Status::Ok();
}

Status RunRefuse(const GlobalOptions& global, const std::string& id, const std::string& reason) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(bool ended, ks->requests().End(id, "refused", reason,
                                                         static_cast<int64_t>(std::time(nullptr))));
  if (!ended) return Status(Code::kNotFound, "no pending activation request " + id);
  std::cout << "refused activation request " << id << "\n";
  return Status::Ok();
}

}  // namespace

void AddSadCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* sad = app.add_subcommand("sad", "Signature Activation Data");
  sad->require_subcommand(1);
  auto o = std::make_shared<IssueOptions>();
  CLI::App* issue = sad->add_subcommand(
      "issue", "make a SAD as the signer's device would (prints it on one line)");
  issue->add_option("--device-key", o->device_key, "the device's private key (PEM)")->required();
  issue->add_option("--kid", o->kid, "the registered key id (default: JWK thumbprint)");
  issue->add_option("--signer", o->signer, "the signer (`sub`)")->required();
  issue->add_option("--iss", o->iss, "issuer (default: the signer, as a device SAD requires)");
  issue->add_option("--key-id", o->key_id, "the key's CKA_ID in hex (`credentialID`)")->required();
  issue->add_option("--aud", o->aud, "token identity (default: read from the config's token)");
  issue->add_option("--hash-alg", o->hash_alg, "sha256 | sha384 | sha512")->capture_default_str();
  issue->add_option("--hash-file", o->hash_files, "a document to bind (repeatable)");
  issue->add_option("--hash", o->hashes, "a digest to bind, hex or base64 (repeatable)");
  issue->add_option("--lifetime", o->lifetime, "seconds until exp")->capture_default_str();
  issue->add_option("--iat", o->iat, "issued-at (seconds since the epoch; default: now)");
  issue->add_option("--jti", o->jti, "unique id (default: 16 random bytes, base64url)");
  issue->callback([&global, o, exit_code] {
    Status s = RunIssue(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto deposit_path = std::make_shared<std::string>();
  CLI::App* deposit = sad->add_subcommand(
      "deposit",
      "verify a SAD and deposit it in the keystore, where C_Sign of any process finds it");
  deposit->add_option("sad", *deposit_path, "file holding the SAD, or - for standard input")
      ->required();
  deposit->callback([&global, deposit_path, exit_code] {
    Status s = RunDeposit(global, *deposit_path);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto requests_json = std::make_shared<bool>(false);
  CLI::App* requests = sad->add_subcommand(
      "requests", "list the activation requests waiting for a signer's device (deposit provider)");
  requests->add_flag("--json", *requests_json, "each request as the JSON a device reads");
  requests->callback([&global, requests_json, exit_code] {
    Status s = RunRequests(global, *requests_json);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto refuse_id = std::make_shared<std::string>();
  auto refuse_reason = std::make_shared<std::string>();
  CLI::App* refuse = sad->add_subcommand(
      "refuse", "refuse a pending activation request: the waiting C_Sign fails, nothing signed");
  refuse->add_option("id", *refuse_id, "the request id")->required();
  refuse->add_option("--reason", *refuse_reason, "why, for the caller's log and the audit log");
  refuse->callback([&global, refuse_id, refuse_reason, exit_code] {
    Status s = RunRefuse(global, *refuse_id, *refuse_reason);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
