// A token's state with the signature journal in front (file_journal.h): the signing path's
// writes go to the journal, everything else to the state beneath, and whatever reads or rewrites
// the whole audit log or ledger first has the journal folded in.
#pragma once

#include <memory>
#include <string>

#include "state/state_location.h"

namespace samp11 {

// The token file at token_path through inner (SqliteStateLocation(token_path)): every store it
// creates or opens has its journal; a restore folds the live journal first and restarts it.
// segment_bytes: FileJournal::kDefaultSegmentBytes unless a test wants rotations.
std::unique_ptr<StateLocation> JournaledStateLocation(std::unique_ptr<StateLocation> inner,
                                                      const std::string& token_path,
                                                      int64_t segment_bytes = 0);

}  // namespace samp11
