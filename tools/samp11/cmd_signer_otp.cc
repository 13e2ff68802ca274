// samp11 signer set-totp | set-ocra: a signer's one-time-password secrets (keystore/signer_otp.h).
#include <openssl/crypto.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "crypto/otp.h"
#include "keystore/keystore.h"
#include "tools/samp11/commands.h"
#include "tools/samp11/qr_terminal.h"

namespace samp11::cli {
namespace {

struct SetTotpOptions {
  std::string name;
  std::string algorithm = "SHA1";
  int digits = 6;
  int64_t period = 30;
  bool qr = false;
};

struct SetOcraOptions {
  std::string name;
  std::string suite;
  std::string pin_env;
};

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string UriEscape(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

// The Key URI Format of Google Authenticator and the apps that follow it:
// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=..&digits=..&period=..
std::string OtpauthUri(const std::string& issuer, const std::string& signer,
                       const SecureBytes& secret, const TotpParams& params) {
  std::string base32 = Base32Encode(secret.data(), secret.size());
  std::string uri =
      "otpauth://totp/" + UriEscape(issuer) + ":" + UriEscape(signer) + "?secret=" + base32 +
      "&issuer=" + UriEscape(issuer) + "&algorithm=" + OtpHashName(params.hash) +
      "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.period);
  OPENSSL_cleanse(base32.data(), base32.size());
  return uri;
}

Status RunSetTotp(const GlobalOptions& global, const SetTotpOptions& o) {
  std::optional<OtpHash> hash = ParseOtpHash(o.algorithm);
  if (!hash) return Status(Code::kArgumentsBad, "--algorithm is SHA1 or SHA256");
  TotpParams params;
  params.hash = *hash;
  params.digits = o.digits;
  params.period = o.period;
  SAMP11_RETURN_IF_ERROR(CheckTotpParams(params));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(SecureBytes secret, ks->otp().EnrolTotp(o.name, params));
  std::string uri = OtpauthUri("samp11 " + ks->label(), o.name, secret, params);
  std::cout << "TOTP set for '" << o.name << "' (" << TotpParamsText(params)
            << "): its PIN login is now NAME:PIN:CODE; scan this with the signer's authenticator "
               "app, then let the signer keep it alone\n";
  if (o.qr || ::isatty(STDOUT_FILENO) == 1) {
    SAMP11_ASSIGN_OR_RETURN(std::string qr, QrTerminalText(uri));
    std::cout << qr;
  }
  std::cout << uri << "\n" << std::flush;
  OPENSSL_cleanse(uri.data(), uri.size());
  return Status::Ok();
}

Status RunSetOcra(const GlobalOptions& global, const SetOcraOptions& o) {
  std::optional<std::string> pin;
  if (!o.pin_env.empty()) {
    const char* env = std::getenv(o.pin_env.c_str());
    if (env == nullptr || *env == '\0') {
      return Status(Code::kArgumentsBad, "--pin-env names " + o.pin_env + ", which is not set");
    }
    pin = std::string(env);
  }
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  Result<SecureBytes> secret = ks->otp().EnrolOcra(o.name, o.suite, pin);
  if (pin) OPENSSL_cleanse(pin->data(), pin->size());
  SAMP11_RETURN_IF_ERROR(secret.status());
  // The HMAC key alone: what a hardware token or an app is programmed with (a PIN hash the
  // suite asks for is the signer's PIN, entered on the token).
  SAMP11_ASSIGN_OR_RETURN(OcraSuite suite, ParseOcraSuite(o.suite));
  const size_t key_size = OtpHashSize(suite.hash);
  std::string hex = HexEncode(secret->data(), key_size);
  std::cout << "OCRA set for '" << o.name << "' (" << suite.text
            << "): the signer's SCAL2 keys now also take an OCRA SAD (docs/sad.md); program the "
               "signer's token with this secret, then let the signer keep it alone\n"
            << "secret (hex): " << hex << "\n"
            << std::flush;
  OPENSSL_cleanse(hex.data(), hex.size());
  return Status::Ok();
}

}  // namespace

void AddSignerOtpCommands(CLI::App& signer, const GlobalOptions& global, int* exit_code) {
  auto totp = std::make_shared<SetTotpOptions>();
  CLI::App* totp_cmd = signer.add_subcommand(
      "set-totp",
      "make a TOTP secret (RFC 6238) for the signer: their PIN login becomes NAME:PIN:CODE; "
      "prints an otpauth:// URI and its QR code for an authenticator app");
  totp_cmd->add_option("name", totp->name, "signer name")->required();
  totp_cmd->add_option("--algorithm", totp->algorithm, "SHA1 or SHA256")->capture_default_str();
  totp_cmd->add_option("--digits", totp->digits, "6 or 8")->capture_default_str();
  totp_cmd->add_option("--period", totp->period, "seconds per code (15..300)")
      ->capture_default_str();
  totp_cmd->add_flag("--qr", totp->qr,
                     "draw the QR code even when stdout is not a terminal (it is drawn when it "
                     "is)");
  totp_cmd->callback([&global, totp, exit_code] {
    Status s = RunSetTotp(global, *totp);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto ocra = std::make_shared<SetOcraOptions>();
  CLI::App* ocra_cmd = signer.add_subcommand(
      "set-ocra",
      "make an OCRA secret (RFC 6287) for the signer: an OCRA SAD, the response over a "
      "document's SHA-256 hash, then activates one signature of that hash (and re-enrolling "
      "unlocks it)");
  ocra_cmd->add_option("name", ocra->name, "signer name")->required();
  ocra_cmd
      ->add_option("--suite", ocra->suite,
                   "OCRA suite with a QH64 challenge, e.g. OCRA-1:HOTP-SHA256-8:QH64 or "
                   "OCRA-1:HOTP-SHA256-8:QH64-T30S")
      ->required();
  ocra_cmd->add_option("--pin-env", ocra->pin_env,
                       "for a suite with a PIN hash (P): the environment variable holding the "
                       "signer's PIN");
  ocra_cmd->callback([&global, ocra, exit_code] {
    Status s = RunSetOcra(global, *ocra);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
