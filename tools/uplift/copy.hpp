// uplift copy: the copy jobs of a database, with their phase, progress, backlog and lag.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <uplift/store/store.hpp>

namespace uplift_cli {

/// Opens a store (sqlite:PATH, postgresql://..., pg:CONNINFO) on `table`.
using store_opener =
    std::function<uplift::result<std::unique_ptr<uplift::store>>(const std::string& store,
                                                                  const uplift::table_spec& table)>;

/// What `uplift copy` is asked.
struct copy_request {
  std::string store;         ///< the database the copies go into (their job rows are there)
  std::string source_store;  ///< --source: the source database, when it is another one
  uplift::table_spec spec;   ///< --key, --value, --key-type of the tables
};

/// Prints every copy job of `db`'s database; 0, or 1 when a store cannot be read.
int copy_status(uplift::store& db, const copy_request& r, const store_opener& open);

}  // namespace uplift_cli
