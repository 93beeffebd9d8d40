#pragma once
/// The fleet-wide write-version knob: the version every process writes a record type at, kept in
/// the database beside the rows (the table uplift_knob), followed by every codec attached to it,
/// and flipped only to a version every live attached process can read and write. Compiled in the
/// runtime (`uplift::runtime`); the stores carry the tables (store.hpp, "the write-version knob").
///
///     auto codec = uplift::codec<demo::User>::make({.write_version = 2}).value();
///     auto knob = uplift::attach_knob(codec, db.connect().value()).value();  // follows the fleet
///     ...
///     // elsewhere, once every node runs the release that reads v3 (or `uplift knob ... --set 3`):
///     uplift::set_knob(db, "demo.User", 3);      // refused, naming them, while a node reads v1..v2
///     uplift::knob_killswitch(db, "demo.User");  // back to v2: always allowed
///
/// An attached process registers a node row (its name, the versions its binary reads and
/// writes, the version it writes now) and renews it every `knob_options::heartbeat`; it counts as
/// live until its lease runs out (`knob_options::lease`), or at once when it detaches. A flip
/// reaches it within `knob_options::poll` at worst, and on PostgreSQL (LISTEN/NOTIFY) and SQLite
/// (PRAGMA data_version, checked every 5 ms) within milliseconds: docs/KNOB.md has the bound and
/// its measurements.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../codec.hpp"
#include "../error.hpp"
#include "../record_handle.hpp"
#include "../store/store.hpp"

namespace uplift {

/// How a process attaches to a knob.
struct knob_options {
  /// The node's name in uplift_knob_nodes, unique among the processes attached to one record's
  /// knob; "" for "<host>:<pid>".
  std::string node;
  /// How long the node counts as live after each heartbeat. A process that dies without
  /// detaching blocks flips it cannot follow until its lease runs out.
  std::chrono::milliseconds lease{15000};
  /// How often the node renews its lease (well under `lease`).
  std::chrono::milliseconds heartbeat{3000};
  /// How often the knob is read when no sign of a flip came: the bound on how late a flip
  /// reaches this process when the signs are lost (a broken connection, a store that gives none).
  std::chrono::milliseconds poll{1000};
  /// Called on the knob's thread after each flip this process follows, with the versions before
  /// and after: the codec writes `to` from then on.
  std::function<void(std::uint16_t from, std::uint16_t to)> on_flip;
  /// Called on the knob's thread when a flip cannot be followed (the binary cannot read or write
  /// it: the codec keeps its version, the node row says why) or the database fails (the knob keeps
  /// trying, reconnecting, and the codec keeps its version meanwhile).
  std::function<void(const error&)> on_error;
};

/// Who flips a knob, and whether past refusals.
struct knob_set_options {
  /// Who flips it, as the log records it ("" for "<user>@<host>").
  std::string by;
  /// Flips even when live nodes cannot follow (logged as "forced", with the nodes it overrode).
  bool force = false;
};

/// A record type's knob as `uplift knob` shows it.
struct knob_view {
  knob_setting setting;          ///< write_version 0: never set
  std::vector<knob_node> nodes;  ///< every node row, live or expired, by name
  std::vector<knob_flip> log;    ///< the last flips, newest first
};

/// Flips the knob of `record` to `version`, in one transaction against the nodes as they are:
/// errc::knob_refused, naming each live node that cannot read or write `version` (or saying that
/// none can write it), unless `o.force`. Flipping back to the version before the last flip, when
/// that is older (the killswitch), is always allowed: the fleet wrote it a moment ago. Creates
/// the knob tables on first use. The flip as logged; `kind` "unchanged" when the knob was at
/// `version` already (nothing is logged then).
result<knob_flip> set_knob(store& db, std::string_view record, std::uint16_t version,
                           const knob_set_options& o = {});
/// Flips the knob of `record` to the version before its last flip: when that is older (the
/// killswitch), always allowed and logged as "killswitch"; when it is newer (undoing a
/// killswitch), a flip like set_knob's, checked against the nodes. errc::invalid_option when the
/// knob has no previous version (it was set once, or never).
result<knob_flip> knob_killswitch(store& db, std::string_view record,
                                  const knob_set_options& o = {});
/// The knob of `record`, its nodes and its last `log` flips. Reads only: on a database without
/// the knob tables, a setting of 0 and no nodes.
result<knob_view> show_knob(store& db, std::string_view record, std::size_t log = 10);

/// A process attached to a record type's knob: a thread that keeps its codec at the knob's
/// version and its node row alive. Detaches (stops the thread, removes the node row) when
/// destroyed. The codec it was attached to must outlive it. Movable.
class knob_attachment {
 public:
  /// Attaches `record` to its knob in `db` (a connection of its own, used by the knob's thread),
  /// calling `apply(v)` to make the process write version v. Registers the node and reads the
  /// knob in one transaction: errc::knob_refused when the knob is at a version this binary
  /// cannot read or write (nothing stays registered); else applies it, when set, before it
  /// returns. Creates the knob tables on first use.
  static result<knob_attachment> attach(std::unique_ptr<store> db, record_handle record,
                                        std::function<status(std::uint16_t)> apply,
                                        knob_options o = {});

  knob_attachment(knob_attachment&&) noexcept;
  knob_attachment& operator=(knob_attachment&&) noexcept;
  ~knob_attachment();

  /// The node's name.
  const std::string& node() const noexcept;
  /// The version this process writes now, as the knob set it (or as it was when attached).
  std::uint16_t write_version() const noexcept;
  /// The flips this process has followed since it attached.
  std::uint64_t flips_followed() const noexcept;
  /// Stops the thread and removes the node row; the error of that removal, if any. The codec
  /// keeps the version it writes. Once detached, the attachment only answers node(),
  /// write_version() and flips_followed(); a second detach does nothing.
  status detach();

 private:
  struct state;  // the thread, its store and the node (knob.cpp)
  explicit knob_attachment(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> s_;
};

/// Attaches `c` to its record's knob in the database of `db` (a connection given by value,
/// which the knob's thread keeps: `db.connect().value()`): `c` writes the knob's version from
/// now on, until the attachment is destroyed. `c` must outlive the attachment.
template <class R, class S>
  requires std::derived_from<std::remove_cvref_t<S>, store>
result<knob_attachment> attach_knob(codec<R>& c, S&& db, knob_options o = {}) {
  return knob_attachment::attach(
      detail::owned_store(std::forward<S>(db)), c.handle(),
      [&c](std::uint16_t v) { return c.set_write_version(v); }, std::move(o));
}

}  // namespace uplift
