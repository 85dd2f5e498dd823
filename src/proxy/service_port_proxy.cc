#include "proxy/service_port_proxy.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include "base/host_port.h"
#include "proxy/tcp_socket.h"

namespace probelet::proxy {
namespace {
constexpr int kEventBatch = 256;
constexpr int kAcceptBatch = 256;
constexpr uint32_t kSocketEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
// Out of descriptors: accept again after this (the pending clients wait in the backlog).
constexpr base::Duration kAcceptRetry = std::chrono::milliseconds(100);
}  // namespace

class ServicePortProxy::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, base::Clock& clock, EndpointPicker& picker, std::string address,
       ServicePortProxyOptions options, base::UniqueFd listener, base::UniqueFd epfd)
      : io_(io),
        clock_(clock),
        picker_(picker),
        address_(std::move(address)),
        options_(options),
        ctx_(options.copy_mode),
        listener_(std::move(listener)),
        port_(LocalPort(listener_.get())),
        epoll_sd_(io, epfd.Release()),
        connect_timer_(clock.NewTimer()),
        accept_timer_(clock.NewTimer()) {}

  base::Status Start() {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = nullptr;  // the listener
    if (::epoll_ctl(epoll_sd_.native_handle(), EPOLL_CTL_ADD, listener_.get(), &ev) != 0) {
      const int err = errno;
      return base::Error{"listen tcp " + base::JoinHostPort(address_, port_) +
                             ": epoll_ctl: " + std::strerror(err),
                         err};
    }
    WaitEpoll();
    return {};
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    listener_.Reset();
    for (auto& link : links_) link->pc.Abort();
    connecting_.clear();
    links_.clear();
    graveyard_.clear();
    again_.clear();
    connect_timer_->Cancel();
    accept_timer_->Cancel();
    boost::system::error_code ignored;
    epoll_sd_.close(ignored);
  }

  const std::string& address() const { return address_; }
  uint16_t port() const { return port_; }
  const ProxyCounters& counters() const { return ctx_.counters; }

 private:
  struct Link;
  // What an epoll event points at: one socket of one link.
  struct Tag {
    Link* link;
    bool client;
  };
  struct Link {
    Link(CopyContext& ctx, base::UniqueFd client, std::string ip)
        : pc(ctx, std::move(client), std::move(ip)) {}
    ProxyConnection pc;
    Tag client_tag{this, true};
    Tag backend_tag{this, false};
    bool connecting = false;
    bool in_again = false;
    Backend target;
    std::vector<Backend> tried;
    base::MonoTime deadline;
    std::list<Link*>::iterator in_connecting;
    std::list<std::unique_ptr<Link>>::iterator self;
  };

  void WaitEpoll() {
    if (wait_pending_ || closed_) return;
    wait_pending_ = true;
    epoll_sd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [w = weak_from_this()](const boost::system::error_code& ec) {
                           auto self = w.lock();
                           if (!self) return;
                           self->wait_pending_ = false;
                           if (!ec) self->Run();
                         });
  }

  void PostRun() {
    if (run_posted_ || closed_) return;
    run_posted_ = true;
    boost::asio::post(io_, [w = weak_from_this()] {
      auto self = w.lock();
      if (!self) return;
      self->run_posted_ = false;
      self->Run();
    });
  }

  // One batch: the ready sockets, then new connections, then links that used up their budget.
  void Run() {
    if (closed_) return;
    std::array<epoll_event, kEventBatch> events;
    const int n = ::epoll_wait(epoll_sd_.native_handle(), events.data(), kEventBatch, 0);
    for (int i = 0; i < n; ++i) {
      auto* tag = static_cast<Tag*>(events[i].data.ptr);
      if (tag == nullptr) {
        listener_ready_ = true;
      } else {
        OnEvent(*tag->link, tag->client, events[i].events);
      }
    }
    if (listener_ready_ && !accept_timer_->armed()) AcceptBatch();
    std::vector<Link*> again;
    again.swap(again_);
    for (Link* link : again) {
      link->in_again = false;
      Pump(*link);
    }
    graveyard_.clear();
    if (closed_) return;
    if (n == kEventBatch || !again_.empty() || (listener_ready_ && !accept_timer_->armed())) {
      PostRun();  // more is ready: let the loop's other work run first, then go on
    } else {
      WaitEpoll();
    }
  }

  void OnEvent(Link& link, bool client, uint32_t events) {
    if (link.pc.closed()) return;
    ProxyConnection::Side& side = client ? link.pc.client() : link.pc.backend();
    if (link.connecting && !client) {
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
        if (ConnectError(side.fd.get()) == 0) {
          // The same edge may already carry the backend's first bytes and even its FIN: keep
          // them, no other edge will say so.
          link.pc.OnEvent(side, events);
          Connected(link);
        } else {
          ConnectFailed(link);
        }
      }
      return;
    }
    link.pc.OnEvent(side, events);
    if (link.pc.closed()) {
      Bury(link);
    } else if (!link.connecting) {
      Pump(link);
    }
  }

  void Pump(Link& link) {
    if (link.pc.closed()) return;
    const bool more = link.pc.Pump();
    if (link.pc.closed()) {
      Bury(link);
    } else if (more && !link.in_again) {
      link.in_again = true;
      again_.push_back(&link);
    }
  }

  void AcceptBatch() {
    for (int i = 0; i < kAcceptBatch; ++i) {
      sockaddr_storage addr;
      socklen_t len = sizeof(addr);
      const int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          accept_timer_->Arm(clock_.Now() + kAcceptRetry, [this] { PostRun(); });
          return;  // listener_ready_ stays set: accept again when the timer fires
        }
        listener_ready_ = false;  // EAGAIN (drained) or an error of that one client
        return;
      }
      OnAccept(base::UniqueFd(fd), IpOf(addr));
    }
  }

  void OnAccept(base::UniqueFd fd, std::string ip) {
    ++ctx_.counters.accepted;
    auto backend = picker_.Pick(ip, {});
    if (!backend) {
      ++ctx_.counters.refused;
      ResetAndClose(fd);
      return;
    }
    SetNoDelay(fd.get());
    links_.push_back(std::make_unique<Link>(ctx_, std::move(fd), std::move(ip)));
    Link& link = *links_.back();
    link.self = std::prev(links_.end());
    link.pc.client().writable = true;  // a new socket can take bytes; reads wait for an event
    if (!Register(link.pc.client().fd.get(), &link.client_tag)) {
      link.pc.Abort();
      Bury(link);
      return;
    }
    Connect(link, *backend);
  }

  bool Register(int fd, Tag* tag) {
    epoll_event ev{};
    ev.events = kSocketEvents;
    ev.data.ptr = tag;
    return ::epoll_ctl(epoll_sd_.native_handle(), EPOLL_CTL_ADD, fd, &ev) == 0;
  }

  void Connect(Link& link, const Backend& backend) {
    link.target = backend;
    bool in_progress = false;
    auto fd = StartConnect(backend.ip, backend.port, &in_progress);
    if (!fd.ok()) {
      ConnectFailed(link);
      return;
    }
    ProxyConnection::Side& side = link.pc.backend();
    side.fd = std::move(*fd);
    side.readable = side.writable = side.rdhup = false;
    if (!Register(side.fd.get(), &link.backend_tag)) {
      ConnectFailed(link);
      return;
    }
    if (!in_progress) {
      Connected(link);
      return;
    }
    link.connecting = true;
    link.deadline = clock_.Now() + options_.connect_timeout;
    connecting_.push_back(&link);
    link.in_connecting = std::prev(connecting_.end());
    if (!connect_timer_->armed()) ArmConnectTimer();
  }

  void StopConnecting(Link& link) {
    if (!link.connecting) return;
    link.connecting = false;
    connecting_.erase(link.in_connecting);
  }

  void Connected(Link& link) {
    StopConnecting(link);
    if (link.pc.closed()) {
      Bury(link);
      return;
    }
    link.pc.backend().writable = true;
    Pump(link);
  }

  // The connect to link.target failed (refused, reset, timed out): once, another backend.
  void ConnectFailed(Link& link) {
    StopConnecting(link);
    link.pc.backend().fd.Reset();
    link.tried.push_back(link.target);
    if (link.tried.size() < 2) {
      if (auto next = picker_.Pick(link.pc.client_ip(), link.tried)) {
        Connect(link, *next);
        return;
      }
    }
    ++ctx_.counters.failed;
    link.pc.Abort();
    Bury(link);
  }

  // Every connect has the same timeout, so the pending ones are a FIFO by deadline: one timer,
  // armed for the oldest (a connect that completed first leaves at most one early wake-up).
  void ArmConnectTimer() {
    if (connecting_.empty()) return;
    connect_timer_->Arm(connecting_.front()->deadline, [this] {
      const base::MonoTime now = clock_.Now();
      while (!connecting_.empty() && connecting_.front()->deadline <= now) {
        Link& link = *connecting_.front();
        // The loop may run late (a stall, a busy machine) and take this timer before the
        // epoll batch that says the connect succeeded: a connect that has completed is not a
        // timeout. Its edge stays queued in the epoll set and comes later as a plain event.
        if (ConnectCompleted(link.pc.backend().fd.get())) {
          Connected(link);
        } else {
          ConnectFailed(link);
        }
      }
      graveyard_.clear();
      ArmConnectTimer();
    });
  }

  // A closed link's memory stays until the batch ends: events already fetched may point at it.
  void Bury(Link& link) {
    StopConnecting(link);
    graveyard_.splice(graveyard_.end(), links_, link.self);
  }

  boost::asio::io_context& io_;
  base::Clock& clock_;
  EndpointPicker& picker_;
  const std::string address_;
  const ServicePortProxyOptions options_;
  CopyContext ctx_;
  base::UniqueFd listener_;
  const uint16_t port_;
  boost::asio::posix::stream_descriptor epoll_sd_;
  std::unique_ptr<base::Timer> connect_timer_;
  std::unique_ptr<base::Timer> accept_timer_;
  std::list<std::unique_ptr<Link>> links_;
  std::list<std::unique_ptr<Link>> graveyard_;
  std::list<Link*> connecting_;
  std::vector<Link*> again_;
  bool listener_ready_ = false;
  bool wait_pending_ = false;
  bool run_posted_ = false;
  bool closed_ = false;
};

base::Expected<std::unique_ptr<ServicePortProxy>> ServicePortProxy::Listen(
    boost::asio::io_context& io, base::Clock& clock, EndpointPicker& picker,
    const std::string& address, uint16_t port, ServicePortProxyOptions options) {
  auto listener = ListenTcp(address, port, options.backlog);
  if (!listener.ok()) return listener.error();
  base::UniqueFd epfd(::epoll_create1(EPOLL_CLOEXEC));
  if (!epfd.valid()) {
    const int err = errno;
    return base::Error{"listen tcp " + base::JoinHostPort(address, port) +
                           ": epoll_create1: " + std::strerror(err),
                       err};
  }
  auto impl = std::make_shared<Impl>(io, clock, picker, address, options, std::move(*listener),
                                     std::move(epfd));
  if (auto st = impl->Start(); !st.ok()) return st.error();
  return std::unique_ptr<ServicePortProxy>(new ServicePortProxy(std::move(impl)));
}

ServicePortProxy::ServicePortProxy(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServicePortProxy::~ServicePortProxy() { Close(); }
void ServicePortProxy::Close() { impl_->Close(); }
const std::string& ServicePortProxy::address() const { return impl_->address(); }
uint16_t ServicePortProxy::port() const { return impl_->port(); }
const ProxyCounters& ServicePortProxy::counters() const { return impl_->counters(); }

}  // namespace probelet::proxy
