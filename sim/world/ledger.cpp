#include "world/ledger.hpp"

#include "exec/parallel.hpp"

#include <algorithm>
#include <string>

namespace pfsim {

namespace {

std::string to_string(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string s;
  while (v != 0) {
    const int digit = static_cast<int>(v % 10);
    s.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
    v /= 10;
  }
  if (negative) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace

std::string_view flow_type_name(FlowType f) {
  static constexpr std::string_view names[] = {"financial",
                                               "endowment",
                                               "wages",
                                               "dividends",
                                               "consumption",
                                               "supplier_purchases",
                                               "operating_costs",
                                               "payment_fees",
                                               "interest_deposits",
                                               "interest_loans",
                                               "interest_reserves",
                                               "interest_bonds",
                                               "interest_central_bank",
                                               "fund_yield",
                                               "fund_fees",
                                               "tech_service_fees",
                                               "loan_losses",
                                               "capital_transfers",
                                               "social_transfers",
                                               "revaluations"};
  static_assert(std::size(names) == flow_type_count);
  return names[static_cast<std::size_t>(f)];
}

BookId Ledger::add_book(Book book) {
  if (books_.size() >= 0xffff) throw InternalError("ledger: too many books");
  if (book.overdraft == Overdraft::to_limit && book.limit.size() != book.balance.size())
    throw InternalError("ledger: book " + book.name + " needs a limit per row");
  books_.push_back(std::move(book));
  return static_cast<BookId>(books_.size() - 1);
}

BookId Ledger::find_book(const std::string& name) const {
  for (std::size_t i = 0; i < books_.size(); ++i)
    if (books_[i].name == name) return static_cast<BookId>(i);
  throw InternalError("ledger: no book named " + name);
}

void Ledger::post(Account a, Fen delta) {
  Fen& b = books_[a.book].balance[a.row];
  b = checked_add(b, delta);
}

void Ledger::post_net_worth(AgentKind k, std::uint32_t agent, Fen delta) {
  Fen& nw = net_worth_[index(k)][agent];
  nw = checked_add(nw, delta);
}

void Ledger::post_clearing(std::uint32_t bank, Fen delta) {
  post(Account{clearing_book, bank}, delta);
}

void Ledger::post_money(Fen delta) {
  if (delta >= 0)
    money_created_ += delta;
  else
    money_destroyed_ -= static_cast<Int128>(delta);
}

void Ledger::post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount) {
  auto& row = flows_[static_cast<std::size_t>(f)];
  row[index(payer)] -= amount;
  row[index(payee)] += amount;
}

void Ledger::add_flows(const FlowMatrix& m) {
  for (std::size_t f = 0; f < flow_type_count; ++f)
    for (std::size_t k = 0; k < agent_kind_count; ++k) flows_[f][k] += m[f][k];
}

bool Ledger::transfer(Account from, Account to, Fen amount, FlowType flow) {
  return ops::transfer(*this, from, to, amount, flow);
}

void Ledger::bank_pays(std::uint32_t bank, Account to, Fen amount, FlowType flow) {
  ops::bank_pays(*this, bank, to, amount, flow);
}

void Ledger::government_pays(Account to, Fen amount, FlowType flow) {
  // The government pays by issuing bonds to the deposit's bank, which credits
  // the deposit: new money backed by public debt.
  const Book& tb = books_[to.book];
  const std::uint32_t bank = tb.issuer.of(to.row);
  post(to, amount);
  post(Account{bank_bond_book, bank}, amount);
  if (tb.is_money()) post_money(amount);
  ops::income(*this, flow, AgentKind::government, 0, tb.holder_kind, tb.holder.of(to.row), amount);
}

void Ledger::interbank_lend(std::uint32_t row, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative interbank loan");
  if (amount == 0) return;
  const Book& ib = books_[interbank_book];
  const std::uint32_t lender = ib.holder.of(row), borrower = ib.issuer.of(row);
  if (books_[reserves_book].balance[lender] < amount)
    throw InternalError("ledger: interbank loan without the reserves");
  post(Account{reserves_book, lender}, -amount);
  post(Account{reserves_book, borrower}, amount);
  post(Account{interbank_book, row}, amount);
}

void Ledger::interbank_repay(std::uint32_t row, Fen principal, Fen interest) {
  if (principal < 0 || interest < 0 || balance(Account{interbank_book, row}) < principal)
    throw InternalError("ledger: impossible interbank repayment");
  const Book& ib = books_[interbank_book];
  const std::uint32_t lender = ib.holder.of(row), borrower = ib.issuer.of(row);
  post(Account{interbank_book, row}, -principal);
  const Fen paid = checked_add(principal, interest);
  post_clearing(borrower, -paid);
  post_clearing(lender, paid);
  ops::income(*this, FlowType::interest_loans, AgentKind::bank, borrower, AgentKind::bank, lender,
              interest);
}

void Ledger::term_interbank_lend(std::uint32_t row, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative term interbank loan");
  const Book& tb = books_[term_interbank_book];
  const std::uint32_t lender = tb.holder.of(row), borrower = tb.issuer.of(row);
  post(Account{term_interbank_book, row}, amount);
  post_clearing(lender, -amount);
  post_clearing(borrower, amount);
}

void Ledger::term_interbank_interest(std::uint32_t row, Fen interest) {
  if (interest < 0) throw InternalError("ledger: negative term interbank interest");
  const Book& tb = books_[term_interbank_book];
  const std::uint32_t lender = tb.holder.of(row), borrower = tb.issuer.of(row);
  post_clearing(borrower, -interest);
  post_clearing(lender, interest);
  ops::income(*this, FlowType::interest_loans, AgentKind::bank, borrower, AgentKind::bank, lender,
              interest);
}

void Ledger::investors_subscribe(std::uint32_t platform, Account platform_deposit, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative share issue");
  if (amount == 0) return;
  const Book& db = books_[platform_deposit.book];
  const std::uint32_t bank = db.issuer.of(platform_deposit.row);
  post(Account{platform_shares_book, platform}, amount);
  post(Account{cb_foreign_book, 0}, amount);
  post(Account{reserves_book, bank}, amount);
  post(platform_deposit, amount);
  post_money(amount);
}

void Ledger::government_receives(Account from, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative payment to the government");
  if (amount == 0) return;
  const Book& fb = books_[from.book];
  if (!fb.is_money() || balance(from) < amount)
    throw InternalError("ledger: payment to the government without the money");
  const std::uint32_t bank = fb.issuer.of(from.row);
  const Fen from_bank = std::min(amount, balance(Account{bank_bond_book, bank}));
  const Fen from_cb = amount - from_bank;
  if (balance(Account{cb_bond_book, 0}) < from_cb)
    throw InternalError("ledger: the government has too few bonds to retire");
  post(from, -amount);
  post(Account{bank_bond_book, bank}, -from_bank);
  post(Account{cb_bond_book, 0}, -from_cb);
  // The bank pays the central bank's share in reserves, borrowing what it lacks.
  const Fen from_reserves = std::min(from_cb, balance(Account{reserves_book, bank}));
  post(Account{reserves_book, bank}, -from_reserves);
  post(Account{cb_loan_book, bank}, from_cb - from_reserves);
  post_money(-amount);
  ops::income(*this, FlowType::capital_transfers, fb.holder_kind, fb.holder.of(from.row),
              AgentKind::government, 0, amount);
}

void Ledger::government_capitalises_bank(std::uint32_t bank, Fen amount) {
  post(Account{bank_bond_book, bank}, amount);
  ops::income(*this, FlowType::capital_transfers, AgentKind::government, 0, AgentKind::bank, bank,
              amount);
}

void Ledger::central_bank_buys_bonds(std::uint32_t bank, Fen amount) {
  if (books_[bank_bond_book].balance[bank] < amount)
    throw InternalError("ledger: bank sells bonds it does not hold");
  post(Account{bank_bond_book, bank}, -amount);
  post(Account{cb_bond_book, 0}, amount);
  post(Account{reserves_book, bank}, amount);
}

void Ledger::revalue_bonds(std::uint32_t bank, Fen delta) {
  if (delta == 0) return;
  if (checked_add(books_[bank_bond_book].balance[bank], delta) < 0)
    throw InternalError("ledger: bonds revalued below zero");
  post(Account{bank_bond_book, bank}, delta);
  if (delta > 0) {
    ops::income(*this, FlowType::revaluations, AgentKind::government, 0, AgentKind::bank, bank,
                delta);
  } else {
    ops::income(*this, FlowType::revaluations, AgentKind::bank, bank, AgentKind::government, 0,
                -delta);
  }
}

void Ledger::bank_repays_central_bank(std::uint32_t bank, Fen amount) {
  if (amount < 0 || books_[reserves_book].balance[bank] < amount ||
      books_[cb_loan_book].balance[bank] < amount)
    throw InternalError("ledger: impossible repayment to the central bank");
  post(Account{reserves_book, bank}, -amount);
  post(Account{cb_loan_book, bank}, -amount);
}

void Ledger::settle_clearing() {
  Book& clearing = books_[clearing_book];
  Book& reserves = books_[reserves_book];
  Book& cb_loans = books_[cb_loan_book];
  for (std::size_t bank = 0; bank < clearing.rows(); ++bank) {
    const Fen after = checked_add(reserves.balance[bank], clearing.balance[bank]);
    clearing.balance[bank] = 0;
    if (after >= 0) {
      reserves.balance[bank] = after;
    } else {
      // Overnight standing facility: the central bank lends the shortfall.
      reserves.balance[bank] = 0;
      cb_loans.balance[bank] = checked_sub(cb_loans.balance[bank], after);
    }
  }
}

Int128 Ledger::money_stock() const {
  Int128 total = 0;
  for (const Book& b : books_)
    if (b.is_money())
      total += exec::exact_sum(b.rows(), [&](std::size_t r) { return b.balance[r]; });
  return total;
}

// The audit reads every row of every book once, in parallel over fixed chunks
// of rows. Sums are exact integers, and each chunk's problems are kept in chunk
// order, so the report is the one a serial scan would write, for any thread count.
AuditReport Ledger::audit() const {
  AuditReport report;
  constexpr std::size_t max_problems = 20;
  auto problem = [&](std::string text) {
    if (report.problems.size() < max_problems) report.problems.push_back(std::move(text));
  };
  // Problems found by chunk, merged in chunk order.
  std::vector<std::vector<std::string>> found;
  auto note = [&](std::size_t chunk, std::string text) {
    if (found[chunk].size() < max_problems) found[chunk].push_back(std::move(text));
  };
  auto collect = [&] {
    for (std::vector<std::string>& list : found)
      for (std::string& text : list) problem(std::move(text));
  };
  // Balance sheets: assets − liabilities per agent, accumulated exactly.
  std::vector<std::vector<Int128>> financial(agent_kind_count);
  for (std::size_t k = 0; k < agent_kind_count; ++k) financial[k].assign(net_worth_[k].size(), 0);
  Int128 clearing_sum = 0;
  for (const Book& b : books_) {
    auto& holders = financial[static_cast<std::size_t>(b.holder_kind)];
    auto& issuers = financial[static_cast<std::size_t>(b.issuer_kind)];
    // A side whose owner is the row itself writes rows no other chunk writes; a
    // side with a fixed owner or an owner column is summed per chunk (into
    // per-owner partials) and added after the loop, in chunk order. A book whose
    // owner column names agents of a large kind is scanned serially instead
    // (partials that size per chunk would cost more than they save).
    const bool holder_by_row = b.holder.mode == RowOwner::Mode::row_index;
    const bool issuer_by_row = b.issuer.mode == RowOwner::Mode::row_index;
    constexpr std::size_t max_partial_owners = 1u << 16;
    const bool serial = (!holder_by_row && holders.size() > max_partial_owners) ||
                        (!issuer_by_row && issuers.size() > max_partial_owners);
    const std::size_t chunks = serial ? 1 : exec::chunk_count(b.rows());
    found.assign(chunks, {});
    std::vector<std::vector<Int128>> holder_part(holder_by_row ? 0 : chunks);
    std::vector<std::vector<Int128>> issuer_part(issuer_by_row ? 0 : chunks);
    auto scan = [&](std::size_t c, std::size_t begin, std::size_t end) {
      if (!holder_by_row) holder_part[c].assign(holders.size(), 0);
      if (!issuer_by_row) issuer_part[c].assign(issuers.size(), 0);
      for (std::size_t r = begin; r < end; ++r) {
        const Fen v = b.balance[r];
        if (!b.allows(r, v))
          note(c, "book " + b.name + " row " + std::to_string(r) +
                      " breaks its overdraft rule: " + std::to_string(v));
        const std::uint32_t h = b.holder.of(r), i = b.issuer.of(r);
        if (h >= holders.size() || i >= issuers.size()) {
          note(c, "book " + b.name + " row " + std::to_string(r) +
                      " names an agent that does not exist");
          continue;
        }
        (holder_by_row ? holders : holder_part[c])[h] += v;
        (issuer_by_row ? issuers : issuer_part[c])[i] -= v;
      }
    };
    if (serial)
      scan(0, 0, b.rows());
    else
      exec::for_each_chunk(b.rows(), scan);
    collect();
    for (const std::vector<Int128>& part : holder_part)
      for (std::size_t a = 0; a < part.size(); ++a) holders[a] += part[a];
    for (const std::vector<Int128>& part : issuer_part)
      for (std::size_t a = 0; a < part.size(); ++a) issuers[a] += part[a];
    if (b.instrument == Instrument::clearing)
      for (const Fen v : b.balance) clearing_sum += v;
  }
  Int128 net_worth_sum = 0;
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    const std::vector<Fen>& net_worth = net_worth_[k];
    found.assign(exec::chunk_count(net_worth.size()), {});
    net_worth_sum += exec::exact_sum(net_worth.size(), [&](std::size_t a) {
      if (financial[k][a] != net_worth[a])
        note(a / exec::chunk_size,
             std::string(agent_kind_name(static_cast<AgentKind>(k))) + " " + std::to_string(a) +
                 ": assets − liabilities = " + to_string(financial[k][a]) +
                 " fen but net worth = " + std::to_string(net_worth[a]) + " fen");
      return net_worth[a];
    });
    collect();
  }
  if (clearing_sum != 0)
    problem("clearing positions sum to " + to_string(clearing_sum) + " fen, not 0");
  const Int128 money = money_stock();
  const Int128 expected = money_created_ - money_destroyed_;
  if (money != expected)
    problem("money stock " + to_string(money) +
            " fen ≠ created − destroyed = " + to_string(expected) + " fen");
  if (net_worth_sum != 0) problem("net worth sums to " + to_string(net_worth_sum) + " fen, not 0");
  for (std::size_t f = 0; f < flow_type_count; ++f) {
    Int128 row = 0;
    for (const Int128 v : flows_[f]) row += v;
    if (row != 0)
      problem("flow row " + std::string(flow_type_name(static_cast<FlowType>(f))) + " sums to " +
              to_string(row));
  }
  return report;
}

// --- Journal ------------------------------------------------------------------

void Journal::reset(Ledger& ledger, AgentKind kind, std::size_t begin, std::size_t end) {
  ledger_ = &ledger;
  kind_ = kind;
  begin_ = begin;
  end_ = end;
  postings_.clear();
  net_worth_postings_.clear();
  clearing_.assign(ledger.agent_count(AgentKind::bank), 0);
  money_delta_ = 0;
  if (has_flows_) flows_ = FlowMatrix{};
  has_flows_ = false;
}

void Journal::throw_not_owned(const Book& b, std::uint32_t row) {
  throw InternalError("journal: reading " + b.name + " row " + std::to_string(row) +
                      ", which another chunk may be writing");
}

void Journal::post_net_worth(AgentKind k, std::uint32_t agent, Fen delta) {
  if (k == kind_ && agent >= begin_ && agent < end_) {
    Fen& nw = ledger_->net_worth(k)[agent];
    nw = checked_add(nw, delta);
  } else {
    net_worth_postings_.push_back(NetWorthPosting{k, agent, delta});
  }
}

void Journal::post_clearing(std::uint32_t bank, Fen delta) {
  clearing_[bank] = checked_add(clearing_[bank], delta);
}

void Journal::post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount) {
  auto& row = flows_[static_cast<std::size_t>(f)];
  row[static_cast<std::size_t>(payer)] -= amount;
  row[static_cast<std::size_t>(payee)] += amount;
  has_flows_ = true;
}

void merge(Ledger& ledger, const Journal& j) {
  if (j.ledger_ == nullptr) return;  // a chunk that never ran
  for (const Journal::Posting& p : j.postings_) ledger.post(p.account, p.delta);
  for (const Journal::NetWorthPosting& p : j.net_worth_postings_)
    ledger.post_net_worth(p.kind, p.agent, p.delta);
  for (std::size_t bank = 0; bank < j.clearing_.size(); ++bank)
    if (j.clearing_[bank] != 0)
      ledger.post_clearing(static_cast<std::uint32_t>(bank), j.clearing_[bank]);
  ledger.post_money(j.money_delta_);
  if (j.has_flows_) ledger.add_flows(j.flows_);
}

}  // namespace pfsim
