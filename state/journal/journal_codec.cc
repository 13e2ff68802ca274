// The signature journal's frames (journal_codec.h): little-endian integers, length-prefixed
// strings, a truncated SHA-256 per frame.
#include "state/journal/journal_codec.h"

#include <cstring>

#include "crypto/digest.h"

namespace samp11 {
namespace {

constexpr char kHeaderMagic[4] = {'S', 'J', '1', 'H'};
constexpr char kRecordMagic[4] = {'S', 'J', '1', 'R'};
constexpr size_t kChecksumSize = 16;

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void I64(int64_t v) {
    const uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(u >> (8 * i)));
  }
  void Blob(const uint8_t* data, size_t size) {
    U32(static_cast<uint32_t>(size));
    out_.insert(out_.end(), data, data + size);
  }
  void Str(const std::string& s) { Blob(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
  void Raw(const Bytes& b) { Blob(b.data(), b.size()); }
  Bytes& out() { return out_; }

 private:
  Bytes out_;
};

// Every read is bounded by the payload; a read past it marks the reader failed.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && p_ == end_; }
  uint8_t U8() {
    if (!Need(1)) return 0;
    return *p_++;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[i]) << (8 * i);
    p_ += 4;
    return v;
  }
  int64_t I64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return static_cast<int64_t>(v);
  }
  std::string Str() {
    const uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  Bytes Raw() {
    const uint32_t n = U32();
    if (!Need(n)) return {};
    Bytes b(p_, p_ + n);
    p_ += n;
    return b;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

void PutRow(Writer& w, const AuditRow& row) {
  w.I64(row.seq);
  w.I64(row.at);
  w.I64(row.pid);
  w.Str(row.event);
  w.Str(row.outcome);
  w.Str(row.signer);
  w.Raw(row.key_id);
  w.Str(row.kid);
  w.Str(row.jti);
  w.Str(row.detail);
  w.Raw(row.chain);
  w.Raw(row.mac);
}

AuditRow GetRow(Reader& r) {
  AuditRow row;
  row.seq = r.I64();
  row.at = r.I64();
  row.pid = r.I64();
  row.event = r.Str();
  row.outcome = r.Str();
  row.signer = r.Str();
  row.key_id = r.Raw();
  row.kid = r.Str();
  row.jti = r.Str();
  row.detail = r.Str();
  row.chain = r.Raw();
  row.mac = r.Raw();
  return row;
}

void PutHead(Writer& w, const AuditHeadRow& head) {
  w.I64(head.seq);
  w.Raw(head.chain);
  w.Raw(head.mac);
}

AuditHeadRow GetHead(Reader& r) {
  AuditHeadRow head;
  head.seq = r.I64();
  head.chain = r.Raw();
  head.mac = r.Raw();
  return head;
}

// In samp11's own OpenSSL context (crypto/digest.h): an application's providers never answer
// for the module.
Bytes Checksum(const uint8_t* frame, size_t size) { return Digest(HashAlg::kSha256, frame, size); }

Bytes Frame(const char magic[4], Writer& payload) {
  const Bytes& body = payload.out();
  Bytes frame;
  frame.reserve(kJournalFrameOverhead + body.size());
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<uint8_t>(magic[i]));
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<uint8_t>(body.size() >> (8 * i)));
  frame.insert(frame.end(), body.begin(), body.end());
  const Bytes digest = Checksum(frame.data(), frame.size());
  frame.insert(frame.end(), digest.begin(), digest.begin() + kChecksumSize);
  return frame;
}

}  // namespace

Bytes EncodeJournalHeader(const JournalHeader& header) {
  Writer w;
  w.Str(header.identity);
  w.I64(header.generation);
  w.U8(header.base.last_row ? 1 : 0);
  if (header.base.last_row) PutRow(w, *header.base.last_row);
  w.U8(header.base.head ? 1 : 0);
  if (header.base.head) PutHead(w, *header.base.head);
  return Frame(kHeaderMagic, w);
}

Bytes EncodeJournalRecord(const JournalRecord& record) {
  Writer w;
  w.U32(static_cast<uint32_t>(record.spends.size()));
  for (const SpentHashRow& spend : record.spends) {
    w.Str(spend.kid);
    w.Str(spend.jti);
    w.Raw(spend.hash);
    w.Raw(spend.key_id);
    w.I64(spend.sad_exp);
    w.I64(spend.spent_at);
  }
  PutRow(w, record.append.row);
  PutHead(w, record.append.head);
  return Frame(kRecordMagic, w);
}

DecodedFrame DecodeJournalFrame(const uint8_t* bytes, size_t size) {
  DecodedFrame frame;
  if (size < 8) return frame;  // kShort
  const bool header = std::memcmp(bytes, kHeaderMagic, 4) == 0;
  if (!header && std::memcmp(bytes, kRecordMagic, 4) != 0) {
    frame.read = FrameRead::kDamaged;
    return frame;
  }
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(bytes[4 + i]) << (8 * i);
  if (length > kMaxJournalPayload) {
    frame.read = FrameRead::kDamaged;
    return frame;
  }
  const size_t whole = kJournalFrameOverhead + length;
  if (size < whole) return frame;  // kShort
  const Bytes digest = Checksum(bytes, 8 + length);
  if (digest.size() < kChecksumSize ||
      std::memcmp(digest.data(), bytes + 8 + length, kChecksumSize) != 0) {
    frame.read = FrameRead::kDamaged;
    return frame;
  }
  Reader r(bytes + 8, length);
  if (header) {
    JournalHeader h;
    h.identity = r.Str();
    h.generation = r.I64();
    if (r.U8() != 0) h.base.last_row = GetRow(r);
    if (r.U8() != 0) h.base.head = GetHead(r);
    frame.header = std::move(h);
  } else {
    JournalRecord record;
    const uint32_t spends = r.U32();
    for (uint32_t i = 0; r.ok() && i < spends; ++i) {
      SpentHashRow spend;
      spend.kid = r.Str();
      spend.jti = r.Str();
      spend.hash = r.Raw();
      spend.key_id = r.Raw();
      spend.sad_exp = r.I64();
      spend.spent_at = r.I64();
      record.spends.push_back(std::move(spend));
    }
    record.append.row = GetRow(r);
    record.append.head = GetHead(r);
    frame.record = std::move(record);
  }
  if (!r.done()) {
    frame.header.reset();
    frame.record.reset();
    frame.read = FrameRead::kDamaged;
    return frame;
  }
  frame.read = FrameRead::kWhole;
  frame.size = whole;
  return frame;
}

}  // namespace samp11
