// When a FailingStateStore (failing_state_store.h) fails, and how: the plan a test writes and the
// store reads on every call. Shared (std::shared_ptr) between the test and the store, and safe
// from many threads: a test may change it while the SAM under test signs.
//
// A method is named "<accessor>.<Method>", as reached from StateStore: "journal.WriteJournal",
// "pins.TakePinTry", "keys.InsertKey". Every method of every interface has its name (Methods());
// a rule naming anything else throws std::invalid_argument, so a typo fails the test instead of
// quietly injecting nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace samp11::testing {

// What happens to a call a rule picks.
struct Fault {
  // kBefore: the inner store is not called (the write never happens). kAfter: it is, and then the
  // caller is told it failed (the write happened, its acknowledgement is lost).
  enum class When { kBefore, kAfter };
  // kError: the call returns Status(code, ...). kCrash: the process ends at once, _exit(exit_code),
  // with no destructor or atexit handler run (for a forked child in a multi-process test).
  enum class Outcome { kError, kCrash };

  When when = When::kBefore;
  Outcome outcome = Outcome::kError;
  Code code = Code::kStorage;
  int exit_code = 0;

  static Fault ErrorBefore(Code code = Code::kStorage) {
    return Fault{When::kBefore, Outcome::kError, code, 0};
  }
  static Fault ErrorAfter(Code code = Code::kStorage) {
    return Fault{When::kAfter, Outcome::kError, code, 0};
  }
  static Fault CrashBefore(int exit_code) {
    return Fault{When::kBefore, Outcome::kCrash, Code::kStorage, exit_code};
  }
  static Fault CrashAfter(int exit_code) {
    return Fault{When::kAfter, Outcome::kCrash, Code::kStorage, exit_code};
  }
};

// One call the store saw, in order.
struct SeenCall {
  std::string method;
  size_t spends = 0;           // spent-hash rows the call carried (journal, replay)
  bool reached_inner = false;  // the inner store was called
  bool failed = false;         // a rule failed it
};

class FaultPlan {
 public:
  // Every method name a rule may use, in interface order.
  static const std::vector<std::string>& Methods();

  // Fails the nth call of method (1-based) counted from now, once.
  void FailNth(const std::string& method, int64_t nth, Fault fault);
  // Fails every call of method from the nth (1-based, counted from now) on.
  void FailFrom(const std::string& method, int64_t nth, Fault fault);
  // Drops every rule; the calls seen stay.
  void ClearRules();

  std::vector<SeenCall> Calls() const;
  void ClearCalls();
  // Calls of method seen (ClearCalls resets it).
  int64_t CallCount(const std::string& method) const;
  // Spent-hash rows carried by calls seen, whether or not they were written.
  size_t SpendsAttempted() const;
  // Calls that a rule failed.
  int64_t FailuresInjected() const;

  // The store's side, at the start of every call: records it and returns its number (for
  // ReachedInner) and the fault to inject, if a rule picks it. Aborts the process on a name
  // outside Methods(): that is a bug of the store, not of a test.
  struct Entered {
    size_t call = 0;
    uint64_t generation = 0;  // of the record, which ClearCalls renews
    std::optional<Fault> fault;
  };
  Entered Enter(const char* method, size_t spends);
  // The store's side: the inner store was called for that call.
  void ReachedInner(const Entered& entered);

 private:
  struct Rule {
    std::string method;
    int64_t nth = 1;
    bool and_after = false;
    Fault fault;
    int64_t seen = 0;  // calls of method since the rule was set
    bool done = false;
  };
  void AddRule(const std::string& method, int64_t nth, bool and_after, Fault fault);

  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<SeenCall> calls_;
  uint64_t generation_ = 0;
};

}  // namespace samp11::testing
