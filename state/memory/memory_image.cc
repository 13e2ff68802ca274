#include "state/memory/memory_image.h"

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace samp11 {
namespace {

// Every field of each row kind, in image order: the one list both directions follow. Row is
// const when writing.
template <typename IO, typename Row>
void Fields(IO& io, Row& r) {
  using Plain = std::remove_const_t<Row>;
  if constexpr (std::is_same_v<Plain, SignerRow>) {
    io(r.name, r.created, r.mac, r.status, r.status_changed, r.status_mac);
  } else if constexpr (std::is_same_v<Plain, ActivationKeyRow>) {
    io(r.kid, r.role, r.owner, r.alg, r.public_spki, r.created, r.mac, r.status, r.status_changed);
  } else if constexpr (std::is_same_v<Plain, KeyRow>) {
    io(r.handle, r.id, r.label, r.key_type, r.owner, r.scal, r.policy_json, r.public_spki,
       r.wrapped_private, r.backend, r.origin, r.created, r.status, r.status_changed, r.certified,
       r.status_mac);
  } else if constexpr (std::is_same_v<Plain, CertRow>) {
    io(r.handle, r.key_id, r.label, r.der, r.subject_der, r.issuer_der, r.serial_der,
       r.subject_text, r.not_before, r.not_after, r.created, r.mac);
  } else if constexpr (std::is_same_v<Plain, SpentHashRow>) {
    io(r.kid, r.jti, r.hash, r.key_id, r.sad_exp, r.spent_at);
  } else if constexpr (std::is_same_v<Plain, DepositRow>) {
    io(r.kid, r.jti, r.key_id, r.sad, r.hashes, r.sad_exp, r.deposited_at);
  } else if constexpr (std::is_same_v<Plain, SadRequestRow>) {
    io(r.id, r.created, r.expires, r.signer, r.key_id, r.request_json, r.state, r.detail,
       r.updated);
  } else if constexpr (std::is_same_v<Plain, SignerPinRow>) {
    io(r.name, r.salt, r.hash, r.failures, r.mac);
  } else if constexpr (std::is_same_v<Plain, SignerOtpRow>) {
    io(r.name, r.kind, r.params, r.wrapped_secret, r.created, r.last_step, r.failures);
  } else if constexpr (std::is_same_v<Plain, AuditRow>) {
    io(r.seq, r.at, r.pid, r.event, r.outcome, r.signer, r.key_id, r.kid, r.jti, r.detail, r.chain,
       r.mac);
  } else {
    static_assert(std::is_same_v<Plain, AuditHeadRow>);
    io(r.seq, r.chain, r.mac);
  }
}

// Writes into out, or only counts the bytes when out is null (the first of two passes: the
// image is then written once, into a buffer of its final size, and no partial copy is left).
class Writer {
 public:
  explicit Writer(uint8_t* out) : out_(out) {}
  size_t size() const { return size_; }

  template <typename... T>
  void operator()(const T&... values) {
    (Put(values), ...);
  }
  void Raw(const void* data, size_t n) {
    if (out_ != nullptr && n > 0) std::memcpy(out_ + size_, data, n);
    size_ += n;
  }

 private:
  void Put(int64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i)
      b[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (56 - 8 * i));
    Raw(b, sizeof(b));
  }
  void Put(int v) { Put(static_cast<int64_t>(v)); }
  void Put(bool v) { Put(static_cast<int64_t>(v ? 1 : 0)); }
  void Put(size_t v) { Put(static_cast<int64_t>(v)); }
  void Put(const std::string& s) {
    Put(s.size());
    Raw(s.data(), s.size());
  }
  void Put(const Bytes& b) {
    Put(b.size());
    Raw(b.data(), b.size());
  }
  void Put(const std::vector<Bytes>& list) {
    Put(list.size());
    for (const Bytes& b : list) Put(b);
  }

  uint8_t* out_;
  size_t size_ = 0;
};

// Reads what Writer wrote; any overrun or bad value sets failed() and reads zeros from then on.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == size_; }

  template <typename... T>
  void operator()(T&... values) {
    (Get(values), ...);
  }
  bool Raw(void* out, size_t n) {
    if (failed_ || n > size_ - pos_) return Fail();
    if (n > 0) std::memcpy(out, data_ + pos_, n);
    pos_ += n;
    return true;
  }
  // A count of items that take at least one byte each: never more than what is left.
  size_t Count() {
    int64_t n = 0;
    Get(n);
    if (n < 0 || static_cast<uint64_t>(n) > size_ - pos_) {
      Fail();
      return 0;
    }
    return static_cast<size_t>(n);
  }

 private:
  bool Fail() {
    failed_ = true;
    return false;
  }
  void Get(int64_t& v) {
    uint8_t b[8] = {};
    Raw(b, sizeof(b));
    uint64_t u = 0;
    for (uint8_t byte : b) u = (u << 8) | byte;
    v = static_cast<int64_t>(u);
  }
  void Get(int& v) {
    int64_t wide = 0;
    Get(wide);
    if (wide < INT32_MIN || wide > INT32_MAX) Fail();
    v = static_cast<int>(wide);
  }
  void Get(bool& v) {
    int64_t wide = 0;
    Get(wide);
    if (wide != 0 && wide != 1) Fail();
    v = wide == 1;
  }
  template <typename Buffer>
  void GetBuffer(Buffer& out) {
    int64_t n = 0;
    Get(n);
    if (n < 0 || static_cast<uint64_t>(n) > size_ - pos_) {
      Fail();
      return;
    }
    out.assign(data_ + pos_, data_ + pos_ + n);
    pos_ += static_cast<size_t>(n);
  }
  void Get(std::string& s) { GetBuffer(s); }
  void Get(Bytes& b) { GetBuffer(b); }
  void Get(std::vector<Bytes>& list) {
    list.resize(Count());
    for (Bytes& b : list) Get(b);
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool failed_ = false;
};

template <typename Key, typename Row>
void WriteTable(Writer& w, const std::map<Key, Row>& table) {
  w(table.size());
  for (const auto& [key, row] : table) Fields(w, row);
}

// Reads a table written by WriteTable; key_of gives a row's key. false on a duplicate key.
template <typename Key, typename Row, typename KeyOf>
bool ReadTable(Reader& r, std::map<Key, Row>& table, KeyOf key_of) {
  const size_t count = r.Count();
  for (size_t i = 0; i < count && !r.failed(); ++i) {
    Row row;
    Fields(r, row);
    Key key = key_of(row);
    if (!table.emplace(std::move(key), std::move(row)).second) return false;
  }
  return !r.failed();
}

void WriteAll(Writer& w, const MemoryTables& t) {
  w.Raw(kMemoryImageMagic, sizeof(kMemoryImageMagic));
  w(kMemoryImageVersion, t.last_key_handle, t.last_cert_handle);
  w(t.meta.size());
  for (const auto& [name, value] : t.meta) w(name, value);
  WriteTable(w, t.signers);
  WriteTable(w, t.activation_keys);
  WriteTable(w, t.keys);
  WriteTable(w, t.certs);
  WriteTable(w, t.spent_hashes);
  WriteTable(w, t.deposits);
  WriteTable(w, t.requests);
  WriteTable(w, t.pins);
  WriteTable(w, t.otp);
  WriteTable(w, t.audit);
  w(t.audit_head.has_value());
  if (t.audit_head) Fields(w, *t.audit_head);
}

bool ReadAll(Reader& r, MemoryTables& t) {
  char magic[sizeof(kMemoryImageMagic)] = {};
  if (!r.Raw(magic, sizeof(magic)) || std::memcmp(magic, kMemoryImageMagic, sizeof(magic)) != 0) {
    return false;
  }
  int64_t version = 0;
  r(version, t.last_key_handle, t.last_cert_handle);
  if (r.failed() || version != kMemoryImageVersion) return false;
  const size_t meta_count = r.Count();
  for (size_t i = 0; i < meta_count && !r.failed(); ++i) {
    std::string name, value;
    r(name, value);
    if (!t.meta.emplace(std::move(name), std::move(value)).second) return false;
  }
  bool ok = ReadTable(r, t.signers, [](const SignerRow& row) { return row.name; }) &&
            ReadTable(r, t.activation_keys, [](const ActivationKeyRow& row) { return row.kid; }) &&
            ReadTable(r, t.keys, [](const KeyRow& row) { return row.handle; }) &&
            ReadTable(r, t.certs, [](const CertRow& row) { return row.handle; }) &&
            ReadTable(r, t.spent_hashes,
                      [](const SpentHashRow& row) {
                        return SpentHashKey{row.kid, row.jti, row.hash};
                      }) &&
            ReadTable(r, t.deposits,
                      [](const DepositRow& row) {
                        return DepositKey{row.kid, row.jti};
                      }) &&
            ReadTable(r, t.requests, [](const SadRequestRow& row) { return row.id; }) &&
            ReadTable(r, t.pins, [](const SignerPinRow& row) { return row.name; }) &&
            ReadTable(r, t.otp,
                      [](const SignerOtpRow& row) {
                        return OtpKey{row.name, row.kind};
                      }) &&
            ReadTable(r, t.audit, [](const AuditRow& row) { return row.seq; });
  if (!ok) return false;
  bool has_head = false;
  r(has_head);
  if (has_head) {
    AuditHeadRow head;
    Fields(r, head);
    t.audit_head = std::move(head);
  }
  return !r.failed() && r.done();
}

}  // namespace

SecureBytes EncodeMemoryImage(const MemoryTables& tables) {
  Writer count(nullptr);
  WriteAll(count, tables);
  SecureBytes image(count.size());
  Writer write(image.data());
  WriteAll(write, tables);
  return image;
}

Result<MemoryTables> DecodeMemoryImage(const SecureBytes& image) {
  MemoryTables tables;
  Reader reader(image.data(), image.size());
  if (!ReadAll(reader, tables)) {
    return Status(Code::kArgumentsBad, "the image is not a samp11 memory state");
  }
  const size_t keys = tables.keys.size();
  tables.Reindex();
  if (tables.key_by_id.size() != keys) {
    return Status(Code::kArgumentsBad, "the memory state image has two keys with one id");
  }
  return tables;
}

}  // namespace samp11
