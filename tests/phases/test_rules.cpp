// phases/rules: each behavioural rule on its own.
#include <doctest/doctest.h>

#include <cmath>

#include "phases/rules.hpp"

using namespace pfsim;
using namespace pfsim::rules;

TEST_CASE("monthly hazard compounds to the annual probability") {
  const double h = monthly_hazard(0.12, 1.0);
  CHECK(1.0 - std::pow(1.0 - h, 12.0) == doctest::Approx(0.12));
  CHECK(monthly_hazard(0.05, 3.0) > monthly_hazard(0.05, 1.0));  // stress raises it
  CHECK(monthly_hazard(0.5, 4.0) == doctest::Approx(1.0));       // capped at certainty
  CHECK(monthly_hazard(0.0, 10.0) == 0.0);
}

TEST_CASE("the platform's signal sharpens with payment data") {
  CHECK(platform_signal_sigma(1.2, 0, 100) == doctest::Approx(1.2));
  CHECK(platform_signal_sigma(1.2, 100, 100) == doctest::Approx(1.2 / std::sqrt(2.0)));
  CHECK(platform_signal_sigma(1.2, 10000, 100) < 0.15);
}

TEST_CASE("a signal is the true PD shifted in logit space") {
  CHECK(signal_pd(0.05, 1.0, 0.0) == doctest::Approx(0.05));
  CHECK(signal_pd(0.05, 1.0, 1.0) > 0.05);
  CHECK(signal_pd(0.05, 1.0, -1.0) < 0.05);
  CHECK(logit(logistic(0.3)) == doctest::Approx(0.3));
}

TEST_CASE("loan pricing: funding + expected loss + margin, refused above the cap") {
  CHECK(*loan_rate(0.04, 0.05, 0.8, 0.06, 0.24) == doctest::Approx(0.14));
  CHECK_FALSE(loan_rate(0.04, 0.30, 0.8, 0.06, 0.24).has_value());  // 0.34 > cap: refused
  CHECK(loan_rate(-0.05, 0.0, 0.8, 0.0, 0.24).has_value());         // a negative rate is a rate
}

TEST_CASE("annuity instalments repay principal and interest over the term") {
  const Fen principal = 1'000'000;  // RMB 10,000
  const Fen pay = annuity_payment(principal, 0.12, 12);
  double balance = static_cast<double>(principal);
  for (int m = 0; m < 12; ++m) balance = balance * 1.01 - static_cast<double>(pay);
  CHECK(std::fabs(balance) < 20.0);  // within rounding (ceil to the fen)
  CHECK(annuity_payment(1200, 0.0, 12) == 100);
}

TEST_CASE("fund share rises with the yield spread and falls with confidence") {
  const double base = fund_target_share(0.5, -0.9, 0.8, 0.005, 1.0);
  CHECK(fund_target_share(0.5, -0.9, 0.8, 0.015, 1.0) > base);
  CHECK(fund_target_share(0.5, -0.9, 0.8, 0.005, 0.5) == doctest::Approx(base / 2));
  CHECK(fund_target_share(0.5, 20, 0.8, 0.005, 1.0) <= 0.5);
}

TEST_CASE("capital ratio and monthly interest") {
  CHECK(capital_ratio(15, 100) == doctest::Approx(0.15));
  CHECK(capital_ratio(15, 0) > 1e8);
  CHECK(monthly_interest(1'200'000, 0.12) == 12'000);
}
