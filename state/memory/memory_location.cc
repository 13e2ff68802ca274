// Named memory states as StateLocations: creating and opening them, and a restore's moves (the
// image staged as a state of its own, then folded into the live one or put in its place), as
// state/sqlite/sqlite_location.cc does with files.
#include <map>
#include <mutex>

#include "state/memory/memory_contents.h"
#include "state/memory/memory_image.h"
#include "state/memory/memory_restore.h"
#include "state/memory/memory_state.h"
#include "state/memory/memory_state_store.h"

namespace samp11 {
namespace {

class MemorySpace : public MemoryStateSpace, public std::enable_shared_from_this<MemorySpace> {
 public:
  std::unique_ptr<StateLocation> Location(const std::string& name) override;

  std::vector<std::string> Names() override {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> names;
    for (const auto& [name, state] : live) names.push_back(name);
    return names;
  }

  void Forget(const std::string& prefix) override {
    std::lock_guard<std::mutex> lock(mu);
    for (auto* states : {&live, &staged}) {
      for (auto it = states->lower_bound(prefix);
           it != states->end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
        it = states->erase(it);
      }
    }
  }

  // Locked before any state's own mutex, never after.
  std::mutex mu;
  std::map<std::string, std::shared_ptr<MemoryState>> live;    // mu held
  std::map<std::string, std::shared_ptr<MemoryState>> staged;  // by the live name; mu held
};

class MemoryLocation : public StateLocation {
 public:
  MemoryLocation(std::shared_ptr<MemorySpace> space, std::string name)
      : space_(std::move(space)), name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  bool Exists() override {
    std::lock_guard<std::mutex> lock(space_->mu);
    return space_->live.count(name_) != 0;
  }

  Result<std::unique_ptr<StateStore>> Create() override {
    std::lock_guard<std::mutex> lock(space_->mu);
    auto [slot, made] = space_->live.emplace(name_, std::make_shared<MemoryState>());
    if (!made) return Status(Code::kAlreadyExists, "keystore " + name_ + " already exists");
    return NewMemoryStateStore(slot->second);
  }

  Result<std::unique_ptr<StateStore>> Open() override {
    std::lock_guard<std::mutex> lock(space_->mu);
    auto found = space_->live.find(name_);
    if (found == space_->live.end()) {
      return Status(Code::kNotFound, "keystore " + name_ + " does not exist");
    }
    return NewMemoryStateStore(found->second);
  }

  Result<std::unique_ptr<StateStore>> Stage(const SecureBytes& image) override {
    auto state = std::make_shared<MemoryState>();
    SAMP11_ASSIGN_OR_RETURN(state->tables, DecodeMemoryImage(image));
    std::lock_guard<std::mutex> lock(space_->mu);
    space_->staged[name_] = state;  // a left-over stage is replaced
    return NewMemoryStateStore(std::move(state));
  }

  Result<ReplaceCounts> ReplaceLive(const std::string& aside_tag, const TombstoneMacs& macs,
                                    std::string* aside) override {
    aside->clear();
    std::lock_guard<std::mutex> lock(space_->mu);
    auto live = space_->live.find(name_);
    auto staged = space_->staged.find(name_);
    if (live == space_->live.end()) {
      return Status(Code::kNotFound, "keystore " + name_ + " does not exist");
    }
    if (staged == space_->staged.end()) {
      return Status(Code::kNotFound, "no restore of " + name_ + " is staged");
    }
    const std::string aside_name = AsideName(aside_tag);
    if (space_->live.count(aside_name) != 0) {
      return Status(Code::kAlreadyExists, "keystore " + aside_name + " already exists");
    }
    auto kept = std::make_shared<MemoryState>();
    SAMP11_ASSIGN_OR_RETURN(
        ReplaceCounts counts,
        ReplaceMemoryContents(*live->second, *staged->second, macs, &kept->tables));
    space_->live.emplace(aside_name, std::move(kept));
    space_->staged.erase(staged);
    *aside = aside_name;
    return counts;
  }

  Status PromoteStaged(const std::string& aside_tag, std::string* aside) override {
    aside->clear();
    std::lock_guard<std::mutex> lock(space_->mu);
    auto staged = space_->staged.find(name_);
    if (staged == space_->staged.end()) {
      return Status(Code::kNotFound, "no restore of " + name_ + " is staged");
    }
    auto live = space_->live.find(name_);
    if (live != space_->live.end()) {  // kept aside, never dropped; its stores keep it
      const std::string aside_name = AsideName(aside_tag);
      if (!space_->live.emplace(aside_name, live->second).second) {
        return Status(Code::kAlreadyExists, "keystore " + aside_name + " already exists");
      }
      *aside = aside_name;
    }
    space_->live[name_] = staged->second;
    space_->staged.erase(staged);
    return Status::Ok();
  }

  void DiscardStaged() override {
    std::lock_guard<std::mutex> lock(space_->mu);
    space_->staged.erase(name_);
  }

  Result<std::unique_ptr<StateStore>> StageContents(const StateContents& contents) override {
    auto state = std::make_shared<MemoryState>();
    SAMP11_ASSIGN_OR_RETURN(state->tables, MemoryTablesFrom(contents));
    std::lock_guard<std::mutex> lock(space_->mu);
    if (space_->live.count(name_) != 0) {
      return Status(Code::kAlreadyExists, "keystore " + name_ + " already exists");
    }
    space_->staged[name_] = state;  // a left-over stage is replaced
    return NewMemoryStateStore(std::move(state));
  }

 private:
  std::string AsideName(const std::string& tag) const { return name_ + ".before-restore-" + tag; }

  std::shared_ptr<MemorySpace> space_;
  std::string name_;
};

std::unique_ptr<StateLocation> MemorySpace::Location(const std::string& name) {
  return std::make_unique<MemoryLocation>(shared_from_this(), name);
}

}  // namespace

std::shared_ptr<MemoryStateSpace> NewMemoryStateSpace() { return std::make_shared<MemorySpace>(); }

}  // namespace samp11
