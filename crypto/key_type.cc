#include "crypto/key_type.h"

namespace samp11 {

namespace {

struct KeyTypeRow {
  KeyType type;
  KeyFamily family;
  const char* name;
  size_t signature_size;
  size_t bits;
};

constexpr KeyTypeRow kKeyTypes[] = {
    {KeyType::kRsa2048, KeyFamily::kRsa, "rsa-2048", 256, 2048},
    {KeyType::kRsa3072, KeyFamily::kRsa, "rsa-3072", 384, 3072},
    {KeyType::kRsa4096, KeyFamily::kRsa, "rsa-4096", 512, 4096},
    {KeyType::kEcP256, KeyFamily::kEc, "ec-p256", 64, 256},
    {KeyType::kEcP384, KeyFamily::kEc, "ec-p384", 96, 384},
    {KeyType::kEd25519, KeyFamily::kEdwards, "ed25519", 64, 255},
};

const KeyTypeRow& RowOf(KeyType type) {
  for (const KeyTypeRow& row : kKeyTypes) {
    if (row.type == type) return row;
  }
  return kKeyTypes[0];  // unreachable: every enumerator has a row
}

}  // namespace

KeyFamily FamilyOf(KeyType type) { return RowOf(type).family; }
const char* KeyTypeName(KeyType type) { return RowOf(type).name; }
size_t SignatureSize(KeyType type) { return RowOf(type).signature_size; }
size_t KeyBits(KeyType type) { return RowOf(type).bits; }

std::optional<KeyType> KeyTypeFromName(std::string_view name) {
  for (const KeyTypeRow& row : kKeyTypes) {
    if (name == row.name) return row.type;
  }
  return std::nullopt;
}

std::optional<KeyType> RsaKeyTypeFromBits(size_t bits) {
  for (KeyType t : {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096}) {
    if (KeyBits(t) == bits) return t;
  }
  return std::nullopt;
}

}  // namespace samp11
