#include "store/sql_text.h"

#include "gtest/gtest.h"

namespace kechan::store::internal {
namespace {

using Strings = std::vector<std::string>;

TEST(RewritePlaceholdersTest, NumbersPlaceholdersInOrder) {
  RewrittenSql r = RewritePlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)");
  EXPECT_EQ(r.sql, "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(r.params, 3);
}

TEST(RewritePlaceholdersTest, SkipsLiteralsIdentifiersAndComments) {
  RewrittenSql r = RewritePlaceholders(
      "SELECT 'a?b', 'it''s ?', \"col?\", E'\\'?', $tag$ ? $tag$ -- why?\n"
      "FROM t /* ? /* nested ? */ ? */ WHERE x = ?");
  EXPECT_EQ(r.sql,
            "SELECT 'a?b', 'it''s ?', \"col?\", E'\\'?', $tag$ ? $tag$ -- why?\n"
            "FROM t /* ? /* nested ? */ ? */ WHERE x = $1");
  EXPECT_EQ(r.params, 1);
}

TEST(RewritePlaceholdersTest, LeavesExistingDollarParametersAlone) {
  RewrittenSql r = RewritePlaceholders("SELECT $1, ?");
  EXPECT_EQ(r.sql, "SELECT $1, $1");  // mixing styles is the caller's bug; nothing is eaten
  EXPECT_EQ(r.params, 1);
}

TEST(SplitStatementsTest, SplitsOnSemicolonsAtLineEnds) {
  EXPECT_EQ(SplitStatements("CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);  \n\n"),
            (Strings{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}));
  EXPECT_EQ(SplitStatements("SELECT 1;"), (Strings{"SELECT 1"}));
  EXPECT_EQ(SplitStatements("SELECT 1"), (Strings{"SELECT 1"}));
}

TEST(SplitStatementsTest, KeepsSemicolonsInsideLiteralsCommentsAndMidLine) {
  EXPECT_EQ(SplitStatements("INSERT INTO t VALUES ('a;\n');\n-- note;\nSELECT 2; -- done\n"),
            (Strings{"INSERT INTO t VALUES ('a;\n')", "-- note;\nSELECT 2"}));
  EXPECT_EQ(SplitStatements("SELECT 1; SELECT 2;\n"), (Strings{"SELECT 1; SELECT 2"}));
}

TEST(SplitStatementsTest, KeepsTriggerBodiesAndDollarQuotesWhole) {
  const std::string trigger =
      "CREATE TRIGGER no_update BEFORE UPDATE ON events\n"
      "BEGIN\n"
      "  SELECT CASE WHEN 1 THEN RAISE(ABORT, 'append-only') END;\n"
      "END";
  EXPECT_EQ(SplitStatements(trigger + ";\nSELECT 1;\n"), (Strings{trigger, "SELECT 1"}));
  const std::string fn =
      "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql";
  EXPECT_EQ(SplitStatements(fn + ";\n"), (Strings{fn}));
}

TEST(SplitStatementsTest, DropsCommentOnlyParts) {
  EXPECT_EQ(SplitStatements("SELECT 1;\n-- trailing comment\n/* block */\n"),
            (Strings{"SELECT 1"}));
  EXPECT_TRUE(SplitStatements("  \n-- nothing\n").empty());
}

TEST(FirstKeywordTest, SkipsBlanksCommentsAndParentheses) {
  EXPECT_EQ(FirstKeyword("  -- c\n /* d */ select 1"), "SELECT");
  EXPECT_EQ(FirstKeyword("(SELECT 1) UNION (SELECT 2)"), "SELECT");
  EXPECT_EQ(FirstKeyword(""), "");
}

}  // namespace
}  // namespace kechan::store::internal
