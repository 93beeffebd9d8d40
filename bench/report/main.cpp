// uplift-bench-report: turns the files uplift-bench and uplift-bench-compile wrote (--out) into
// docs/bench/results.md (every target of the benchmark with its measured ratio, then every table)
// and gnuplot plots next to it.
//
//   uplift-bench-report --bench FILE.tsv [--compile FILE.tsv] [--dir OUT_DIR] [--no-plots]
//
// The ratios all come from the one run the files hold: each is a contender's median ns/record
// over another's, measured round-robin in the same table (bench/harness.hpp).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "uplift-bench-report: %s\n", what.c_str());
  std::exit(1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) out.push_back(field);
  return out;
}

struct row {
  std::string contender, name, input;
  bool baseline = false;
  double bytes = 0, median = 0, min = 0, max = 0;
  std::size_t samples = 0;
};

struct table {
  std::string id, title, note;
  std::vector<row> rows;
  const row* find(std::string_view contender) const {
    for (const row& r : rows)
      if (r.contender == contender) return &r;
    return nullptr;
  }
};

struct compile_row {
  int versions = 0;
  double flatc_ms = 0, uplift_ms = 0, flatc_bytes = 0, uplift_bytes = 0;
  int runs = 0;
  double chain_ms = 0, chain_bytes = 0;    ///< the record's generated .cpp, once per program
  double inline_ms = 0, inline_bytes = 0;  ///< the uplift unit compiling the whole chain itself
  int info_runs = 0;                       ///< runs of the chain's .cpp and the inline unit
};

/// Another translation unit uplift-bench-compile times on its own (a `unit` line).
struct unit_row {
  std::string name;
  double ms = 0, bytes = 0;
  int runs = 0;
};

struct results {
  std::vector<std::pair<std::string, std::string>> info;
  std::vector<table> tables;
  std::vector<compile_row> compile;
  std::vector<unit_row> units;

  const table* find(std::string_view id) const {
    for (const table& t : tables)
      if (t.id == id) return &t;
    return nullptr;
  }
  std::string info_of(std::string_view key) const {
    for (const auto& [k, v] : info)
      if (k == key) return v;
    return "?";
  }
};

void read_bench(const std::string& path, results& out) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path + " (write it with uplift-bench --out " + path + ")");
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f.empty()) continue;
    if (f[0] == "info" && f.size() >= 3) {
      out.info.emplace_back(f[1], f[2]);
    } else if (f[0] == "table" && f.size() >= 3) {
      out.tables.push_back({f[1], f[2], f.size() > 3 ? f[3] : "", {}});
    } else if (f[0] == "row" && f.size() >= 13) {
      if (out.tables.empty() || out.tables.back().id != f[1])
        die(path + ": a row of table " + f[1] + " outside its table");
      row r;
      r.contender = f[2];
      r.name = f[3];
      r.input = f[4];
      r.baseline = f[5] == "1";
      r.bytes = std::stod(f[7]);
      r.median = std::stod(f[8]);
      r.min = std::stod(f[9]);
      r.max = std::stod(f[10]);
      r.samples = std::stoul(f[12]);
      out.tables.back().rows.push_back(r);
    }
  }
  if (out.tables.empty()) die(path + " holds no table: did uplift-bench run to its end?");
}

void read_compile(const std::string& path, results& out) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path + " (write it with uplift-bench-compile --out " + path + ")");
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f.size() >= 11 && f[0] == "compile")
      out.compile.push_back({std::stoi(f[1]), std::stod(f[2]), std::stod(f[4]), std::stod(f[3]),
                             std::stod(f[5]), std::stoi(f[6]), std::stod(f[7]), std::stod(f[8]),
                             std::stod(f[9]), std::stod(f[10]),
                             f.size() >= 12 ? std::stoi(f[11]) : std::stoi(f[6])});
    else if (f.size() >= 5 && f[0] == "unit")
      out.units.push_back({f[1], std::stod(f[2]), std::stod(f[3]), std::stoi(f[4])});
  }
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// ---- targets -------------------------------------------------------------------------------

/// One checked target: `num` over `den` (each a table and a contender, or a compile ratio) must be
/// at most `limit`.
struct check {
  std::string target;  ///< the target, in the issue's words
  std::string what;    ///< the two sides measured
  std::optional<double> ratio;
  double limit = 1;
  std::string shown;   ///< how the ratio is shown (e.g. "1.04x" or "12.1x faster")
};

struct target_list {
  const results& res;
  std::vector<check> checks;

  std::optional<double> ratio(const std::string& num_table, const std::string& num,
                              const std::string& den_table, const std::string& den) const {
    const table* a = res.find(num_table);
    const table* b = res.find(den_table);
    if (!a || !b) return std::nullopt;
    const row* x = a->find(num);
    const row* y = b->find(den);
    if (!x || !y || y->median <= 0) return std::nullopt;
    return x->median / y->median;
  }

  /// uplift (num) must take at most `limit` times the time of `den`.
  void at_most(std::string target, const std::string& t, const std::string& num,
               const std::string& den, double limit, const std::string& den_table = "") {
    const bool same_table = den_table.empty();
    check c{std::move(target),
            same_table ? t + ": " + num + " / " + den : num + " " + t + " / " + den + " " + den_table,
            ratio(t, num, same_table ? t : den_table, den), limit, ""};
    if (c.ratio) c.shown = fmt("%.2fx", *c.ratio);
    checks.push_back(std::move(c));
  }
  /// uplift (num) must be at least `factor` times faster than `den`.
  void faster(std::string target, const std::string& t, const std::string& num,
              const std::string& den, double factor) {
    check c{std::move(target), t + ": " + den + " / " + num, ratio(t, num, t, den), 1 / factor, ""};
    if (c.ratio)
      c.shown = *c.ratio <= 1 ? fmt("%.2fx faster", 1 / *c.ratio) : fmt("%.2fx slower", *c.ratio);
    checks.push_back(std::move(c));
  }
};

std::vector<check> evaluate(const results& res) {
  target_list t{res, {}};
  for (const char* size : {"S", "M", "L"}) {
    for (const char* fields : {"all", "two"}) {
      const std::string id = std::string("read_latest/") + size + "/cache/" + fields;
      if (std::string_view(fields) == "two")
        t.at_most("latest read, trusted, two fields <= 1.15x raw read", id, "uplift_trusted",
                  "raw_read", 1.15);
      else
        t.at_most("latest read, trusted, all fields <= 1.05x raw read", id, "uplift_trusted",
                  "raw_read", 1.05);
      t.at_most("latest read, verified <= 1.05x raw verify+read", id, "uplift_verified",
                "raw_verified", 1.05);
    }
  }
  for (const char* kind : {"added", "rename"})
    for (const char* depth : {"1", "3", "10"}) {
      const std::string id = std::string("chain_depth/") + kind + "/" + depth;
      t.at_most("wire-compatible chain, any depth: <= 1.10x raw read of the latest", id,
                "uplift_trusted", "raw_latest", 1.10);
    }
  {
    const std::string base = "chain_depth/widen/";
    t.at_most("transforming, depth 1: <= 1.0x hand-written Object API migration (goal 0.67x)",
              base + "1", "uplift_trusted", "object_api", 1.0);
    // As for the chain with hooks below: the hand-written rebuild reuses its builder, so the read
    // it is compared with reuses its upgrade_buffer (the owned read, which adds one allocation and
    // a copy of the record, stays in the table).
    for (const char* depth : {"3", "10"})
      t.at_most(std::string("transforming, depth ") + depth +
                    ": <= 1.25x the fused hand-written rebuild (both reusing their buffer)",
                base + depth, "uplift_reused_trusted", "fused", 1.25);
    t.at_most("transforming: depth 10 <= 2x depth 1", base + "10", "uplift_trusted",
              "uplift_trusted", 2.0, base + "1");
  }
  {
    // The hand-written rebuild reuses its builder: uplift's read into a reused upgrade_buffer is
    // the same use (the owned read, one allocation and copy more, is in the table too).
    const std::string base = "chain_depth/computed/";
    t.at_most("a chain with hooks, depth 1: <= 1.0x the fused hand-written rebuild (both reusing "
              "their buffer)",
              base + "1", "uplift_reused_trusted", "fused", 1.0);
    for (const char* depth : {"3", "10"})
      t.at_most(std::string("a chain with hooks, depth ") + depth +
                    ": <= 1.25x the fused hand-written rebuild (both reusing their buffer)",
                base + depth, "uplift_reused_trusted", "fused", 1.25);
    t.at_most("a chain with hooks: depth 10 <= 1.5x depth 1", base + "10", "uplift_reused_trusted",
              "uplift_reused_trusted", 1.5, base + "1");
  }
  for (const char* size : {"S", "M", "L"}) {
    const std::string id = std::string("read_json/") + size;
    t.at_most("JSON, latest: <= 1.10x hand-written simdjson", id, "uplift", "simdjson", 1.10);
    t.at_most("JSON, old version: <= 1.25x hand-written simdjson migration", id, "uplift_v1",
              "simdjson_v1", 1.25);
    t.at_most("JSON, reversed key order: <= 1.5x in order", id, "uplift_reversed", "uplift", 1.5);
    t.faster("JSON: >= 10x faster than nlohmann-json + migration (v1)", id, "uplift_v1",
             "nlohmann_v1", 10);
    t.faster("JSON: >= 10x faster than nlohmann-json (latest)", id, "uplift", "nlohmann", 10);
  }
  for (const char* size : {"S", "M", "L"})
    for (const char* mix : {"latest", "v1", "90-9-1"}) {
      const std::string id = std::string("version_mix/") + size + "/" + mix;
      // The peers parse into a message or struct they reuse: uplift reads into an upgrade_buffer
      // it reuses.
      if (std::string_view(size) != "L" || std::string_view(mix) == "v1")
        t.faster("faster than protobuf + migration (S and M; all-v1 on L too), verified", id,
                 "uplift_reused_verified", "protobuf", 1);
      t.faster(">= 3x faster than Avro's resolving reader, verified", id, "uplift_reused_verified",
               "avro", 3);
      t.faster("faster than cereal's versioned load, verified", id, "uplift_reused_verified",
               "cereal", 1);
    }
  for (const char* size : {"S", "M", "L"}) {
    const std::string id = std::string("write/") + size;
    t.at_most("writes: finishing a builder as an uplift record <= 1.05x raw Finish", id,
              "uplift_finish", "raw_finish", 1.05);
    t.at_most("writes: an Object API struct <= 1.05x raw Pack", id, "uplift_write", "raw_pack",
              1.05);
  }
  t.faster("writes: an Object API struct, faster than protobuf SerializeToArray (M)", "write/M",
           "uplift_write", "protobuf", 1);
  for (const compile_row& c : res.compile) {
    if (c.versions != 32) continue;
    check k{"a chain of 32 versions adds <= 30% to a translation unit's compile time",
            "compile: uplift unit / flatc headers alone, 32 versions", c.uplift_ms / c.flatc_ms,
            1.30, ""};
    k.shown = fmt("%+.0f%%", (c.uplift_ms / c.flatc_ms - 1) * 100);
    t.checks.push_back(std::move(k));
  }
  return t.checks;
}

// ---- markdown ------------------------------------------------------------------------------

void write_table(std::ostream& md, const table& t) {
  md << "\n#### " << t.title << "\n\n";
  if (!t.note.empty()) md << t.note << "\n\n";
  md << "| contender | input | B/record | ns/record | min .. max | records/s | GB/s | vs baseline |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n";
  const double base = t.rows.empty() ? 1 : t.rows.front().median;
  for (const row& r : t.rows)
    md << "| " << r.name << " | " << r.input << " | " << fmt("%.0f", r.bytes) << " | "
       << fmt("%.1f", r.median) << " | " << fmt("%.1f", r.min) << " .. " << fmt("%.1f", r.max)
       << " | " << fmt("%.2f M", 1e3 / r.median) << " | " << fmt("%.2f", r.bytes / r.median)
       << " | " << fmt("%.2fx", r.median / base) << " |\n";
}

const std::vector<std::pair<std::string, std::string>> scenarios = {
    {"read_latest", "Reading the latest version"},
    {"version_mix", "Version mixes: all latest, all at an old version, 90/9/1"},
    {"chain_depth", "Chain depth: 0, 1, 3 and 10 steps of one kind"},
    {"read_json", "JSON records"},
    {"write", "Writing records"},
};

void write_markdown(const fs::path& path, const results& res, const std::vector<check>& checks,
                    const std::vector<std::string>& plots) {
  std::ofstream md(path);
  if (!md) die("cannot write " + path.string());
  md << "# uplift benchmark results\n\n"
        "Written by `make bench` (uplift-bench, uplift-bench-compile, uplift-bench-report); do not "
        "edit by hand. Every contender reads the same logical data and is checked against its "
        "table's reference before it is timed; samples are taken round-robin across a table's "
        "contenders, and each figure is the median of its samples. Ratios compare contenders of "
        "one run.\n\n";
  md << "- CPU: " << res.info_of("cpu") << ", last-level cache " << res.info_of("llc") << "\n";
  md << "- compiler: " << res.info_of("compiler") << ", " << res.info_of("build_type")
     << ", flags `" << res.info_of("flags") << "`\n";
  md << "- samples per contender: " << res.info_of("samples") << " of at least "
     << res.info_of("min_sample_ms") << " ms; run time " << res.info_of("run_seconds") << " s\n";
  md << "- simdjson: " << res.info_of("simdjson") << "\n";
  if (res.info_of("smoke") == "1")
    md << "- **smoke run**: tiny data sets and one sample each; the figures mean nothing\n";

  md << "\n## Targets\n\n| target | measured | ratio | limit | |\n|---|---|---:|---:|---|\n";
  int met = 0, missed = 0, absent = 0;
  for (const check& c : checks) {
    std::string verdict = "not measured";
    if (!c.ratio) {
      ++absent;
    } else if (*c.ratio <= c.limit) {
      verdict = "met";
      ++met;
    } else {
      verdict = "**missed**";
      ++missed;
    }
    md << "| " << c.target << " | " << c.what << " | " << (c.ratio ? c.shown : "-") << " | "
       << fmt("%.2f", c.limit) << " | " << verdict << " |\n";
  }
  md << "\n" << met << " met, " << missed << " missed, " << absent << " not measured.\n";

  if (!plots.empty()) {
    md << "\n## Plots\n\n";
    for (const std::string& p : plots) md << "![" << p << "](" << p << ")\n\n";
  }

  for (const auto& [prefix, title] : scenarios) {
    bool any = false;
    for (const table& t : res.tables) {
      if (t.id.rfind(prefix + "/", 0) != 0) continue;
      if (!any) md << "\n## " << title << "\n";
      any = true;
      write_table(md, t);
    }
  }
  if (!res.compile.empty()) {
    md << "\n## Compile time\n\nOne translation unit reading and writing a record through a "
          "generated chain of 1, 8 and 32 versions, against the same unit with the same "
          "versions' flatc headers alone (bench/compile/). The uplift unit is built as "
          "`uplift_generate` builds it: the reads through old versions are compiled once per "
          "program in the record's generated .cpp (timed on its own); the last columns compile "
          "the whole chain in the unit itself.\n\n"
          "| versions | flatc headers alone | uplift unit | added | the chain's .cpp, once | "
          "uplift unit, whole chain inline | added | runs (units; .cpp and inline) |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    auto cell = [](double ms, double bytes) {
      return fmt("%.0f ms, ", ms) + fmt("%.1f KiB", bytes / 1024);
    };
    for (const compile_row& c : res.compile)
      md << "| " << c.versions << " | " << cell(c.flatc_ms, c.flatc_bytes) << " | "
         << cell(c.uplift_ms, c.uplift_bytes) << " | "
         << fmt("%+.0f%%", (c.uplift_ms / c.flatc_ms - 1) * 100) << " | "
         << cell(c.chain_ms, c.chain_bytes) << " | " << cell(c.inline_ms, c.inline_bytes) << " | "
         << fmt("%+.0f%%", (c.inline_ms / c.flatc_ms - 1) * 100) << " | " << c.runs << "; "
         << c.info_runs << " |\n";
  }
  for (const unit_row& u : res.units) {
    if (u.name != "backfill") continue;
    md << "\nA translation unit that starts a backfill of demo.User on SQLite and waits for it "
          "(bench/compile/backfill_tu.cpp; the engine itself is compiled once, in libuplift): "
       << fmt("%.0f ms, ", u.ms) << fmt("%.1f KiB", u.bytes / 1024) << " of object code, median of "
       << u.runs << " run" << (u.runs == 1 ? "" : "s") << ".\n";
  }
}

// ---- plots ---------------------------------------------------------------------------------

/// A clustered bar chart: one cluster per column (e.g. record size), one bar per contender.
struct bars {
  std::string file, title;
  std::vector<std::pair<std::string, std::string>> columns;  ///< (label, table id)
  std::vector<std::pair<std::string, std::string>> series;   ///< (label, contender id)
};

bool run_gnuplot(const fs::path& script) {
  const std::string cmd = "gnuplot \"" + script.string() + "\"";
  return std::system(cmd.c_str()) == 0;
}

std::string plot_bars(const fs::path& dir, const fs::path& work, const results& res,
                      const bars& b) {
  const fs::path data = work / (b.file + ".dat");
  {
    std::ofstream d(data);
    d << "contender";
    for (const auto& [label, id] : b.columns) d << "\t\"" << label << "\"";
    d << "\n";
    for (const auto& [label, contender] : b.series) {
      d << "\"" << label << "\"";
      for (const auto& [col, id] : b.columns) {
        const table* t = res.find(id);
        const row* r = t ? t->find(contender) : nullptr;
        d << "\t" << (r ? fmt("%.2f", r->median) : std::string("NaN"));
      }
      d << "\n";
    }
  }
  const fs::path script = work / (b.file + ".gp");
  {
    std::ofstream g(script);
    g << "set terminal pngcairo size 1100,560 font 'DejaVu Sans,10'\n"
      << "set output '" << (dir / (b.file + ".png")).string() << "'\n"
      << "set title '" << b.title << "'\n"
      << "set style data histograms\nset style histogram clustered gap 1\n"
      << "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
      << "set logscale y\nset ylabel 'ns per record (log scale, lower is better)'\n"
      << "set grid ytics\nset key below\nset datafile separator '\\t'\n"
      << "set xtics nomirror\n"
      << "plot for [i=2:" << b.columns.size() + 1 << "] '" << data.string()
      << "' using i:xtic(1) title columnheader(i)\n";
  }
  if (!run_gnuplot(script)) die("gnuplot failed on " + script.string());
  return b.file + ".png";
}

std::string plot_depth(const fs::path& dir, const fs::path& work, const results& res) {
  const std::vector<std::pair<std::string, std::string>> series = {
      {"added", "uplift_trusted"},   {"rename", "uplift_trusted"}, {"widen", "uplift_trusted"},
      {"widen", "fused"},            {"widen", "object_api"},      {"computed", "uplift_trusted"},
      {"computed", "fused"},         {"computed", "object_api"},   {"added", "raw_latest"}};
  const fs::path data = work / "chain_depth.dat";
  {
    std::ofstream d(data);
    for (const auto& [kind, contender] : series) {
      d << "# " << kind << " " << contender << "\n";
      for (int depth : {0, 1, 3, 10}) {
        const table* t = res.find("chain_depth/" + kind + "/" + std::to_string(depth));
        const row* r = t ? t->find(contender) : nullptr;
        if (r) d << depth << "\t" << fmt("%.2f", r->median) << "\n";
      }
      d << "\n\n";
    }
  }
  const fs::path script = work / "chain_depth.gp";
  {
    std::ofstream g(script);
    g << "set terminal pngcairo size 1100,560 font 'DejaVu Sans,10'\n"
      << "set output '" << (dir / "chain_depth.png").string() << "'\n"
      << "set title 'Reading a record stored d steps behind the latest (in cache)'\n"
      << "set xlabel 'steps between the stored version and the latest'\nset xtics (0,1,3,10)\n"
      << "set logscale y\nset ylabel 'ns per record (log scale)'\nset grid\n"
      << "set key below\nset datafile separator '\\t'\nplot ";
    for (std::size_t i = 0; i < series.size(); ++i) {
      const auto& [kind, contender] = series[i];
      const std::string who = contender == "uplift_trusted" ? "uplift::read"
                              : contender == "fused"        ? "hand-written FB->FB rebuild"
                              : contender == "object_api"   ? "hand-written Object API migration"
                                                            : "raw FlatBuffers read of the latest";
      g << (i ? ", " : "") << "'" << data.string() << "' index " << i
        << " using 1:2 with linespoints title '" << (contender == "raw_latest" ? who : kind + ": " + who)
        << "'";
    }
    g << "\n";
  }
  if (!run_gnuplot(script)) die("gnuplot failed on " + script.string());
  return "chain_depth.png";
}

}  // namespace

int main(int argc, char** argv) {
  std::string bench_file, compile_file;
  fs::path dir = "docs/bench";
  bool plots = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--bench") bench_file = value();
    else if (a == "--compile") compile_file = value();
    else if (a == "--dir") dir = value();
    else if (a == "--no-plots") plots = false;
    else
      die("unknown option " + std::string(a) +
          "; usage: uplift-bench-report --bench FILE.tsv [--compile FILE.tsv] [--dir OUT_DIR] "
          "[--no-plots]");
  }
  if (bench_file.empty()) die("give uplift-bench's results with --bench FILE.tsv");
  results res;
  read_bench(bench_file, res);
  if (!compile_file.empty()) read_compile(compile_file, res);
  fs::create_directories(dir);
  const fs::path work = fs::path(bench_file).parent_path() / "report";
  fs::create_directories(work);

  std::vector<std::string> images;
  if (plots) {
    images.push_back(plot_bars(dir, work, res,
                               {"read_latest", "Reading the latest version, all fields, in cache",
                                {{"S (~160 B)", "read_latest/S/cache/all"},
                                 {"M (~380 B)", "read_latest/M/cache/all"},
                                 {"L (~4 KB)", "read_latest/L/cache/all"}},
                                {{"raw FlatBuffers read", "raw_read"},
                                 {"raw FlatBuffers verify+read", "raw_verified"},
                                 {"uplift::read, trusted", "uplift_trusted"},
                                 {"uplift::read, verified", "uplift_verified"},
                                 {"protobuf", "protobuf"},
                                 {"Cap'n Proto", "capnp"},
                                 {"cereal", "cereal"},
                                 {"Avro C", "avro"}}}));
    images.push_back(plot_bars(dir, work, res,
                               {"version_mix", "Reading a 90/9/1 mix of v3/v2/v1 records as v3",
                                {{"S", "version_mix/S/90-9-1"},
                                 {"M", "version_mix/M/90-9-1"},
                                 {"L", "version_mix/L/90-9-1"}},
                                {{"hand-written FB->FB rebuild", "fused"},
                                 {"hand-written Object API migration", "object_api"},
                                 {"uplift::read, trusted", "uplift_trusted"},
                                 {"uplift::read, verified", "uplift_verified"},
                                 {"protobuf + migration", "protobuf"},
                                 {"Cap'n Proto + migration", "capnp"},
                                 {"cereal versioned", "cereal"},
                                 {"Avro C resolving", "avro"}}}));
    images.push_back(plot_depth(dir, work, res));
    images.push_back(plot_bars(dir, work, res,
                               {"read_json", "JSON records read into the latest struct",
                                {{"S", "read_json/S"}, {"M", "read_json/M"}, {"L", "read_json/L"}},
                                {{"simdjson by hand (v3)", "simdjson"},
                                 {"uplift::read_json (v3)", "uplift"},
                                 {"uplift::read_json (v3, keys reversed)", "uplift_reversed"},
                                 {"simdjson by hand, migration (v1)", "simdjson_v1"},
                                 {"uplift::read_json (v1)", "uplift_v1"},
                                 {"nlohmann-json + migration (v1)", "nlohmann_v1"}}}));
    images.push_back(plot_bars(dir, work, res,
                               {"write", "Writing records of the latest version",
                                {{"S", "write/S"}, {"M", "write/M"}, {"L", "write/L"}},
                                {{"FlatBufferBuilder + Finish", "raw_finish"},
                                 {"uplift::finish", "uplift_finish"},
                                 {"Object API Pack", "raw_pack"},
                                 {"uplift::write, write_buffer", "uplift_write"},
                                 {"codec::write at v2", "uplift_write_v2"},
                                 {"protobuf SerializeToArray", "protobuf"},
                                 {"Cap'n Proto builder", "capnp"},
                                 {"cereal save", "cereal"}}}));
  }
  const std::vector<check> checks = evaluate(res);
  write_markdown(dir / "results.md", res, checks, images);
  int missed = 0;
  for (const check& c : checks) missed += c.ratio && *c.ratio > c.limit;
  std::printf("uplift-bench-report: wrote %s (%zu targets, %d missed)%s\n",
              (dir / "results.md").string().c_str(), checks.size(), missed,
              plots ? " and its plots" : "");
  return 0;
}
