#include "store/database.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace kechan::store {
namespace {

using base::Code;

TEST(RowTest, NullReadsAsZeroValues) {
  Row r({nullptr});
  EXPECT_TRUE(r.IsNull(0));
  EXPECT_EQ(r.Int(0), 0);
  EXPECT_EQ(r.Real(0), 0.0);
  EXPECT_EQ(r.Text(0), "");
}

TEST(RowTest, ConvertsBetweenColumnTypes) {
  Row r({int64_t{42}, 2.5, std::string("17"), std::string("x")});
  EXPECT_EQ(r.Int(0), 42);
  EXPECT_EQ(r.Real(0), 42.0);
  EXPECT_EQ(r.Text(0), "42");
  EXPECT_EQ(r.Int(1), 2);
  EXPECT_EQ(r.Text(1), "2.5");
  EXPECT_EQ(r.Int(2), 17);
  EXPECT_EQ(r.Real(2), 17.0);
  EXPECT_EQ(r.Int(3), 0);
  EXPECT_FALSE(r.IsNull(3));
  EXPECT_EQ(r.size(), 4u);
}

TEST(OpenTest, RejectsEmptyAndUnknownUrls) {
  auto empty = Open({.url = ""});
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(empty.status().field(), "database.url");
  auto mysql = Open({.url = "mysql://root:secret@db/kechan"});
  EXPECT_EQ(mysql.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(mysql.status().message_en().find("secret"), std::string::npos);
}

TEST(OpenTest, UnreachablePostgresIsUnavailable) {
  // Port 1 on loopback refuses at once.
  auto db = Open({.url = "postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kUnavailable) << db.status();
  EXPECT_EQ(db.status().message_en().find("pw"), std::string::npos) << db.status();
}

TEST(OpenTest, MemoryDatabaseSharesDataBetweenWriterAndReaders) {
  auto db = Open({.url = ":memory:"});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->Describe(), "sqlite::memory:");
  Status s = WithWriteTx(**db, [](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(tx.Exec("CREATE TABLE m (k INTEGER)").status());
    return tx.Exec("INSERT INTO m VALUES (7)").status();
  });
  ASSERT_TRUE(s.ok()) << s;
  auto tx = (*db)->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  auto rows = (*tx)->Query("SELECT k FROM m");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->rows[0].Int(0), 7);
}

TEST(OpenTest, PlainPathCreatesParentDirectories) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kechan-open-test-" + std::to_string(::getpid())) / "a" / "b";
  std::filesystem::remove_all(dir.parent_path().parent_path());
  {
    auto db = Open({.url = (dir / "x.db").string()});
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->Describe(), "sqlite:" + (dir / "x.db").string());
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "x.db"));
  std::filesystem::remove_all(dir.parent_path().parent_path());
}

// The writer's settings: WAL, synchronous FULL (durable on power loss) and statement journals
// in memory (temp_store 2), which an import's multi-row INSERTs would otherwise write to files.
TEST(OpenTest, SqliteWriterIsDurableAndKeepsStatementJournalsInMemory) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("kechan-pragma-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto db = Open({.url = (dir / "p.db").string()});
    ASSERT_TRUE(db.ok()) << db.status();
    Status s = WithWriteTx(**db, [](Tx& tx) -> Status {
      for (const auto& [pragma, want] :
           std::vector<std::pair<std::string, std::string>>{{"PRAGMA journal_mode", "wal"},
                                                            {"PRAGMA synchronous", "2"},
                                                            {"PRAGMA temp_store", "2"}}) {
        KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query(pragma));
        EXPECT_EQ(rows.rows.at(0).Text(0), want) << pragma;
      }
      return Status();
    });
    ASSERT_TRUE(s.ok()) << s;
  }
  std::filesystem::remove_all(dir);
}

TEST(OpenTest, WriterWaitTimesOutAsUnavailable) {
  auto db = Open({.url = ":memory:", .busy_timeout_ms = 50});
  ASSERT_TRUE(db.ok()) << db.status();
  auto first = (*db)->Begin(TxKind::kWrite);
  ASSERT_TRUE(first.ok());
  auto second = (*db)->Begin(TxKind::kWrite);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  first->reset();
  auto third = (*db)->Begin(TxKind::kWrite);  // the abandoned ticket does not block the queue
  EXPECT_TRUE(third.ok()) << third.status();
}

}  // namespace
}  // namespace kechan::store
