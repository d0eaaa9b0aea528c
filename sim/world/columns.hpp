// The column registry: every agent column of every store — attributes from the
// stores and balances from the ledger — with its name, unit and type. The
// Python bindings build their zero-copy numpy views from it and snapshots and
// docs list columns from it, so a new column is exposed everywhere by adding
// one line to columns.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "world/world.hpp"

namespace pfsim {

enum class ColumnType : std::uint8_t { i64, u64, u32, u16, u8, f32, f64 };

[[nodiscard]] std::size_t column_type_size(ColumnType t);
[[nodiscard]] std::string_view column_type_name(ColumnType t);  // numpy dtype string, e.g. "<i8"

struct Column {
  std::string store;  // "consumers", "smes", "banks", "platforms"
  std::string name;   // "deposit", "monthly_wage", ...
  std::string unit;   // "fen", "fen/month", "1", "index", ...
  std::string description;
  ColumnType type = ColumnType::f64;
  void* data = nullptr;      // first element; valid until the store resizes
  std::size_t size = 0;      // rows
  bool from_ledger = false;  // a balance (read-only outside the ledger's primitives)
};

// Every column of one store ("consumers", "smes", "banks", "platforms"), or of
// all stores when `store` is empty.
[[nodiscard]] std::vector<Column> columns(World& w, std::string_view store = {});
[[nodiscard]] std::vector<std::string> store_names();

}  // namespace pfsim
