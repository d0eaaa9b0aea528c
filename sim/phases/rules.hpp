// The behavioural rules as small pure functions, so each can be unit-tested
// (tests/phases/test_rules.cpp) and documented once (docs/model.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/money.hpp"

namespace pfsim::rules {

[[nodiscard]] inline double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
[[nodiscard]] inline double logit(double p) {
  const double q = std::clamp(p, 1e-12, 1.0 - 1e-12);
  return std::log(q / (1.0 - q));
}

// Monthly probability of a default event from an annual probability and a
// stress multiplier: 1 − (1 − min(1, m·p))^(1/12).
[[nodiscard]] inline double monthly_hazard(double annual_pd, double multiplier) {
  const double p = std::clamp(annual_pd * multiplier, 0.0, 1.0);
  return 1.0 - std::pow(1.0 - p, 1.0 / 12.0);
}

// σ of the platform's logit-PD signal: σ0 / √(1 + d / d0). It sharpens with
// the payment data d the platform has seen.
[[nodiscard]] inline double platform_signal_sigma(double sigma0, double payments,
                                                  double half_saturation) {
  return sigma0 / std::sqrt(1.0 + payments / half_saturation);
}

// A lender's estimate of a borrower's PD: logit(p̂) = logit(p) + σ·z.
[[nodiscard]] inline double signal_pd(double true_pd, double sigma, double z) {
  return logistic(logit(true_pd) + sigma * z);
}

// Break-even annual rate: funding cost + expected loss + margin; nullopt when it
// exceeds the legal cap (the loan is refused).
[[nodiscard]] inline std::optional<double> loan_rate(double funding_cost, double pd_estimate,
                                                     double lgd, double margin, double cap) {
  const double rate = funding_cost + pd_estimate * lgd + margin;
  if (rate > cap) return std::nullopt;
  return rate;
}

// Annual cost to a firm, per yuan of its need, of meeting the need `need` with
// a loan of `amount` at `annual_rate` plus a one-off non-price cost
// (fen) spread over the loan's term. A loan larger than the need (a bank's
// minimum size) costs interest on the idle excess too: firm deposits pay
// nothing in the model. So a fixed cost and a minimum size make bank credit
// dear for the smallest firms and cheap for larger ones.
[[nodiscard]] inline double cost_per_yuan_needed(double annual_rate, Fen amount, Fen need,
                                                 double one_off_cost_fen,
                                                 std::int64_t term_months) {
  if (need <= 0) return annual_rate;
  const double years = static_cast<double>(std::max<std::int64_t>(term_months, 1)) / 12.0;
  return (annual_rate * static_cast<double>(amount) + one_off_cost_fen / years) /
         static_cast<double>(need);
}

// Equal monthly instalment of a loan (annuity), fen.
[[nodiscard]] inline Fen annuity_payment(Fen principal, double annual_rate, std::int64_t months) {
  if (months <= 0) return principal;
  const double r = annual_rate / 12.0;
  const double p = static_cast<double>(principal);
  const double pay = r > 1e-12 ? p * r / (1.0 - std::pow(1.0 + r, -static_cast<double>(months)))
                               : p / static_cast<double>(months);
  return static_cast<Fen>(std::ceil(pay));
}

// Target share of liquid wealth kept in the money-market fund.
[[nodiscard]] inline double fund_target_share(double share_max, double intercept,
                                              double sensitivity_per_pp, double yield_spread,
                                              double confidence) {
  return share_max * confidence * logistic(intercept + sensitivity_per_pp * 100.0 * yield_spread);
}

// Capital ratio = equity / risk-weighted assets (a large number when RWA = 0).
[[nodiscard]] inline double capital_ratio(double equity, double risk_weighted_assets) {
  return risk_weighted_assets > 0 ? equity / risk_weighted_assets : 1e9;
}

// The interest part of `balance` for one month, fen (truncated).
[[nodiscard]] inline Fen monthly_interest(Fen balance, double annual_rate) {
  return apply_rate(balance, annual_rate / 12.0);
}

}  // namespace pfsim::rules
