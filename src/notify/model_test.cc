#include "notify/model.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace kechan::notify {
namespace {

namespace json = boost::json;

std::optional<NotifyBlock> Parse(const std::string& payload) {
  auto r = ParseNotifyBlock(payload);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::nullopt;
}

base::Status ParseError(const std::string& payload) {
  auto r = ParseNotifyBlock(payload);
  EXPECT_FALSE(r.ok()) << payload;
  return r.ok() ? base::Status::Ok() : r.status();
}

TEST(NotifyBlockTest, ParsesAFullBlock) {
  auto b = Parse(R"({"appeal_id":7,"notify":{"users":[3,4,3],"orgs":[9],
      "roles":["duty_director"],"chains":["CD-AI"],
      "title":{"zh":"诉求即将超时","en":"Appeal nearly overdue"},
      "body":{"zh":"请尽快处理","en":"Please act"},"link":"/appeals/7","urgency":"high"}})");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->users, (std::vector<base::UserId>{base::UserId{3}, base::UserId{4}}));
  EXPECT_EQ(b->orgs, (std::vector<base::OrgId>{base::OrgId{9}}));
  EXPECT_EQ(b->roles, (std::vector<auth::Role>{auth::Role::kDutyDirector}));
  EXPECT_EQ(b->chains, (std::vector<std::string>{"CD-AI"}));
  EXPECT_EQ(b->title.zh, "诉求即将超时");
  EXPECT_EQ(b->title.In("en"), "Appeal nearly overdue");
  EXPECT_EQ(b->body.In("zh-CN"), "请尽快处理");
  EXPECT_EQ(b->link, "/appeals/7");
  EXPECT_EQ(b->urgency, Urgency::kHigh);
}

TEST(NotifyBlockTest, PayloadsWithoutABlockAreNotNotifications) {
  EXPECT_FALSE(Parse(R"({"appeal_id":7})").has_value());
  EXPECT_FALSE(Parse(R"({"notify":null})").has_value());
  EXPECT_FALSE(Parse("not json").has_value());
  EXPECT_FALSE(Parse("[1,2]").has_value());
}

TEST(NotifyBlockTest, TitleFallsBackToTheOtherLanguage) {
  auto b = Parse(R"({"notify":{"users":[1],"title":{"en":"Only English"}}})");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->title.In("zh-CN"), "Only English");
  EXPECT_EQ(b->urgency, Urgency::kNormal);
}

TEST(NotifyBlockTest, RejectsAnUnknownField) {
  EXPECT_EQ(ParseError(R"({"notify":{"users":[1],"title":{"zh":"x"},"colour":"red"}})").field(),
            "notify.colour");
}

TEST(NotifyBlockTest, RejectsAnUnknownRole) {
  EXPECT_EQ(ParseError(R"({"notify":{"roles":["king"],"title":{"zh":"x"}}})").field(),
            "notify.roles");
}

TEST(NotifyBlockTest, RejectsNonPositiveIds) {
  EXPECT_EQ(ParseError(R"({"notify":{"users":[0],"title":{"zh":"x"}}})").field(), "notify.users");
  EXPECT_EQ(ParseError(R"({"notify":{"orgs":["5"],"title":{"zh":"x"}}})").field(), "notify.orgs");
}

TEST(NotifyBlockTest, RequiresATitle) {
  EXPECT_EQ(ParseError(R"({"notify":{"users":[1],"body":{"zh":"x"}}})").field(), "notify.title");
}

TEST(NotifyBlockTest, RejectsLinksLeavingTheSite) {
  EXPECT_EQ(
      ParseError(R"({"notify":{"users":[1],"title":{"zh":"x"},"link":"//evil.example"}})").field(),
      "notify.link");
  EXPECT_EQ(
      ParseError(R"({"notify":{"users":[1],"title":{"zh":"x"},"link":"https://evil.example"}})")
          .field(),
      "notify.link");
  EXPECT_EQ(ParseError(R"({"notify":{"users":[1],"title":{"zh":"x"},"link":"/a b"}})").field(),
            "notify.link");
}

TEST(NotifyBlockTest, RejectsABadUrgencyAndOverlongTitle) {
  EXPECT_EQ(ParseError(R"({"notify":{"users":[1],"title":{"zh":"x"},"urgency":"urgent"}})").field(),
            "notify.urgency");
  std::string long_title;
  for (size_t i = 0; i <= kMaxTitleChars; ++i) {
    long_title += "长";
  }
  EXPECT_EQ(ParseError(R"({"notify":{"users":[1],"title":{"zh":")" + long_title + "\"}}}").field(),
            "notify.title.zh");
}

NotifyBlock Block() {
  NotifyBlock b;
  b.orgs = {base::OrgId{5}};
  b.roles = {auth::Role::kOfficer};
  b.chains = {"CD-AI"};
  b.title = {.zh = "新诉求", .en = "New appeal"};
  b.body = {.zh = "企业反映用电问题", .en = "Power supply issue"};
  b.link = "/appeals/12";
  return b;
}

TEST(TargetTest, MatchesByOrgChainAndRole) {
  NotifyBlock b = Block();
  Target t{.name = "x", .url = "https://robot.example/hook"};
  t.scope = ScopeKind::kOrg;
  t.scope_value = "5";
  EXPECT_TRUE(TargetMatches(t, b));
  t.scope_value = "6";
  EXPECT_FALSE(TargetMatches(t, b));
  t.scope = ScopeKind::kChain;
  t.scope_value = "CD-AI";
  EXPECT_TRUE(TargetMatches(t, b));
  t.scope = ScopeKind::kRole;
  t.scope_value = "officer";
  EXPECT_TRUE(TargetMatches(t, b));
  t.enabled = false;
  EXPECT_FALSE(TargetMatches(t, b));
  t.enabled = true;
  t.scope = ScopeKind::kAll;
  t.scope_value = "";
  EXPECT_FALSE(TargetMatches(t, b));  // "all" hears only high urgency
  b.urgency = Urgency::kHigh;
  EXPECT_TRUE(TargetMatches(t, b));
}

TEST(TargetTest, ValidationNamesTheField) {
  Target t{.name = "高新区诉求群",
           .channel = Channel::kDingTalk,
           .url = "https://oapi.dingtalk.com/robot/send?access_token=abc",
           .scope = ScopeKind::kOrg,
           .scope_value = "12"};
  EXPECT_TRUE(ValidateTarget(t).ok());
  Target bad = t;
  bad.url = "ftp://x.example/robot";
  EXPECT_EQ(ValidateTarget(bad).field(), "url");
  bad = t;
  bad.scope_value = "abc";
  EXPECT_EQ(ValidateTarget(bad).field(), "scope_value");
  bad = t;
  bad.scope = ScopeKind::kRole;
  bad.scope_value = "king";
  EXPECT_EQ(ValidateTarget(bad).field(), "scope_value");
  bad = t;
  bad.name = "";
  EXPECT_EQ(ValidateTarget(bad).field(), "name");
  bad = t;
  bad.channel = Channel::kEmail;  // an e-mail target with a webhook URL
  EXPECT_EQ(ValidateTarget(bad).field(), "url");
  bad = t;
  bad.addresses = {"tzj@gov.example"};  // a robot with addresses
  EXPECT_EQ(ValidateTarget(bad).field(), "addresses");
}

TEST(TargetTest, EmailTargetsNeedDistinctValidAddresses) {
  Target t{.name = "投促局公共邮箱",
           .channel = Channel::kEmail,
           .addresses = {"tzj@gov.example", "duty@gov.example"},
           .scope = ScopeKind::kRole,
           .scope_value = "duty_director"};
  EXPECT_TRUE(ValidateTarget(t).ok()) << ValidateTarget(t);
  Target bad = t;
  bad.addresses = {};
  EXPECT_EQ(ValidateTarget(bad).field(), "addresses");
  bad.addresses = {"tzj@gov.example", "not an address"};
  base::Status s = ValidateTarget(bad);
  EXPECT_EQ(s.field(), "addresses");
  EXPECT_NE(s.message_en().find("not an address"), std::string::npos) << s;
  bad.addresses = {"tzj@gov.example", "tzj@gov.example"};
  EXPECT_EQ(ValidateTarget(bad).field(), "addresses");
  bad.addresses = {"a@b.example,c@d.example"};  // one entry holding two
  EXPECT_EQ(ValidateTarget(bad).field(), "addresses");
  bad = t;
  bad.secret = "SEC1";
  EXPECT_EQ(ValidateTarget(bad).field(), "secret");
  EXPECT_EQ(JoinAddresses(t.addresses), "tzj@gov.example, duty@gov.example");
  EXPECT_EQ(SplitAddresses(" tzj@gov.example,duty@gov.example ,"), t.addresses);
}

TEST(SmtpSettingsTest, ValidationNamesTheFieldAndUrlsRoundTrip) {
  SmtpSettings s{.host = "smtp.gov.example",
                 .port = 465,
                 .tls = SmtpTlsMode::kImplicit,
                 .mail_from = "kechan@gov.example"};
  EXPECT_TRUE(ValidateSmtpSettings(s).ok());
  EXPECT_EQ(SmtpUrl(s), "smtps://smtp.gov.example:465");
  SmtpSettings bad = s;
  bad.port = 0;
  EXPECT_EQ(ValidateSmtpSettings(bad).field(), "port");
  bad.port = 65536;
  EXPECT_EQ(ValidateSmtpSettings(bad).field(), "port");
  bad = s;
  bad.host = "smtp.gov.example:25";
  EXPECT_EQ(ValidateSmtpSettings(bad).field(), "host");
  bad.host = "";
  EXPECT_EQ(ValidateSmtpSettings(bad).field(), "host");
  bad = s;
  bad.mail_from = "kechan";
  EXPECT_EQ(ValidateSmtpSettings(bad).field(), "mail_from");
  bad.mail_from = "kechan@localhost";  // accepted for a local relay
  EXPECT_TRUE(ValidateSmtpSettings(bad).ok());
  auto back = SettingsFromUrl("smtp://127.0.0.1:2525", SmtpTlsMode::kRequire, "a@b.example");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->host, "127.0.0.1");
  EXPECT_EQ(back->port, 2525);
  EXPECT_EQ(back->tls, SmtpTlsMode::kRequire);
  auto tls = SettingsFromUrl("smtps://mail.example", SmtpTlsMode::kTry, "a@b.example");
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->port, 465);
  EXPECT_EQ(tls->tls, SmtpTlsMode::kImplicit);
  EXPECT_FALSE(SettingsFromUrl("http://mail.example", SmtpTlsMode::kTry, "").has_value());
}

TEST(EmailTest, TestBlockIsBilingualAndNamesTheTarget) {
  Target t{.name = "投促局公共邮箱", .channel = Channel::kEmail};
  NotifyBlock b = TestBlock(t, "user:7", 1800000000LL * 1000000);
  EXPECT_EQ(b.title.zh, "测试消息：投促局公共邮箱");
  EXPECT_EQ(b.title.en, "Test message: 投促局公共邮箱");
  EXPECT_NE(b.body.zh.find("user:7"), std::string::npos);
  EXPECT_NE(b.body.en.find("2027-01-15T08:00:00"), std::string::npos) << b.body.en;
}

TEST(BackoffTest, DoublesUpToTheCap) {
  RetryPolicy p{.base_delay = 1000, .max_delay = 5000, .max_attempts = 9};
  EXPECT_EQ(BackoffDelay(p, 1), 1000);
  EXPECT_EQ(BackoffDelay(p, 2), 2000);
  EXPECT_EQ(BackoffDelay(p, 3), 4000);
  EXPECT_EQ(BackoffDelay(p, 4), 5000);
  EXPECT_EQ(BackoffDelay(p, 60), 5000);
}

TEST(RobotTest, WeComBodyIsMarkdownWithTheTextAndAbsoluteLink) {
  json::value v = json::parse(RenderWeCom(Block(), "https://kechan.example/"));
  EXPECT_EQ(v.at("msgtype").as_string(), "markdown");
  const std::string content(v.at("markdown").at("content").as_string());
  EXPECT_NE(content.find("**新诉求**"), std::string::npos) << content;
  EXPECT_NE(content.find("企业反映用电问题"), std::string::npos);
  EXPECT_NE(content.find("(https://kechan.example/appeals/12)"), std::string::npos) << content;
}

TEST(RobotTest, WeComContentIsCutAtACharacterBoundary) {
  NotifyBlock b = Block();
  b.body.zh = std::string(3000, 'a');
  for (int i = 0; i < 1000; ++i) {
    b.body.zh += "长";
  }
  json::value v = json::parse(RenderWeCom(b, ""));
  const std::string content(v.at("markdown").at("content").as_string());
  EXPECT_LE(content.size(), 4096u);
}

TEST(RobotTest, DingTalkBodyHasTitleAndText) {
  json::value v = json::parse(RenderDingTalk(Block(), ""));
  EXPECT_EQ(v.at("msgtype").as_string(), "markdown");
  EXPECT_EQ(v.at("markdown").at("title").as_string(), "新诉求");
  EXPECT_NE(std::string(v.at("markdown").at("text").as_string()).find("Power supply issue"),
            std::string::npos);
}

TEST(RobotTest, DingTalkSignMatchesAKnownVector) {
  // HMAC-SHA256(key=secret, "1700000000000\n" + secret), base64, URL-encoded (Python hmac).
  EXPECT_EQ(DingTalkSignQuery("SEC0123456789abcdef", 1700000000000),
            "timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D");
  EXPECT_EQ(AppendQuery("https://x/robot/send?access_token=t", "a=1"),
            "https://x/robot/send?access_token=t&a=1");
  EXPECT_EQ(AppendQuery("https://x/hook", "a=1"), "https://x/hook?a=1");
}

TEST(RobotTest, AcceptsOnlyErrcodeZero) {
  EXPECT_TRUE(RobotAccepted(200, R"({"errcode":0,"errmsg":"ok"})"));
  EXPECT_TRUE(RobotAccepted(204, ""));
  EXPECT_FALSE(RobotAccepted(200, R"({"errcode":310000,"errmsg":"sign not match"})"));
  EXPECT_FALSE(RobotAccepted(500, "oops"));
}

TEST(EmailTest, RendersUtf8HeadersAndBase64Body) {
  NotifyBlock b = Block();
  b.title.zh = "【紧急】企业诉求超时";
  const std::string m = RenderEmail(b,
                                    {.from = "kechan@gov.example",
                                     .to = "li@gov.example",
                                     .message_id = "notify-1-2@gov.example",
                                     .date = 1700000000LL * 1000000},
                                    "https://kechan.example");
  EXPECT_NE(m.find("Subject: =?UTF-8?B?44CQ57Sn5oCl44CR5LyB5Lia6K+J5rGC6LaF5pe2?=\r\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(m.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Message-ID: <notify-1-2@gov.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: li@gov.example\r\n"), std::string::npos);
  EXPECT_EQ(EmailSubject(b), "【紧急】企业诉求超时");
}

TEST(EmailTest, HeaderInjectionIsFlattened) {
  NotifyBlock b = Block();
  b.title.zh = "hi\r\nBcc: victim@example.org";
  const std::string m = RenderEmail(b, {.from = "a@b.example", .to = "c@d.example"}, "");
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
}

TEST(EmailTest, LooksLikeEmail) {
  EXPECT_TRUE(LooksLikeEmail("li.si@chengdu.gov.cn"));
  EXPECT_FALSE(LooksLikeEmail(""));
  EXPECT_FALSE(LooksLikeEmail("a@b"));
  EXPECT_FALSE(LooksLikeEmail("a b@c.cn"));
  EXPECT_FALSE(LooksLikeEmail("a@b@c.cn"));
}

}  // namespace
}  // namespace kechan::notify

namespace kechan::notify {
namespace {

TEST(NotifyBlockTest, JsonRoundTrips) {
  NotifyBlock b;
  b.users = {base::UserId{3}};
  b.roles = {auth::Role::kChainChief};
  b.chains = {"CD-AI"};
  b.title = {.zh = "公告", .en = "Notice"};
  b.link = "/inbox";
  b.urgency = Urgency::kHigh;
  auto back = ParseNotifyBlock("{\"notify\":" + NotifyBlockJson(b) + "}");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->users, b.users);
  EXPECT_EQ((*back)->roles, b.roles);
  EXPECT_EQ((*back)->chains, b.chains);
  EXPECT_EQ((*back)->title.en, "Notice");
  EXPECT_EQ((*back)->urgency, Urgency::kHigh);
}

}  // namespace
}  // namespace kechan::notify
