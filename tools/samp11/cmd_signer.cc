// samp11 signer / issuer: who may activate keys, enrolled with the public keys that sign SADs.
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "crypto/jwks.h"
#include "crypto/keys.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

// A public key given as a PEM or JWK file, or as a JWK inline (an argument starting with '{':
// no file name does, and a device's enrolment often hands over just the JSON).
Result<EvpPkeyPtr> ReadPublicKey(const std::string& file_or_jwk) {
  if (!file_or_jwk.empty() && file_or_jwk.front() == '{') return PublicKeyFromPemOrJwk(file_or_jwk);
  SAMP11_ASSIGN_OR_RETURN(Bytes text, ReadFile(file_or_jwk));
  return PublicKeyFromPemOrJwk(ToString(text));
}

constexpr char kPublicKeyHelp[] =
    "the device's public key: a PEM or JWK file, or a JWK inline ('{\"kty\":...}'); P-256, P-384 "
    "or Ed25519";

Status AddActivationKey(Keystore& ks, ActivationKeyRole role, const std::string& owner,
                        const std::string& key_path, const std::string& kid) {
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, ReadPublicKey(key_path));
  SAMP11_ASSIGN_OR_RETURN(std::string added,
                          ks.signers().AddActivationKey(role, owner, key.get(), kid));
  std::cout << RoleName(role) << " key for '" << owner << "' registered, kid " << added << "\n";
  return Status::Ok();
}

struct SignerOptions {
  std::string name;
  std::string activation_key;
  std::string kid;
  std::string subject;  // with issuer: an authorization server's subject enrolled as this signer
  std::string issuer;
  std::string jwks;  // issuer add: the authorization server's JWK Set file
};

struct JwksOptions {
  std::string name;
  std::string jwks;
};

Result<Jwks> ReadJwks(const std::string& path) {
  SAMP11_ASSIGN_OR_RETURN(Bytes text, ReadFile(path));
  return ParseJwks(ToString(text));
}

void PrintJwksChange(const std::string& issuer, const Jwks& jwks,
                     const Signers::JwksChange& change) {
  auto alg_of = [&jwks](const std::string& kid) {
    for (const JwksKey& key : jwks.keys) {
      if (key.kid == kid) return SadAlgName(key.alg);
    }
    return "?";
  };
  for (const std::string& kid : change.added) {
    std::cout << "authorization server '" << issuer << "' key " << kid << " (" << alg_of(kid)
              << ") registered\n";
  }
  for (const std::string& kid : change.kept) {
    std::cout << "authorization server '" << issuer << "' key " << kid << " (" << alg_of(kid)
              << ") kept\n";
  }
  for (const std::string& kid : change.removed) {
    std::cout << "authorization server '" << issuer << "' key " << kid
              << " removed: its SADs are refused from now on\n";
  }
  for (const std::string& kid : jwks.skipped) {
    std::cout << "key " << kid << " skipped: not for signatures (\"use\")\n";
  }
}

// `signer add --subject S --issuer I` and `signer add-subject`: both or neither.
Status AddSubjectIfGiven(Keystore& ks, const SignerOptions& o) {
  if (o.subject.empty() && o.issuer.empty()) return Status::Ok();
  if (o.subject.empty() || o.issuer.empty()) {
    return Status(Code::kArgumentsBad, "--subject and --issuer go together");
  }
  SAMP11_RETURN_IF_ERROR(ks.signers().AddSubject(o.name, o.issuer, o.subject));
  std::cout << "subject '" << o.subject << "' of '" << o.issuer << "' enrolled as '" << o.name
            << "': its access tokens activate this signer's keys\n";
  return Status::Ok();
}

constexpr char kSubjectHelp[] =
    "an authorization server's subject (the `sub` of its access tokens) that is this signer; "
    "with --issuer";
constexpr char kSubjectIssuerHelp[] =
    "the authorization server (its name, the `iss` of its access tokens) whose subject --subject "
    "is";

struct RemoveKeyOptions {
  std::string owner;
  std::string kid;
  std::string reason;
};

// `signer remove-key` and `issuer remove`: the key goes at once, for every process.
void AddRemoveKeyCommand(CLI::App& parent, const char* name, const char* help,
                         ActivationKeyRole role, const char* owner_help,
                         const GlobalOptions& global, int* exit_code) {
  auto o = std::make_shared<RemoveKeyOptions>();
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->add_option("name", o->owner, owner_help)->required();
  cmd->add_option("kid", o->kid, "the key's id (as `samp11 signer list` shows it)")->required();
  cmd->add_option("--reason", o->reason, "why, for the audit record (a lost phone, ...)");
  cmd->callback([&global, o, role, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      SAMP11_RETURN_IF_ERROR(ks->signers().RemoveActivationKey(role, o->owner, o->kid, o->reason));
      std::cout << RoleName(role) << " key " << o->kid << " of '" << o->owner
                << "' removed: SADs it signed are refused from now on\n";
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

struct SetPinOptions {
  std::string name;
  std::string pin_env = "SAMP11_PIN";
};

// The PIN never comes from argv (other users see it in ps): from the environment variable, else
// one line of stdin, unechoed when stdin is a terminal. pin is wiped by the caller.
Status ReadPin(const SetPinOptions& o, std::string& pin) {
  const char* env = std::getenv(o.pin_env.c_str());
  if (env != nullptr && *env != '\0') {
    pin.assign(env);
    return Status::Ok();
  }
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::cerr << "PIN for '" << o.name << "': " << std::flush;
  }
  pin.reserve(256);  // read in place: no reallocation leaves PIN bytes behind
  const bool read = static_cast<bool>(std::getline(std::cin, pin));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!pin.empty() && pin.back() == '\r') pin.pop_back();
  if (!read || pin.empty()) {
    return Status(Code::kArgumentsBad, "no PIN: set " + o.pin_env + " or give it on stdin");
  }
  return Status::Ok();
}

}  // namespace

void AddSignerCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* signer = app.add_subcommand("signer", "enrol and list signers");
  signer->require_subcommand(1);

  auto add = std::make_shared<SignerOptions>();
  CLI::App* add_cmd = signer->add_subcommand("add", "enrol a signer with their device's key");
  add_cmd->add_option("name", add->name, "signer name (the SAD `sub`)")->required();
  add_cmd->add_option("--activation-key", add->activation_key,
                      std::string(kPublicKeyHelp) + "; or --subject and --issuer, or both");
  add_cmd->add_option("--kid", add->kid, "key id (default: its RFC 7638 JWK thumbprint)");
  add_cmd->add_option("--subject", add->subject, kSubjectHelp);
  add_cmd->add_option("--issuer", add->issuer, kSubjectIssuerHelp);
  add_cmd->callback([&global, add, exit_code] {
    auto run = [&]() -> Status {
      if (add->activation_key.empty() && add->subject.empty()) {
        return Status(Code::kArgumentsBad,
                      "a signer needs --activation-key, or --subject and --issuer");
      }
      if (add->subject.empty() != add->issuer.empty()) {
        return Status(Code::kArgumentsBad, "--subject and --issuer go together");
      }
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      if (add->activation_key.empty()) {
        // An access token's signer only: enrolled with the subject, in two audited steps (a
        // refused subject leaves the signer enrolled without it: `signer add-subject` then).
        SAMP11_RETURN_IF_ERROR(ks->signers().AddSigner(add->name));
        std::cout << "signer '" << add->name << "' enrolled\n";
        return AddSubjectIfGiven(*ks, *add);
      }
      // Check the key before enrolling, so a bad key file leaves no half-enrolled signer.
      SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, ReadPublicKey(add->activation_key));
      SAMP11_RETURN_IF_ERROR(SadAlgForKey(key.get()).status());
      // The same for a key id that is taken: the signer would stay enrolled without the device
      // key this command was to register. (A name that is taken is AddSigner's refusal, audited.)
      SAMP11_ASSIGN_OR_RETURN(bool enrolled, ks->signers().SignerExists(add->name));
      if (!enrolled) {
        std::string kid = add->kid;
        if (kid.empty()) {
          SAMP11_ASSIGN_OR_RETURN(kid, JwkThumbprint(key.get()));
        }
        Result<ActivationKey> taken = ks->signers().GetActivationKey(kid);
        if (taken.ok()) {
          return Status(Code::kAlreadyExists, "activation key '" + kid +
                                                  "' already exists; signer '" + add->name +
                                                  "' not enrolled");
        }
        if (taken.status().code() != Code::kNotFound) return taken.status();
      }
      SAMP11_RETURN_IF_ERROR(ks->signers().AddSigner(add->name));
      std::cout << "signer '" << add->name << "' enrolled\n";
      SAMP11_RETURN_IF_ERROR(AddActivationKey(*ks, ActivationKeyRole::kDevice, add->name,
                                              add->activation_key, add->kid));
      return AddSubjectIfGiven(*ks, *add);
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto add_key = std::make_shared<SignerOptions>();
  CLI::App* add_key_cmd =
      signer->add_subcommand("add-key", "register another device key for an enrolled signer");
  add_key_cmd->add_option("name", add_key->name, "signer name")->required();
  add_key_cmd->add_option("--activation-key", add_key->activation_key, kPublicKeyHelp)->required();
  add_key_cmd->add_option("--kid", add_key->kid, "key id (default: JWK thumbprint)");
  add_key_cmd->callback([&global, add_key, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      return AddActivationKey(*ks, ActivationKeyRole::kDevice, add_key->name,
                              add_key->activation_key, add_key->kid);
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto add_subject = std::make_shared<SignerOptions>();
  CLI::App* add_subject_cmd = signer->add_subcommand(
      "add-subject", "enrol an authorization server's subject as an enrolled signer");
  add_subject_cmd->add_option("name", add_subject->name, "signer name")->required();
  add_subject_cmd->add_option("--subject", add_subject->subject, kSubjectHelp)->required();
  add_subject_cmd->add_option("--issuer", add_subject->issuer, kSubjectIssuerHelp)->required();
  add_subject_cmd->callback([&global, add_subject, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      return AddSubjectIfGiven(*ks, *add_subject);
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto remove_subject = std::make_shared<RemoveKeyOptions>();
  auto remove_subject_issuer = std::make_shared<std::string>();
  CLI::App* remove_subject_cmd = signer->add_subcommand(
      "remove-subject",
      "take a subject off its signer: that server's access tokens for it are refused at once");
  remove_subject_cmd->add_option("--subject", remove_subject->kid, "the subject")->required();
  remove_subject_cmd->add_option("--issuer", *remove_subject_issuer, "its authorization server")
      ->required();
  remove_subject_cmd->add_option("--reason", remove_subject->reason, "why, for the audit record");
  remove_subject_cmd->callback([&global, remove_subject, remove_subject_issuer, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      SAMP11_RETURN_IF_ERROR(ks->signers().RemoveSubject(
          *remove_subject_issuer, remove_subject->kid, remove_subject->reason));
      std::cout << "subject '" << remove_subject->kid << "' of '" << *remove_subject_issuer
                << "' removed\n";
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  AddRemoveKeyCommand(*signer, "remove-key",
                      "revoke a signer's device key (a lost or replaced device): its SADs are "
                      "refused at once, in every process",
                      ActivationKeyRole::kDevice, "signer name", global, exit_code);

  auto set_pin = std::make_shared<SetPinOptions>();
  CLI::App* set_pin_cmd = signer->add_subcommand(
      "set-pin", "set the PIN that activates the signer's SCAL1 keys (and unlock it)");
  set_pin_cmd->add_option("name", set_pin->name, "signer name")->required();
  set_pin_cmd
      ->add_option("--pin-env", set_pin->pin_env,
                   "environment variable holding the PIN (else one line of stdin); 4..64 "
                   "printable ASCII characters, no ':'")
      ->capture_default_str();
  set_pin_cmd->callback([&global, set_pin, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      std::string pin;
      Status status = ReadPin(*set_pin, pin);
      if (status.ok()) status = ks->pins().SetSignerPin(set_pin->name, pin);
      OPENSSL_cleanse(pin.data(), pin.size());
      SAMP11_RETURN_IF_ERROR(status);
      std::cout << "PIN set for '" << set_pin->name << "'\n";
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  AddSignerOtpCommands(*signer, global, exit_code);

  CLI::App* list_cmd = signer->add_subcommand("list", "list signers and their activation keys");
  list_cmd->callback([&global, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> signers, ks->signers().ListSignerRecords());
      SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKey> keys, ks->signers().ListActivationKeys());
      SAMP11_ASSIGN_OR_RETURN(std::vector<SignerSubjectRow> subjects, ks->signers().ListSubjects());
      for (const SignerRow& row : signers) {
        if (row.status == signer_status::kRemoved) continue;
        const std::string& name = row.name;
        std::cout << name << (row.status == signer_status::kEnabled ? "" : " (" + row.status + ")")
                  << "\n";
        for (const ActivationKey& k : keys) {
          if (k.role == ActivationKeyRole::kDevice && k.owner == name) {
            std::cout << "  device key " << k.kid << " (" << SadAlgName(k.alg) << ")\n";
          }
        }
        for (const SignerSubjectRow& subject : subjects) {
          if (subject.signer == name) {
            std::cout << "  subject '" << subject.subject << "' of '" << subject.issuer << "'\n";
          }
        }
      }
      for (const ActivationKey& k : keys) {
        if (k.role == ActivationKeyRole::kAuthorizationServer) {
          std::cout << "authorization server '" << k.owner << "' key " << k.kid << " ("
                    << SadAlgName(k.alg) << (k.enabled ? "" : ", disabled") << ")\n";
        }
      }
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

void AddIssuerCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* issuer =
      app.add_subcommand("issuer", "trust an authorization server to issue SADs for any signer");
  issuer->require_subcommand(1);
  auto add = std::make_shared<SignerOptions>();
  CLI::App* add_cmd = issuer->add_subcommand("add", "register an authorization server's key");
  add_cmd
      ->add_option("name", add->name,
                   "issuer name: the `iss` of its SADs and access tokens (for an OAuth "
                   "authorization server, its issuer URL)")
      ->required();
  CLI::Option* key_option =
      add_cmd->add_option("--key", add->activation_key,
                          "its public key: a PEM or JWK file, or a JWK inline ('{\"kty\":...}')");
  CLI::Option* jwks_option = add_cmd->add_option(
      "--jwks", add->jwks,
      "its JWK Set file ({\"keys\":[...]}): every signing key, by kid; RS256, PS256 (RSA 2048, "
      "3072, 4096 bits; \"alg\" required), ES256, ES384, EdDSA");
  key_option->excludes(jwks_option);
  add_cmd->add_option("--kid", add->kid, "key id (default: JWK thumbprint)")->excludes(jwks_option);
  add_cmd->callback([&global, add, exit_code] {
    auto run = [&]() -> Status {
      if (add->activation_key.empty() == add->jwks.empty()) {
        return Status(Code::kArgumentsBad, "give --key or --jwks");
      }
      if (!add->jwks.empty()) {
        SAMP11_ASSIGN_OR_RETURN(Jwks jwks, ReadJwks(add->jwks));
        SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
        SAMP11_ASSIGN_OR_RETURN(Signers::JwksChange change,
                                ks->signers().SetIssuerJwks(add->name, jwks, false));
        PrintJwksChange(add->name, jwks, change);
        return Status::Ok();
      }
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      return AddActivationKey(*ks, ActivationKeyRole::kAuthorizationServer, add->name,
                              add->activation_key, add->kid);
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
  auto update = std::make_shared<JwksOptions>();
  CLI::App* update_cmd = issuer->add_subcommand(
      "update",
      "replace an authorization server's keys with its current JWK Set: new kids registered, "
      "kids no longer in it removed (their SADs refused at once), in one write");
  update_cmd->add_option("name", update->name, "issuer name")->required();
  update_cmd->add_option("--jwks", update->jwks, "its JWK Set file")->required();
  update_cmd->callback([&global, update, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(Jwks jwks, ReadJwks(update->jwks));
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      SAMP11_ASSIGN_OR_RETURN(Signers::JwksChange change,
                              ks->signers().SetIssuerJwks(update->name, jwks, true));
      PrintJwksChange(update->name, jwks, change);
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
  CLI::App* list_cmd =
      issuer->add_subcommand("list", "list the authorization servers and their keys");
  list_cmd->callback([&global, exit_code] {
    auto run = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
      SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKey> keys, ks->signers().ListActivationKeys());
      // By issuer, then key id (the keys come by kid): one line per key, the issuer first.
      std::stable_sort(
          keys.begin(), keys.end(),
          [](const ActivationKey& a, const ActivationKey& b) { return a.owner < b.owner; });
      for (const ActivationKey& k : keys) {
        if (k.role != ActivationKeyRole::kAuthorizationServer) continue;
        std::cout << k.owner << "  " << k.kid << "  " << SadAlgName(k.alg)
                  << (k.enabled ? "" : "  disabled") << "\n";
      }
      return Status::Ok();
    };
    Status s = run();
    *exit_code = s.ok() ? 0 : Fail(s);
  });
  for (const bool enable : {false, true}) {
    auto name = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    CLI::App* cmd = issuer->add_subcommand(
        enable ? "enable" : "disable",
        enable ? "let a disabled authorization server's SADs be taken again"
               : "refuse every SAD of an authorization server (all its keys) until enabled, at "
                 "once in every process; its keys stay registered");
    cmd->add_option("name", *name, "issuer name")->required();
    cmd->add_option("--reason", *reason, "why, for the audit record");
    cmd->callback([&global, name, reason, enable, exit_code] {
      auto run = [&]() -> Status {
        SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
        SAMP11_RETURN_IF_ERROR(ks->signers().SetIssuerEnabled(*name, enable, *reason));
        std::cout << "authorization server '" << *name << "' "
                  << (enable ? "enabled" : "disabled: its SADs are refused from now on") << "\n";
        return Status::Ok();
      };
      Status s = run();
      *exit_code = s.ok() ? 0 : Fail(s);
    });
  }
  AddRemoveKeyCommand(*issuer, "remove",
                      "revoke an authorization server's key: its SADs are refused at once, in "
                      "every process",
                      ActivationKeyRole::kAuthorizationServer, "issuer name", global, exit_code);
}

}  // namespace samp11::cli
