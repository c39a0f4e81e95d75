// search/document: the values the index stores and returns — typed documents with weighted text
// fields and structured values (facets for filters and counts, numbers for ranges) — and the
// fixed schema naming which facets and numbers exist. No Xapian type here (see search/xapian/).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace kechan::search {

// All types here are value types; thread-compatible.

// One searched text field. `weight` multiplies the field's term frequencies (title 3, body 1).
struct Field {
  std::string name;  // "name", "title", "body", "products", ...
  std::string text;
  double weight = 1;
};

struct Document {
  std::string type;   // one of DocumentTypes(): "enterprise", "achievement", "appeal", ...
  std::string id;     // the record's id within its type, as text
  std::string title;  // shown in results
  std::vector<Field> fields;
  // Keyword values for filters and facet counts, several per facet allowed
  // ({"node": ["AI-CHIP", "AI-EDA"]}). Names must be in FacetNames().
  std::map<std::string, std::vector<std::string>> facets;
  // Numbers for ranges and structured matching ({"price": 1.5e6}). Names in NumberNames().
  std::map<std::string, double> numbers;

  std::string Key() const { return type + ":" + id; }
  // The first value of `facet`, or "".
  std::string Facet(std::string_view facet) const;
  std::optional<double> Number(std::string_view name) const;
};

// Document types the index knows (modules add theirs here as they arrive).
const std::vector<std::string>& DocumentTypes();
// Facet names: "type", "district", "chain", "node", "status", "maturity", "label", "department",
// "appeal_type".
const std::vector<std::string>& FacetNames();
// Number names: "price" (yuan), "budget" (yuan), "date" (days since 1970-01-01), "valid_to"
// (days since 1970-01-01), "revenue" (yuan).
const std::vector<std::string>& NumberNames();

bool IsDocumentType(std::string_view type);
bool IsFacetName(std::string_view name);
bool IsNumberName(std::string_view name);

// Checks a document before it is indexed: known type and names, non-empty id.
// InvalidArgument naming "type", "id", "facets.<name>" or "numbers.<name>".
base::Status ValidateDocument(const Document& doc);

// Renders a document as one JSON object (type, id, title, fields, facets, numbers) and back; the
// index stores this as the document's data.
std::string DocumentToJson(const Document& doc);
base::Result<Document> DocumentFromJson(std::string_view json);

}  // namespace kechan::search
