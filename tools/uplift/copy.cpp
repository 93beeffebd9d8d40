// uplift copy (copy.hpp): each copy job's phase and counters from uplift_copy in the target
// database; its backlog and lag from the capture log in the source database (this one, or
// --source); after the cut-over, the roll-back's backlog from the log on the new table.
#include "copy.hpp"

#include "text.hpp"

#include <cstdio>
#include <limits>
#include <ctime>

namespace uplift_cli {

namespace {

std::string backlog_words(const uplift::capture_backlog& b) {
  const std::int64_t lag = b.entries == 0 ? 0 : b.now_ms - b.oldest_ms;
  return thousands(b.entries) + " entries, lag " + std::to_string(lag < 0 ? 0 : lag) + " ms";
}

}  // namespace

int copy_status(uplift::store& db, const copy_request& r, const store_opener& open) {
  auto jobs = db.list_copy_jobs();
  if (!jobs) {
    std::fprintf(stderr, "uplift: cannot read uplift_copy: %s\n", jobs.error().message().c_str());
    return 1;
  }
  if (jobs->empty()) {
    std::printf("no copy jobs in %s\n", r.store.c_str());
    return 0;
  }
  const std::string here = db.database_id();
  std::unique_ptr<uplift::store> elsewhere_db;
  std::string elsewhere_id;
  int status = 0;
  std::printf("copy jobs in %s:\n", r.store.c_str());
  for (const uplift::copy_record& j : *jobs) {
    const bool swapped = j.phase == "cut over" || j.phase == "contracted";
    const double pct = j.phase != "copying" ? 100.0
                       : j.total_rows == 0  ? 0.0
                                            : 100.0 * static_cast<double>(j.copied + j.quarantined) /
                                                  static_cast<double>(j.total_rows);
    std::printf("  %s  %s at v%u, %s -> %s, %s\n", j.name.c_str(), j.record.c_str(),
                static_cast<unsigned>(j.target_version), j.source.c_str(), j.table.c_str(),
                j.phase.c_str());
    std::printf("      copied %s of %s rows (%.1f%%), quarantined %s, changes applied %s\n",
                thousands(j.copied).c_str(), thousands(j.total_rows).c_str(), pct > 100.0 ? 100.0 : pct,
                thousands(j.quarantined).c_str(), thousands(j.applied).c_str());
    if (!j.error.empty()) std::printf("      error: %s\n", j.error.c_str());
    if (j.verified_at == 0) {
      std::printf("      not verified yet\n");
    } else {
      const std::int64_t ago = static_cast<std::int64_t>(std::time(nullptr)) - j.verified_at;
      std::printf("      verified %s rows %lld s ago: %s differed, %s more with changes still in the log\n",
                  thousands(j.verified_rows).c_str(), static_cast<long long>(ago < 0 ? 0 : ago),
                  thousands(j.verified_mismatches).c_str(), thousands(j.verified_pending).c_str());
    }
    uplift::table_spec t = r.spec;
    if (j.phase == "maintenance") {
      // Swapped; the keys with changes not applied at the swap are refused until they are.
      t.table = j.table;
      auto target = db.sibling(t);
      auto held = target ? (*target)->maintenance_keys(std::numeric_limits<std::int32_t>::max())
                         : uplift::result<std::vector<uplift::row_key>>(target.error());
      if (!held) {
        std::fprintf(stderr, "uplift: cannot read the keys in maintenance of %s: %s\n",
                     j.name.c_str(), held.error().message().c_str());
        status = 1;
        continue;
      }
      std::printf("      keys in maintenance: %s (refused until the cut-over applies them; a "
                  "killed copier's next run does)\n",
                  thousands(held->size()).c_str());
      continue;
    }
    if (!swapped) {
      // The capture log is in the source's database.
      std::unique_ptr<uplift::store> source;
      t.table = j.source;
      if (j.source_database == here) {
        auto s = db.sibling(t);
        if (s) source = std::move(*s);
      } else if (!r.source_store.empty()) {
        if (!elsewhere_db) {
          auto s = open(r.source_store, t);
          if (!s) {
            std::fprintf(stderr, "uplift: cannot open %s: %s\n", r.source_store.c_str(),
                         s.error().message().c_str());
            return 1;
          }
          elsewhere_db = std::move(*s);
          elsewhere_id = elsewhere_db->database_id();
        }
        if (elsewhere_id == j.source_database) {
          auto s = elsewhere_db->sibling(t);
          if (s) source = std::move(*s);
        }
      }
      if (!source) {
        std::printf("      backlog: in the source database (%s): give --source STORE\n",
                    j.source_database.c_str());
        continue;
      }
      auto b = source->backlog(j.name);
      if (!b) {
        std::fprintf(stderr, "uplift: cannot read the capture log of %s: %s\n", j.name.c_str(),
                     b.error().message().c_str());
        status = 1;
        continue;
      }
      std::printf("      backlog %s\n", backlog_words(*b).c_str());
      continue;
    }
    // After the cut-over: the roll-back's log, on the new table, in this database.
    if (j.phase == "contracted") {
      std::printf("      roll-back: contracted\n");
      continue;
    }
    t.table = j.table;
    auto log = db.sibling(t);
    if (!log) continue;
    auto captured = (*log)->has_capture(j.name + " rollback");
    if (!captured || !*captured) {
      std::printf("      roll-back: none (no capture on the new table)\n");
      continue;
    }
    auto b = (*log)->backlog(j.name + " rollback");
    if (b) std::printf("      roll-back: %s not synced back into the old table\n", backlog_words(*b).c_str());
  }
  return status;
}

}  // namespace uplift_cli
