#include "keystore/backup_file.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "crypto/symmetric.h"

namespace samp11 {
namespace {

constexpr char kMagic[] = "SAMP11BK";
constexpr size_t kMagicSize = 8;
constexpr size_t kMaxHeader = 64 * 1024;

struct Split {
  Bytes aad;     // magic, length and header
  Bytes sealed;  // nonce | ciphertext | tag
  std::string header;
};

Result<Split> SplitFile(const Bytes& file) {
  if (file.size() < kMagicSize + 4 || std::memcmp(file.data(), kMagic, kMagicSize) != 0) {
    return Status(Code::kArgumentsBad, "not a samp11 backup file");
  }
  const uint8_t* p = file.data() + kMagicSize;
  size_t length = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
  size_t start = kMagicSize + 4;
  if (length == 0 || length > kMaxHeader || file.size() - start < length) {
    return Status(Code::kArgumentsBad, "the backup file's header is truncated");
  }
  Split split;
  split.aad.assign(file.begin(), file.begin() + static_cast<ptrdiff_t>(start + length));
  split.sealed.assign(file.begin() + static_cast<ptrdiff_t>(start + length), file.end());
  split.header.assign(reinterpret_cast<const char*>(file.data() + start), length);
  return split;
}

}  // namespace

Result<Bytes> SealBackup(const SecureBytes& backup_key, const BackupHeader& header,
                         const SecureBytes& image) {
  nlohmann::ordered_json j;
  j["version"] = header.version;
  j["identity"] = header.identity;
  j["label"] = header.label;
  j["created_at"] = header.created_at;
  j["schema_version"] = header.schema_version;
  j["audit_last_seq"] = header.audit_last_seq;
  j["scrypt_salt"] = header.scrypt_salt_hex;
  const std::string text = j.dump();
  Bytes out(kMagic, kMagic + kMagicSize);
  const size_t n = text.size();
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>((n >> shift) & 0xff));
  out.insert(out.end(), text.begin(), text.end());
  SAMP11_ASSIGN_OR_RETURN(Bytes sealed, AeadSeal(backup_key, out, image.data(), image.size()));
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

Result<BackupHeader> ReadBackupHeader(const Bytes& file) {
  SAMP11_ASSIGN_OR_RETURN(Split split, SplitFile(file));
  nlohmann::json j = nlohmann::json::parse(split.header, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(Code::kArgumentsBad, "the backup file's header is not JSON");
  }
  BackupHeader header;
  try {
    header.version = j.at("version").get<int>();
    if (header.version != 1) {
      return Status(Code::kUnsupported, "backup format version " + std::to_string(header.version) +
                                            " is not supported");
    }
    header.identity = j.at("identity").get<std::string>();
    header.label = j.at("label").get<std::string>();
    header.created_at = j.at("created_at").get<int64_t>();
    header.schema_version = j.at("schema_version").get<int64_t>();
    header.audit_last_seq = j.at("audit_last_seq").get<int64_t>();
    header.scrypt_salt_hex = j.at("scrypt_salt").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return Status(Code::kArgumentsBad,
                  "the backup file's header lacks a field or has a wrong type");
  }
  return header;
}

Result<SecureBytes> OpenBackup(const SecureBytes& backup_key, const Bytes& file) {
  SAMP11_ASSIGN_OR_RETURN(Split split, SplitFile(file));
  Result<SecureBytes> image = AeadOpen(backup_key, split.aad, split.sealed);
  if (!image.ok()) {
    return Status(Code::kTampered,
                  "the backup failed its integrity check: it was changed, or sealed under another "
                  "master key");
  }
  return image;
}

}  // namespace samp11
