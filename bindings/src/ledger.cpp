// The ledger from Python: its books, every account as a table, net worth per
// agent kind, and the exact audit. Generic over books and agent kinds: a book
// the world builder adds appears here without a change.
//
// accounts() is a snapshot (copies): one row per book row per side — the
// claim is an asset of its holder and a liability of its issuer, with the same
// balance (fen) on both rows; `side` tells which.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "api/run.hpp"
#include "api/views.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {

// Names for Python. A new enumerator gets a placeholder name (and a test that
// checks no placeholder appears reminds us to name it) instead of breaking the
// build of whoever adds it.
std::string instrument_name(Instrument i) {
  switch (i) {
    case Instrument::deposit:
      return "deposit";
    case Instrument::credit_line:
      return "credit_line";
    case Instrument::reserves:
      return "reserves";
    case Instrument::government_bond:
      return "government_bond";
    case Instrument::clearing:
      return "clearing";
    case Instrument::central_bank_loan:
      return "central_bank_loan";
    case Instrument::loan:
      return "loan";
    case Instrument::fund_units:
      return "fund_units";
    case Instrument::foreign_claim:
      return "foreign_claim";
    case Instrument::interbank_loan:
      return "interbank_loan";
    case Instrument::count_:
      break;
    case Instrument::equity_stake:
      return "equity_stake";
    default:
      break;
  }
  return "instrument_" + std::to_string(static_cast<int>(i));
}

std::string overdraft_name(Overdraft o) {
  switch (o) {
    case Overdraft::never:
      return "never";
    case Overdraft::to_limit:
      return "to_limit";
    case Overdraft::unrestricted:
      return "unrestricted";
    default:
      break;
  }
  return "overdraft_" + std::to_string(static_cast<int>(o));
}

std::vector<std::string> kind_names() {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    out.emplace_back(agent_kind_name(static_cast<AgentKind>(k)));
  return out;
}

AgentKind parse_kind(const std::string& name) {
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    if (agent_kind_name(static_cast<AgentKind>(k)) == name) return static_cast<AgentKind>(k);
  std::string all;
  for (const std::string& n : kind_names()) all += (all.empty() ? "" : ", ") + n;
  throw py::key_error("no agent kind named '" + name + "' (kinds: " + all + ")");
}

std::uint32_t owner_of(const Book& b, const RowOwner& owner, std::size_t row) {
  if (owner.mode == RowOwner::Mode::column && row >= owner.column.size())
    throw InternalError("ledger book " + b.name + ": owner column shorter than the book");
  return owner.of(row);
}

py::list books(SimHandle& h) {
  h.check_idle("ledger.books");
  const Ledger& L = h.sim->world().ledger;
  py::list out;
  for (std::size_t id = 0; id < L.book_count(); ++id) {
    const Book& b = L.book(static_cast<BookId>(id));
    Int128 total = 0;
    for (const Fen v : b.balance) total += v;
    py::dict d;
    d["name"] = b.name;
    d["instrument"] = instrument_name(b.instrument);
    d["holder_kind"] = std::string(agent_kind_name(b.holder_kind));
    d["issuer_kind"] = std::string(agent_kind_name(b.issuer_kind));
    d["overdraft"] = overdraft_name(b.overdraft);
    d["rows"] = b.rows();
    d["total"] = to_py_int(total);
    out.append(d);
  }
  return out;
}

py::dict accounts(SimHandle& h) {
  h.check_idle("ledger.accounts");
  const Ledger& L = h.sim->world().ledger;
  std::size_t n = 0;
  for (std::size_t id = 0; id < L.book_count(); ++id)
    n += 2 * L.book(static_cast<BookId>(id)).rows();
  const auto size = static_cast<py::ssize_t>(n);
  py::array_t<std::uint16_t> book(size);
  py::array_t<std::uint32_t> row(size), owner(size), counterparty(size);
  py::array_t<std::uint8_t> side(size), owner_kind(size), counterparty_kind(size);
  py::array_t<std::int64_t> balance(size);
  auto bk = book.mutable_unchecked<1>();
  auto rw = row.mutable_unchecked<1>();
  auto ow = owner.mutable_unchecked<1>();
  auto cp = counterparty.mutable_unchecked<1>();
  auto sd = side.mutable_unchecked<1>();
  auto ok = owner_kind.mutable_unchecked<1>();
  auto ck = counterparty_kind.mutable_unchecked<1>();
  auto bl = balance.mutable_unchecked<1>();
  py::ssize_t k = 0;
  std::vector<std::string> book_names, instruments;
  for (std::size_t id = 0; id < L.book_count(); ++id) {
    const Book& b = L.book(static_cast<BookId>(id));
    book_names.push_back(b.name);
    instruments.push_back(instrument_name(b.instrument));
    const auto hk = static_cast<std::uint8_t>(b.holder_kind);
    const auto ik = static_cast<std::uint8_t>(b.issuer_kind);
    for (std::size_t r = 0; r < b.rows(); ++r) {
      const std::uint32_t holder = owner_of(b, b.holder, r), issuer = owner_of(b, b.issuer, r);
      for (std::uint8_t s = 0; s < 2;
           ++s, ++k) {  // 0: the holder's asset, 1: the issuer's liability
        bk(k) = static_cast<std::uint16_t>(id);
        rw(k) = static_cast<std::uint32_t>(r);
        sd(k) = s;
        ok(k) = s == 0 ? hk : ik;
        ow(k) = s == 0 ? holder : issuer;
        ck(k) = s == 0 ? ik : hk;
        cp(k) = s == 0 ? issuer : holder;
        bl(k) = b.balance[r];
      }
    }
  }
  py::dict out;
  out["book"] = book;
  out["row"] = row;
  out["side"] = side;
  out["owner_kind"] = owner_kind;
  out["owner"] = owner;
  out["counterparty_kind"] = counterparty_kind;
  out["counterparty"] = counterparty;
  out["balance"] = balance;
  out["book_names"] = book_names;
  out["instrument_names"] = instruments;
  out["kind_names"] = kind_names();
  return out;
}

}  // namespace

void register_ledger(py::module_& m, SimClass& sim) {
  m.def("agent_kinds", &kind_names, "Names of the agent kinds (balance-sheet sectors).");
  sim.def("ledger_books", &books,
          "One dict per ledger book: name, instrument, holder_kind, issuer_kind, overdraft, "
          "rows, total (fen, exact int).")
      .def("ledger_accounts", &accounts,
           "Every account, twice (holder's asset, issuer's liability), as numpy arrays "
           "(copies) plus the category names they index.")
      .def(
          "ledger_audit",
          [](SimHandle& h) {
            h.check_idle("ledger.audit");
            return h.sim->world().ledger.audit().problems;
          },
          "Runs the exact ledger audit; returns its problems (empty = consistent).")
      .def(
          "net_worth",
          [](SimHandle& h, const std::string& kind) {
            h.check_idle("ledger.net_worth");
            std::vector<Fen>& v = h.sim->world().ledger.net_worth(parse_kind(kind));
            py::array_t<std::int64_t> a({static_cast<py::ssize_t>(v.size())},
                                        {static_cast<py::ssize_t>(sizeof(Fen))}, v.data(),
                                        keep_alive(h.sim));
            a.attr("flags").attr("writeable") = false;
            return a;
          },
          py::arg("kind"),
          "Read-only zero-copy view of the net worth (fen) of every agent of a kind.");
}

}  // namespace pfsim::bindings
