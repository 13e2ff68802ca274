// The module's C ABI driven by fuzzer-chosen call sequences over one real token: sessions,
// searches and attribute reads with fuzzed templates and buffer sizes, sign operations with
// fuzzed mechanisms, parameters, SADs and data. Every call must return, whatever the order.
// Pointers are NULL only where the standard lets a caller pass NULL (size queries, empty
// templates); buffers are exactly as long as the lengths given with them, so any read or write
// past them is the module's and ASan reports it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "cryptoki/pkcs11_v3.h"
#include "pkcs11/samp11_vendor.h"
#include "tests/support/test_token.h"

namespace {

using samp11::Bytes;

// Fuzzer bytes, consumed from the front; zeros once they run out.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return size_ == 0; }
  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  CK_ULONG Ulong() {
    CK_ULONG v = 0;
    for (size_t i = 0; i < sizeof v; ++i) v = (v << 8) | Byte();
    return v;
  }
  Bytes Take(size_t n) {
    n = n < size_ ? n : size_;
    Bytes out(data_, data_ + n);
    data_ += n;
    size_ -= n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

struct World {
  samp11::testing::TestToken* token;
  CK_FUNCTION_LIST_PTR p11;
  std::vector<CK_OBJECT_HANDLE> objects;  // keys and certificates found at start
  samp11::KeyInfo ec_key;
  Bytes document;  // the one document the valid SADs below bind
};
World* world = nullptr;

constexpr CK_ATTRIBUTE_TYPE kAttributeTypes[] = {CKA_CLASS,
                                                 CKA_TOKEN,
                                                 CKA_PRIVATE,
                                                 CKA_LABEL,
                                                 CKA_ID,
                                                 CKA_VALUE,
                                                 CKA_KEY_TYPE,
                                                 CKA_SIGN,
                                                 CKA_VERIFY,
                                                 CKA_MODULUS,
                                                 CKA_PUBLIC_EXPONENT,
                                                 CKA_EC_PARAMS,
                                                 CKA_EC_POINT,
                                                 CKA_SENSITIVE,
                                                 CKA_EXTRACTABLE,
                                                 CKA_ALWAYS_AUTHENTICATE,
                                                 CKA_SUBJECT,
                                                 CKA_MODULUS_BITS,
                                                 CKA_ALLOWED_MECHANISMS,
                                                 CKA_CERTIFICATE_TYPE};
constexpr CK_ULONG kUlongValues[] = {CKO_PRIVATE_KEY,
                                     CKO_PUBLIC_KEY,
                                     CKO_CERTIFICATE,
                                     CKO_SAMP11_SAD,
                                     CKK_EC,
                                     CKK_RSA,
                                     CKK_EC_EDWARDS,
                                     0,
                                     1};
constexpr CK_MECHANISM_TYPE kMechanisms[] = {CKM_ECDSA,
                                             CKM_ECDSA_SHA256,
                                             CKM_ECDSA_SHA384,
                                             CKM_ECDSA_SHA512,
                                             CKM_RSA_PKCS,
                                             CKM_SHA256_RSA_PKCS,
                                             CKM_SHA512_RSA_PKCS,
                                             CKM_RSA_PKCS_PSS,
                                             CKM_SHA256_RSA_PKCS_PSS,
                                             CKM_SHA384_RSA_PKCS_PSS,
                                             CKM_EDDSA,
                                             CKM_SHA256};
constexpr CK_ULONG kHashMechanisms[] = {CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_SHA_1};
constexpr CK_ULONG kMgfs[] = {CKG_MGF1_SHA256, CKG_MGF1_SHA384, CKG_MGF1_SHA512, CKG_MGF1_SHA1};

// A template whose attribute values live in *storage (kept until the call returns).
std::vector<CK_ATTRIBUTE> Template(Input& in, std::vector<Bytes>* storage) {
  const size_t count = in.Byte() % 5;
  storage->reserve(count);
  std::vector<CK_ATTRIBUTE> attrs;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t t = in.Byte();
    CK_ATTRIBUTE a{};
    a.type = t < 200 ? kAttributeTypes[t % std::size(kAttributeTypes)] : in.Ulong();
    Bytes value;
    switch (in.Byte() % 4) {
      case 0: {
        CK_ULONG v = kUlongValues[in.Byte() % std::size(kUlongValues)];
        value.resize(sizeof v);
        std::memcpy(value.data(), &v, sizeof v);
        break;
      }
      case 1:
        value.push_back(in.Byte() & 1);  // a CK_BBOOL
        break;
      case 2:
        value = world->ec_key.id;  // finds the real key
        break;
      default:
        value = in.Take(in.Byte());
    }
    storage->push_back(std::move(value));
    a.pValue = storage->back().empty() ? nullptr : storage->back().data();
    a.ulValueLen = storage->back().size();
    attrs.push_back(a);
  }
  return attrs;
}

CK_OBJECT_HANDLE Object(Input& in) {
  const uint8_t b = in.Byte();
  if (b < 200 && !world->objects.empty()) return world->objects[b % world->objects.size()];
  return in.Ulong();
}

std::string FreshSad() { return world->token->SadForData("alice", world->ec_key, world->document); }

void Run(Input& in) {
  CK_FUNCTION_LIST_PTR p = world->p11;
  std::vector<CK_SESSION_HANDLE> sessions;
  auto session = [&]() -> CK_SESSION_HANDLE {
    const uint8_t b = in.Byte();
    if (b < 240 && !sessions.empty()) return sessions[b % sessions.size()];
    return b == 255 ? in.Ulong() : CK_INVALID_HANDLE;
  };
  for (int step = 0; step < 64 && !in.empty(); ++step) {
    switch (in.Byte() % 14) {
      case 0: {
        CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
        const CK_FLAGS flags = (in.Byte() & 1 ? CKF_RW_SESSION : 0) | CKF_SERIAL_SESSION;
        if (p->C_OpenSession(0, flags, nullptr, nullptr, &h) == CKR_OK) sessions.push_back(h);
        break;
      }
      case 1:
        p->C_CloseSession(session());
        break;
      case 2: {
        std::vector<Bytes> storage;
        std::vector<CK_ATTRIBUTE> t = Template(in, &storage);
        CK_SESSION_HANDLE h = session();
        if (p->C_FindObjectsInit(h, t.empty() ? nullptr : t.data(), t.size()) != CKR_OK) break;
        std::vector<CK_OBJECT_HANDLE> found(in.Byte() % 8 + 1);
        CK_ULONG n = 0;
        p->C_FindObjects(h, found.data(), found.size(), &n);
        p->C_FindObjectsFinal(h);
        break;
      }
      case 3: {
        const size_t count = in.Byte() % 4 + 1;
        std::vector<Bytes> buffers(count);
        std::vector<CK_ATTRIBUTE> t(count);
        for (size_t i = 0; i < count; ++i) {
          const uint8_t ty = in.Byte();
          t[i].type = ty < 220 ? kAttributeTypes[ty % std::size(kAttributeTypes)] : in.Ulong();
          const uint8_t len = in.Byte();
          if (len < 32) {
            t[i].pValue = nullptr;  // a length query
            t[i].ulValueLen = 0;
          } else {
            buffers[i].resize(len < 128 ? len - 32 : static_cast<size_t>(len) * 4);
            t[i].pValue = buffers[i].empty() ? nullptr : buffers[i].data();
            t[i].ulValueLen = buffers[i].size();
          }
        }
        p->C_GetAttributeValue(session(), Object(in), t.data(), t.size());
        break;
      }
      case 4: {
        CK_MECHANISM m{};
        const uint8_t mb = in.Byte();
        m.mechanism = mb < 240 ? kMechanisms[mb % std::size(kMechanisms)] : in.Ulong();
        CK_RSA_PKCS_PSS_PARAMS pss{};
        Bytes raw;
        switch (in.Byte() % 3) {
          case 0:
            break;
          case 1:
            pss.hashAlg = kHashMechanisms[in.Byte() % 4];
            pss.mgf = kMgfs[in.Byte() % 4];
            pss.sLen = in.Byte() < 128 ? in.Byte() : in.Ulong();
            m.pParameter = &pss;
            m.ulParameterLen = sizeof pss;
            break;
          default:
            raw = in.Take(in.Byte() % 40);
            m.pParameter = raw.empty() ? nullptr : raw.data();
            m.ulParameterLen = raw.size();
        }
        p->C_SignInit(session(), &m, Object(in));
        break;
      }
      case 5:
      case 6: {
        const CK_USER_TYPE user = in.Byte() & 1 ? CKU_CONTEXT_SPECIFIC : CKU_USER;
        Bytes pin = in.Byte() < 64 ? samp11::ToBytes(FreshSad()) : in.Take(in.Byte());
        p->C_Login(session(), user, pin.empty() ? nullptr : pin.data(), pin.size());
        break;
      }
      case 7:
      case 8: {
        Bytes data = in.Byte() < 128 ? world->document : in.Take(in.Byte());
        const uint8_t len = in.Byte();
        Bytes sig(len < 32 ? 0 : static_cast<size_t>(len) * 2);
        CK_ULONG sig_len = sig.size();
        p->C_Sign(session(), data.empty() ? nullptr : data.data(), data.size(),
                  len < 16 ? nullptr : (sig.empty() ? nullptr : sig.data()), &sig_len);
        break;
      }
      case 9: {
        Bytes part = in.Take(in.Byte());
        p->C_SignUpdate(session(), part.empty() ? nullptr : part.data(), part.size());
        break;
      }
      case 10: {
        const uint8_t len = in.Byte();
        Bytes sig(static_cast<size_t>(len) * 2);
        CK_ULONG sig_len = sig.size();
        p->C_SignFinal(session(), len < 16 ? nullptr : sig.data(), &sig_len);
        break;
      }
      case 11: {
        std::vector<Bytes> storage;
        std::vector<CK_ATTRIBUTE> t = Template(in, &storage);
        Bytes sad;
        if (in.Byte() & 1) {
          // A well-formed deposit, so the fuzzer reaches what follows an accepted one.
          CK_OBJECT_CLASS klass = CKO_SAMP11_SAD;
          sad = samp11::ToBytes(FreshSad());
          storage.emplace_back(reinterpret_cast<uint8_t*>(&klass),
                               reinterpret_cast<uint8_t*>(&klass) + sizeof klass);
          t.push_back({CKA_CLASS, storage.back().data(), storage.back().size()});
          t.push_back({CKA_VALUE, sad.data(), sad.size()});
        }
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        if (p->C_CreateObject(session(), t.empty() ? nullptr : t.data(), t.size(), &h) == CKR_OK) {
          p->C_DestroyObject(session(), in.Byte() & 1 ? h : Object(in));
        }
        break;
      }
      case 12:
        p->C_Logout(session());
        break;
      default: {
        CK_SESSION_INFO info;
        p->C_GetSessionInfo(session(), &info);
      }
    }
  }
  // The next input starts from a token with no sessions, no login and no operation.
  p->C_CloseAllSessions(0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world = new World;
  // Kept for the whole run (never freed: the module holds the keystore open until exit).
  world->token = new samp11::testing::TestToken({"alice"});
  world->ec_key = world->token->GenerateKey("alice", samp11::KeyType::kEcP256).info;
  world->token->GenerateKey("alice", samp11::KeyType::kRsa2048);
  world->token->GenerateKey("alice", samp11::KeyType::kEd25519);
  world->document = samp11::ToBytes(std::string("the document the fuzzer may sign"));
  setenv("SAMP11_CONF", world->token->config_path().c_str(), 1);
  if (C_GetFunctionList(&world->p11) != CKR_OK || world->p11->C_Initialize(nullptr) != CKR_OK) {
    std::abort();
  }
  CK_SESSION_HANDLE s;
  if (world->p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) {
    std::abort();
  }
  world->p11->C_FindObjectsInit(s, nullptr, 0);
  CK_OBJECT_HANDLE found[32];
  CK_ULONG n = 0;
  world->p11->C_FindObjects(s, found, 32, &n);
  world->p11->C_FindObjectsFinal(s);
  world->objects.assign(found, found + n);
  world->p11->C_CloseSession(s);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Run(in);
  return 0;
}
