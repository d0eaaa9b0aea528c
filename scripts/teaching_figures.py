#!/usr/bin/python3
"""The figures quoted in the three lessons of docs/teaching.md, measured on the
runs their links make: the page's own session (teaching.sessions.Session: the
live run and its baseline fork, stepped a day at a time, the cascade by round),
without a server or a browser. Rerun it after a change to the model's
behaviour and rewrite the lessons' numbers from what it prints (the
screenshots: scripts/teaching_screenshots.py).

A "date" below is what the page's Date box shows: the next day to simulate, so
the figures "on 18 September" are those of the last simulated day, 17 September.

Usage: PYTHONPATH=build/python:. scripts/teaching_figures.py [--seed 1] [--lesson 1|2|3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pfsim  # noqa: E402
from teaching.sessions import Session, knob_shock  # noqa: E402

BN = 1e-9


def shock(text: str) -> dict:
    """A link's ``type@date:key=value,...`` as the page sends it."""
    head, _, params = text.partition(":")
    kind, _, date = head.partition("@")
    out: dict = {"type": kind, "date": date}
    for pair in filter(None, params.split(",")):
        key, _, value = pair.partition("=")
        out[key] = float(value) if "." in value else int(value)
    return out


class Lesson:
    """One tab of the page: scenario, seed and the link's shocks."""

    def __init__(self, scenario: str, seed: int, shocks: list[dict]):
        sc = pfsim.Scenario(str(ROOT / "scenarios" / f"{scenario}.yaml"))
        self.s = Session(pfsim, sc, scenario, seed, 1, shocks)
        names = [row["name"] for row in self.s.sim._core.recorded_indicators()]
        self.index = {n: i for i, n in enumerate(names)}

    def until(self, date: str) -> "Lesson":
        """Steps until the page's Date shows ``date``."""
        target = dt.date.fromisoformat(date)
        days = (target - self.s.sim.date).days
        if days > 0:
            self.s.advance(days)
        assert self.s.sim.date == target, (self.s.sim.date, target)
        return self

    def apply(self, sh: dict) -> None:
        self.s.apply(sh)

    def _series(self, sim, name: str):
        return sim._core.recorded_series()[self.index[name]]

    def _col(self, sim, day: str) -> int:
        d = (dt.date.fromisoformat(day) - sim.start_date).days
        days = list(sim._core.recorded_days())
        return days.index(d)

    def live(self, name: str, day: str) -> float:
        """The indicator on simulated day ``day`` (ISO), live run."""
        return float(self._series(self.s.sim, name)[self._col(self.s.sim, day)])

    def base(self, name: str, day: str) -> float:
        return float(self._series(self.s.baseline, name)[self._col(self.s.baseline, day)])

    def sum_live(self, name: str, first: str, last: str) -> float:
        a, b = self._col(self.s.sim, first), self._col(self.s.sim, last)
        return float(self._series(self.s.sim, name)[a:b + 1].sum())

    def sum_base(self, name: str, first: str, last: str) -> float:
        a, b = self._col(self.s.baseline, first), self._col(self.s.baseline, last)
        return float(self._series(self.s.baseline, name)[a:b + 1].sum())


def both(lesson: Lesson, name: str, day: str, scale: float = BN) -> str:
    return f"{lesson.live(name, day) * scale:,.1f} (baseline {lesson.base(name, day) * scale:,.1f})"


def lesson1(seed: int) -> None:
    print("== Lesson 1: fund run (classroom_live, fund_run@2019-09-16 0.5 over 2 days)")
    run = shock("fund_run@2019-09-16:redemption_share=0.5,days=2")
    a = Lesson("classroom_live", seed, [run]).until("2019-09-18")
    print("fund assets 15 Sep (before):", both(a, "fund_assets", "2019-09-15"))
    for d in ("2019-09-16", "2019-09-17"):
        print(f"redemptions {d}: {a.live('fund_redemptions', d) * BN:,.1f} bn, refused "
              f"{a.live('fund_redemptions_refused', d) * BN:,.1f}")
    d = "2019-09-17"
    print("fund assets (date 18 Sep):", both(a, "fund_assets", d))
    for name in ("consumer_deposits", "reserves", "bank_reserves", "central_bank_lending",
                 "central_bank_loans", "bank_capital_ratio", "bank_capital_ratio_min"):
        if name in a.index:
            scale = 100 if "ratio" in name else BN
            print(f"{name} (date 18 Sep):", both(a, name, d, scale),
                  f"diff {(a.live(name, d) - a.base(name, d)) * scale:,.2f}")
    a.until("2019-10-01")
    for name in ("bank_reserves", "central_bank_lending"):
        print(f"{name} (date 1 Oct):", both(a, name, "2019-09-30"))
    live, base, scale = a.s.sim.banks, a.s.baseline.banks, a.s.scale / 100 * BN  # fen per agent -> RMB bn
    tier = np.asarray(live.tier)
    for col in ("reserves", "central_bank_loans", "fund_placements"):
        diff = (np.asarray(getattr(live, col)) - np.asarray(getattr(base, col))) * scale
        print(f"  {col} against the baseline by tier (date 1 Oct):",
              ", ".join(f"tier {k} {diff[tier == k].sum():+,.1f} bn" for k in range(int(tier.max()) + 1)))
    a.until("2019-10-20")
    print("fund assets (date 20 Oct, screenshot):", both(a, "fund_assets", "2019-10-19"))
    # Step 4: Restart, step to 2019-09-15, cap 500, step a day, then the run.
    b = Lesson("classroom_live", seed, []).until("2019-09-15")
    b.apply(knob_shock("redemption_cap", 500))
    b.until("2019-09-16")
    b.apply(knob_shock("fund_run", 0.5, {"days": 2}))
    b.until("2019-09-18")
    print("with cap 500: redemptions paid 16-17 Sep", f"{b.sum_live('fund_redemptions', '2019-09-16', d) * BN:,.1f}",
          "refused", f"{b.sum_live('fund_redemptions_refused', '2019-09-16', d) * BN:,.1f}",
          "; fund assets (date 18 Sep):", both(b, "fund_assets", d))


def lesson2(seed: int) -> None:
    print("== Lesson 2: bank 1 fails (classroom_cascade, bank_failure@2019-09-25 bank=1)")
    a = Lesson("classroom_cascade", seed, [shock("bank_failure@2019-09-25:bank=1")]).until("2019-09-25")
    bk = a.s.sim.banks
    print("tiers of banks:", [int(t) for t in bk.tier])
    before = {n["id"]: n for n in a.s._banks()["nodes"]}
    a.until("2019-09-26")
    f = "2019-09-25"
    after = {n["id"]: n for n in a.s._banks()["nodes"]}
    lost: dict[int, dict[int, float]] = {}
    for lender, borrower, w in a.s.cascades[0]["claims_hit"] if a.s.cascades else []:
        lost.setdefault(lender, {}).setdefault(borrower, 0.0)
        lost[lender][borrower] += w
    for lender, by in sorted(lost.items(), key=lambda kv: -sum(kv[1].values()))[:12]:
        b, n = before[lender], after[lender]
        ratio = "failed" if n["failed"] else f"{n['capital_ratio'] * 100:.2f}%"
        print(f"  creditor {lender} (tier {b['tier']}): lost {sum(by.values()) * BN:,.1f} bn "
              f"({', '.join(f'on {k} {v * BN:,.1f}' for k, v in sorted(by.items()))}); equity before "
              f"{b['equity_yuan'] * BN:,.1f} bn, capital ratio {b['capital_ratio'] * 100:.2f}% -> {ratio}")
    for c in a.s.cascades:
        print("cascade", c["date"], "rounds", c["rounds"], "banks", c["banks"],
              f"interbank losses {c['interbank_losses_yuan'] * BN:,.1f} bn, fire-sale losses "
              f"{c['fire_sale_losses_yuan'] * BN:,.1f} bn")
    print("fire-sale volume", f"{a.live('fire_sale_volume', f) * BN:,.1f} bn" if "fire_sale_volume" in a.index else "-")
    p0, p1 = a.live("bond_price_index", "2019-09-24"), a.live("bond_price_index", f)
    print(f"bond price index {p0:.4f} -> {p1:.4f} ({(p1 / p0 - 1) * 100:+.2f}%)")
    print("weakest bank's capital ratio 24 Sep -> 25 Sep:",
          f"{a.live('bank_capital_ratio_min', '2019-09-24') * 100:.2f}% -> "
          f"{a.live('bank_capital_ratio_min', f) * 100:.2f}%")
    print("bank failures on the day:", a.live("bank_failures", f))
    print("resolution cost on the day:", f"{a.live('bank_resolution_cost', f) * BN:,.1f} bn")
    a.until("2019-11-15")
    m = "2019-11-14"
    below = [n["id"] for n in a.s._banks()["nodes"] if not n["failed"] and n["capital_ratio"] < n["requirement"]]
    print("surviving banks below their requirement after the cascade:",
          [i for i, n in after.items() if not n["failed"] and n["capital_ratio"] < n["requirement"]],
          "; date 15 Nov:", below)
    print("resolution cost to date 15 Nov:", f"{a.sum_live('bank_resolution_cost', '2019-09-25', m) * BN:,.1f} bn")
    for name in ("bank_consumer_loan_balance", "interbank_loans", "interbank_term_loans", "bank_sme_loan_balance"):
        if name in a.index:
            print(f"{name} (date 15 Nov):", both(a, name, m))
    a.until(a.s.sim.end_date.isoformat())
    last = (a.s.sim.end_date - dt.timedelta(days=1)).isoformat()
    for c in a.s.cascades[1:]:
        print("later failure", c["date"], "banks", c["banks"])
    print("failures to the end:", a.sum_live("bank_failures", "2019-01-01", last),
          "resolution cost to the end", f"{a.sum_live('bank_resolution_cost', '2019-01-01', last) * BN:,.1f} bn")
    # The same failure in classroom_live.
    b = Lesson("classroom_live", seed, [shock("bank_failure@2019-09-25:bank=1")]).until("2019-09-26")
    print("classroom_live: failures on the day", b.live("bank_failures", f), "interbank losses",
          f"{b.live('contagion_interbank_losses', f) * BN:,.1f} bn", "fire-sale losses",
          f"{b.live('fire_sale_losses', f) * BN:,.1f} bn", "resolution cost",
          f"{b.live('bank_resolution_cost', f) * BN:,.1f} bn")
    b.until("2019-11-15")
    print("classroom_live: resolution cost to date 15 Nov",
          f"{b.sum_live('bank_resolution_cost', '2019-09-25', m) * BN:,.1f} bn",
          "failures", b.sum_live("bank_failures", "2019-09-25", m))
    b.until(b.s.sim.end_date.isoformat())
    for c in b.s.cascades[1:]:
        print("classroom_live: later failure", c["date"], "banks", c["banks"],
              f"interbank losses {c['interbank_losses_yuan'] * BN:,.1f} bn")
    # The capital requirement knob: Restart (first day), 0.08 -> 0.11, three weeks on.
    for start in ("2019-01-01", "2019-09-16"):
        c = Lesson("classroom_cascade", seed, []).until(start)
        c.apply(knob_shock("capital_requirement", 0.11))
        later = (dt.date.fromisoformat(start) + dt.timedelta(days=21)).isoformat()
        c.until(later)
        nodes = c.s._banks()["nodes"]
        alive = [n for n in nodes if not n["failed"]]
        below = sum(1 for n in alive if n["capital_ratio"] < n["requirement"])
        near = sum(1 for n in alive if n["capital_ratio"] < 1.25 * n["requirement"])
        failures = c.sum_live("bank_failures", start, (c.s.sim.date - dt.timedelta(days=1)).isoformat())
        print(f"capital requirement 0.11 from {start}, date {later}: {below} of {len(alive)} below, "
              f"{near} within 1.25x; failures {failures}")
        c0 = Lesson("classroom_cascade", seed, []).until(later)
        r = [n["capital_ratio"] / n["requirement"] for n in c0.s._banks()["nodes"] if not n["failed"]]
        ratios = [n["capital_ratio"] for n in c0.s._banks()["nodes"] if not n["failed"]]
        print(f"   without the change: {sum(x < 1 for x in r)} below, {sum(x < 1.25 for x in r)} within 1.25x; "
              f"mean capital ratio {sum(ratios) / len(ratios) * 100:.1f}%")


def lesson3(seed: int) -> None:
    print("== Lesson 3: co-funding 0.3 on 2019-09-16, IPO halted 2019-11-03 (classroom_live)")
    a = Lesson("classroom_live", seed, [shock("cofunding_floor@2019-09-16:share=0.3"),
                                        shock("ipo_halt@2019-11-03")]).until("2019-09-16")
    d = "2019-09-15"
    pf, co = a.live("platform_funded_balance", d), a.live("colent_bank_funded_balance", d)
    print(f"mid-Sep (date 16 Sep): platform own {pf * BN:,.1f} bn, co-lent bank {co * BN:,.1f} bn, "
          f"own share {pf / (pf + co) * 100:.1f}%; leverage {a.live('platform_leverage', d):.2f}; "
          f"consumer credit {a.live('consumer_credit_balance', d) * BN:,.1f}")
    a.until("2020-01-31")
    e = "2020-01-30"
    for name in ("platform_funded_balance", "colent_bank_funded_balance", "consumer_credit_balance",
                 "bank_consumer_loan_balance", "platform_equity", "fund_assets"):
        print(f"{name} (date 31 Jan):", both(a, name, e))
    print("platform_leverage (date 31 Jan):", both(a, "platform_leverage", e, 1))
    pf, co = a.live("platform_funded_balance", e), a.live("colent_bank_funded_balance", e)
    print(f"own share (date 31 Jan) {pf / (pf + co) * 100:.1f}%")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lesson", type=int, choices=(1, 2, 3))
    args = p.parse_args()
    for k, f in ((1, lesson1), (2, lesson2), (3, lesson3)):
        if args.lesson in (None, k):
            f(args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
