#include "calendar/repo.h"

namespace kechan::calendar::repo {
namespace {

constexpr const char* kColumns = "year, notice, source_text, loaded_at, loaded_by";

YearRow FromRow(const store::Row& r) {
  return YearRow{.year = static_cast<int>(r.Int(0)),
                 .notice = r.Text(1),
                 .source_text = r.Text(2),
                 .loaded_at = r.Int(3),
                 .loaded_by = r.Text(4)};
}

}  // namespace

base::Result<std::vector<YearRow>> ListYears(store::Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kColumns +
                                                     " FROM calendar_years ORDER BY year"));
  std::vector<YearRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows) {
    out.push_back(FromRow(r));
  }
  return out;
}

base::Result<std::optional<YearRow>> FindYear(store::Tx& tx, int year) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kColumns +
                                                         " FROM calendar_years WHERE year = ?",
                                                     {static_cast<int64_t>(year)}));
  if (rows.empty()) {
    return std::optional<YearRow>();
  }
  return std::optional<YearRow>(FromRow(rows.rows[0]));
}

base::Status UpsertYear(store::Tx& tx, const YearRow& row) {
  // ON CONFLICT ... DO UPDATE is understood by SQLite (3.24+) and PostgreSQL alike.
  auto n = tx.Exec(
      "INSERT INTO calendar_years (year, notice, source_text, loaded_at, loaded_by) "
      "VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (year) DO UPDATE SET notice = excluded.notice, "
      "source_text = excluded.source_text, loaded_at = excluded.loaded_at, "
      "loaded_by = excluded.loaded_by",
      {static_cast<int64_t>(row.year), row.notice, row.source_text, row.loaded_at, row.loaded_by});
  return n.ok() ? base::Status::Ok() : n.status();
}

}  // namespace kechan::calendar::repo
