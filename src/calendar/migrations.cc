#include "calendar/migrations.h"

namespace kechan::calendar {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // One row per year an operator imported; it overlays the data shipped in the binary. Times are
  // UTC microseconds. source_text is the imported text, kept verbatim so the calendar can be
  // rebuilt (and audited) from the database alone.
  out.push_back(store::Migration{
      .module = "calendar",
      .version = 1,
      .name = "calendar_years",
      .sql = R"sql(
CREATE TABLE calendar_years (
  year INTEGER PRIMARY KEY CHECK (year BETWEEN 1000 AND 9999),
  notice TEXT NOT NULL CHECK (length(notice) > 0),
  source_text TEXT NOT NULL,
  loaded_at BIGINT NOT NULL,
  loaded_by TEXT NOT NULL
);
)sql",
  });
  return out;
}

}  // namespace kechan::calendar
