#include "tests/support/test_token.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/softhsm.h"

namespace samp11::testing {
namespace {

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string(what) + ": " + result.status().ToString());
  return std::move(result).value();
}

void Must(const Status& status, const char* what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.ToString());
}

// Where a new token's state goes in PostgreSQL: a database made once per process in its shared
// cluster, and a schema of its own per token, so that no token sees another's rows. The server
// is the test's own and may be slow under a loaded CI machine: 30 s before a statement fails,
// where the product's default is 5 (no test here waits on a timeout).
DatabaseConfig PostgresTokenState() {
  static const std::string conninfo = [] {
    PgCluster& cluster = SharedPgCluster();
    Must(cluster.CreateDatabase("tokens"), "database for the test tokens");
    return cluster.ConnInfo("tokens");
  }();
  static std::atomic<int> tokens{0};
  DatabaseConfig database;
  database.conninfo = conninfo;
  database.schema = "token_" + std::to_string(++tokens);
  database.node = "test-node";
  database.timeout_seconds = 30;
  return database;
}

}  // namespace

const std::string& TestState() {
  static const std::string state = [] {
    const char* value = std::getenv("SAMP11_TEST_STATE");
    std::string name = value == nullptr ? "" : value;
    if (name.empty()) return std::string("sqlite");
    if (name != "sqlite" && name != "postgres") {
      throw std::runtime_error("SAMP11_TEST_STATE is sqlite or postgres, not '" + name + "'");
    }
    return name;
  }();
  return state;
}

const std::string& TestKeyBackend() {
  static const std::string backend = [] {
    const char* value = std::getenv("SAMP11_TEST_KEY_BACKEND");
    std::string name = value == nullptr ? "" : value;
    if (name.empty()) return std::string("file");
    if (name != "file" && name != "pkcs11") {
      throw std::runtime_error("SAMP11_TEST_KEY_BACKEND is file or pkcs11, not '" + name + "'");
    }
    return name;
  }();
  return backend;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "samp11-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TestToken::TestToken(const std::vector<std::string>& signers, const std::string& key_backend) {
  config_path_ = dir_.path() + "/samp11.json";
  config_.label = "test";
  if (TestingPostgresState()) {
    config_.database = PostgresTokenState();
  } else {
    config_.keystore = dir_.path() + "/test.db";
  }
  config_.master = {MasterKeySource::Kind::kKeyFile, dir_.path() + "/master.key"};
  config_.key_backend = key_backend.empty() ? TestKeyBackend() : key_backend;
  if (config_.key_backend == "pkcs11") config_.pkcs11_backend = SoftHsmSandbox::Get().Config();
  Must(CreateMasterKeyFile(config_.master.location), "master key");
  // Made as `samp11 init` makes it (cmd_init.cc), in the file or the schema the config names.
  Must(Keystore::Create(*TokenLocation(config_), config_.master, config_.label, DefaultClock())
           .status(),
       "keystore");
  // Opened again the way the module and the CLI open it, with the configured backends; the inner
  // token is connected on first use only (the first inner key), as in the module.
  keystore_ = Must(OpenTokenKeystore(config_), "open keystore");
  ModuleConfig module;
  module.tokens.push_back(config_);
  Must(SaveConfig(module, config_path_), "config");
  for (const std::string& name : signers) {
    KeyType device_type = KeyType::kEcP256;
    if (name.rfind("ed-", 0) == 0) device_type = KeyType::kEd25519;
    if (name.rfind("p384-", 0) == 0) device_type = KeyType::kEcP384;
    Device device;
    device.signer = name;
    device.key = Must(samp11::GenerateKey(device_type), "device key");
    Must(keystore_->signers().AddSigner(name), "signer");
    device.kid = Must(
        keystore_->signers().AddActivationKey(ActivationKeyRole::kDevice, name, device.key.get()),
        "kid");
    devices_.emplace(name, std::move(device));
  }
}

UnwrappedKey TestToken::GenerateKey(const std::string& signer, KeyType type,
                                    const std::string& backend) {
  return Must(keystore_->keys().GenerateKey(signer, type, signer + "-" + KeyTypeName(type), 2,
                                            Bytes(), std::nullopt, backend),
              "generate key");
}

std::string TestToken::Sad(const std::string& signer, const KeyInfo& key, SadSpec spec) {
  const Device& dev = device(signer);
  SadClaims claims;
  claims.sub = spec.sub.empty() ? signer : spec.sub;
  claims.iss = spec.iss.empty() ? claims.sub : spec.iss;
  claims.aud = spec.aud.empty() ? keystore_->identity() : spec.aud;
  claims.credential_id = spec.credential_id.empty() ? HexEncode(key.id) : spec.credential_id;
  claims.hash_alg = spec.alg;
  claims.hashes = spec.hashes;
  claims.iat = static_cast<int64_t>(std::time(nullptr)) + spec.iat_offset;
  claims.exp = claims.iat + spec.lifetime;
  claims.jti = spec.jti.empty() ? Base64UrlEncode(Must(RandomBytes(12), "jti")) : spec.jti;
  return Must(IssueSad(claims, dev.kid, dev.key.get()), "issue SAD");
}

std::string TestToken::SadForData(const std::string& signer, const KeyInfo& key,
                                  const Bytes& data) {
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, data)};
  return Sad(signer, key, spec);
}

EvpPkeyPtr PublicKeyOf(const KeyInfo& key) {
  return Must(PublicKeyFromSpki(key.public_spki), "public key");
}

}  // namespace samp11::testing
