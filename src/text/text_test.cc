// Tests for text/: they need Debian's python3-jieba and libopencc-data. When the data is missing
// they FAIL with the install hint (scripts/setup installs the packages); they never skip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "text/analyzer.h"
#include "text/data_files.h"
#include "text/english.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/segmenter.h"

namespace kechan::text {
namespace {

// Loads the analyser once per test binary; a load failure is reported by every test that uses it.
const base::Result<std::unique_ptr<Analyzer>>& SharedAnalyzer() {
  static auto* analyzer = new base::Result<std::unique_ptr<Analyzer>>(Analyzer::Create());
  return *analyzer;
}

Analyzer* A() {
  const auto& a = SharedAnalyzer();
  EXPECT_TRUE(a.ok()) << a.status()
                      << "\nInstall the data: apt-get install python3-jieba "
                         "libopencc-data (scripts/setup does this)";
  return a.ok() ? a.value().get() : nullptr;
}

std::vector<std::string> Words(std::string_view text) {
  Analyzer* a = A();
  if (a == nullptr) {
    return {"<analyzer not loaded>"};
  }
  auto tokens = a->Analyze(text, "text");
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  std::vector<std::string> out;
  if (tokens.ok()) {
    for (const Token& t : *tokens) {
      out.push_back(t.text);
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(TextDataTest, DebianDataIsInstalled) {
  ASSERT_TRUE(SharedAnalyzer().ok()) << SharedAnalyzer().status();
  EXPECT_GT(SharedAnalyzer().value()->segmenter().dictionary_size(), 300000u);
}

TEST(SegmenterTest, MissingDictionaryNamesFileAndPackage) {
  JiebaPaths paths = JiebaPaths::FromDir("/nonexistent/jieba");
  auto s = Segmenter::Load(paths);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message_en().find("/nonexistent/jieba/dict.txt"), std::string::npos);
  EXPECT_NE(s.status().message_en().find("python3-jieba"), std::string::npos);
  EXPECT_NE(s.status().message_zh().find("python3-jieba"), std::string::npos);
}

TEST(SegmenterTest, JiebaClassicDictionaryExample) {
  EXPECT_EQ(Words("我来到北京清华大学"), (V{"我", "来到", "北京", "清华大学"}));
}

TEST(SegmenterTest, HmmFindsUnknownWord) {
  EXPECT_EQ(Words("他来到了网易杭研大厦"), (V{"他", "来到", "了", "网易", "杭研", "大厦"}));
}

TEST(SegmenterTest, JiebaClassicLongSentence) {
  EXPECT_EQ(Words("小明硕士毕业于中国科学院计算所，后在日本京都大学深造"),
            (V{"小明", "硕士", "毕业", "于", "中国科学院", "计算所", "后", "在", "日本京都大学",
               "深造"}));
}

TEST(SegmenterTest, UserDictionaryKeepsDomainTermsWhole) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  std::vector<std::string> before = Words("实行揭榜挂帅制度，培育专精特新企业");
  EXPECT_EQ(std::count(before.begin(), before.end(), "揭榜挂帅"), 0);
  ASSERT_TRUE(a->AddUserWord("揭榜挂帅").ok());
  ASSERT_TRUE(a->AddUserWord("專精特新", 50).ok());  // normalised to simplified on the way in
  EXPECT_EQ(Words("实行揭榜挂帅制度，培育专精特新企业"),
            (V{"实行", "揭榜挂帅", "制度", "培育", "专精特新", "企业"}));
  EXPECT_EQ(a->segmenter().Frequency("专精特新"), 50u);
}

TEST(SegmenterTest, UserWordIsValidated) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  for (std::string_view bad : {std::string_view(""), std::string_view("a b"),
                               std::string_view("链,条"), std::string_view("\xff")}) {
    base::Status s = a->AddUserWord(bad);
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "word");
  }
}

TEST(SegmenterTest, MixedChineseEnglishKeepsAsciiRunsWhole) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto tokens = a->Analyze("成都AI芯片产业链2026年", "q");
  ASSERT_TRUE(tokens.ok());
  V words;
  for (const auto& t : *tokens) {
    words.push_back(t.text);
  }
  EXPECT_EQ(words, (V{"成都", "ai", "芯片", "产业链", "2026", "年"}));
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kWord);
  EXPECT_EQ((*tokens)[4].kind, TokenKind::kNumber);
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kHan);
  EXPECT_EQ((*tokens)[1].begin, 6u);  // offsets are bytes in the normalised text
}

TEST(SegmenterTest, EnglishWordsAreLowerCasedAndDecimalsKept) {
  EXPECT_EQ(Words("Machine Learning for 5G, version 3.5!"),
            (V{"machine", "learning", "for", "5g", "version", "3.5"}));
}

TEST(NormalizerTest, FullWidthDigitsAndLettersBecomeHalfWidth) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto n = a->normalizer().Normalize("ＡＩ芯片２０２６，Ｃａｆé", "title");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, "ai芯片2026,café");
  EXPECT_EQ(Words("ＡＩ芯片２０２６"), (V{"ai", "芯片", "2026"}));
}

TEST(NormalizerTest, TraditionalBecomesSimplified) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto n = a->normalizer().Normalize("產業鏈", "title");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, "产业链");
  EXPECT_EQ(Words("成都產業鏈"), (V{"成都", "产业链"}));
}

TEST(NormalizerTest, InvalidUtf8IsRejectedNamingTheField) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  for (std::string_view bad : {std::string_view("abc\xff"), std::string_view("\xe4\xb8"),
                               std::string_view("\xc0\xaf"), std::string_view("\xed\xa0\x80")}) {
    auto r = a->Analyze(bad, "demand.title");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "text.invalid_utf8");
    EXPECT_EQ(r.status().field(), "demand.title");
    EXPECT_NE(r.status().message_zh().find("UTF-8"), std::string::npos);
  }
}

TEST(NormalizerTest, OverlongInputIsRejected) {
  auto n = Normalizer::Create({.max_bytes = 8});
  ASSERT_TRUE(n.ok()) << n.status();
  auto r = (*n)->Normalize("123456789", "q");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "text.too_long");
  EXPECT_EQ(r.status().field(), "q");
}

TEST(NormalizerTest, MissingOpenccConfigNamesPackage) {
  auto n = Normalizer::Create({.opencc_config = "/nonexistent/t2s.json"});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message_en().find("libopencc-data"), std::string::npos);
}

TEST(SegmenterTest, EmptyEmojiAndPunctuationGiveNoTokens) {
  EXPECT_TRUE(Words("").empty());
  EXPECT_TRUE(Words("😀🎉👍🏽 ……！？，。、“”《》 --- !!! \t\n").empty());
  EXPECT_TRUE(Words(std::string("\0\0", 2)).empty());
  EXPECT_EQ(Words("👨‍👩‍👧芯片😀"), (V{"芯片"}));
}

TEST(SegmenterTest, CutIsSafeOnRawInvalidBytes) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto tokens = a->segmenter().Cut("芯\xff片\xe4\xb8");
  std::vector<std::string> words;
  words.reserve(tokens.size());
  for (const auto& t : tokens) {
    words.push_back(t.text);
  }
  EXPECT_EQ(words, (V{"芯", "片"}));
}

TEST(SegmenterTest, ConcurrentCutAndAddWord) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) {
      EXPECT_TRUE(a->AddUserWord("链主企业" + std::to_string(i)).ok());
    }
  });
  size_t total = 0;
  for (int i = 0; i < 50; ++i) {
    total += a->segmenter().Cut("我来到北京清华大学").size();
  }
  writer.join();
  EXPECT_EQ(total, 50u * 4u);
  EXPECT_GE(a->segmenter().user_dictionary_size(), 50u);
}

// The trie-based DAG (Segmenter::Cut) must give exactly the tokens of the original binary-search
// lookup (CutReference) on every text of the search fixtures, with and without user words.
TEST(SegmenterTest, TrieCutMatchesReferenceOnFixtures) {
  auto seg = Segmenter::Load(JiebaPaths::Debian());
  ASSERT_TRUE(seg.ok()) << seg.status();
  auto norm = Normalizer::Create();
  ASSERT_TRUE(norm.ok()) << norm.status();
  std::vector<std::string> texts;
  for (const char* file : {"tests/fixtures/search/retrieval/corpus.jsonl",
                           "tests/fixtures/search/retrieval/queries.jsonl",
                           "tests/fixtures/search/routing/examples.jsonl",
                           "tests/fixtures/search/routing/queries.jsonl"}) {
    std::ifstream in(file);
    ASSERT_TRUE(in) << file;
    std::string line;
    while (std::getline(in, line)) {
      texts.push_back(line);  // the JSON line itself: ids, keys and punctuation are text too
    }
  }
  texts.push_back("B超检查T恤3D打印a股5G基站，x光机与AI芯片！ok吗？𠮷野家");
  ASSERT_GT(texts.size(), 400u);
  size_t tokens = 0;
  auto compare = [&](const char* when) {
    for (const std::string& t : texts) {
      auto n = (*norm)->Normalize(t, "text");
      ASSERT_TRUE(n.ok()) << n.status();
      std::vector<Token> fast = (*seg)->Cut(*n);
      std::vector<Token> reference = (*seg)->CutReference(*n);
      auto show = [](const std::vector<Token>& v) {
        std::string s;
        for (const Token& k : v) {
          s += k.text + "@" + std::to_string(k.begin) + "/" +
               std::to_string(static_cast<int>(k.kind)) + " ";
        }
        return s;
      };
      ASSERT_EQ(show(fast), show(reference)) << when << ": " << t;
      ASSERT_TRUE(fast == reference);
      tokens += fast.size();
    }
  };
  compare("jieba dictionary only");
  ASSERT_TRUE((*seg)->AddWord("隔膜孔隙率").ok());
  ASSERT_TRUE((*seg)->AddWord("退役电池", 100000).ok());
  ASSERT_TRUE((*seg)->AddWord("施工许可").ok());
  ASSERT_TRUE((*seg)->AddWord("ai芯片").ok());
  compare("with user words");
  EXPECT_GT(tokens, 10000u);
  std::vector<Token> cut = (*seg)->Cut("隔膜孔隙率技术");
  ASSERT_FALSE(cut.empty());
  EXPECT_EQ(cut[0].text, "隔膜孔隙率");
}

// The "may change under t2s" shortcut must never skip a text OpenCC would change: compare with a
// normaliser that always converts (the same t2s configuration under another file name, which
// disables the shortcut) on every fixture line and some traditional text.
TEST(NormalizerTest, SkippingUnchangedTextMatchesFullConversion) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "kechan-t2s-always";
  std::filesystem::create_directories(dir);
  std::filesystem::path config = dir / "t2s-always.json";
  std::filesystem::copy_file(NormalizerOptions().opencc_config, config,
                             std::filesystem::copy_options::overwrite_existing);
  NormalizerOptions always_options;
  always_options.opencc_config = config.string();
  auto always = Normalizer::Create(always_options);
  ASSERT_TRUE(always.ok()) << always.status();
  auto fast = Normalizer::Create();
  ASSERT_TRUE(fast.ok()) << fast.status();
  std::vector<std::string> texts = {"軟體開發與資訊安全", "臺灣積體電路製造",
                                    "乾隆皇帝的頭髮",     "這個軟件的後台",
                                    "鬆緊帶與髮型",       "联系电话：电子科技大学"};
  for (const char* file : {"tests/fixtures/search/retrieval/corpus.jsonl",
                           "tests/fixtures/search/routing/examples.jsonl"}) {
    std::ifstream in(file);
    ASSERT_TRUE(in) << file;
    std::string line;
    while (std::getline(in, line)) {
      texts.push_back(line);
    }
  }
  for (const std::string& t : texts) {
    auto a = (*fast)->Normalize(t, "text");
    auto b = (*always)->Normalize(t, "text");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << t;
  }
  std::filesystem::remove_all(dir);
}

TEST(PyTableTest, ParsesEscapesAndRawUtf8) {
  auto v = internal::ParsePyTable(
      "from __future__ import unicode_literals\n# c\nP={'B': {'\\u4e00': -3.6, u'二': -1e+2},\n"
      " 'E': -3.14e+100}\n",
      "t.py");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->dict.at("B").is_dict);
  EXPECT_DOUBLE_EQ(v->dict.at("B").dict.at("一").number, -3.6);
  EXPECT_DOUBLE_EQ(v->dict.at("B").dict.at("二").number, -100);
  EXPECT_DOUBLE_EQ(v->dict.at("E").number, -3.14e100);
  auto bad = internal::ParsePyTable("P={'B': {'x': }", "bad.py");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message_en().find("bad.py"), std::string::npos);
}

TEST(KeywordTest, DomainTermRanksAboveStopWords) {
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto kw = KeywordExtractor::Load(JiebaPaths::Debian().idf_txt);
  ASSERT_TRUE(kw.ok()) << kw.status();
  ASSERT_TRUE(a->AddUserWord("揭榜挂帅").ok());
  auto tokens = a->Analyze(
      "我们通过揭榜挂帅的方式进行攻关，揭榜挂帅项目已经可以申报，我们的企业和高校都可以参加。"
      "The project is for the chain.",
      "text");
  ASSERT_TRUE(tokens.ok());
  std::vector<Keyword> top = (*kw)->Extract(*tokens, 5);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].word, "揭榜挂帅");
  for (const Keyword& k : top) {
    EXPECT_NE(k.word, "我们");
    EXPECT_NE(k.word, "可以");
    EXPECT_NE(k.word, "the");
    EXPECT_GT(k.score, 0);
  }
  EXPECT_TRUE((*kw)->IsStopWord("我们"));
  EXPECT_DOUBLE_EQ((*kw)->Idf("揭榜挂帅"), (*kw)->median_idf());
  EXPECT_GT((*kw)->Idf("劳动防护"), (*kw)->median_idf());
  EXPECT_LE(top.size(), 5u);
}

TEST(NormalizerTest, PhraseOnlyTraditionalFormsAreStillConverted) {
  // 乾 alone stays 乾 (乾隆), but the phrase 乾燥 becomes 干燥: the "no traditional character"
  // shortcut must not skip OpenCC here.
  Analyzer* a = A();
  ASSERT_NE(a, nullptr);
  auto n = a->normalizer().Normalize("乾燥设备", "title");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, "干燥设备");
  auto plain = a->normalizer().Normalize("人工智能芯片 AI chips", "title");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "人工智能芯片 ai chips");
}

TEST(EnglishTest, SnowballStemsAsciiWordsOnly) {
  EXPECT_EQ(StemEnglish("networks"), "network");
  EXPECT_EQ(StemEnglish("manufacturing"), StemEnglish("manufacture"));
  EXPECT_EQ(StemEnglish("5g"), "5g");
  EXPECT_EQ(StemEnglish("café"), "café");
  EXPECT_EQ(StemEnglish("ai"), "ai");
}

TEST(EnglishTest, StopWordsAreFunctionWords) {
  EXPECT_TRUE(IsEnglishStopWord("the"));
  EXPECT_TRUE(IsEnglishStopWord("with"));
  EXPECT_TRUE(IsEnglishStopWord("your"));
  for (const char* w : {"a", "about", "during", "nor", "through", "would"}) {
    EXPECT_TRUE(IsEnglishStopWord(w)) << w;
  }
  EXPECT_FALSE(IsEnglishStopWord("battery"));
  EXPECT_FALSE(IsEnglishStopWord("ai"));
}

TEST(KeywordTest, MissingIdfNamesPackage) {
  auto kw = KeywordExtractor::Load("/nonexistent/idf.txt");
  ASSERT_FALSE(kw.ok());
  EXPECT_NE(kw.status().message_en().find("python3-jieba"), std::string::npos);
}

}  // namespace
}  // namespace kechan::text
