// uplift-knob-child: one process of a fleet, attached to the write-version knob of demo.User,
// writing users into a table until told to stop. Built twice: against the demo record as it is
// (reads v1..v3) and against its second release (KNOB_CHILD_RELEASE2: reads v1..v2), for the
// tests and the flip-time measurement that run several of them.
//
//   uplift-knob-child STORE TABLE NODE ID_BASE [options]
//     STORE             sqlite:PATH or pg:CONNINFO
//     --write-version V the codec's version before the knob says otherwise (default: latest)
//     --lease-ms N, --heartbeat-ms N, --poll-ms N   knob_options (defaults: the library's)
//     --every-us N      pause between two writes (default 2000); 0: writes nothing
//
// Each user's created_at holds the unix microseconds just before its write, and its id the row's
// key (ID_BASE + 0, 1, 2, ...). Prints, one line each, flushed:
//   READY <version>            attached; the codec writes <version>
//   FLIP <from> <to> <unix_us> the knob's thread made the codec write <to>
//   REFUSED <message>          the attachment was refused (exit status 3)
//   DONE <rows>                stopped (stdin closed or "stop" read), detached
// Exit status: 0 after DONE, 1 on a store failure, 2 on a usage error, 3 when refused.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <uplift/fleet/knob.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "user_uplift.hpp"

namespace {

std::mutex out_mutex;

template <class... A>
void say(const char* fmt, A... a) {
  std::lock_guard lock(out_mutex);
  std::printf(fmt, a...);
  std::fflush(stdout);
}

long long unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct arguments {
  std::string store, table, node;
  long long id_base = 0;
  std::uint16_t write_version = 0;
  uplift::knob_options knob;
  long every_us = 2000;
};

[[noreturn]] void usage(const std::string& what) {
  std::fprintf(stderr, "knob-child: %s\nusage: uplift-knob-child STORE TABLE NODE ID_BASE "
                       "[--write-version V] [--lease-ms N] [--heartbeat-ms N] [--poll-ms N] "
                       "[--every-us N]\n", what.c_str());
  std::exit(2);
}

template <class S>
int run(uplift::result<S> opened, const arguments& a) {
  if (!opened) {
    std::fprintf(stderr, "knob-child: %s\n", opened.error().message().c_str());
    return 1;
  }
  S& db = *opened;
  auto codec = uplift::codec<demo::User>::make({.write_version = a.write_version});
  if (!codec) usage(codec.error().message());
  auto conn = db.connect();
  if (!conn) {
    std::fprintf(stderr, "knob-child: %s\n", conn.error().message().c_str());
    return 1;
  }
  uplift::knob_options o = a.knob;
  o.node = a.node;
  o.on_flip = [](std::uint16_t from, std::uint16_t to) {
    say("FLIP %u %u %lld\n", unsigned{from}, unsigned{to}, unix_us());
  };
  o.on_error = [](const uplift::error& e) {
    std::fprintf(stderr, "knob-child: %s\n", e.message().c_str());
  };
  auto knob = uplift::attach_knob(*codec, std::move(*conn), std::move(o));
  if (!knob) {
    say("REFUSED %s\n", knob.error().message().c_str());
    return 3;
  }
  say("READY %u\n", unsigned{codec->write_version()});

  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::string line;
    while (std::getline(std::cin, line) && line != "stop") {
    }
    stop = true;
  });
  long long rows = 0;
  int failures = 0;
  while (!stop && a.every_us > 0) {
    uplift::codec<demo::User>::object_type user;
    user.id = static_cast<std::uint64_t>(a.id_base + rows);
    user.email = "user" + std::to_string(user.id) + "@example.com";
    user.age = 30;
#ifdef KNOB_CHILD_RELEASE2
    user.full_name = "Grace Hopper";
#else
    user.given_name = "Grace";
    user.family_name = "Hopper";
#endif
    user.created_at = unix_us();  // before write() picks the version
    auto rec = codec->write(user);
    if (!rec) {
      std::fprintf(stderr, "knob-child: %s\n", rec.error().message().c_str());
      return 1;
    }
    if (auto st = db.put(std::int64_t{a.id_base + rows}, rec->as_string_view()); !st) {
      // A busy database is waited for by the store; anything else ends the child.
      std::fprintf(stderr, "knob-child: %s\n", st.error().message().c_str());
      if (++failures > 3) return 1;
      continue;
    }
    ++rows;
    std::this_thread::sleep_for(std::chrono::microseconds(a.every_us));
  }
  reader.join();
  if (auto st = knob->detach(); !st) {
    std::fprintf(stderr, "knob-child: %s\n", st.error().message().c_str());
    return 1;
  }
  say("DONE %lld\n", rows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) usage("give STORE TABLE NODE ID_BASE");
  arguments a;
  a.store = argv[1];
  a.table = argv[2];
  a.node = argv[3];
  a.id_base = std::atoll(argv[4]);
  for (int i = 5; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
    const long n = std::atol(argv[++i]);
    if (arg == "--write-version") a.write_version = static_cast<std::uint16_t>(n);
    else if (arg == "--lease-ms") a.knob.lease = std::chrono::milliseconds(n);
    else if (arg == "--heartbeat-ms") a.knob.heartbeat = std::chrono::milliseconds(n);
    else if (arg == "--poll-ms") a.knob.poll = std::chrono::milliseconds(n);
    else if (arg == "--every-us") a.every_us = n;
    else usage("unknown option " + std::string(arg));
  }
  const uplift::table_spec spec{.table = a.table, .key_column = "id", .value_column = "value"};
  const std::string_view s = a.store;
  if (s.rfind("sqlite:", 0) == 0)
    return run(uplift::sqlite_store::open(std::string(s.substr(7)), spec), a);
  if (s.rfind("pg:", 0) == 0)
    return run(uplift::postgres_store::open(std::string(s.substr(3)), spec), a);
  usage("the store is sqlite:PATH or pg:CONNINFO");
}
