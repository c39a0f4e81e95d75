#include "http/static_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "http/problem.h"

namespace kechan::http {
namespace {

namespace fs = std::filesystem;

std::string HttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool Within(const fs::path& root, const fs::path& p) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

bool EtagMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') {
      tag.remove_prefix(1);
    }
    while (!tag.empty() && tag.back() == ' ') {
      tag.remove_suffix(1);
    }
    if (tag.starts_with("W/")) {
      tag.remove_prefix(2);  // weak comparison is what If-None-Match uses
    }
    if (tag == "*" || tag == etag) {
      return true;
    }
  }
  return false;
}

Response Invalid(const Request& req) {
  return ProblemResponse(
      base::InvalidArgument("path", "path.invalid", "The path is not allowed", "路径不合法"), &req);
}

}  // namespace

base::Result<StaticFiles> StaticFiles::Open(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return base::InvalidArgument("static_dir", "static.not_dir",
                                 "The static directory \"" + dir + "\" does not exist",
                                 "静态文件目录 \"" + dir + "\" 不存在");
  }
  return StaticFiles(std::move(root));
}

const char* StaticFiles::ContentTypeFor(std::string_view filename) {
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) {
    return "application/octet-stream";
  }
  std::string ext(filename.substr(dot + 1));
  for (char& c : ext) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::pair<const char*, const char*> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json; charset=utf-8"},
      {"map", "application/json; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) {
      return type;
    }
  }
  return "application/octet-stream";
}

Response StaticFiles::ServeFile(const fs::path& file, const Request& req,
                                std::string_view cache_control) const {
  struct stat st {};
  std::ifstream in(file, std::ios::binary);
  if (::stat(file.c_str(), &st) != 0 || !in) {
    return ProblemResponse(
        base::NotFound("static.not_found", "File not found", "文件不存在", "path"), &req);
  }
  char etag[64];
  std::snprintf(etag, sizeof(etag), "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  Response r;
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Last-Modified", HttpDate(st.st_mtim.tv_sec));
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  if (auto inm = req.Header("if-none-match"); inm && EtagMatches(*inm, etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = ContentTypeFor(file.filename().native());
  std::ostringstream body;
  body << in.rdbuf();
  r.body = std::move(body).str();
  return r;
}

Response StaticFiles::Serve(const Request& req) const {
  std::string_view path = req.path;
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos) {
    return Invalid(req);
  }
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg == "." || seg == "..") {
      return Invalid(req);
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }

  const bool asset = path.starts_with("/assets/");
  std::error_code ec;
  fs::path target = fs::weakly_canonical(root_ / fs::path(path.substr(1)), ec);
  if (ec || !Within(root_, target)) {
    return Invalid(req);
  }
  if (fs::is_directory(target, ec)) {
    target /= "index.html";
  }
  if (fs::is_regular_file(target, ec)) {
    target = fs::canonical(target, ec);  // index.html may itself be a symlink
    if (ec || !Within(root_, target)) {
      return Invalid(req);
    }
    return ServeFile(target, req, asset ? "public, max-age=31536000, immutable" : "no-cache");
  }
  if (asset) {
    return ProblemResponse(
        base::NotFound("static.not_found", "File not found", "文件不存在", "path"), &req);
  }
  return ServeFile(root_ / "index.html", req, "no-cache");
}

}  // namespace kechan::http
