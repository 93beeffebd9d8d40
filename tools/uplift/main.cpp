// uplift: the operator's command. Reads a table's record headers, the backfill job tables and
// schema folders; needs no generated code.
//
//   uplift stats sqlite:PATH --table T [--schemas DIR]... [--key K] [--value V] [--key-type integer|text]
//   uplift stats postgresql://USER@HOST:PORT/DB --table T ...
//   uplift quarantine STORE --table T [--job NAME] [--limit N]
//   uplift inspect --schemas DIR FILE|-   (or STORE --table T --key K --schemas DIR: inspect.cpp)
//   uplift knob STORE --record NAME [--set N [--force] [--by WHO] | --killswitch]   (knob.cpp)
//   uplift copy STORE [--source STORE]   (copy.cpp)
//
// stats names each record type from a job of it or from a --schemas folder (the headers hold only
// type ids), and says "no backfill jobs yet" on a database no backfill has run on.
// Exit status: 0 on success, 1 when the store (or a --schemas folder) cannot be read, 2 on a
// usage error.

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uplift/header.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "copy.hpp"
#include "knob.hpp"
#include "schemas.hpp"
#include "text.hpp"

namespace uplift_cli {
int inspect(int argc, char** argv);  // uplift inspect: tools/uplift/inspect.cpp
}

namespace {

constexpr const char* usage = R"(usage:
  uplift stats STORE --table T [--schemas DIR]... [--key K] [--value V] [--key-type integer|text]
               [--format binary|json|detect] [--version-key KEY]
      the rows per record type and stored version (from the 16 header bytes alone), and every
      backfill job on the table with its progress. A record type is named by a job of it, or by
      --schemas DIR: a record's schema folder (v1.fbs, v2.fbs, ...) or a folder of them.
      --format json counts a column of JSON documents by their version key (--version-key,
      default _v; PostgreSQL counts with its JSON functions, SQLite rows are read, the faster
      way there); detect, a column holding both forms
  uplift quarantine STORE --table T [--job NAME] [--limit N] [--key K] [--value V] [--key-type ...]
      the rows backfills could not upgrade, with their errors
  uplift inspect --schemas DIR FILE|-    or    uplift inspect STORE --table T --key K --schemas DIR
      a stored record (or a row) printed as JSON from its schema folder; uplift inspect --help
  uplift knob STORE --record NAME [--set N [--force] [--by WHO] | --killswitch] [--limit N]
      the fleet's write version of a record type (the knob), every process attached to it with
      the versions it reads and writes and when it was last seen, and the last flips (--limit,
      default 10). --set N flips it, refused while a live process cannot read or write vN
      (--force flips anyway, logged as forced); --killswitch flips back to the version before
      the last flip. --by names who flips (default: USER@host)
  uplift copy STORE [--source STORE] [--key K] [--value V] [--key-type ...]
      every copy job into this database: its phase, rows copied, quarantined, changes applied,
      its last verification, the backlog and lag of its capture log (in the source database:
      this one, or --source),
      and after the cut-over the changes its roll-back has not synced back yet

STORE is sqlite:PATH (a SQLite database file) or a PostgreSQL URL (postgresql://... or
postgres://...) or pg:CONNINFO (a libpq key=value connection string). --key defaults to id,
--value to value, --key-type to integer.
)";

struct arguments {
  std::string command, store;
  uplift::table_spec spec;
  std::string job;
  std::size_t limit = 100;
  std::vector<std::string> schemas;  ///< --schemas, for stats
  std::string version_key = "_v";    ///< --version-key, for stats
  uplift_cli::knob_request knob;     ///< --record, --set, --force, --by, --killswitch
  bool limit_given = false;
  std::string source;                ///< --source, for copy
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "uplift: %s\n\n%s", what.c_str(), usage);
  std::exit(2);
}

arguments parse(int argc, char** argv) {
  arguments a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage, stdout);
      std::exit(0);
    } else if (arg == "--table") {
      a.spec.table = value();
    } else if (arg == "--key") {
      a.spec.key_column = value();
    } else if (arg == "--value") {
      a.spec.value_column = value();
    } else if (arg == "--key-type") {
      const std::string t = value();
      if (t == "integer") a.spec.key = uplift::key_type::integer;
      else if (t == "text") a.spec.key = uplift::key_type::text;
      else usage_error("--key-type is integer or text, not " + t);
    } else if (arg == "--format") {
      const std::string f = value();
      if (f == "binary") a.spec.format = uplift::value_format::binary;
      else if (f == "json") a.spec.format = uplift::value_format::json;
      else if (f == "detect") a.spec.format = uplift::value_format::detect;
      else usage_error("--format is binary, json or detect, not " + f);
    } else if (arg == "--version-key") {
      a.version_key = value();
      if (a.version_key.empty()) usage_error("--version-key needs a key name");
    } else if (arg == "--schemas") {
      a.schemas.push_back(value());
    } else if (arg == "--source") {
      a.source = value();
    } else if (arg == "--job") {
      a.job = value();
    } else if (arg == "--record") {
      a.knob.record = value();
    } else if (arg == "--set") {
      const std::string n = value();
      char* end = nullptr;
      const unsigned long v = std::strtoul(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v == 0 || v > 65535)
        usage_error("--set is a version, 1 to 65535, not " + n);
      a.knob.set = static_cast<std::uint16_t>(v);
    } else if (arg == "--force") {
      a.knob.force = true;
    } else if (arg == "--killswitch") {
      a.knob.killswitch = true;
    } else if (arg == "--by") {
      a.knob.by = value();
    } else if (arg == "--limit") {
      const std::string n = value();
      char* end = nullptr;
      const unsigned long long v = std::strtoull(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v == 0) usage_error("--limit is a positive number, not " + n);
      a.limit = static_cast<std::size_t>(v);
      a.limit_given = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      usage_error("unknown option " + std::string(arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 2) usage_error("give a command and a store");
  a.command = positional[0];
  a.store = positional[1];
  if (a.command != "stats" && a.command != "quarantine" && a.command != "knob" &&
      a.command != "copy")
    usage_error("unknown command " + a.command);
  if (!a.source.empty() && a.command != "copy") usage_error("--source is an option of copy");
  if (a.command == "copy") {
    // The copy jobs are the database's, not a table's: the store is opened on its job table.
    if (!a.spec.table.empty()) usage_error("copy lists every copy job of the database: no --table");
    a.spec.table = "uplift_copy";
    return a;
  }
  const bool knob_options = !a.knob.record.empty() || a.knob.set != 0 || a.knob.force ||
                            a.knob.killswitch || !a.knob.by.empty();
  if (a.command == "knob") {
    if (a.knob.record.empty()) usage_error("knob needs --record NAME (e.g. --record demo.User)");
    if (a.knob.set != 0 && a.knob.killswitch) usage_error("give --set N or --killswitch, not both");
    if ((a.knob.force || !a.knob.by.empty()) && a.knob.set == 0 && !a.knob.killswitch)
      usage_error("--force and --by go with --set N or --killswitch");
    if (a.limit_given) a.knob.log = a.limit;
    // The knob's tables are the database's, not a table's: the store is opened on its own one.
    if (a.spec.table.empty()) a.spec.table = "uplift_knob";
    return a;
  }
  if (knob_options) usage_error("--record, --set, --force, --killswitch and --by are options of knob");
  if (a.spec.table.empty()) usage_error("--table is required");
  if (a.command != "stats" && !a.schemas.empty()) usage_error("--schemas is an option of stats");
  return a;
}

using uplift_cli::thousands;

std::string age(std::int64_t unix_seconds) {
  const std::int64_t d = static_cast<std::int64_t>(std::time(nullptr)) - unix_seconds;
  if (d < 120) return std::to_string(d) + " s ago";
  if (d < 7200) return std::to_string(d / 60) + " min ago";
  if (d < 172800) return std::to_string(d / 3600) + " h ago";
  return std::to_string(d / 86400) + " days ago";
}

/// The record names of the --schemas folders, by type id. Throws failure.
std::map<std::uint32_t, std::string> schema_names(const arguments& a) {
  std::map<std::uint32_t, std::string> names;
  for (const std::string& dir : a.schemas)
    for (const std::string& folder : uplift_cli::record_folders(dir)) {
      const std::string name = uplift_cli::load(folder).name;
      names[uplift::type_id_of(name)] = name;
    }
  return names;
}

/// The jobs on the table: none when the job tables do not exist (no backfill has run on this
/// database).
uplift::result<std::vector<uplift::job_record>> jobs_of(uplift::store& db) {
  auto tables = db.has_job_tables();
  if (!tables) return std::move(tables).error();
  if (!*tables) return std::vector<uplift::job_record>{};
  return db.list_jobs();
}

int stats(uplift::store& db, const arguments& a) {
  std::map<std::uint32_t, std::string> names;
  try {
    names = schema_names(a);
  } catch (const uplift_cli::failure& f) {
    std::fprintf(stderr, "uplift: %s\n", f.text.c_str());
    return 1;
  }
  auto h = uplift::histogram(db, {.json_version_key = a.version_key});
  if (!h) {
    std::fprintf(stderr, "uplift: cannot read table %s: %s\n", a.spec.table.c_str(),
                 h.error().message().c_str());
    return 1;
  }
  auto jobs = jobs_of(db);
  // A job names the record it was started for (the headers hold only type ids).
  if (jobs)
    for (const auto& j : *jobs) names[j.spec.type_id] = j.spec.record;

  const std::uint64_t total = h->total();
  std::printf("table %s: %s rows\n", a.spec.table.c_str(), thousands(total).c_str());
  auto print_rows = [total](const std::string& label, std::uint64_t rows) {
    const double share = total == 0 ? 0.0 : 100.0 * static_cast<double>(rows) / static_cast<double>(total);
    const int bar = static_cast<int>(share / 2.5 + 0.5);
    std::printf("  %-9s %14s %7.1f%%  %s\n", label.c_str(), thousands(rows).c_str(), share,
                std::string(static_cast<std::size_t>(bar), '#').c_str());
  };
  auto print_columns = [] { std::printf("  %-9s %14s %8s\n", "version", "rows", "share"); };
  std::uint32_t type = 0;
  bool first = true;
  for (const auto& c : h->records) {
    if (first || c.type_id != type) {
      type = c.type_id;
      first = false;
      auto it = names.find(type);
      std::printf("\nrecord type %08" PRIx32 " (%s)\n", type,
                  it == names.end() ? "name unknown: give --schemas its schema folder" : it->second.c_str());
      print_columns();
    }
    print_rows("v" + std::to_string(c.version), c.rows);
  }
  if (!h->json.empty() || h->json_untagged != 0) {
    std::printf("\nJSON documents (version key \"%s\")\n", a.version_key.c_str());
    print_columns();
    for (const auto& c : h->json) print_rows("v" + std::to_string(c.version), c.rows);
    if (h->json_untagged != 0) print_rows("untagged", h->json_untagged);
  }
  if (h->not_records != 0)
    std::printf("\n%s rows are not uplift records (%s)\n", thousands(h->not_records).c_str(),
                a.spec.format == uplift::value_format::binary
                    ? "no valid header"
                    : "no valid header, or not a JSON object whose version key holds a version");

  if (!jobs) {
    std::fprintf(stderr, "uplift: cannot read the job tables: %s\n", jobs.error().message().c_str());
    return 1;
  }
  if (jobs->empty()) {
    std::printf("\nno backfill jobs yet\n");
    return 0;
  }
  std::printf("\nbackfill jobs:\n");
  for (const auto& j : *jobs) {
    const auto& k = j.counters;
    const double pct = j.status == uplift::job_status::done ? 100.0
                       : j.total_rows == 0 ? 0.0
                       : 100.0 * static_cast<double>(k.scanned) / static_cast<double>(j.total_rows);
    std::printf("  %s  %s, target v%u, %s/%s rows scanned (%.1f%%), ranges %zu/%zu done, updated %s\n",
                j.spec.name.c_str(), std::string(uplift::to_string(j.status)).c_str(),
                static_cast<unsigned>(j.spec.target_version), thousands(k.scanned).c_str(),
                thousands(j.total_rows).c_str(), pct > 100.0 ? 100.0 : pct, j.ranges_done, j.ranges,
                age(j.updated_at).c_str());
    std::printf("      upgraded %s, already current %s, conflicts %s, quarantined %s\n",
                thousands(k.upgraded).c_str(), thousands(k.already_current).c_str(),
                thousands(k.conflicts).c_str(), thousands(k.quarantined).c_str());
    if (!j.error.empty()) std::printf("      error: %s\n", j.error.c_str());
  }
  return 0;
}

int quarantine(uplift::store& db, const arguments& a) {
  auto rows = db.list_quarantine(a.job, a.limit);
  if (!rows) {
    std::fprintf(stderr, "uplift: cannot read uplift_quarantine: %s\n", rows.error().message().c_str());
    return 1;
  }
  if (rows->empty()) {
    std::printf("no quarantined rows%s\n", a.job.empty() ? "" : (" for job " + a.job).c_str());
    return 0;
  }
  for (const auto& q : *rows)
    std::printf("key %s  stored v%u  %s  %s\n", uplift::key_to_string(q.key).c_str(),
                static_cast<unsigned>(q.stored_version), age(q.at).c_str(), q.error.c_str());
  if (rows->size() == a.limit) std::printf("(first %zu; --limit N for more)\n", a.limit);
  return 0;
}

/// Opens `store` (sqlite:PATH, a PostgreSQL URL, pg:CONNINFO) on `spec`'s table.
uplift::result<std::unique_ptr<uplift::store>> open_store(const std::string& store,
                                                          const uplift::table_spec& spec) {
  auto own = [](auto db) -> uplift::result<std::unique_ptr<uplift::store>> {
    if (!db) return std::move(db).error();
    using S = typename decltype(db)::value_type;
    return std::unique_ptr<uplift::store>(std::make_unique<S>(std::move(*db)));
  };
  const std::string_view s = store;
  if (s.rfind("sqlite:", 0) == 0)
    return own(uplift::sqlite_store::open(std::string(s.substr(7)), spec, {.create = false}));
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0)
    return own(uplift::postgres_store::open(store, spec));
  if (s.rfind("pg:", 0) == 0) return own(uplift::postgres_store::open(std::string(s.substr(3)), spec));
  return uplift::error(uplift::errc::invalid_option)
      .with_detail("the store is sqlite:PATH, postgresql://..., or pg:CONNINFO, not " + store);
}

template <class S>
int run(uplift::result<S> db, const arguments& a) {
  if (!db) {
    std::fprintf(stderr, "uplift: cannot open %s: %s\n", a.store.c_str(), db.error().message().c_str());
    return 1;
  }
  if (a.command == "knob") return uplift_cli::knob(*db, a.knob);
  if (a.command == "copy") {
    uplift::table_spec tables = a.spec;
    return uplift_cli::copy_status(*db, {a.store, a.source, tables}, &open_store);
  }
  return a.command == "stats" ? stats(*db, a) : quarantine(*db, a);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "inspect") return uplift_cli::inspect(argc - 1, argv + 1);
  const arguments a = parse(argc, argv);
  const std::string_view s = a.store;
  if (s.rfind("sqlite:", 0) == 0)
    return run(uplift::sqlite_store::open(std::string(s.substr(7)), a.spec, {.create = false}), a);
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0)
    return run(uplift::postgres_store::open(std::string(s), a.spec), a);
  if (s.rfind("pg:", 0) == 0) return run(uplift::postgres_store::open(std::string(s.substr(3)), a.spec), a);
  usage_error("the store is sqlite:PATH, postgresql://..., or pg:CONNINFO, not " + a.store);
}
