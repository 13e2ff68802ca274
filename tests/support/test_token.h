// A real token in a temporary folder for tests: config file, keystore, enrolled signers with
// device keys, and a device that issues SADs. Used by the SAM unit tests and by the integration
// tests that load the built module.
//
// The key backend is the tests' parameter: SAMP11_TEST_KEY_BACKEND=pkcs11 makes every TestToken
// keep its new keys in the process's SoftHSM sandbox (softhsm.h) instead of the keystore file, so
// that one suite checks both backends (CMake registers unit_sam and module_tests once for each).
//
// So is where the token's state lives: SAMP11_TEST_STATE=postgres makes every TestToken keep it in
// a schema of its own of the process's PostgreSQL cluster (pg_cluster.h), as `samp11 init
// --database` makes it, instead of a keystore file (unit_sam_postgres, module_tests_postgres).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "crypto/digest.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "keystore/keystore.h"
#include "sad/sad.h"
#include "token/open_keystore.h"

namespace samp11::testing {

// SAMP11_TEST_KEY_BACKEND: "file" (unset or empty) or "pkcs11"; anything else throws, so that a
// typo in CI does not quietly run the file backend twice.
const std::string& TestKeyBackend();
inline bool TestingPkcs11Backend() { return TestKeyBackend() == "pkcs11"; }

// SAMP11_TEST_STATE: "sqlite" (unset or empty) or "postgres"; anything else throws, as above.
const std::string& TestState();
inline bool TestingPostgresState() { return TestState() == "postgres"; }

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Device {
  std::string signer;
  EvpPkeyPtr key;  // private: the test plays the device
  std::string kid;
};

// Everything a SAD claims, with defaults that make a valid SAD; tests change one field.
struct SadSpec {
  HashAlg alg = HashAlg::kSha256;
  std::vector<Bytes> hashes;
  int64_t iat_offset = 0;  // from now
  int64_t lifetime = 300;
  std::string aud;            // default: the token's identity
  std::string sub;            // default: the device's signer
  std::string iss;            // default: the signer
  std::string credential_id;  // default: the key's id in hex
  std::string jti;            // default: random
};

class TestToken {
 public:
  // Creates a token labelled "test" with the given signers, each with a P-256 device key
  // (a signer named "ed-*" gets an Ed25519 device, "p384-*" a P-384 one). key_backend is the
  // token's default backend, "" for TestKeyBackend(); a "pkcs11" token's inner token is the
  // SoftHSM sandbox's. Its state is a keystore file in dir(), or with TestingPostgresState() a
  // fresh schema of one database of the shared cluster, as node "test-node" (config().database:
  // every process that loads config_path() reaches it). Its keystore is opened as the module
  // opens it (OpenTokenKeystore).
  explicit TestToken(const std::vector<std::string>& signers = {"alice", "bob"},
                     const std::string& key_backend = "");

  const std::string& config_path() const { return config_path_; }
  const std::string& dir() const { return dir_.path(); }
  const TokenConfig& config() const { return config_; }
  Keystore& keystore() { return *keystore_; }
  Device& device(const std::string& signer) { return devices_.at(signer); }

  // A SCAL2 key in backend ("" for the token's default), with a random id.
  UnwrappedKey GenerateKey(const std::string& signer, KeyType type,
                           const std::string& backend = "");
  // A SAD from signer's device about key for the given spec.
  std::string Sad(const std::string& signer, const KeyInfo& key, SadSpec spec);
  // A SAD for one document (hashed with SHA-256).
  std::string SadForData(const std::string& signer, const KeyInfo& key, const Bytes& data);

 private:
  TempDir dir_;
  std::string config_path_;
  TokenConfig config_;
  std::unique_ptr<Keystore> keystore_;
  std::map<std::string, Device> devices_;
};

// The key's public key, for verifying what the module signed.
EvpPkeyPtr PublicKeyOf(const KeyInfo& key);

}  // namespace samp11::testing
