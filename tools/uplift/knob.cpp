// uplift knob: shows a record type's write-version knob (its version, the processes attached to
// it, its last flips) and flips it, with the refusal the library applies (uplift/fleet/knob.hpp).
//
//   uplift knob STORE --record NAME                   shows it
//   uplift knob STORE --record NAME --set N           flips it to vN (--force: past refusals)
//   uplift knob STORE --record NAME --killswitch      back to the version before the last flip
//
// Exit status: 0 on success, 1 when the store cannot be read, the record has no knob, or the
// flip is refused.

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "knob.hpp"

#include <uplift/fleet/knob.hpp>

namespace uplift_cli {

namespace {

std::string v(std::uint16_t version) { return "v" + std::to_string(version); }

/// "1,2,3" as "v1,v2,v3".
std::string versions(const std::string& list) {
  std::string out = list.empty() ? "none" : "v";
  for (char c : list) out.append(c == ',' ? ",v" : std::string(1, c));
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// How long ago unix milliseconds `at` was: "0.4 s ago", "3 min ago".
std::string ago(std::int64_t at) {
  const std::int64_t d = now_ms() - at;
  char buf[64];
  if (d < 60000)
    std::snprintf(buf, sizeof buf, "%.1f s ago", static_cast<double>(d < 0 ? 0 : d) / 1000.0);
  else if (d < 7200000)
    std::snprintf(buf, sizeof buf, "%lld min ago", static_cast<long long>(d / 60000));
  else
    std::snprintf(buf, sizeof buf, "%lld h ago", static_cast<long long>(d / 3600000));
  return buf;
}

/// Unix milliseconds as "2026-12-06 22:59:43 UTC".
std::string when(std::int64_t at) {
  const std::time_t t = static_cast<std::time_t>(at / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

void print_flip(const uplift::knob_flip& f) {
  std::printf("  %s  %s -> %s  %s by %s\n", when(f.at_ms).c_str(),
              f.from == 0 ? "unset" : v(f.from).c_str(), v(f.to).c_str(), f.kind.c_str(),
              f.by.c_str());
  if (!f.detail.empty()) std::printf("      %s\n", f.detail.c_str());
}

int show(uplift::store& db, const knob_request& r) {
  auto k = uplift::show_knob(db, r.record, r.log);
  if (!k) {
    std::fprintf(stderr, "uplift: cannot read the knob of %s: %s\n", r.record.c_str(),
                 k.error().message().c_str());
    return 1;
  }
  if (k->setting.revision == 0 && k->nodes.empty()) {
    auto has = db.has_knob_tables();
    std::vector<uplift::knob_setting> others;
    if (has && *has) {
      if (auto all = db.list_knobs(); all) others = std::move(*all);
    }
    std::fprintf(stderr, "uplift: no knob of %s here: it was never set and no process is attached "
                         "to it (check the record's name",
                 r.record.c_str());
    if (others.empty()) {
      std::fprintf(stderr, "; no process has attached to a knob in this database yet)\n");
    } else {
      std::fprintf(stderr, "; knobs here:");
      for (const auto& o : others)
        std::fprintf(stderr, " %s (%s)", o.record.c_str(),
                     o.write_version == 0 ? "never set" : v(o.write_version).c_str());
      std::fprintf(stderr, ")\n");
    }
    return 1;
  }
  const auto& s = k->setting;
  if (s.write_version == 0)
    std::printf("knob of %s: never set (each process writes its own codec's version)\n",
                r.record.c_str());
  else
    std::printf("knob of %s: writes %s since %s (%s)%s\n", r.record.c_str(),
                v(s.write_version).c_str(), when(s.changed_at_ms).c_str(),
                ago(s.changed_at_ms).c_str(),
                s.previous_version == 0 ? ""
                : s.previous_version > s.write_version
                    ? (", back from " + v(s.previous_version) + " (killswitch)").c_str()
                    : (", before it " + v(s.previous_version)).c_str());
  std::size_t live = 0;
  for (const auto& n : k->nodes) live += n.live ? 1 : 0;
  std::printf("\nnodes: %zu live, %zu expired\n", live, k->nodes.size() - live);
  for (const auto& n : k->nodes) {
    std::printf("  %-24s %-7s reads %s..%s  writes %s  writing %s  seen %s\n", n.node.c_str(),
                n.live ? "live" : "expired", v(n.reads_first).c_str(), v(n.reads_latest).c_str(),
                versions(n.writes).c_str(), v(n.writing).c_str(), ago(n.seen_ms).c_str());
    if (!n.problem.empty()) std::printf("      %s\n", n.problem.c_str());
  }
  if (!k->log.empty()) {
    std::printf("\nlast flips, newest first:\n");
    for (const auto& f : k->log) print_flip(f);
  }
  return 0;
}

}  // namespace

int knob(uplift::store& db, const knob_request& r) {
  if (r.set == 0 && !r.killswitch) return show(db, r);
  uplift::knob_set_options o;
  o.by = r.by;
  o.force = r.force;
  auto flip = r.killswitch ? uplift::knob_killswitch(db, r.record, o)
                           : uplift::set_knob(db, r.record, r.set, o);
  if (!flip) {
    std::fprintf(stderr, "uplift: %s\n", flip.error().message().c_str());
    return 1;
  }
  if (flip->kind == "unchanged") {
    std::printf("knob of %s: already at %s, nothing changed\n", r.record.c_str(),
                v(flip->to).c_str());
    return 0;
  }
  std::printf("knob of %s: %s -> %s (%s)\n", r.record.c_str(),
              flip->from == 0 ? "unset" : v(flip->from).c_str(), v(flip->to).c_str(),
              flip->kind.c_str());
  if (!flip->detail.empty()) std::printf("  %s\n", flip->detail.c_str());
  return 0;
}

}  // namespace uplift_cli
