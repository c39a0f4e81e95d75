// The libcurl Transport: one multi handle per SendAll, an easy handle per message. The only code
// that includes <curl/curl.h>.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>

#include "notify/transport.h"

namespace kechan::notify {
namespace {

constexpr size_t kMaxResponse = 4096;

struct Transfer {
  const OutgoingMessage* message = nullptr;
  SendOutcome* outcome = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* rcpt = nullptr;
  size_t read_pos = 0;
  char error[CURL_ERROR_SIZE] = {};
  std::chrono::steady_clock::time_point started;
};

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string& r = t->outcome->response;
  const size_t len = size * n;
  if (r.size() < kMaxResponse) {
    r.append(data, std::min(len, kMaxResponse - r.size()));
  }
  return len;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string& body = t->message->body;
  const size_t len = std::min(size * n, body.size() - t->read_pos);
  std::copy_n(body.data() + t->read_pos, len, buffer);
  t->read_pos += len;
  return len;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool Setup(Transfer& t, const SendOptions& options) {
  CURL* e = t.easy;
  const OutgoingMessage& m = *t.message;
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_URL, m.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  if (m.kind == MessageKind::kHttpPost) {
    t.headers = curl_slist_append(t.headers, ("Content-Type: " + m.content_type).c_str());
    t.headers = curl_slist_append(t.headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, m.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m.body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kechan-notify/1");
    return true;
  }
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + m.mail_from + ">").c_str());
  for (const auto& r : m.mail_rcpt) {
    t.rcpt = curl_slist_append(t.rcpt, ("<" + r + ">").c_str());
  }
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t.rcpt);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(e, CURLOPT_READDATA, &t);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(m.body.size()));
  if (!m.username.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, m.username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, m.password.c_str());
  }
  switch (m.tls) {
    case SmtpTls::kNone:
      break;
    case SmtpTls::kTry:
      curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      break;
    case SmtpTls::kRequire:
      curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      break;
  }
  return true;
}

void Finish(Transfer& t, CURLcode result) {
  long code = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &code);
  SendOutcome& o = *t.outcome;
  o.code = static_cast<int>(code);
  o.transport_ok = result == CURLE_OK;
  if (!o.transport_ok) {
    o.error = std::string(curl_easy_strerror(result));
    if (t.error[0] != '\0') {
      o.error += ": ";
      o.error += t.error;
    }
  }
  o.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t.started)
                      .count();
}

class CurlTransport final : public Transport {
 public:
  CurlTransport() { GlobalInit(); }

  std::vector<SendOutcome> SendAll(const std::vector<OutgoingMessage>& messages,
                                   const SendOptions& options) override {
    std::vector<SendOutcome> outcomes(messages.size());
    std::vector<Transfer> transfers(messages.size());
    CURLM* multi = curl_multi_init();
    if (multi == nullptr) {
      for (auto& o : outcomes) {
        o.error = "curl_multi_init failed";
      }
      return outcomes;
    }
    const size_t parallel = static_cast<size_t>(std::max(1, options.max_parallel));
    size_t next = 0;
    int running = 0;
    auto start_more = [&] {
      while (next < messages.size() && static_cast<size_t>(running) < parallel) {
        Transfer& t = transfers[next];
        t.message = &messages[next];
        t.outcome = &outcomes[next];
        ++next;
        t.easy = curl_easy_init();
        if (t.easy == nullptr) {
          t.outcome->error = "curl_easy_init failed";
          continue;
        }
        Setup(t, options);
        t.started = std::chrono::steady_clock::now();
        curl_multi_add_handle(multi, t.easy);
        ++running;
      }
    };
    start_more();
    while (running > 0) {
      int still = 0;
      curl_multi_perform(multi, &still);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) {
          continue;
        }
        Transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        const CURLcode result = msg->data.result;
        Finish(*t, result);
        curl_multi_remove_handle(multi, t->easy);
        curl_easy_cleanup(t->easy);
        t->easy = nullptr;
        --running;
      }
      start_more();
      if (running > 0) {
        curl_multi_poll(multi, nullptr, 0, 100, nullptr);
      }
    }
    curl_multi_cleanup(multi);
    for (auto& t : transfers) {
      curl_slist_free_all(t.headers);
      curl_slist_free_all(t.rcpt);
    }
    return outcomes;
  }
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport() { return std::make_unique<CurlTransport>(); }

}  // namespace kechan::notify
