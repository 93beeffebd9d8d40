// The write-version knob (uplift/fleet/knob.hpp): the flip rule, and the attached process's
// thread that follows the knob and keeps its node row alive.
#include <uplift/fleet/knob.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace uplift {

namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string default_node() { return host_name() + ":" + std::to_string(::getpid()); }

std::string default_by() {
  const char* user = std::getenv("USER");
  return std::string(user != nullptr && *user != '\0' ? user : "uplift") + "@" + host_name();
}

std::string v(std::uint16_t version) { return "v" + std::to_string(version); }

/// "v1..v3" (or "v2" for one version): what a node reads.
std::string reads_text(const knob_node& n) {
  return n.reads_first == n.reads_latest ? v(n.reads_first)
                                         : v(n.reads_first) + ".." + v(n.reads_latest);
}

/// Why the live node `n` cannot follow a flip to `to`, or "" when it can.
std::string cannot_follow(const knob_node& n, std::uint16_t to) {
  if (!n.reads(to))
    return "node \"" + n.node + "\" reads " + reads_text(n) + " and cannot read " + v(to);
  if (!n.can_write(to))
    return "node \"" + n.node + "\" cannot write " + v(to) + " (it writes " +
           (n.writes.empty() ? std::string("none") : n.writes) + ")";
  return {};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out.append(out.empty() ? "" : "; ").append(s);
  return out;
}

/// The flip rule: what set_knob asks store::flip_knob to do.
result<knob_flip> decide(const knob_setting& now, const std::vector<knob_node>& nodes,
                         std::string_view record, std::uint16_t to, const knob_set_options& o,
                         const std::string& by) {
  knob_flip flip{std::string(record), now.write_version, to, "set", by, {}, 0};
  if (to == now.write_version) {
    flip.kind = "unchanged";
    return flip;
  }
  std::vector<std::string> refusals;
  bool someone_writes = false;
  std::size_t live = 0;
  for (const knob_node& n : nodes) {
    if (!n.live) continue;
    ++live;
    if (std::string why = cannot_follow(n, to); !why.empty())
      refusals.push_back(std::move(why));
    else
      someone_writes = true;
  }
  if (!someone_writes && refusals.empty())
    refusals.push_back(live == 0 ? "no live process is attached to this knob, so none can be "
                                   "known to read and write " + v(to)
                                 : "no live node can write " + v(to));
  if (now.previous_version != 0 && to == now.previous_version && to < now.write_version) {
    flip.kind = "killswitch";
    flip.detail = joined(refusals);  // allowed all the same: the fleet wrote it a moment ago
    return flip;
  }
  if (refusals.empty()) return flip;
  if (o.force) {
    flip.kind = "forced";
    flip.detail = "overrode: " + joined(refusals);
    return flip;
  }
  return error(errc::knob_refused, record)
      .with_detail("the knob of " + std::string(record) + " stays at " +
                   (now.write_version == 0 ? std::string("no version (never set)")
                                           : v(now.write_version)) +
                   ": " + joined(refusals) +
                   ". Deploy a binary that reads and writes " + v(to) +
                   " there first (a node that stopped without detaching stops counting when its "
                   "lease runs out), or force the flip (knob_set_options::force, `uplift knob "
                   "--force`)");
}

/// The knob tables, created when missing (only then: a user who may read and write them but not
/// create tables gets on); a failure says what a user without the right to create them can do.
status knob_tables(store& db) {
  auto has = db.has_knob_tables();
  if (has && *has) return {};
  auto st = db.ensure_knob_tables();
  if (st) return st;
  error e = std::move(st).error();
  e.with_detail(std::string(e.detail()) +
                "; the knob tables (uplift_knob, uplift_knob_nodes, uplift_knob_log) are created "
                "on first use: run it once as a user who may create tables (for example `uplift "
                "knob STORE --record NAME --set N` as the database owner), see docs/KNOB.md");
  return e;
}

/// The versions `h` can write, as a node row lists them: "1,2,3".
std::string writable(const record_handle& h) {
  std::string out;
  for (unsigned x = h.first_version(); x <= h.latest_version(); ++x)
    if (h.can_write(static_cast<std::uint16_t>(x)))
      out.append(out.empty() ? "" : ",").append(std::to_string(x));
  return out;
}

}  // namespace

result<knob_flip> set_knob(store& db, std::string_view record, std::uint16_t version,
                           const knob_set_options& o) {
  if (version == 0)
    return error(errc::invalid_option, record)
        .with_detail("the knob cannot be set to version 0: give the version to write, 1 or more");
  if (auto st = knob_tables(db); !st) return std::move(st).error();
  const std::string by = o.by.empty() ? default_by() : o.by;
  return db.flip_knob(record, [&](const knob_setting& now, const std::vector<knob_node>& nodes) {
    return decide(now, nodes, record, version, o, by);
  });
}

result<knob_flip> knob_killswitch(store& db, std::string_view record, const knob_set_options& o) {
  if (auto st = knob_tables(db); !st) return std::move(st).error();
  const std::string by = o.by.empty() ? default_by() : o.by;
  return db.flip_knob(
      record, [&](const knob_setting& now, const std::vector<knob_node>& nodes) -> result<knob_flip> {
        if (now.previous_version == 0)
          return error(errc::invalid_option, record)
              .with_detail("the knob of " + std::string(record) +
                           " has no version to go back to (" +
                           (now.write_version == 0 ? std::string("it was never set")
                                                   : "it was set once, to " + v(now.write_version)) +
                           "): set the version to write instead");
        return decide(now, nodes, record, now.previous_version, o, by);
      });
}

result<knob_view> show_knob(store& db, std::string_view record, std::size_t log) {
  knob_view out;
  out.setting.record = std::string(record);
  auto has = db.has_knob_tables();
  if (!has) return std::move(has).error();
  if (!*has) return out;
  auto k = db.load_knob(record);
  if (!k) return std::move(k).error();
  auto nodes = db.list_knob_nodes(record);
  if (!nodes) return std::move(nodes).error();
  auto flips = db.knob_log(record, log);
  if (!flips) return std::move(flips).error();
  out.setting = std::move(*k);
  out.nodes = std::move(*nodes);
  out.log = std::move(*flips);
  return out;
}

// ---- knob_attachment ---------------------------------------------------------------------------

struct knob_attachment::state {
  std::unique_ptr<store> db;
  record_handle record;
  std::function<status(std::uint16_t)> apply;
  knob_options options;
  knob_node me;
  std::int64_t revision = 0;   // the knob's revision last followed (or refused)
  std::uint16_t refused = 0;   // the version last refused at that revision (0: none)
  std::atomic<std::uint16_t> writing{0};
  std::atomic<std::uint64_t> flips{0};
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool detached = false;
  std::thread thread;

  state(std::unique_ptr<store> d, record_handle r, std::function<status(std::uint16_t)> a,
        knob_options o)
      : db(std::move(d)), record(std::move(r)), apply(std::move(a)), options(std::move(o)) {}

  void report(const error& e) const {
    if (options.on_error) options.on_error(e);
  }

  /// Makes the process write `to`: "" when it does (the codec and the node row say `to`), else
  /// why it cannot (this binary cannot read or write it, or the codec refused it).
  std::string switch_to(std::uint16_t to) {
    std::string why = cannot_follow(me, to);
    if (why.empty())
      if (auto st = apply(to); !st) why = st.error().message();
    if (!why.empty()) return why;
    writing.store(to, std::memory_order_release);
    me.writing = to;
    return {};
  }

  /// Follows `k` when it says another version than the codec writes. Goes by the version, not
  /// the revision alone: a database restored, or one that lost its last commits in a crash, may
  /// count revisions again. A flip it cannot follow is reported once per revision. True when
  /// the node row changed (a flip followed, or one refused or no longer refused) and should be
  /// renewed now.
  bool follow(const knob_setting& k) {
    if (k.write_version == 0) return false;
    const std::uint16_t from = writing.load(std::memory_order_relaxed);
    if (k.write_version == from) {
      revision = k.revision;
      const bool had_problem = !me.problem.empty();
      me.problem.clear();
      return had_problem;
    }
    if (k.revision == revision && k.write_version == refused) return false;  // said already
    revision = k.revision;
    if (std::string why = switch_to(k.write_version); !why.empty()) {
      refused = k.write_version;
      me.problem = "does not follow " + v(k.write_version) + ": " + why;
      report(error(errc::knob_refused, record.name()).with_detail(me.problem));
      return true;
    }
    refused = 0;
    me.problem.clear();
    flips.fetch_add(1, std::memory_order_relaxed);
    if (options.on_flip) options.on_flip(from, k.write_version);
    return true;
  }

  bool stop_requested() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  void run() {
    auto next_heartbeat = clock_type::now() + options.heartbeat;
    auto next_poll = clock_type::now() + options.poll;
    constexpr milliseconds slice{100};  // how long detach() can wait for a wait in progress
    while (!stop_requested()) {
      const auto now = clock_type::now();
      const auto due = std::min(next_heartbeat, next_poll);
      const auto wait = std::clamp(std::chrono::duration_cast<milliseconds>(due - now),
                                   milliseconds{0}, slice);
      auto sign = db->wait_for_knob(wait);
      if (!sign) {
        report(sign.error());
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::min(options.poll, milliseconds{1000}), [&] { return stopping; });
        continue;
      }
      bool renew = clock_type::now() >= next_heartbeat;
      if (*sign || clock_type::now() >= next_poll) {
        next_poll = clock_type::now() + options.poll;
        auto k = db->load_knob(record.name());
        if (!k) {
          report(k.error());
          continue;
        }
        renew = follow(*k) || renew;
      }
      if (renew) {
        auto k = db->heartbeat_knob(me, options.lease);
        if (!k) {
          report(k.error());
          continue;
        }
        next_heartbeat = clock_type::now() + options.heartbeat;
        if (follow(*k)) next_heartbeat = clock_type::now();  // publish what it did at once
      }
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    if (thread.joinable()) thread.join();
  }
};

result<knob_attachment> knob_attachment::attach(std::unique_ptr<store> db, record_handle record,
                                                std::function<status(std::uint16_t)> apply,
                                                knob_options o) {
  if (!db) return error(errc::invalid_option, record.name()).with_detail("no store was given");
  if (o.lease <= milliseconds{0} || o.heartbeat <= milliseconds{0} || o.poll <= milliseconds{0})
    return error(errc::invalid_option, record.name())
        .with_detail("knob_options::lease, heartbeat and poll must be more than 0 ms");
  if (o.heartbeat >= o.lease)
    return error(errc::invalid_option, record.name())
        .with_detail("knob_options::heartbeat (" + std::to_string(o.heartbeat.count()) +
                     " ms) must be shorter than the lease (" + std::to_string(o.lease.count()) +
                     " ms), or the node stops counting between its heartbeats");
  if (auto st = knob_tables(*db); !st) return std::move(st).error();
  if (o.node.empty()) o.node = default_node();
  auto s = std::make_unique<state>(std::move(db), record, std::move(apply), std::move(o));
  knob_node& me = s->me;
  me.record = std::string(record.name());
  me.node = s->options.node;
  me.reads_first = record.first_version();
  me.reads_latest = record.latest_version();
  me.writes = writable(record);
  me.writing = record.write_version();
  s->writing.store(me.writing);

  // Registered and the knob read in one transaction: a flip either committed before (it is
  // checked here) or comes after and counts this node.
  auto k = s->db->heartbeat_knob(me, s->options.lease);
  if (!k) return std::move(k).error();
  if (k->write_version != 0 && k->write_version != me.writing) {
    if (std::string why = s->switch_to(k->write_version); !why.empty()) {
      (void)s->db->leave_knob(me.record, me.node);
      return error(errc::knob_refused, record.name())
          .with_detail("the knob of " + me.record + " is at " + v(k->write_version) +
                       " and this process cannot follow it: " + why +
                       ". Deploy a binary that reads and writes " + v(k->write_version) +
                       ", or flip the knob back first (`uplift knob STORE --record " + me.record +
                       " --set N`)");
    }
    if (auto st = s->db->heartbeat_knob(me, s->options.lease); !st) return std::move(st).error();
  }
  s->revision = k->revision;
  state* raw = s.get();
  s->thread = std::thread([raw] { raw->run(); });
  return knob_attachment(std::move(s));
}

knob_attachment::knob_attachment(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
knob_attachment::knob_attachment(knob_attachment&&) noexcept = default;
knob_attachment& knob_attachment::operator=(knob_attachment&& other) noexcept {
  if (this != &other) {
    (void)detach();
    s_ = std::move(other.s_);
  }
  return *this;
}
knob_attachment::~knob_attachment() { (void)detach(); }

const std::string& knob_attachment::node() const noexcept { return s_->me.node; }
std::uint16_t knob_attachment::write_version() const noexcept {
  return s_->writing.load(std::memory_order_acquire);
}
std::uint64_t knob_attachment::flips_followed() const noexcept {
  return s_->flips.load(std::memory_order_relaxed);
}

status knob_attachment::detach() {
  if (!s_ || s_->detached) return {};
  s_->stop();
  s_->detached = true;
  return s_->db->leave_knob(s_->me.record, s_->me.node);
}

}  // namespace uplift
