#include "text/keywords.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/utf8.h"
#include "text/data_files.h"
#include "text/utf8.h"

namespace kechan::text {
namespace {

// Function words that carry no topic. Single characters are excluded anyway (length < 2), so the
// Chinese list holds only multi-character words. English: jieba's own default list plus a few.
constexpr std::string_view kStopWords[] = {
    // Chinese
    "一个",
    "一些",
    "一种",
    "一样",
    "一般",
    "不是",
    "不仅",
    "不过",
    "也是",
    "了解",
    "他们",
    "以及",
    "以上",
    "以下",
    "但是",
    "你们",
    "使用",
    "关于",
    "其中",
    "其他",
    "具有",
    "可以",
    "可能",
    "各种",
    "同时",
    "因为",
    "因此",
    "如何",
    "如果",
    "就是",
    "已经",
    "并且",
    "我们",
    "所以",
    "所有",
    "或者",
    "方面",
    "没有",
    "然后",
    "而且",
    "自己",
    "虽然",
    "由于",
    "的话",
    "相关",
    "这个",
    "这些",
    "这样",
    "进行",
    "还是",
    "通过",
    "那个",
    "那些",
    "需要",
    "非常",
    "什么",
    "怎么",
    "这里",
    "那里",
    "之后",
    "之前",
    "对于",
    "根据",
    "其实",
    "只是",
    "还有",
    "目前",
    "以来",
    "有关",
    "为了",
    "问题",
    // English
    "the",
    "of",
    "is",
    "and",
    "to",
    "in",
    "that",
    "we",
    "for",
    "an",
    "are",
    "by",
    "be",
    "as",
    "on",
    "with",
    "can",
    "if",
    "from",
    "which",
    "you",
    "it",
    "this",
    "then",
    "at",
    "have",
    "all",
    "not",
    "one",
    "has",
    "or",
    "was",
    "were",
    "will",
    "would",
    "should",
    "its",
    "our",
    "their",
    "they",
    "he",
    "she",
    "his",
    "her",
    "them",
    "these",
    "those",
    "there",
    "here",
    "been",
    "but",
    "do",
    "does",
    "did",
    "so",
    "than",
    "too",
    "very",
    "into",
    "about",
    "also",
    "more",
    "most",
    "such",
    "no",
    "nor",
    "only",
    "own",
    "same",
    "other",
    "any",
    "each",
    "few",
    "how",
    "what",
    "when",
    "where",
    "who",
    "whom",
    "why",
    "a",
    "i",
    "me",
    "my",
    "us",
    "your",
    "up",
    "out",
};

bool IsNumber(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

struct KeywordExtractor::Impl {
  internal::FlatTable<double> idf;
  double median = 0;
  std::unordered_set<std::string> stop;
};

KeywordExtractor::KeywordExtractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeywordExtractor::~KeywordExtractor() = default;

base::Result<std::unique_ptr<KeywordExtractor>> KeywordExtractor::Load(
    const std::string& idf_txt, const KeywordOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(std::string data, internal::ReadDataFile(idf_txt, "python3-jieba"));
  std::vector<std::pair<std::string, double>> entries;
  entries.reserve(280000);
  std::string_view s(data);
  size_t line_no = 0;
  while (!s.empty()) {
    ++line_no;
    size_t eol = s.find('\n');
    std::string_view line = s.substr(0, eol);
    s.remove_prefix(eol == std::string_view::npos ? s.size() : eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    size_t sp = line.rfind(' ');
    std::string word(line.substr(0, sp == std::string_view::npos ? 0 : sp));
    std::string num(sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1));
    char* end = nullptr;
    double v = std::strtod(num.c_str(), &end);
    if (word.empty() || num.empty() || end != num.c_str() + num.size() ||
        base::FirstInvalidUtf8Byte(word) != std::string_view::npos) {
      std::string where = idf_txt + ":" + std::to_string(line_no);
      return base::InvalidArgument(where, "text.idf_line",
                                   "malformed IDF line " + where + " (want: word idf)",
                                   "IDF 行格式错误 " + where + "（应为：词 IDF）");
    }
    for (char& c : word) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    entries.emplace_back(std::move(word), v);
  }
  if (entries.empty()) {
    return base::FailedPrecondition("text.idf_empty", "IDF table " + idf_txt + " is empty",
                                    "IDF 表 " + idf_txt + " 为空", idf_txt);
  }
  auto impl = std::make_unique<Impl>();
  std::vector<double> values;
  values.reserve(entries.size());
  for (const auto& e : entries) {
    values.push_back(e.second);
  }
  std::nth_element(values.begin(), values.begin() + static_cast<long>(values.size() / 2),
                   values.end());
  impl->median = values[values.size() / 2];  // jieba: sorted(values)[len // 2]
  impl->idf = internal::FlatTable<double>(std::move(entries));
  for (std::string_view w : kStopWords) {
    impl->stop.emplace(w);
  }
  for (const auto& w : options.extra_stop_words) {
    impl->stop.insert(w);
  }
  return std::unique_ptr<KeywordExtractor>(new KeywordExtractor(std::move(impl)));
}

double KeywordExtractor::Idf(std::string_view word) const {
  const double* v = impl_->idf.Find(word);
  return v ? *v : impl_->median;
}

double KeywordExtractor::median_idf() const { return impl_->median; }

bool KeywordExtractor::IsStopWord(std::string_view word) const {
  return impl_->stop.count(std::string(word)) > 0;
}

std::vector<Keyword> KeywordExtractor::Extract(const std::vector<Token>& tokens, size_t k) const {
  std::unordered_map<std::string_view, double> tf;
  double counted = 0;
  for (const Token& t : tokens) {
    if (base::CodePointCount(t.text) < 2 || IsNumber(t.text) || IsStopWord(t.text)) {
      continue;
    }
    tf[t.text] += 1.0;
    counted += 1.0;
  }
  std::vector<Keyword> out;
  out.reserve(tf.size());
  for (const auto& [w, n] : tf) {
    out.push_back({std::string(w), n / counted * Idf(w)});
  }
  std::sort(out.begin(), out.end(), [](const Keyword& a, const Keyword& b) {
    return a.score != b.score ? a.score > b.score : a.word < b.word;
  });
  if (out.size() > k) {
    out.resize(k);
  }
  return out;
}

}  // namespace kechan::text
