// kechan_bench_minimal_http: the baseline for bench/http/run.sh. A bare Boost.Beast server on C++20
// coroutines (the same building blocks as src/http/server.cc, none of its work: no routing,
// parsing of targets, auth, metrics, logging or security headers) that answers {"status":"ok"} to
// every request. The ratio kechan/minimal shows what the server's own per-request work costs.
//
//   kechan_bench_minimal_http [--listen 127.0.0.1:18081] [--threads 4]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    stream.expires_after(std::chrono::seconds(30));
    bhttp::request<bhttp::string_body> req;
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, req, kTuple);
    if (ec) {
      break;
    }
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    res.body() = R"({"status":"ok"})";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [write_ec, written] = co_await bhttp::async_write(stream, res, kTuple);
    if (write_ec || !res.keep_alive()) {
      break;
    }
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Listen(asio::io_context& ioc, tcp::endpoint endpoint) {
  tcp::acceptor acceptor(ioc, endpoint, /*reuse_addr=*/true);
  while (true) {
    tcp::socket socket(asio::make_strand(ioc));
    auto [ec] = co_await acceptor.async_accept(socket, kTuple);
    if (ec) {
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(socket.get_executor(), Session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:18081";
  int threads = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--listen") {
      listen = argv[i + 1];
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--listen ADDR:PORT] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || threads < 1) {
    std::fprintf(stderr, "bad --listen or --threads\n");
    return 2;
  }
  asio::io_context ioc(threads);
  tcp::endpoint endpoint(asio::ip::make_address(listen.substr(0, colon)),
                         static_cast<uint16_t>(std::atoi(listen.c_str() + colon + 1)));
  asio::co_spawn(ioc, Listen(ioc, endpoint), [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });
  std::fprintf(stderr, "minimal responder on %s with %d threads\n", listen.c_str(), threads);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    pool.emplace_back([&ioc] { ioc.run(); });
  }
  ioc.run();
  for (auto& t : pool) {
    t.join();
  }
  return 0;
}
