// What only the memory state has: spaces of named states, an image format of its own, and no
// sharing between processes. Everything else is in the shared suites (state_*.cc).
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>

#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

TEST_CASE("memory state: a space lists its states and forgets them by prefix") {
  auto space = NewMemoryStateSpace();
  auto kept = Must(space->Location("dir-a/one")->Create());
  Must(space->Location("dir-a/two")->Create());
  Must(space->Location("dir-b/one")->Create());
  CHECK(space->Names() == std::vector<std::string>{"dir-a/one", "dir-a/two", "dir-b/one"});
  Must(space->Location("dir-a/three")->Stage(Must(kept->maintenance().Snapshot()).bytes));
  space->Forget("dir-a/");
  CHECK(space->Names() == std::vector<std::string>{"dir-b/one"});
  CHECK_FALSE(space->Location("dir-a/one")->Exists());
  std::string aside;
  CHECK(space->Location("dir-a/three")->PromoteStaged("t", &aside).code() == Code::kNotFound);
  MustOk(kept->meta().SetMeta("x", "still works"));  // a store keeps its state
  CHECK(*Must(kept->meta().GetMeta("x")) == "still works");
  // Two spaces share nothing.
  CHECK_FALSE(NewMemoryStateSpace()->Location("dir-b/one")->Exists());
}

TEST_CASE("memory state: an image cut short, lengthened or of another version is refused") {
  MemoryStates states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  KeyRow key = Key("k", "x", "alice");
  MustOk(store->keys().InsertKey(key));
  MustOk(AppendRecord(*store, Record("e")));
  StateImage image = Must(store->maintenance().Snapshot());
  const size_t size = image.bytes.size();
  for (size_t cut = 0; cut < size; cut += std::max<size_t>(1, size / 97)) {
    CAPTURE(cut);
    SecureBytes shorter(image.bytes.data(), cut);
    CHECK(states.Location("x")->Stage(shorter).status().code() == Code::kArgumentsBad);
  }
  SecureBytes longer(size + 1);
  std::copy(image.bytes.data(), image.bytes.data() + size, longer.data());
  CHECK(states.Location("x")->Stage(longer).status().code() == Code::kArgumentsBad);
  SecureBytes other_version(image.bytes.data(), size);
  other_version.data()[20 + 7] ^= 0x02;  // the version, after the magic
  CHECK(states.Location("x")->Stage(other_version).status().code() == Code::kArgumentsBad);
  Must(states.Location("x")->Stage(image.bytes));
}

TEST_CASE("memory state: a destroyed key's wrapped blob is in no later image") {
  MemoryStates states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  KeyRow key = Key("k", "x", "alice");
  key.wrapped_private = ToBytes("a very recognisable wrapped key");
  MustOk(store->keys().InsertKey(key));
  auto contains = [](const SecureBytes& image, const Bytes& needle) {
    return std::search(image.data(), image.data() + image.size(), needle.begin(), needle.end()) !=
           image.data() + image.size();
  };
  CHECK(contains(Must(store->maintenance().Snapshot()).bytes, key.wrapped_private));
  key.status = "destroyed";
  MustOk(store->keys().DestroyKey(key));
  CHECK_FALSE(contains(Must(store->maintenance().Snapshot()).bytes, key.wrapped_private));
}

TEST_CASE("memory state: not shared between processes: a child's writes stay in the child") {
  MemoryStates states;
  auto store = NewStore(states);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    bool ok =
        store->signers().InsertSigner(Signer("child")).ok() && states.Location("t")->Open().ok();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(Must(store->signers().FindSigner("child")).has_value());
}

}  // namespace
}  // namespace samp11
