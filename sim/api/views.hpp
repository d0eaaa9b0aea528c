// Public API: views of a live world, read between steps (Simulation::world()).
// The agent column registry (the same one the recorder and the docs use) and
// the ledger: books, accounts, net worth and the exact audit. Ledger balances
// change only through the ledger's operations, so front ends only read them;
// agent columns that are neither balances nor structural (ids, indices,
// counts) may be written between steps (the bindings' writable views).
#pragma once

#include "world/columns.hpp"  // columns(world, store), store_names()
#include "world/ledger.hpp"   // Ledger, Book, Instrument, AgentKind
#include "world/world.hpp"    // World
