// Static files of the built web app (web/dist): content types, ETag/Last-Modified validators,
// long-lived caching for hashed /assets/*, the SPA fallback to index.html, no path traversal.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/request.h"

namespace kechan::http {

// Immutable after Open; thread-safe.
class StaticFiles {
 public:
  // Errors: InvalidArgument (field "static_dir") when `dir` is not a readable directory.
  static base::Result<StaticFiles> Open(const std::string& dir);

  // Answers a GET or HEAD of the decoded `req.path` (the caller strips the body for HEAD):
  //   a file under the root -> 200 with its content type, ETag, Last-Modified, Cache-Control
  //   (immutable for /assets/*, no-cache otherwise), or 304 when If-None-Match matches;
  //   a directory -> its index.html; a missing /assets/* file -> 404 problem;
  //   any other missing path -> index.html (the SPA's router takes over);
  //   a "." or ".." segment, a NUL byte or a resolved path outside the root -> 400 problem
  //   (reason "path.invalid", field "path").
  Response Serve(const Request& req) const;

  // Returns the content type for a file name by extension ("application/octet-stream" if unknown).
  static const char* ContentTypeFor(std::string_view filename);

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  Response ServeFile(const std::filesystem::path& file, const Request& req,
                     std::string_view cache_control) const;
  std::filesystem::path root_;  // canonical
};

}  // namespace kechan::http
