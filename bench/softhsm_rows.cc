#include "bench/softhsm_rows.h"

#include "bench/documents.h"
#include "bench/key_specs.h"
#include "bench/must.h"
#include "bench/p11_target.h"
#include "crypto/keys.h"

namespace samp11::bench {
namespace {

// A key pair generated in the peer token; returns its random CKA_ID.
Bytes SoftHsmKey(Module& m, CK_SESSION_HANDLE s, KeyType t, bool always_auth) {
  Bytes id = Random(8);
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE, aa = always_auth ? CK_TRUE : CK_FALSE;
  CK_ULONG bits = KeyBits(t);
  CK_BYTE exponent[] = {1, 0, 1};
  Bytes params;
  std::vector<CK_ATTRIBUTE> pub = {{CKA_TOKEN, &yes, sizeof yes},
                                   {CKA_VERIFY, &yes, sizeof yes},
                                   {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  if (FamilyOf(t) == KeyFamily::kRsa) {
    pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
  } else {
    mech.mechanism =
        FamilyOf(t) == KeyFamily::kEc ? CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
    params = Must(EcParamsDer(t), "EC params");
    pub.push_back({CKA_EC_PARAMS, params.data(), static_cast<CK_ULONG>(params.size())});
  }
  std::vector<CK_ATTRIBUTE> priv = {{CKA_TOKEN, &yes, sizeof yes},
                                    {CKA_PRIVATE, &yes, sizeof yes},
                                    {CKA_SENSITIVE, &yes, sizeof yes},
                                    {CKA_EXTRACTABLE, &no, sizeof no},
                                    {CKA_SIGN, &yes, sizeof yes},
                                    {CKA_ALWAYS_AUTHENTICATE, &aa, sizeof aa},
                                    {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_OBJECT_HANDLE hpub, hpriv;
  Check(m.f()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hpub,
                                 &hpriv),
        std::string("SoftHSM C_GenerateKeyPair ") + Spec(t).name);
  return id;
}

// Plain (one user login for the whole row, held by the admin session) or with a context login
// per signature.
struct SoftHsmWorkload : Workload {
  P11Target target;
  bool context;
  std::string pin;
  Docs d;
  SoftHsmWorkload(P11Target t, bool context_login, std::string user_pin)
      : target(std::move(t)), context(context_login), pin(std::move(user_pin)) {}
  void Prepare(int threads, int n) override {
    target.Sessions(threads);
    d.Make(target.type, threads, n);
  }
  Bytes Sign(int t, int i) override {
    target.SignInit(t);
    if (context) target.Login(t, CKU_CONTEXT_SPECIFIC, pin, "C_Login(CKU_CONTEXT_SPECIFIC, PIN)");
    return target.SignFinal(t, d.docs[t][i]);
  }
  const Doc& DocOf(int t, int i) const override { return d.docs[t][i]; }
};

}  // namespace

SoftHsmPeer::SoftHsmPeer(const RunOptions& o)
    : module(o.softhsm),
      slot(module.SlotOfToken(o.softhsm_token)),
      admin(module.Open(slot)),
      pin(o.softhsm_pin) {
  std::string value = pin;
  Check(module.f()->C_Login(admin, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(value.data()),
                            value.size()),
        "SoftHSM C_Login(CKU_USER)");
}

void SoftHsmPeer::Logout() { Check(module.f()->C_Logout(admin), "SoftHSM C_Logout"); }

void AddSoftHsmRows(SoftHsmPeer& peer, const RunSettings& settings, std::vector<RowResult>& rows) {
  for (const KeySpec& k : kKeys) {
    for (bool context : {false, true}) {
      Bytes id = SoftHsmKey(peer.module, peer.admin, k.type, context);
      EvpPkeyPtr pub = peer.module.PublicKey(peer.admin, id);
      for (int threads : {1, 2}) {
        SoftHsmWorkload w(TargetOf(peer.module, peer.slot, id, k.type), context, peer.pin);
        rows.push_back(RunRow("softhsm", context ? "context-login" : "plain", k.type, threads, w,
                              pub.get(), settings));
      }
    }
  }
}

}  // namespace samp11::bench
