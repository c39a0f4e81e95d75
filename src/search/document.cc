#include "search/document.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/result.h"

namespace kechan::search {
namespace json = boost::json;

std::string Document::Facet(std::string_view facet) const {
  auto it = facets.find(std::string(facet));
  return (it == facets.end() || it->second.empty()) ? std::string() : it->second.front();
}

std::optional<double> Document::Number(std::string_view name) const {
  auto it = numbers.find(std::string(name));
  return it == numbers.end() ? std::nullopt : std::optional<double>(it->second);
}

const std::vector<std::string>& DocumentTypes() {
  static const auto* types =
      new std::vector<std::string>{"enterprise",  "achievement", "demand", "expert", "product",
                                   "procurement", "appeal",      "policy", "doc"};
  return *types;
}
const std::vector<std::string>& FacetNames() {
  static const auto* names =
      new std::vector<std::string>{"type",     "district", "chain",      "node",        "status",
                                   "maturity", "label",    "department", "appeal_type", "org"};
  return *names;
}
const std::vector<std::string>& NumberNames() {
  static const auto* names =
      new std::vector<std::string>{"price", "budget", "date", "valid_to", "revenue"};
  return *names;
}

namespace {
bool In(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

bool IsDocumentType(std::string_view type) { return In(DocumentTypes(), type); }
bool IsFacetName(std::string_view name) { return In(FacetNames(), name); }
bool IsNumberName(std::string_view name) { return In(NumberNames(), name); }

base::Status ValidateDocument(const Document& doc) {
  if (!IsDocumentType(doc.type)) {
    return base::InvalidArgument("type", "search.unknown_type", "unknown document type " + doc.type,
                                 "未知的文档类型 " + doc.type);
  }
  if (doc.id.empty() || doc.id.size() > 128) {
    return base::InvalidArgument("id", "search.bad_id", "document id must be 1-128 bytes",
                                 "文档编号须为 1 至 128 字节");
  }
  for (const auto& [name, values] : doc.facets) {
    if (!IsFacetName(name)) {
      return base::InvalidArgument("facets." + name, "search.unknown_facet",
                                   "unknown facet " + name, "未知的分面 " + name);
    }
  }
  for (const auto& [name, value] : doc.numbers) {
    if (!IsNumberName(name)) {
      return base::InvalidArgument("numbers." + name, "search.unknown_number",
                                   "unknown number " + name, "未知的数值字段 " + name);
    }
  }
  return base::Status::Ok();
}

std::string DocumentToJson(const Document& doc) {
  json::object o{{"type", doc.type}, {"id", doc.id}, {"title", doc.title}};
  json::array fields;
  for (const Field& f : doc.fields) {
    fields.push_back(json::object{{"name", f.name}, {"text", f.text}, {"weight", f.weight}});
  }
  o["fields"] = std::move(fields);
  json::object facets;
  for (const auto& [name, values] : doc.facets) {
    json::array a;
    for (const auto& v : values) {
      a.emplace_back(v);
    }
    facets[name] = std::move(a);
  }
  o["facets"] = std::move(facets);
  json::object numbers;
  for (const auto& [name, value] : doc.numbers) {
    numbers[name] = value;
  }
  o["numbers"] = std::move(numbers);
  return json::serialize(o);
}

base::Result<Document> DocumentFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return base::Internal("search.bad_stored_document", "stored search document is not JSON");
  }
  try {
    const json::object& o = v.as_object();
    Document d;
    d.type = json::value_to<std::string>(o.at("type"));
    d.id = json::value_to<std::string>(o.at("id"));
    d.title = json::value_to<std::string>(o.at("title"));
    for (const auto& f : o.at("fields").as_array()) {
      const auto& fo = f.as_object();
      d.fields.push_back(Field{json::value_to<std::string>(fo.at("name")),
                               json::value_to<std::string>(fo.at("text")),
                               fo.at("weight").to_number<double>()});
    }
    for (const auto& [name, values] : o.at("facets").as_object()) {
      auto& out = d.facets[std::string(name)];
      for (const auto& x : values.as_array()) {
        out.push_back(json::value_to<std::string>(x));
      }
    }
    for (const auto& [name, value] : o.at("numbers").as_object()) {
      d.numbers[std::string(name)] = value.to_number<double>();
    }
    return d;
  } catch (const std::exception& e) {
    return base::Internal("search.bad_stored_document",
                          std::string("stored search document is malformed: ") + e.what());
  }
}

}  // namespace kechan::search
