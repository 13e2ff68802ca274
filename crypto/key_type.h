// The key types samp11 generates and signs with.
#pragma once

#include <optional>
#include <string_view>

namespace samp11 {

enum class KeyType { kRsa2048, kRsa3072, kRsa4096, kEcP256, kEcP384, kEd25519 };
enum class KeyFamily { kRsa, kEc, kEdwards };

KeyFamily FamilyOf(KeyType type);
const char* KeyTypeName(KeyType type);  // "rsa-2048", "ec-p256", "ed25519", ...
std::optional<KeyType> KeyTypeFromName(std::string_view name);
size_t SignatureSize(KeyType type);  // RSA: modulus bytes; EC: 2 * field bytes; Ed25519: 64
size_t KeyBits(KeyType type);        // 2048.., 256, 384, 255
// The RSA key type of a modulus size: 2048, 3072 or 4096 bits; anything else nullopt.
std::optional<KeyType> RsaKeyTypeFromBits(size_t bits);

}  // namespace samp11
