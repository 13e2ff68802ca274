#include "bench/limit_parts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "bench/documents.h"
#include "bench/must.h"
#include "bench/stats.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "sad/sad.h"

namespace samp11::bench {

double DurableWriteMicros(const std::string& dir, int n) {
  std::string path = dir + "/samp11_bench_fsync.tmp";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw BenchError("open " + path);
  char buf[100];
  std::memset(buf, 'x', sizeof buf);
  double us = MedianMicros(n, 2.0, [&](int) {
    if (::write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf) || ::fdatasync(fd) != 0) {
      throw BenchError("write + fdatasync failed");
    }
  });
  ::close(fd);
  ::unlink(path.c_str());
  return us;
}

double SadVerifyMicros(const Device& device, int n) {
  std::string sad = device.Issue(Random(8), {Random(32)});
  ParsedSad p = Must(ParseSad(sad), "ParseSad");
  Bytes pub_der = Must(PublicKeyToSpki(device.key.get()), "device public key");
  EvpPkeyPtr pub = Must(PublicKeyFromSpki(pub_der), "device public key");
  SadAlg alg = Must(SadAlgForKey(pub.get()), "SAD alg");
  Bytes sig = p.signature;
  const EVP_MD* md = alg == SadAlg::kES256   ? EVP_sha256()
                     : alg == SadAlg::kES384 ? EVP_sha384()
                                             : nullptr;
  if (alg != SadAlg::kEdDSA) sig = Must(EcdsaRawToDer(sig), "JWS r||s to DER");
  return MedianMicros(n, 1.0, [&](int) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub.get()) != 1 ||
        EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                         reinterpret_cast<const uint8_t*>(p.signing_input.data()),
                         p.signing_input.size()) != 1) {
      throw BenchError("the SAD's signature does not verify with OpenSSL");
    }
  });
}

void LimitParts::SampleDurableWrite() {
  durable_write_samples_us.push_back(DurableWriteMicros(write_dir, write_n));
  if (pg) {
    double mean = 0;
    pg_commit_samples_us.push_back(pg->MedianMicros(pg_n, &mean));
    pg_commit_mean_samples_us.push_back(mean);
  }
}

double LimitParts::DurableWriteUs() const { return Median(durable_write_samples_us); }

double LimitParts::PgCommitUs() const { return Median(pg_commit_samples_us); }

DurableWrite FileDurableWrite(const std::string& dir) {
  return {kFdatasync, [dir](int n) { return DurableWriteMicros(dir, n); }};
}

DurableWrite PgDurableWrite(std::shared_ptr<PgCommitProbe> probe) {
  if (!probe) throw BenchError("the run has no PostgreSQL server to time a commit on");
  return {kPgCommit, [probe](int n) { return probe->MedianMicros(n); }};
}

nlohmann::json LimitParts::ToJson() const {
  nlohmann::json j = {{"sad_alg", sad_alg},
                      {"sad_verify_us", sad_verify_us},
                      {"durable_write_us", DurableWriteUs()},
                      {"durable_write", "write(100 bytes) + fdatasync, append, keystore's folder"},
                      {"durable_write_samples_us", durable_write_samples_us}};
  if (pg) {
    j["postgres_commit_us"] = PgCommitUs();
    j["postgres_commit"] =
        "INSERT ... ON CONFLICT DO NOTHING of a spent-hash-shaped row, prepared, its own "
        "transaction, synchronous commit, one client over 127.0.0.1 (median of " +
        std::to_string(pg_n) + " per sample)";
    j["postgres_commit_samples_us"] = pg_commit_samples_us;
    j["postgres_commit_mean_samples_us"] = pg_commit_mean_samples_us;
    j["postgres_server"] = pg->Server();
  }
  return j;
}

LimitParts MeasureLimitParts(const RunOptions& o, const Device& device) {
  LimitParts parts;
  parts.sad_verify_us = SadVerifyMicros(device, o.smoke ? 5 : 2000);
  parts.write_dir = o.keystore_dir;
  parts.write_n = o.smoke ? 5 : 300;
  if (!o.pg_conninfo.empty()) {
    parts.pg = std::make_shared<PgCommitProbe>(o.pg_conninfo);
    parts.pg_n = o.smoke ? 5 : 2000;
  }
  parts.SampleDurableWrite();
  parts.sad_alg = SadAlgName(Must(SadAlgForKey(device.key.get()), "alg"));
  std::fprintf(stderr, "  SAD verify (OpenSSL) %.1f us, durable write %.1f us\n",
               parts.sad_verify_us, parts.DurableWriteUs());
  if (parts.pg) {
    std::fprintf(stderr, "  PostgreSQL commit %.1f us (median; mean %.1f us), server %s\n",
                 parts.PgCommitUs(), parts.pg_commit_mean_samples_us.back(),
                 parts.pg->Server().dump().c_str());
  }
  return parts;
}

}  // namespace samp11::bench
