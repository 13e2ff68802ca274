// Shared suite: KeyStore and CertStore, on every implementation (state_test_util.h).
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

std::vector<int64_t> Handles(const std::vector<KeyRow>& rows) {
  std::vector<int64_t> handles;
  for (const KeyRow& row : rows) handles.push_back(row.handle);
  return handles;
}

std::vector<int64_t> CertHandles(const std::vector<CertRow>& rows) {
  std::vector<int64_t> handles;
  for (const CertRow& row : rows) handles.push_back(row.handle);
  return handles;
}

template <typename S>
std::unique_ptr<StateStore> StoreWithSigners(S& states) {
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->signers().InsertSigner(Signer("bob")));
  return store;
}

TEST_CASE_TEMPLATE("state: a key row reads back whole, by handle and by id", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow row = Key("id-1", "label", "alice");
  row.scal = 1;
  row.policy_json = "{\"max\":3}";
  row.backend = "pkcs11";
  row.origin = "imported";
  row.created = 42;
  row.status = "disabled";
  row.status_changed = 43;
  row.certified = true;
  MustOk(store->keys().InsertKey(row));
  REQUIRE(row.handle > 0);

  for (const KeyRow& found : {*Must(store->keys().FindKeyByHandle(row.handle)),
                              *Must(store->keys().FindKeyById(row.id))}) {
    CHECK(found.handle == row.handle);
    CHECK(found.id == row.id);
    CHECK(found.label == "label");
    CHECK(found.key_type == row.key_type);
    CHECK(found.owner == "alice");
    CHECK(found.scal == 1);
    CHECK(found.policy_json == row.policy_json);
    CHECK(found.public_spki == row.public_spki);
    CHECK(found.wrapped_private == row.wrapped_private);
    CHECK(found.backend == "pkcs11");
    CHECK(found.origin == "imported");
    CHECK(found.created == 42);
    CHECK(found.status == "disabled");
    CHECK(found.status_changed == 43);
    CHECK(found.certified);
    CHECK(found.status_mac == row.status_mac);
  }
  CHECK_FALSE(Must(store->keys().FindKeyById(ToBytes("nope"))).has_value());
  CHECK_FALSE(Must(store->keys().FindKeyByHandle(row.handle + 1)).has_value());
}

TEST_CASE_TEMPLATE("state: key ids are unique, owners are signers, handles grow", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow first = Key("id-1", "x", "alice");
  MustOk(store->keys().InsertKey(first));
  KeyRow duplicate = Key("id-1", "y", "bob");
  CHECK(store->keys().InsertKey(duplicate).code() == Code::kAlreadyExists);
  KeyRow orphan = Key("id-2", "x", "nobody");
  CHECK(store->keys().InsertKey(orphan).code() == Code::kNotFound);
  CHECK_FALSE(Must(store->keys().FindKeyById(ToBytes("id-2"))).has_value());
  CHECK(Must(store->keys().FindKeyById(ToBytes("id-1")))->label == "x");
  KeyRow second = Key("id-2", "x", "bob");
  MustOk(store->keys().InsertKey(second));
  CHECK(second.handle > first.handle);
}

TEST_CASE_TEMPLATE("state: InsertKeys writes every row or none", S, SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow existing = Key("existing", "x", "alice");
  MustOk(store->keys().InsertKey(existing));

  std::vector<std::vector<KeyRow>> refused = {
      {Key("a", "x", "alice"), Key("b", "x", "bob"), Key("a", "x", "bob")},     // twice in one
      {Key("a", "x", "alice"), Key("existing", "x", "bob")},                    // already there
      {Key("a", "x", "alice"), Key("b", "x", "nobody"), Key("c", "x", "bob")},  // no such owner
  };
  const Code codes[] = {Code::kAlreadyExists, Code::kAlreadyExists, Code::kNotFound};
  for (size_t i = 0; i < refused.size(); ++i) {
    CAPTURE(i);
    CHECK(store->keys().InsertKeys(refused[i]).code() == codes[i]);
    CHECK_FALSE(Must(store->keys().FindKeyById(ToBytes("a"))).has_value());
    CHECK(Handles(Must(store->keys().ListKeys(0, 100))) == std::vector<int64_t>{existing.handle});
  }

  std::vector<KeyRow> rows = {Key("a", "x", "alice"), Key("b", "y", "bob"), Key("c", "x", "bob")};
  MustOk(store->keys().InsertKeys(rows));
  CHECK(rows[0].handle > existing.handle);
  CHECK(rows[1].handle > rows[0].handle);
  CHECK(rows[2].handle > rows[1].handle);
  for (const KeyRow& row : rows)
    CHECK(Must(store->keys().FindKeyByHandle(row.handle))->id == row.id);
  std::vector<KeyRow> none;
  MustOk(store->keys().InsertKeys(none));
}

TEST_CASE_TEMPLATE("state: listings page by handle and skip destroyed keys; lookups do not", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  std::vector<KeyRow> keys;
  for (int i = 0; i < 9; ++i) {
    keys.push_back(
        Key("id" + std::to_string(i), i % 2 == 0 ? "even" : "odd", i < 5 ? "alice" : "bob"));
  }
  MustOk(store->keys().InsertKeys(keys));
  KeyRow gone = keys[4];
  gone.status = "destroyed";
  MustOk(store->keys().DestroyKey(gone));

  std::vector<int64_t> expected;
  for (const KeyRow& row : keys) {
    if (row.handle != gone.handle) expected.push_back(row.handle);
  }
  std::vector<int64_t> seen;
  for (int64_t after = 0;;) {  // three at a time, resuming after the last handle seen
    auto page = Must(store->keys().ListKeys(after, 3));
    CHECK(page.size() <= 3);
    if (page.empty()) break;
    for (const KeyRow& row : page) seen.push_back(row.handle);
    after = page.back().handle;
  }
  CHECK(seen == expected);
  CHECK(Must(store->keys().ListKeys(0, 0)).empty());

  CHECK(Handles(Must(store->keys().FindKeysByLabel("even", 0, 2))) ==
        std::vector<int64_t>{keys[0].handle, keys[2].handle});
  CHECK(Handles(Must(store->keys().FindKeysByLabel("even", keys[2].handle, 10))) ==
        std::vector<int64_t>{keys[6].handle, keys[8].handle});  // 4 is destroyed
  CHECK(Must(store->keys().FindKeysByLabel("none", 0, 10)).empty());
  CHECK(Handles(Must(store->keys().ListKeysByOwner("alice", keys[1].handle, 10))) ==
        std::vector<int64_t>{keys[2].handle, keys[3].handle});
  CHECK(Handles(Must(store->keys().ListKeysByOwner("bob", 0, 2))) ==
        std::vector<int64_t>{keys[5].handle, keys[6].handle});

  CHECK(Must(store->keys().FindKeyByHandle(gone.handle))->status == "destroyed");
  CHECK(Must(store->keys().FindKeyById(gone.id))->handle == gone.handle);
  KeyRow reused = Key("id4", "even", "alice");
  CHECK(store->keys().InsertKey(reused).code() == Code::kAlreadyExists);
  KeyRow next = Key("id9", "odd", "bob");
  MustOk(store->keys().InsertKey(next));
  CHECK(next.handle > keys.back().handle);
}

TEST_CASE_TEMPLATE("state: a key's status update writes its four columns; destroyed is final", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow key = Key("k", "label", "alice");
  MustOk(store->keys().InsertKey(key));
  KeyRow update = Key("k", "other", "bob");
  update.wrapped_private = ToBytes("other wrapping");
  update.status = "disabled";
  update.status_changed = 7;
  update.certified = true;
  update.status_mac = ToBytes("new mac");
  MustOk(store->keys().UpdateKeyStatus(update));
  KeyRow stored = *Must(store->keys().FindKeyById(key.id));
  CHECK(stored.status == "disabled");
  CHECK(stored.status_changed == 7);
  CHECK(stored.certified);
  CHECK(stored.status_mac == ToBytes("new mac"));
  CHECK(stored.label == "label");
  CHECK(stored.owner == "alice");
  CHECK(stored.wrapped_private == key.wrapped_private);

  KeyRow missing = update;
  missing.id = ToBytes("missing");
  CHECK(store->keys().UpdateKeyStatus(missing).code() == Code::kNotFound);
  CHECK(store->keys().DestroyKey(missing).code() == Code::kNotFound);

  update.status = "destroyed";
  update.status_changed = 8;
  MustOk(store->keys().DestroyKey(update));
  stored = *Must(store->keys().FindKeyById(key.id));
  CHECK(stored.status == "destroyed");
  CHECK(stored.status_changed == 8);
  CHECK(stored.wrapped_private.empty());
  CHECK(stored.public_spki == key.public_spki);

  update.status = "enabled";
  CHECK(store->keys().UpdateKeyStatus(update).code() == Code::kNotFound);
  CHECK(store->keys().DestroyKey(update).code() == Code::kNotFound);
  CHECK(Must(store->keys().FindKeyById(key.id))->status == "destroyed");
}

TEST_CASE_TEMPLATE("state: destroying a key drops its deposits, and only its", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow doomed = Key("doomed", "x", "alice");
  KeyRow kept = Key("kept", "x", "alice");
  MustOk(store->keys().InsertKey(doomed));
  MustOk(store->keys().InsertKey(kept));
  MustOk(store->deposits().InsertDeposit(Deposit("j1", "doomed", {"h"}, 500, 1)));
  MustOk(store->deposits().InsertDeposit(Deposit("j2", "kept", {"h"}, 500, 1)));
  doomed.status = "destroyed";
  MustOk(store->keys().DestroyKey(doomed));
  CHECK(Must(store->deposits().FindDeposits(ToBytes("doomed"), ToBytes("h"), 0, 10)).empty());
  CHECK(Must(store->deposits().FindDeposits(ToBytes("kept"), ToBytes("h"), 0, 10)).size() == 1);
}

TEST_CASE_TEMPLATE("state: certificates read back whole, only for a key there is, paged", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = StoreWithSigners(states);
  KeyRow k1 = Key("k1", "x", "alice");
  KeyRow k2 = Key("k2", "x", "alice");
  MustOk(store->keys().InsertKey(k1));
  MustOk(store->keys().InsertKey(k2));

  CertRow first = Cert("k1", "cert");
  MustOk(store->certs().InsertCert(first));
  REQUIRE(first.handle > 0);
  CertRow other = Cert("k2", "other");
  MustOk(store->certs().InsertCert(other));
  CertRow second = Cert("k1", "cert");
  MustOk(store->certs().InsertCert(second));
  CHECK(other.handle > first.handle);
  CHECK(second.handle > other.handle);

  CertRow orphan = Cert("missing", "cert");
  CHECK(store->certs().InsertCert(orphan).code() == Code::kNotFound);
  CHECK(CertHandles(Must(store->certs().ListCerts(0, 10))) ==
        std::vector<int64_t>{first.handle, other.handle, second.handle});

  CertRow found = *Must(store->certs().FindCertByHandle(first.handle));
  CHECK(found.handle == first.handle);
  CHECK(found.key_id == first.key_id);
  CHECK(found.label == "cert");
  CHECK(found.der == first.der);
  CHECK(found.subject_der == first.subject_der);
  CHECK(found.issuer_der == first.issuer_der);
  CHECK(found.serial_der == first.serial_der);
  CHECK(found.subject_text == first.subject_text);
  CHECK(found.not_before == 10);
  CHECK(found.not_after == 20);
  CHECK(found.created == 5);
  CHECK(found.mac == first.mac);
  CHECK_FALSE(Must(store->certs().FindCertByHandle(second.handle + 1)).has_value());

  CHECK(CertHandles(Must(store->certs().FindCertsByKeyId(ToBytes("k1")))) ==
        std::vector<int64_t>{first.handle, second.handle});
  CHECK(Must(store->certs().FindCertsByKeyId(ToBytes("k3"))).empty());
  CHECK(CertHandles(Must(store->certs().FindCertsByLabel("cert", first.handle, 10))) ==
        std::vector<int64_t>{second.handle});
  CHECK(CertHandles(Must(store->certs().FindCertsByLabel("cert", 0, 1))) ==
        std::vector<int64_t>{first.handle});
  CHECK(CertHandles(Must(store->certs().ListCerts(first.handle, 1))) ==
        std::vector<int64_t>{other.handle});

  // A destroyed key keeps its id, and so its certificates.
  k2.status = "destroyed";
  MustOk(store->keys().DestroyKey(k2));
  CertRow late = Cert("k2", "late");
  MustOk(store->certs().InsertCert(late));
  CHECK(Must(store->certs().FindCertsByKeyId(ToBytes("k2"))).size() == 2);
}

}  // namespace
}  // namespace samp11
