// Storage of the policy module: SQL over store::Tx for policies, versions, applications and the
// supplementary enterprise facts. Stateless functions; no rules (model.h) and no permissions
// (service.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/model.h"
#include "store/database.h"

namespace kechan::policy {

struct PolicyFilter {
  std::optional<Category> category;
  std::optional<PolicyStatus> status;
  std::optional<Mode> mode;
  std::string department;
  std::string q;  // substring of title, title_en or code
};

struct ApplicationFilter {
  std::optional<PolicyId> policy_id;
  std::optional<int64_t> enterprise_id;
  std::string state;
  std::optional<ApplicationKind> kind;
  std::optional<std::vector<int64_t>> org_ids;  // only applications of these organisations
};

// Thread-safety is the transaction's. Errors are the transaction's (kAlreadyExists on a unique
// violation).
namespace repo {

base::Result<PolicyId> InsertPolicy(store::Tx& tx, const Policy& p, int64_t now);
base::Status UpdatePolicy(store::Tx& tx, const Policy& p, int64_t now);
base::Result<std::optional<Policy>> FindPolicy(store::Tx& tx, PolicyId id);
base::Result<std::vector<Policy>> ListPolicies(store::Tx& tx, const PolicyFilter& f, int64_t offset,
                                               int64_t limit, int64_t* total);

// Versions keep their rule as canonical JSON; reading parses it back (a row that no longer
// parses is an internal error naming the version).
base::Result<VersionId> InsertVersion(store::Tx& tx, const PolicyVersion& v, int64_t now);
base::Status UpdateVersion(store::Tx& tx, const PolicyVersion& v, int64_t now);
base::Result<std::vector<PolicyVersion>> ListVersions(store::Tx& tx, PolicyId policy);
base::Result<int> NextVersionNumber(store::Tx& tx, PolicyId policy);

base::Result<ApplicationId> InsertApplication(store::Tx& tx, const Application& a, int64_t now);
base::Status UpdateApplication(store::Tx& tx, const Application& a, int64_t now);
base::Result<std::optional<Application>> FindApplication(store::Tx& tx, ApplicationId id);
// The enterprise's application for the policy that is not closed (model.h IsClosedState).
base::Result<std::optional<Application>> FindOpenApplication(store::Tx& tx, PolicyId policy,
                                                             int64_t enterprise);
base::Result<std::vector<Application>> ListApplications(store::Tx& tx, const ApplicationFilter& f,
                                                        int64_t offset, int64_t limit,
                                                        int64_t* total);

// Replaces the (enterprise, fact, year) value.
base::Status UpsertFact(store::Tx& tx, int64_t enterprise, const SuppliedFact& f,
                        const std::string& source, int64_t now);
base::Result<std::vector<SuppliedFact>> ListFacts(store::Tx& tx, int64_t enterprise);
base::Result<std::map<int64_t, std::vector<SuppliedFact>>> ListAllFacts(store::Tx& tx);

// Encodes/decodes flow::Fields as a JSON object of strings.
std::string FieldsToJson(const flow::Fields& f);
flow::Fields FieldsFromJson(const std::string& json);

}  // namespace repo
}  // namespace kechan::policy
