#include "search/fasttext/fasttext_router.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace kechan::search {
namespace {

constexpr std::string_view kMagic = "KECHAN-ROUTING-FASTTEXT 1\n";
constexpr std::string_view kLabelPrefix = "__label__";
constexpr uint64_t kMaxPayload = 1ULL << 31;

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// fastText splits on ASCII whitespace and treats "__label__..." as labels: keep our terms and
// labels single tokens.
std::string Token(std::string_view term) {
  std::string out;
  out.reserve(term.size() + 1);
  if (term.substr(0, kLabelPrefix.size()) == kLabelPrefix || term == "</s>") {
    out += 'w';
  }
  for (char c : term) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u <= 0x20 || u == 0x7f) ? '_' : c;
  }
  return out;
}

std::string EncodeLabel(std::string_view label) {
  std::string out(kLabelPrefix);
  for (char c : label) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '%') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string DecodeLabel(std::string_view encoded) {
  if (encoded.substr(0, kLabelPrefix.size()) == kLabelPrefix) {
    encoded.remove_prefix(kLabelPrefix.size());
  }
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      unsigned v = 0;
      if (std::sscanf(std::string(encoded.substr(i + 1, 2)).c_str(), "%2X", &v) == 1) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += encoded[i];
  }
  return out;
}

base::Result<std::vector<std::string>> Tokens(const TextAnalysis& analysis, std::string_view text,
                                              std::string_view field) {
  KECHAN_ASSIGN_OR_RETURN(Analyzed a, analysis.Analyze(text, field));
  std::vector<std::string> out;
  out.reserve(a.terms.size());
  for (const Term& t : a.terms) {
    if (!t.term.empty()) {
      out.push_back(Token(t.term));
    }
  }
  return out;
}

base::Status Corrupt(const std::string& path, const std::string& why) {
  return base::FailedPrecondition(
      "routing.model_corrupt",
      "the routing model " + path + " is damaged (" + why +
          "); retrain it with `kechan train-routing` or delete it to use nearest neighbours",
      "分派模型文件 " + path + " 已损坏（" + why +
          "）；请用 kechan train-routing 重新训练，或删除该文件以改用近邻分派",
      path);
}

std::string TempBase() {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          ("kechan-fasttext-" + std::to_string(::getpid()) + "-" + std::to_string(++counter)))
      .string();
}

// Reads the checked file into its fastText payload.
base::Result<std::string> ReadPayload(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::NotFound("routing.model_missing", "no routing model at " + path,
                          "找不到分派模型 " + path, path);
  }
  std::string magic(kMagic.size(), '\0');
  if (!in.read(magic.data(), static_cast<std::streamsize>(magic.size())) || magic != kMagic) {
    return Corrupt(path, "not a kechan routing model");
  }
  std::string line;
  uint64_t size = 0;
  uint64_t sum = 0;
  if (!std::getline(in, line) || std::sscanf(line.c_str(), "bytes %" SCNu64, &size) != 1 ||
      size == 0 || size > kMaxPayload) {
    return Corrupt(path, "bad size line");
  }
  if (!std::getline(in, line) || std::sscanf(line.c_str(), "fnv1a64 %" SCNx64, &sum) != 1) {
    return Corrupt(path, "bad checksum line");
  }
  std::string payload(size, '\0');
  if (!in.read(payload.data(), static_cast<std::streamsize>(size))) {
    return Corrupt(path, "truncated");
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    return Corrupt(path, "trailing bytes");
  }
  if (Fnv1a64(payload) != sum) {
    return Corrupt(path, "checksum mismatch");
  }
  return payload;
}

// fastText's loadModel(std::istream&) expects the stream past the magic number and version that
// the file-name overload checks with the protected checkModel; this exposes that check.
class CheckedFastText : public fasttext::FastText {
 public:
  bool CheckHeader(std::istream& in) { return checkModel(in); }
};

}  // namespace

struct FastTextRouter::Impl {
  CheckedFastText ft;
  std::string payload;  // fastText's model bytes, as saved
  std::vector<std::string> labels;

  // Loads `payload` into `ft`; false (with `why`) when fastText refuses it.
  bool LoadPayload(std::string* why) {
    try {
      std::istringstream in(payload);
      if (!ft.CheckHeader(in)) {
        *why = "not a fastText model of a version this build reads";
        return false;
      }
      ft.loadModel(in);
      if (ft.getArgs().model != fasttext::model_name::sup) {
        *why = "not a supervised model";
        return false;
      }
      std::shared_ptr<const fasttext::Dictionary> dict = ft.getDictionary();
      std::set<std::string> s;
      for (int32_t i = 0; i < dict->nlabels(); ++i) {
        s.insert(DecodeLabel(dict->getLabel(i)));
      }
      labels.assign(s.begin(), s.end());
      if (labels.empty()) {
        *why = "no labels";
        return false;
      }
      return true;
    } catch (const std::exception& e) {
      *why = e.what();
      return false;
    }
  }
};

FastTextRouter::FastTextRouter(const TextAnalysis& analysis, std::unique_ptr<Impl> impl,
                               double min_confidence)
    : analysis_(analysis), impl_(std::move(impl)), min_confidence_(min_confidence) {}

FastTextRouter::~FastTextRouter() = default;

base::Result<std::unique_ptr<FastTextRouter>> FastTextRouter::Train(
    const TextAnalysis& analysis, const std::vector<RoutingExample>& examples,
    const RoutingOptions& options) {
  if (examples.empty()) {
    return base::InvalidArgument("examples", "routing.no_examples", "no training examples",
                                 "没有训练样本");
  }
  std::string body;
  bool any_term = false;
  for (size_t i = 0; i < examples.size(); ++i) {
    const RoutingExample& e = examples[i];
    std::string field = "examples[" + std::to_string(i) + "]";
    if (e.label.empty()) {
      return base::InvalidArgument(field + ".label", "routing.no_label", "example has no label",
                                   "样本缺少标签");
    }
    KECHAN_ASSIGN_OR_RETURN(auto tokens, Tokens(analysis, e.text, field + ".text"));
    body += EncodeLabel(e.label);
    for (const std::string& t : tokens) {
      body += ' ';
      body += t;
    }
    body += '\n';
    any_term = any_term || !tokens.empty();
  }
  if (!any_term) {
    return base::InvalidArgument("examples", "routing.no_terms",
                                 "no training example has a searchable word",
                                 "训练样本中没有可用的词");
  }
  std::string base = TempBase();
  std::string input = base + ".txt";
  std::string model_path = base + ".bin";
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove(input, ec);
    std::filesystem::remove(model_path, ec);
  };
  {
    std::ofstream f(input, std::ios::binary | std::ios::trunc);
    f << body;
    if (!f) {
      cleanup();
      return base::Internal("routing.temp_write", "cannot write " + input);
    }
  }
  auto impl = std::make_unique<Impl>();
  try {
    fasttext::Args args;
    args.input = input;
    args.output = base;
    args.model = fasttext::model_name::sup;
    args.loss = fasttext::loss_name::softmax;
    args.dim = options.ft_dim;
    args.epoch = options.ft_epoch;
    args.lr = options.ft_lr;
    args.wordNgrams = options.ft_word_ngrams;
    args.minCount = 1;
    args.minCountLabel = 0;
    args.minn = 0;
    args.maxn = 0;
    args.bucket = options.ft_word_ngrams > 1 ? 200000 : 0;
    args.thread = 1;
    args.seed = options.ft_seed;
    args.verbose = 0;
    fasttext::FastText trainer;
    trainer.train(args);
    trainer.saveModel(model_path);
    std::ifstream in(model_path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    impl->payload = ss.str();
  } catch (const std::exception& e) {
    cleanup();
    return base::Internal("routing.fasttext_failed",
                          std::string("fastText training failed: ") + e.what());
  }
  cleanup();
  std::string why;
  if (impl->payload.empty() || !impl->LoadPayload(&why)) {
    return base::Internal("routing.fasttext_failed", "fastText could not reload its model: " + why);
  }
  return std::unique_ptr<FastTextRouter>(
      new FastTextRouter(analysis, std::move(impl), options.ft_min_confidence));
}

base::Status FastTextRouter::Save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    char head[96];
    std::snprintf(head, sizeof head, "bytes %zu\nfnv1a64 %016" PRIx64 "\n", impl_->payload.size(),
                  Fnv1a64(impl_->payload));
    f << kMagic << head << impl_->payload;
    f.close();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return base::FailedPrecondition("routing.write_failed", "cannot write " + path,
                                      "无法写入 " + path, path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return base::FailedPrecondition("routing.write_failed", "cannot write " + path,
                                    "无法写入 " + path, path);
  }
  return base::Status::Ok();
}

base::Result<std::unique_ptr<FastTextRouter>> FastTextRouter::Load(const TextAnalysis& analysis,
                                                                   const std::string& path,
                                                                   const RoutingOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(std::string payload, ReadPayload(path));
  auto impl = std::make_unique<Impl>();
  impl->payload = std::move(payload);
  std::string why;
  if (!impl->LoadPayload(&why)) {
    return Corrupt(path, "fastText: " + why);
  }
  return std::unique_ptr<FastTextRouter>(
      new FastTextRouter(analysis, std::move(impl), options.ft_min_confidence));
}

base::Status FastTextRouter::Check(const std::string& path) {
  KECHAN_ASSIGN_OR_RETURN(std::string payload, ReadPayload(path));
  Impl impl;
  impl.payload = std::move(payload);
  std::string why;
  if (!impl.LoadPayload(&why)) {
    return Corrupt(path, "fastText: " + why);
  }
  return base::Status::Ok();
}

std::vector<std::string> FastTextRouter::Labels() const { return impl_->labels; }

base::Result<RoutingScores> FastTextRouter::Score(std::string_view text) const {
  KECHAN_ASSIGN_OR_RETURN(auto tokens, Tokens(analysis_, text, "text"));
  RoutingScores out;
  if (tokens.empty()) {
    return out;
  }
  std::shared_ptr<const fasttext::Dictionary> dict = impl_->ft.getDictionary();
  std::string line;
  size_t known = 0;
  for (const std::string& t : tokens) {
    int32_t id = dict->getId(t);
    if (id >= 0 && dict->getType(id) == fasttext::entry_type::word) {
      ++known;
      line += t;
      line += ' ';
    }
  }
  if (known == 0) {
    return out;
  }
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  try {
    std::istringstream in(line);
    impl_->ft.predictLine(in, predictions, dict->nlabels(), 0.0);
  } catch (const std::exception& e) {
    return base::Internal("routing.fasttext_failed", std::string("fastText failed: ") + e.what());
  }
  for (const auto& [p, label] : predictions) {
    out.shares.emplace_back(DecodeLabel(label), static_cast<double>(p));
  }
  std::stable_sort(out.shares.begin(), out.shares.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (!out.shares.empty()) {
    double coverage = static_cast<double>(known) / static_cast<double>(tokens.size());
    out.confidence = out.shares[0].second * std::min(1.0, 0.5 + coverage);
  }
  return out;
}

}  // namespace kechan::search
