// uplift-demo: a running service changes its record shape with no downtime and no lost write.
//
// A table of users written by "older releases" (v1, v2 and v3 records) is brought to v3 while a
// service reads and writes it, by one of two strategies:
//
// --strategy backfill (the default): the table is served by a fleet of service processes (each
// with reader and writer threads, each attached to the write-version knob) while the rollout goes
// through its steps: deploy code that reads v3 but still writes v2, flip the knob to v3 (every
// process follows it), backfill the old rows in the background, and check that no row is left
// below v3 and that every write the service made is in the database.
//
// --strategy copy (copy_demo.cpp): reader and writer threads of this process serve the table
// (the writers write v2 until just before the cut-over) while an uplift::copy_job captures its
// changes, copies it through the chain to v3 into a new table, catches up, verifies the copy and
// cuts over: the new table takes the old one's name. Then every write the service made must be in the new table, meaning
// what it meant, and every row must be stored at v3.
//
//   uplift-demo [--strategy backfill|copy] [--rows N] [--db PATH | --postgres URL]
//               [--format binary|json] [--legacy N] [--processes N] [--readers N] [--writers N]
//               [--rate ROWS_PER_S] [--read-rate READS_PER_S] [--write-rate WRITES_PER_S]
//               [--baseline-seconds S]
//
// The backfill's service processes are this program again (--serve INDEX DIR, not for people),
// driven through their stdin and stdout: one command a line, one answer a line.
//
// The backfill's rows are binary records, or with --format json JSON documents (SQLite TEXT,
// PostgreSQL jsonb); --legacy N adds N rows written before versioning (JSON documents without the
// version key, or plain FlatBuffers without uplift's header), which the service reads as v1 and
// the backfill adopts. The copy's rows are binary records. Only the public API and the shipped
// schemas/user are used. Exits non-zero if a write was lost, a row is left below v3 or without
// its version key, or anything fails.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uplift/fleet/knob.hpp>
#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>
#include <uplift/uplift.hpp>

#include "demo.hpp"
#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace {

using namespace std::chrono_literals;
using namespace uplift_demo;

// ---- options ------------------------------------------------------------------------------------

const char* const usage_line =
    "usage: uplift-demo [--strategy backfill|copy] [--rows N] [--db PATH | --postgres URL]\n"
    "                   [--format binary|json] [--legacy N] [--processes N] [--readers N] [--writers N]\n"
    "                   [--rate ROWS_PER_S] [--read-rate READS_PER_S] [--write-rate WRITES_PER_S]\n"
    "                   [--baseline-seconds S] [--cutover drain|maintenance]\n";

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "uplift-demo: %s\n%s(uplift-demo --help says what each option does)\n", why.c_str(),
               usage_line);
  std::exit(2);
}

[[noreturn]] void help() {
  std::printf(
      "uplift-demo: a zero-downtime migration of a live table, end to end.\n%s"
      "  --strategy backfill|copy how the rows reach v3 while the service runs:\n"
      "                           backfill (default): a fleet of service processes flips its write\n"
      "                             version to v3 and the old rows are rewritten in place;\n"
      "                           copy: threads of this process serve the table, writing v2 until\n"
      "                             the cut-over, while a copy job copies it through the chain to v3\n"
      "                             into a new table (capture, copy, catch up, verify), which then\n"
      "                             takes the old one's name (cut-over); binary rows only\n"
      "  --rows N                 rows written by three releases, at v1, v2 and v3 (default 1,000,000)\n"
      "  --db PATH                the SQLite file (default: uplift-demo.db next to the program)\n"
      "  --postgres URL           PostgreSQL instead (a URL or conninfo)\n"
      "                           Either way the table uplift_demo_users is dropped and filled again\n"
      "                           (copy: and uplift_demo_users_v3 and uplift_demo_users_uplift_old\n"
      "                           are dropped).\n"
      "  --format binary|json     rows as binary records (default) or as JSON documents\n"
      "                           (SQLite TEXT, PostgreSQL jsonb); backfill only\n"
      "  --legacy N               N more rows written before versioning (JSON documents without\n"
      "                           the version key, or plain FlatBuffers without uplift's header),\n"
      "                           read as v1 and adopted by the backfill; backfill only\n"
      "  --processes N            the service's processes, each attached to the knob (default 2);\n"
      "                           backfill only\n"
      "  --readers N              reader threads in each service process (default 2; copy: reader\n"
      "                           threads of this process, default 2)\n"
      "  --writers N              writer threads in each service process (default 1; copy: writer\n"
      "                           threads of this process, default 2)\n"
      "  --rate ROWS_PER_S        the backfill's or the copy's limit (default 100,000; 0: none)\n"
      "  --read-rate READS_PER_S  the service's reads, all readers together (default 40,000;\n"
      "                           0: as fast as they go)\n"
      "  --write-rate WRITES_PER_S\n"
      "                           the service's writes, all writers together (default 500)\n"
      "  --baseline-seconds S     how long the service runs before the flip (copy: before the copy\n"
      "                           job opens; default 3)\n"
      "  --cutover drain|maintenance\n"
      "                           copy only: drain (default) blocks the writers while the last\n"
      "                           changes are applied, then renames; maintenance blocks them only\n"
      "                           to put the keys with unapplied changes in maintenance and route\n"
      "                           the table to the new one, whose other keys are served at once\n",
      usage_line);
  std::exit(0);
}

options parse(int argc, char** argv) {
  options o;
  std::vector<std::string_view> given;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") help();
    if (i + 1 >= argc) usage("every option takes a value");
    const char* v = argv[++i];
    auto number = [&](double lo) {
      char* end = nullptr;
      const double x = std::strtod(v, &end);
      if (end == v || *end != '\0' || x < lo) usage(std::string(a) + " needs a number >= " + std::to_string(lo));
      return x;
    };
    if (a == "--strategy") {
      if (std::string_view(v) != "backfill" && std::string_view(v) != "copy")
        usage("--strategy takes backfill or copy, not " + std::string(v));
      o.strategy = std::string_view(v) == "copy" ? strategy::copy : strategy::backfill;
    } else if (a == "--rows") o.rows = static_cast<std::int64_t>(number(10));
    else if (a == "--db") o.db = v;
    else if (a == "--postgres") o.postgres = v;
    else if (a == "--processes") o.processes = static_cast<int>(number(1));
    else if (a == "--serve") {
      o.serve = static_cast<int>(number(0));
      if (i + 1 >= argc) usage("--serve takes an index and a folder");
      o.serve_dir = argv[++i];
    } else if (a == "--readers") o.readers = static_cast<int>(number(0));
    else if (a == "--writers") o.writers = static_cast<int>(number(0));
    else if (a == "--rate") o.rate = number(0);
    else if (a == "--write-rate") o.write_rate = number(0);
    else if (a == "--read-rate") o.read_rate = number(0);
    else if (a == "--baseline-seconds") o.baseline_seconds = number(0.1);
    else if (a == "--legacy") o.legacy = static_cast<std::int64_t>(number(0));
    else if (a == "--cutover") {
      if (std::string_view(v) != "drain" && std::string_view(v) != "maintenance")
        usage("--cutover takes drain or maintenance, not " + std::string(v));
      o.maintenance = std::string_view(v) == "maintenance";
    }
    else if (a == "--format") {
      if (std::string_view(v) != "binary" && std::string_view(v) != "json")
        usage("--format takes binary or json, not " + std::string(v));
      o.json = std::string_view(v) == "json";
    } else usage("unknown option " + std::string(a));
    given.push_back(a);
  }
  if (o.strategy == strategy::copy) {  // the copy's service: threads of this process, binary rows
    if (o.json) usage("--format json is an option of --strategy backfill: the copy's rows are binary records");
    if (o.legacy > 0) usage("--legacy is an option of --strategy backfill");
    for (std::string_view a : {"--processes", "--serve"})
      if (std::find(given.begin(), given.end(), a) != given.end())
        usage(std::string(a) + " is an option of --strategy backfill: the copy's service is threads of this process");
  }
  if (o.strategy != strategy::copy && std::find(given.begin(), given.end(), "--cutover") != given.end())
    usage("--cutover is an option of --strategy copy");
  if (o.writers < 0) o.writers = o.strategy == strategy::copy ? 2 : 1;
  return o;
}

// ---- the legacy data ----------------------------------------------------------------------------

/// User i as an older release stored it, in the table's form: half at v1, 30% at v2, 20% at v3.
std::string legacy_user(std::int64_t i, bool json) {
  return user_at(i, release_of(i), [json](const auto& u) {
    if (json) return uplift::write_json<User>(u).value();  // {"_v":K,...}
    return std::string(uplift::write<User>(u).as_string_view());
  });
}

/// User i as a release before versioning stored it: a JSON document of v1's shape without the
/// version key, `{"id":..,"name":..,"email":..,"age":..}`, or v1 as plain FlatBuffers (no header).
std::string unversioned_user(std::int64_t i, std::string_view version_key, bool json) {
  if (!json)
    return user_at(i, 1, [](const auto& u) {
      return std::string(uplift::write<User>(u).as_string_view().substr(uplift::header_size));
    });
  const std::string tagged = user_at(i, 1, [](const auto& u) { return uplift::write_json<User>(u).value(); });
  const std::string key = "{\"" + std::string(version_key) + "\":1,";  // write_json writes it first
  if (tagged.rfind(key, 0) != 0) {
    std::fprintf(stderr, "uplift-demo: a v1 document does not start with %s: %s\n", key.c_str(), tagged.c_str());
    std::exit(1);
  }
  return "{" + tagged.substr(key.size());
}

// ---- the rows' form -----------------------------------------------------------------------------

/// How the table holds a user: a binary record (FlatBuffers behind uplift's header) or a JSON
/// document. The one place where the two forms differ: the service, the histograms, the dry run,
/// the backfill and the checks all go through it.
struct row_form {
  bool json;
  /// What the table's value column holds.
  uplift::value_format column;
  /// "" or " JSON": how the output names the rows ("20,000 JSON rows").
  const char* rows_noun;
  /// The record handle the row engine takes (histogram, dry run, backfill).
  uplift::record_handle (*handle)(const uplift::codec<User>& c);
  /// A row's user id as a reader reads it: a binary row through a view, no copy.
  uplift::result<std::uint64_t> (*read_id)(const uplift::codec<User>& c, std::string_view row);
  /// A row read as the latest version.
  uplift::result<demo::v3::UserT> (*read_object)(const uplift::codec<User>& c, std::string_view row);
  /// A user written at the codec's write version.
  uplift::result<std::string> (*write)(const uplift::codec<User>& c, const demo::v3::UserT& u);
};

const row_form binary_rows{
    false, uplift::value_format::binary, "",
    [](const uplift::codec<User>& c) { return c.handle(); },
    [](const uplift::codec<User>& c, std::string_view row) -> uplift::result<std::uint64_t> {
      auto user = c.read(row);  // v1, v2 or v3 in the table: always a v3 view here
      if (!user) return std::move(user).error();
      return (*user)->id();
    },
    [](const uplift::codec<User>& c, std::string_view row) { return c.read_object(row); },
    [](const uplift::codec<User>& c, const demo::v3::UserT& u) -> uplift::result<std::string> {
      auto record = c.write(u);
      if (!record) return std::move(record).error();
      return std::string(record->as_string_view());
    }};

const row_form json_rows{
    true, uplift::value_format::json, " JSON",
    [](const uplift::codec<User>& c) { return c.json_handle(); },
    [](const uplift::codec<User>& c, std::string_view row) -> uplift::result<std::uint64_t> {
      auto user = c.read_json(row);  // v1, v2, v3 or no version key: always a v3 user here
      if (!user) return std::move(user).error();
      return user->id;
    },
    [](const uplift::codec<User>& c, std::string_view row) { return c.read_json(row); },
    [](const uplift::codec<User>& c, const demo::v3::UserT& u) { return c.write_json(u); }};

// ---- the service --------------------------------------------------------------------------------

/// The codec the service reads and writes with: rows written before versioning (--legacy) are
/// read as v1, a JSON document without the version key and a FlatBuffer without uplift's header.
uplift::codec<User> reading_codec(const options& o, std::uint16_t write_version) {
  const bool legacy = o.legacy > 0;
  return uplift::codec<User>::make(
             {.write_version = write_version,
              .default_version = legacy ? std::uint16_t{1} : std::uint16_t{0},
              .untagged = legacy ? uplift::untagged_binary::as_version : uplift::untagged_binary::refuse,
              .untagged_version = legacy ? std::uint16_t{1} : std::uint16_t{0}})
      .value();
}

template <class S>
class service {
 public:
  /// Rows without a version of their own (--legacy) are read as v1, the shape the releases
  /// before versioning wrote.
  service(S& db, const options& o, const row_form& form)
      : db_(db), o_(o), form_(form),
        codec_(reading_codec(o, 2)) {}

  /// Starts the threads. Phase 0 is "before the backfill".
  void start() {
    for (int r = 0; r < o_.readers; ++r) threads_.emplace_back([this, r] { read_loop(r); });
    for (int w = 0; w < o_.writers; ++w) threads_.emplace_back([this, w] { write_loop(w); });
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  /// Moves the counting to the next phase; returns the stats of the phase that ended.
  phase_stats next_phase() {
    ++phase_;  // readers flush what they counted at their next read
    std::lock_guard lock(mutex_);
    phase_stats done = std::move(current_);
    done.seconds = std::chrono::duration<double>(clock_type::now() - phase_start_).count();
    current_ = {};
    phase_start_ = clock_type::now();
    return done;
  }
  uplift::codec<User>& codec() { return codec_; }
  std::uint64_t reads() const { return reads_.load(); }
  std::uint64_t writes() const { return writes_.load(); }
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }

  /// Checks every row the writers wrote against their ledger: the row must hold the last user
  /// they wrote there. Returns how many writes are not in the database.
  std::uint64_t lost_writes(S& db, std::uint64_t& checked) {
    std::uint64_t lost = 0;
    for (auto& ledger : ledgers_) {
      for (const auto& [key, want] : ledger) {
        ++checked;
        auto bytes = db.get(key);
        if (!bytes || !*bytes) {
          ++lost;
          continue;
        }
        auto got = form_.read_object(codec_, **bytes);
        if (!got || !(*got == want)) ++lost;
      }
    }
    return lost;
  }

 private:
  void fail(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = what;
  }

  void read_loop(int index) {
    auto conn = db_.connect();
    if (!conn) return fail(conn.error().message());
    S db = std::move(*conn);
    std::mt19937_64 rng(static_cast<std::uint64_t>(std::max(o_.serve, 0) * 1000 + index) * 7919 + 1);
    std::vector<std::uint32_t> lat;
    std::uint64_t n = 0;
    int seen_phase = phase_.load();
    // A service's readers serve requests as they come, at a rate, not as fast as they can.
    const double per_reader = o_.read_rate / std::max(1, o_.readers * o_.processes);
    const auto gap = per_reader > 0 ? std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / per_reader)) : 0ns;
    auto next = clock_type::now();
    auto flush = [&] {
      std::lock_guard lock(mutex_);
      current_.reads += n;
      current_.latency_ns.insert(current_.latency_ns.end(), lat.begin(), lat.end());
      lat.clear();
      n = 0;
    };
    while (!stop_) {
      const auto key = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(o_.keys()));
      const auto t0 = clock_type::now();
      auto bytes = db.get(key);
      if (!bytes) return fail("read: " + bytes.error().message());
      if (*bytes) {
        auto id = form_.read_id(codec_, **bytes);
        if (!id) return fail("read: " + id.error().message());
        if (*id != static_cast<std::uint64_t>(key)) return fail("read: a row holds another user");
      }
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count();
      if (lat.size() < 200'000) lat.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(ns, UINT32_MAX)));
      ++n;
      ++reads_;
      if (n % 256 == 0 || phase_.load() != seen_phase) {
        seen_phase = phase_.load();
        flush();
      }
      if (gap > 0ns) {
        next += gap;
        const auto now = clock_type::now();
        if (next > now) std::this_thread::sleep_until(next);
        else if (now - next > 100ms) next = now;  // behind: do not try to catch up in a burst
      }
    }
    flush();
  }

  void write_loop(int index) {
    auto conn = db_.connect();
    if (!conn) return fail(conn.error().message());
    S db = std::move(*conn);
    std::mt19937_64 rng(static_cast<std::uint64_t>(std::max(o_.serve, 0) * 1000 + index) * 104729 + 3);
    auto& ledger = ledgers_[static_cast<std::size_t>(index)];
    const double per_writer = o_.write_rate / std::max(1, o_.writers * o_.processes);
    // Writer `mine` of all of the fleet's owns the keys k with k % all == mine: the ledger is
    // its own.
    const int all = o_.writers * o_.processes;
    const int mine = std::max(o_.serve, 0) * o_.writers + index;
    const auto gap = per_writer > 0 ? std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / per_writer)) : 0ns;
    auto next = clock_type::now();
    for (std::uint64_t op = 0; !stop_; ++op) {
      std::int64_t key = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(o_.keys()));
      key += (mine - key % all + all) % all;
      if (key > o_.keys()) continue;
      auto bytes = db.get(key);
      if (!bytes) return fail("write: " + bytes.error().message());
      if (!*bytes) continue;
      auto user = form_.read_object(codec_, **bytes);
      if (!user) return fail("write: " + user.error().message());
      user->email = "user" + std::to_string(key) + "+" + std::to_string(op) + "@example.com";
      user->age = 18 + static_cast<std::int32_t>((user->age + 1) % 70);
      auto record = form_.write(codec_, *user);  // at the codec's write version: v2, then v3
      if (!record) return fail("write: " + record.error().message());
      if (auto st = db.put(key, *record); !st) return fail("write: " + st.error().message());
      ledger[key] = std::move(*user);
      ++writes_;
      {
        std::lock_guard lock(mutex_);
        ++current_.writes;
      }
      next += gap;
      const auto now = clock_type::now();
      if (next > now) std::this_thread::sleep_until(next);
      else if (now - next > 100ms) next = now;  // behind: do not try to catch up in a burst
    }
  }

 private:
  std::atomic<int> phase_{0};
  S& db_;
  const options& o_;
  const row_form& form_;
  uplift::codec<User> codec_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> reads_{0}, writes_{0};
  mutable std::mutex mutex_;
  phase_stats current_;
  clock_type::time_point phase_start_ = clock_type::now();
  std::string error_;
  std::vector<std::map<std::int64_t, demo::v3::UserT>> ledgers_ =
      std::vector<std::map<std::int64_t, demo::v3::UserT>>(static_cast<std::size_t>(std::max(o_.writers, 0)));
};

// ---- the fleet ----------------------------------------------------------------------------------
// The service runs in processes of its own, as a fleet does: each one this program again
// (--serve INDEX DIR), with its reader and writer threads and its codec attached to the knob.
// The demo drives them through their stdin (a command a line) and reads one answer a line:
//   count -> COUNT <reads> <writes> <write version>
//   phase -> PHASE <reads> <writes> <seconds>   (its read latencies in DIR/phase-<k>-<INDEX>.lat)
//   stop  -> STOP <lost writes> <rows checked> <error, or ->

std::string latency_file(const std::string& dir, int phase_index, int index) {
  return dir + "/phase-" + std::to_string(phase_index) + "-" + std::to_string(index) + ".lat";
}

/// A service process: serves until told to stop, then checks its writers' ledger.
template <class S>
int serve(S db, const options& o, const row_form& form) {
  auto answer = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  service<S> svc(db, o, form);
  auto conn = db.connect();
  if (!conn) return answer("FAILED " + conn.error().message()), 1;
  uplift::knob_options ko;
  ko.node = "uplift-demo-service-" + std::to_string(o.serve) + ":" + std::to_string(::getpid());
  auto knob = uplift::attach_knob(svc.codec(), std::move(*conn), std::move(ko));
  if (!knob) return answer("FAILED " + knob.error().message()), 1;
  svc.start();
  answer("READY " + std::to_string(svc.codec().write_version()));
  int phase_index = 0;
  for (std::string line; std::getline(std::cin, line) && line != "stop";) {
    if (line == "count") {
      answer("COUNT " + std::to_string(svc.reads()) + " " + std::to_string(svc.writes()) + " " +
             std::to_string(svc.codec().write_version()));
    } else if (line == "phase") {
      const phase_stats st = svc.next_phase();
      std::ofstream out(latency_file(o.serve_dir, phase_index++, o.serve), std::ios::binary);
      out.write(reinterpret_cast<const char*>(st.latency_ns.data()),
                static_cast<std::streamsize>(st.latency_ns.size() * sizeof(std::uint32_t)));
      std::ostringstream a;
      a << "PHASE " << st.reads << " " << st.writes << " " << st.seconds;
      answer(a.str());
    }
  }
  svc.stop();
  if (auto st = knob->detach(); !st) return answer("STOP 0 0 " + st.error().message()), 1;
  std::uint64_t checked = 0;
  const std::uint64_t lost = svc.lost_writes(db, checked);
  answer("STOP " + std::to_string(lost) + " " + std::to_string(checked) + " " +
         (svc.error().empty() ? std::string("-") : svc.error()));
  return 0;
}

/// A service process, seen from the demo: started with pipes on its stdin and stdout (killed, if
/// still running, when this ends).
class service_process {
 public:
  explicit service_process(const std::vector<std::string>& args) {
    int in[2], out[2];  // close-on-exec: no other process may hold this one's stdin open
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  service_process(const service_process&) = delete;
  service_process& operator=(const service_process&) = delete;
  ~service_process() {
    if (to_ >= 0) ::close(to_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (from_ >= 0) ::close(from_);
  }

  /// Sends a command; its answer, or "" when none came within `timeout`.
  std::string ask(const std::string& command, std::chrono::milliseconds timeout = 60s) {
    const std::string line = command + "\n";
    if (to_ < 0 || ::write(to_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return {};
    return next_line(timeout);
  }
  /// The next line it writes, or "" after `timeout`.
  std::string next_line(std::chrono::milliseconds timeout = 60s) {
    const auto until = clock_type::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string l = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return l;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
      if (from_ < 0 || left.count() <= 0) return {};
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(from_, buf, sizeof buf);
      if (n <= 0) return {};
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  /// Waits for it to exit: true when it exited with status 0.
  bool finished_well() {
    if (pid_ <= 0) return false;
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

/// The words of an answer after its first: "COUNT 1 2 3" -> {"1", "2", "3"}.
std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  if (!out.empty()) out.erase(out.begin());
  return out;
}

/// The fleet of service processes, with what the demo asks of all of them at once.
class fleet {
 public:
  fleet(const options& o, const std::vector<std::string>& store_args)
      : dir_(std::filesystem::temp_directory_path() /
             ("uplift-demo-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < o.processes; ++i) {
      std::vector<std::string> args{"/proc/self/exe", "--serve", std::to_string(i), dir_.string(),
                                    "--rows", std::to_string(o.rows), "--legacy", std::to_string(o.legacy),
                                    "--format", o.json ? "json" : "binary",
                                    "--processes", std::to_string(o.processes),
                                    "--readers", std::to_string(o.readers),
                                    "--writers", std::to_string(o.writers),
                                    "--read-rate", std::to_string(o.read_rate),
                                    "--write-rate", std::to_string(o.write_rate)};
      args.insert(args.end(), store_args.begin(), store_args.end());
      processes_.push_back(std::make_unique<service_process>(args));
    }
  }
  ~fleet() {
    processes_.clear();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Waits for every process to attach; "" or what went wrong.
  std::string ready() {
    for (auto& p : processes_) {
      const std::string l = p->next_line(60s);
      if (l.rfind("READY", 0) != 0)
        return l.empty() ? "a service process did not start" : "a service process: " + l;
    }
    return {};
  }
  /// Reads and writes so far, all processes together, and the write version each one writes.
  bool count(std::uint64_t& reads, std::uint64_t& writes, std::vector<unsigned>& versions) {
    reads = writes = 0;
    versions.clear();
    for (auto& p : processes_) {
      const auto w = words_of(p->ask("count"));
      if (w.size() != 3) return false;
      reads += std::stoull(w[0]);
      writes += std::stoull(w[1]);
      versions.push_back(static_cast<unsigned>(std::stoul(w[2])));
    }
    return true;
  }
  /// Waits up to `limit` for every process to write `v`; how long it took, or nullopt.
  std::optional<std::chrono::duration<double, std::milli>> all_writing(unsigned v,
                                                                      std::chrono::milliseconds limit) {
    const auto t0 = clock_type::now();
    std::uint64_t r = 0, w = 0;
    std::vector<unsigned> versions;
    while (clock_type::now() - t0 < limit) {
      if (!count(r, w, versions)) return std::nullopt;
      if (std::all_of(versions.begin(), versions.end(), [v](unsigned x) { return x == v; }))
        return clock_type::now() - t0;
      std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
  }
  /// Ends a phase in every process: their counts and read latencies merged.
  bool next_phase(phase_stats& merged) {
    merged = {};
    for (std::size_t i = 0; i < processes_.size(); ++i) {
      const auto w = words_of(processes_[i]->ask("phase"));
      if (w.size() != 3) return false;
      merged.reads += std::stoull(w[0]);
      merged.writes += std::stoull(w[1]);
      merged.seconds = std::max(merged.seconds, std::stod(w[2]));
      std::ifstream in(latency_file(dir_.string(), phase_index_, static_cast<int>(i)), std::ios::binary);
      std::uint32_t ns = 0;
      while (in.read(reinterpret_cast<char*>(&ns), sizeof ns)) merged.latency_ns.push_back(ns);
    }
    ++phase_index_;
    return true;
  }
  /// Stops every process; the writes the ledgers miss, the rows checked, and the first error.
  std::string stop(std::uint64_t& lost, std::uint64_t& checked) {
    lost = checked = 0;
    std::string failure;
    for (auto& p : processes_) {
      const std::string l = p->ask("stop", 300s);
      const auto w = words_of(l);
      if (w.size() < 3 || !p->finished_well()) {
        if (failure.empty()) failure = l.empty() ? "a service process did not stop" : l;
        continue;
      }
      lost += std::stoull(w[0]);
      checked += std::stoull(w[1]);
      if (w[2] != "-" && failure.empty()) failure = l.substr(l.find(w[2]));
    }
    return failure;
  }
  std::size_t size() const { return processes_.size(); }

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<service_process>> processes_;
  int phase_index_ = 0;
};

// ---- the demo -----------------------------------------------------------------------------------

void progress_line(const uplift::backfill_progress& p, bool final_line) {
  const double f = p.fraction();
  const std::string eta = p.eta ? std::to_string(p.eta->count()) + " s" : "-";
  if (tty) {
    const int width = 30;
    const int filled = static_cast<int>(f * width + 0.5);
    std::printf("\r   [%s%s] %5.1f%%  %s rows  %s rows/s  ETA %s  conflicts %s   ",
                std::string(static_cast<std::size_t>(filled), '#').c_str(),
                std::string(static_cast<std::size_t>(width - filled), '.').c_str(), 100.0 * f,
                thousands(p.counters.scanned).c_str(), thousands(static_cast<std::uint64_t>(p.rows_per_second)).c_str(),
                eta.c_str(), thousands(p.counters.conflicts).c_str());
    if (final_line) std::printf("\n");
  } else {
    std::printf("   %5.1f%%  %s rows done, %s rows/s, ETA %s, conflicts with live writes %s\n", 100.0 * f,
                thousands(p.counters.scanned).c_str(), thousands(static_cast<std::uint64_t>(p.rows_per_second)).c_str(),
                eta.c_str(), thousands(p.counters.conflicts).c_str());
  }
  std::fflush(stdout);
}

/// The dry run's few lines: what the backfill would do, found by rewriting every `every`th row.
void print_dry_run(const uplift::dry_run_report& r, std::uint64_t every) {
  const std::string which = every == 1 ? "every row" : "a sample, one row in " + thousands(every) + ",";
  std::printf("   Dry run (%s read and rewritten, none written): %s rows in %.1f s, %s rows/s\n",
              which.c_str(), thousands(r.scanned).c_str(), std::chrono::duration<double>(r.elapsed).count(),
              thousands(static_cast<std::uint64_t>(r.rows_per_second())).c_str());
  std::string stored;
  for (const auto& st : r.stored) {
    stored += stored.empty() ? "" : ", ";
    stored += std::string(uplift::to_string(st.format)) + " v" + std::to_string(st.version) +
              (st.untagged ? " (written before versioning)" : "") + " " + thousands(st.rows);
  }
  std::printf("   stored: %s\n", stored.c_str());
  const std::string adopt =
      r.would_adopt != 0 ? " (adopting the " + thousands(r.would_adopt) + " written before versioning)" : "";
  std::printf("   would upgrade %s%s, already v%u %s, quarantine %s\n", thousands(r.would_upgrade).c_str(),
              adopt.c_str(), static_cast<unsigned>(r.target_version), thousands(r.already_current).c_str(),
              thousands(r.would_quarantine).c_str());
  for (const auto& f : r.first_errors)
    std::printf("   would quarantine %s: %s\n", uplift::key_to_string(f.key).c_str(), f.error.c_str());
  std::fflush(stdout);
}

template <class S>
int run(S db, const options& o, const row_form& form, const std::string& where,
        const std::vector<std::string>& store_args) {
  // 1. Legacy data.
  const std::string kind = form.json ? ", JSON documents" : "";
  const std::string unversioned =
      o.legacy > 0 ? ", and " + thousands(static_cast<std::uint64_t>(o.legacy)) + " rows written before versioning" : "";
  phase(1, "Legacy data",
        ("A users table (" + db.spec().table + kind + ") in " + where + ", written over the years by three releases" +
         unversioned + ".")
            .c_str());
  if (auto st = db.create_table(); !st) return std::fprintf(stderr, "uplift-demo: %s\n", st.error().message().c_str()), 1;
  {
    const auto t0 = clock_type::now();
    const std::string version_key(form.handle(uplift::codec<User>()).json_version_key());
    std::vector<uplift::stored_row> chunk;
    for (std::int64_t i = 1; i <= o.keys(); ++i) {
      chunk.push_back({i, i <= o.rows ? legacy_user(i, form.json) : unversioned_user(i, version_key, form.json)});
      if (chunk.size() == 20'000 || i == o.keys()) {
        if (auto st = db.put_many(chunk); !st) return std::fprintf(stderr, "uplift-demo: %s\n", st.error().message().c_str()), 1;
        chunk.clear();
        if (tty) std::printf("\r   writing %s / %s rows", thousands(static_cast<std::uint64_t>(i)).c_str(), thousands(static_cast<std::uint64_t>(o.keys())).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("%s   %s%s rows written in %.1f s. Rows per stored version:\n", tty ? "\r" : "",
                thousands(static_cast<std::uint64_t>(o.keys())).c_str(), form.rows_noun,
                std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  // Binary rows counted from their header bytes alone, JSON rows from their version key.
  auto before = uplift::histogram(db, form.handle(reading_codec(o, 3)));
  if (!before) return std::fprintf(stderr, "uplift-demo: %s\n", before.error().message().c_str()), 1;
  print_histogram(*before, o.legacy > 0);

  // 2. Deploy, still writing the old version.
  phase(2, "Deploy, still writing v2",
        ("The new release reads v1, v2 and v3 (every read returns v3, upgraded on the fly) but still "
         "writes v2,\nas a fleet in the middle of a rolling deploy must: " + std::to_string(o.processes) +
         " service processes, each with " + std::to_string(o.readers) + " reader and " +
         std::to_string(o.writers) + " writer threads,\neach attached to the write-version knob in the database.")
            .c_str());
  auto fail = [](const std::string& what) { return std::fprintf(stderr, "uplift-demo: %s\n", what.c_str()), 1; };
  fleet svc(o, store_args);
  if (auto st = svc.ready(); !st.empty()) return fail(st);
  const uplift::knob_set_options by_demo{.by = "uplift-demo"};
  if (auto k = uplift::set_knob(db, "demo.User", 2, by_demo); !k) return fail(k.error().message());
  if (!svc.all_writing(2, 10s)) return fail("the service processes did not follow the knob to v2");
  std::uint64_t reads = 0, writes = 0;
  std::vector<unsigned> versions;
  for (int s = 0; s < static_cast<int>(o.baseline_seconds + 0.5) || s == 0; ++s) {
    if (!svc.count(reads, writes, versions)) return fail("a service process stopped answering");
    const auto r0 = reads, w0 = writes;
    std::this_thread::sleep_for(1s);
    if (!svc.count(reads, writes, versions)) return fail("a service process stopped answering");
    std::printf("   %s reads/s, %s writes/s (written at v%u by every process)\n", thousands(reads - r0).c_str(),
                thousands(writes - w0).c_str(), versions.front());
    std::fflush(stdout);
  }

  // 3. Flip the knob.
  phase(3, "Flip the knob",
        "Every process runs the new release: the knob in the database flips to v3, and every process "
        "follows it while it serves.");
  auto flip = uplift::set_knob(db, "demo.User", 3, by_demo);  // refused if a process could not read v3
  if (!flip) return fail(flip.error().message());
  const auto followed = svc.all_writing(3, 10s);
  if (!followed) return fail("the service processes did not follow the knob to v3");
  std::printf("   knob: v%u -> v%u; all %zu processes write v3, %.1f ms after the flip\n",
              unsigned{flip->from}, unsigned{flip->to}, svc.size(), followed->count());
  std::this_thread::sleep_for(1s);  // every write from now on is v3
  phase_stats baseline;
  if (!svc.next_phase(baseline)) return fail("a service process stopped answering");
  // The demo's own codec, for the row engine: reads what the service reads, writes v3.
  const auto codec = reading_codec(o, 3);

  // 4. Backfill.
  phase(4, "Backfill",
        ("The old rows are rewritten at v3 in the background, " +
         (o.rate > 0 ? "at most " + thousands(static_cast<std::uint64_t>(o.rate)) + " rows/s" : std::string("unthrottled")) +
         ", while the service keeps reading and writing.\nA row the service writes while the backfill holds it is left to the service (a conflict).")
            .c_str());
  // A large table is sampled: the dry run rewrites about 200,000 rows at the most, one row in
  // `every`, a number prime to 10 (the period of the seeded versions) so that the sample holds
  // each version in its share.
  auto every = static_cast<std::uint64_t>(std::max<std::int64_t>(1, (o.keys() + 199'999) / 200'000));
  while (every % 2 == 0 || every % 5 == 0) ++every;
  auto dry = uplift::backfill::dry_run(db, form.handle(codec), {.every = every});
  if (!dry) return std::fprintf(stderr, "uplift-demo: the dry run failed: %s\n", dry.error().message().c_str()), 1;
  print_dry_run(*dry, every);
  // The documents without a version key when the backfill starts: each one is adopted by it, or
  // rewritten first by the service (with its key, as every write is).
  std::uint64_t untagged_at_start = 0;
  if (o.legacy > 0) {
    auto h = uplift::histogram(db, form.handle(codec));
    if (!h) return std::fprintf(stderr, "uplift-demo: %s\n", h.error().message().c_str()), 1;
    untagged_at_start = h->untagged;
  }
  auto conn = db.connect();
  if (!conn) return std::fprintf(stderr, "uplift-demo: %s\n", conn.error().message().c_str()), 1;
  uplift::backfill_options bo;
  bo.job = "demo.User@v3 " + std::to_string(std::time(nullptr));
  bo.rows_per_second = o.rate;
  const auto b0 = clock_type::now();
  auto job = uplift::backfill::start(std::move(*conn), form.handle(codec), bo);  // target: v3, the latest
  if (!job) return std::fprintf(stderr, "uplift-demo: %s\n", job.error().message().c_str()), 1;
  auto last_line = clock_type::now();
  while (!job->finished()) {
    std::this_thread::sleep_for(tty ? 100ms : 250ms);
    if (job->finished()) break;  // the last line comes below
    if (tty || clock_type::now() - last_line >= 2s) {
      progress_line(job->progress(), false);
      last_line = clock_type::now();
    }
  }
  const auto backfill_status = job->wait();
  const double backfill_seconds = std::chrono::duration<double>(clock_type::now() - b0).count();
  const auto bp = job->progress();
  progress_line(bp, true);
  phase_stats during;
  if (!svc.next_phase(during)) return fail("a service process stopped answering");
  std::this_thread::sleep_for(500ms);
  std::uint64_t checked = 0, lost = 0;
  // Each process checks its writers' ledger against the table as the backfill left it.
  if (auto st = svc.stop(lost, checked); !st.empty()) return fail("the service failed: " + st);
  if (!backfill_status) return std::fprintf(stderr, "uplift-demo: the backfill failed: %s\n", backfill_status.error().message().c_str()), 1;

  // 5. Contract.
  phase(5, "Contract",
        o.legacy > 0 ? "No row is left below v3 or without its version: the v1 and v2 steps, and the "
                       "default version, can be retired.\nRows per stored version:"
                     : "No row is left below v3: the v1 and v2 steps can be retired. Rows per stored version:");
  auto after = uplift::histogram(db, form.handle(codec));
  if (!after) return std::fprintf(stderr, "uplift-demo: %s\n", after.error().message().c_str()), 1;
  print_histogram(*after, o.legacy > 0);

  std::printf("\n| phase | reads/s | read p50 | read p99 | writes/s |\n|---|---:|---:|---:|---:|\n");
  for (const auto* p : {&baseline, &during}) {
    std::printf("| %s | %s | %.1f us | %.1f us | %s |\n", p == &baseline ? "before the backfill" : "during the backfill",
                thousands(static_cast<std::uint64_t>(static_cast<double>(p->reads) / std::max(p->seconds, 1e-9))).c_str(),
                p->percentile(0.50), p->percentile(0.99),
                thousands(static_cast<std::uint64_t>(static_cast<double>(p->writes) / std::max(p->seconds, 1e-9))).c_str());
  }
  std::printf("\n| backfill | |\n|---|---:|\n");
  std::printf("| rows scanned | %s |\n| upgraded to v3 | %s |\n| already v3 | %s |\n", thousands(bp.counters.scanned).c_str(),
              thousands(bp.counters.upgraded).c_str(), thousands(bp.counters.already_current).c_str());
  std::printf("| conflicts with live writes (left to the service) | %s |\n| quarantined | %s |\n",
              thousands(bp.counters.conflicts).c_str(), thousands(bp.counters.quarantined).c_str());
  std::printf("| time | %.1f s |\n| rows/s | %s |\n", backfill_seconds,
              thousands(static_cast<std::uint64_t>(static_cast<double>(bp.counters.scanned) / std::max(backfill_seconds, 1e-9))).c_str());
  std::printf("| rows below v3 | %s |\n", thousands(after->below(3)).c_str());
  if (o.legacy > 0)
    std::printf("| rows without a version when it started (adopted, or written by the service) | %s |\n"
                "| rows without a version | %s |\n",
                thousands(untagged_at_start).c_str(), thousands(after->untagged).c_str());
  std::printf("\nlost writes: %s (of %s rows the service wrote, checked against its writers' ledger)\n",
              thousands(lost).c_str(), thousands(checked).c_str());
  if (lost == 0 && after->below(3) == 0 && after->untagged == 0 && bp.counters.quarantined == 0) return 0;
  std::fprintf(stderr,
               "uplift-demo: the migration is not complete (%s lost writes, %s rows below v3, %s without a "
               "version key, %s quarantined): a bug in uplift; please report it with this output\n",
               thousands(lost).c_str(), thousands(after->below(3)).c_str(), thousands(after->untagged).c_str(),
               thousands(bp.counters.quarantined).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  // The demo's own table: dropped and filled again on every run. It is dropped through a store
  // opened for JSON rows, which every value column type accepts (one opened for binary rows
  // refuses the jsonb column a --format json run leaves), and opened again for this run's rows:
  // a store reads its value column's type when it opens, and create_table makes the column anew.
  const row_form& form = o.json ? json_rows : binary_rows;
  const uplift::table_spec spec{
      .table = "uplift_demo_users", .key_column = "id", .value_column = "record", .format = form.column};
  auto fresh = [&spec](auto open) -> decltype(open(spec)) {
    uplift::table_spec any = spec;
    any.format = uplift::value_format::json;
    auto old = open(any);
    if (!old) return old;
    if (auto st = old->drop_table(); !st) return std::move(st).error();
    return open(spec);
  };
  if (o.serve >= 0) {  // a service process of the demo's fleet: the table is there
    if (!o.postgres.empty()) return serve(uplift::postgres_store::open(o.postgres, spec).value(), o, form);
    return serve(uplift::sqlite_store::open(o.db, spec).value(), o, form);
  }
  std::string path = o.db;
  if (o.postgres.empty() && path.empty()) {  // the demo's own database file: a fresh one on every run
    path = (std::filesystem::path(argv[0]).parent_path() / "uplift-demo.db").string();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  if (o.strategy == strategy::copy) return run_copy(o, path);
  if (!o.postgres.empty()) {
    auto db = fresh([&o](const uplift::table_spec& t) { return uplift::postgres_store::open(o.postgres, t); });
    if (!db) return std::fprintf(stderr, "uplift-demo: %s\n", db.error().message().c_str()), 1;
    return run(std::move(*db), o, form, "PostgreSQL", {"--postgres", o.postgres});
  }
  auto db = fresh([&path](const uplift::table_spec& t) { return uplift::sqlite_store::open(path, t); });
  if (!db) return std::fprintf(stderr, "uplift-demo: %s\n", db.error().message().c_str()), 1;
  return run(std::move(*db), o, form, "SQLite (" + path + ")", {"--db", path});
}
