// PgStateLocation's class (pg_state_store.h): the live schema, created and opened here
// (pg_state_store.cc), staged, replaced and promoted by a restore (pg_restore.cc) and staged
// from a migration's rows (pg_contents.cc).
#pragma once

#include <memory>
#include <string>

#include "state/postgres/pg_state_store.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

struct PgImage;

class PgLocation : public StateLocation {
 public:
  explicit PgLocation(PgStateConfig config);

  const std::string& name() const override { return name_; }
  bool Exists() override;
  Result<std::unique_ptr<StateStore>> Create() override;
  Result<std::unique_ptr<StateStore>> Open() override;
  Result<std::unique_ptr<StateStore>> Stage(const SecureBytes& image) override;
  Result<ReplaceCounts> ReplaceLive(const std::string& aside_tag, const TombstoneMacs& macs,
                                    std::string* aside) override;
  Status PromoteStaged(const std::string& aside_tag, std::string* aside) override;
  void DiscardStaged() override;
  bool HoldsNodeChains() const override { return true; }
  Result<std::unique_ptr<StateStore>> StageContents(const StateContents& contents) override;

 private:
  // The image's rows as the stage (<live>_stage), made afresh: Stage and StageContents.
  Result<std::unique_ptr<StateStore>> StageImage(const PgImage& image);
  // A node name of 1 to 64 bytes, a connection string without a password.
  Status CheckConfig() const;
  // A connection to the database with search_path set to schema.
  Result<std::unique_ptr<PgConnection>> ConnectTo(const std::string& schema) const;
  // Whether schema holds a samp11 state (its samp11_schema table).
  Result<bool> SchemaExists(PgConnection& connection, const std::string& schema) const;

  const PgStateConfig config_;
  const std::string name_;  // "schema S of PostgreSQL database D" (no connection string: secrets)
};

// The store on a connection whose search_path is its schema (already migrated).
std::unique_ptr<StateStore> NewPgStateStore(std::unique_ptr<PgConnection> connection,
                                            std::string node);

}  // namespace samp11
