"""Sessions of the teaching page: one engine per browser tab, stepping in its own
thread, and the knobs that turn into validated shocks.

Data flow: a tab creates a session (scenario + seed + the shocks of its link);
the session's worker thread steps the live run and its baseline (a fork taken
before any shock, so both share common random numbers and differ only from the
first shock on) and appends each new day to ``history``; the event stream of
the tab reads ``history`` from its own cursor. A knob is a shock dict given to
``Simulation.apply_shock`` — validated exactly like an event of a scenario
file, so a wrong value gets the CLI's message.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
import tempfile
import threading
import time
from typing import Any, Callable

# The knobs of the page: name → the shock it fires and the parameter its value
# sets. ``initial`` is the scenario key the knob starts from (None: no level
# to show). Kept here, not in the page, so the server checks what it fires.
KNOBS: dict[str, dict[str, Any]] = {
    "cofunding_share": {"label": "Co-funding share (platform's own stake)", "type": "cofunding_floor",
                        "param": "share", "initial": "platform.own_funding_share", "step": 0.01,
                        "unit": "share"},
    "data_sharing": {"label": "Data-sharing fraction", "type": "data_sharing_mandate",
                     "param": "shared_fraction", "initial": None, "value": 0.0, "step": 0.05,
                     "unit": "share"},
    "capital_requirement": {"label": "Bank capital requirement", "type": "bank_capital_rule",
                            "param": "minimum", "initial": "banks.capital_minimum", "step": 0.005,
                            "unit": "share"},
    "redemption_cap": {"label": "Fund instant-redemption cap", "type": "fund_rules",
                       "param": "instant_redemption_cap_yuan",
                       "initial": "fund.instant_redemption_cap_yuan", "step": 500, "unit": "RMB/day"},
    "policy_rate": {"label": "Policy rate", "type": "policy_rate", "param": "rate",
                    "initial": "central_bank.policy_rate", "step": 0.0025, "unit": "1/year"},
    "ipo_halt": {"label": "Halt the IPO", "type": "ipo_halt", "param": None, "initial": None},
    "fund_run": {"label": "Fund run: share redeemed", "type": "fund_run", "param": "redemption_share",
                 "initial": None, "value": 0.5, "step": 0.05, "unit": "share", "extra": {"days": 2}},
    "bank_failure": {"label": "Fail bank number", "type": "bank_failure", "param": "bank",
                     "initial": None, "value": 0, "step": 1, "unit": "index"},
}

# What the page draws (and the export test compares): chart → indicators.
CHARTS: dict[str, dict[str, Any]] = {
    "credit": {"title": "Credit by lender", "unit": "RMB bn", "scale": 1e-9,
               "series": ["platform_funded_balance", "colent_bank_funded_balance",
                          "bank_consumer_loan_balance", "bank_sme_loan_balance"]},
    "fund_assets": {"title": "Money-market fund assets", "unit": "RMB bn", "scale": 1e-9,
                    "series": ["fund_assets"]},
    "fund_redemptions": {"title": "Fund redemptions (asked, refused)", "unit": "RMB bn/day", "scale": 1e-9,
                         "series": ["fund_redemptions", "fund_redemptions_refused"]},
    "capital": {"title": "Bank capital ratios", "unit": "%", "scale": 100,
                "series": ["bank_capital_ratio", "bank_capital_ratio_p10", "bank_capital_ratio_min",
                           "policy_bank_capital_floor"]},
    "losses": {"title": "Failures and losses by channel (cumulative)", "unit": "RMB bn", "scale": 1e-9,
               "cumulative": True,
               "series": ["write_offs_bank", "write_offs_platform", "contagion_interbank_losses",
                          "fire_sale_losses", "bank_resolution_cost", "platform_resolution_losses"]},
    "failures": {"title": "Bank failures (cumulative)", "unit": "banks", "scale": 1, "cumulative": True,
                 "series": ["bank_failures"]},
    "consumption": {"title": "Consumption", "unit": "RMB bn/day", "scale": 1e-9,
                    "series": ["consumption"]},
}
SPEEDS = (1, 5, 20, 60, 365)  # days per second; 365 is "as fast as it goes"


class SessionError(Exception):
    """A request the page cannot have: ``status`` is the HTTP status, the
    message is for the teacher (shown on the page as it is)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def knob_shock(name: str, value: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The shock dict a knob fires, e.g. ``knob_shock("policy_rate", 0.02)`` →
    ``{"type": "policy_rate", "rate": 0.02}``. The value is passed on as given
    (a number, or text the engine rejects with its own message)."""
    if name not in KNOBS:
        raise SessionError(f"unknown knob {name!r} (knobs: {', '.join(KNOBS)})")
    knob = KNOBS[name]
    shock: dict[str, Any] = {"type": knob["type"]}
    if knob["param"] is not None:
        shock[knob["param"]] = _number(value)
    for key, default in knob.get("extra", {}).items():
        shock[key] = _number((extra or {}).get(key, default))
    return shock


def _number(value: Any) -> Any:
    """'0.3' → 0.3 and '2' → 2; anything else as it is (the engine's check words the error)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text
    return value


def failure_rounds(new: list[int], named: set[int], rounds: list[int],
                   claims_hit: list[list[Any]]) -> dict[int, int]:
    """The round each of the day's failed banks (``new``) fell in, where the
    day's figures pin it down. Round 0: the banks a shock named. A bank that
    fails in round r holds claims on banks of earlier rounds, so when exactly
    ``rounds[r]`` of the banks not yet placed hold such claims, those are
    round r's; otherwise the rest stay unplaced (the page says "a later
    round"). The last slot of ``rounds`` counts that round and all later ones."""
    placed = {i: 0 for i in new if i in named}
    if rounds[0] != len(placed):
        return placed  # a bank failed on its own losses today: round 0 is not only the shock's
    for r in range(1, len(rounds)):
        earlier = set(placed)
        exposed = {lender for lender, borrower, _ in claims_hit if borrower in earlier}
        last = r == len(rounds) - 1
        candidates = [i for i in new if i not in placed and (last or i in exposed)]
        if len(candidates) != rounds[r]:
            break
        placed.update({i: r for i in candidates})
    return placed


def _claims(network: Any) -> list[list[Any]]:
    """A network snapshot's interbank claims (source owes target) as
    ``[lender, borrower, RMB]``."""
    e = network.edges
    return [[int(t), int(s_), float(w)] for s_, t, w in zip(e.source, e.target, e.weight) if w > 0]


def _finite(value: Any) -> float | None:
    """A value for JSON: NaN and ±inf (an undefined ratio) become null."""
    x = float(value)
    return x if math.isfinite(x) else None


class Session:
    """One tab's engine: the live run, its baseline and the days drawn so far."""

    def __init__(self, pfsim: Any, scenario: Any, scenario_name: str, seed: int, threads: int,
                 shocks: list[dict[str, Any]]):
        self.id = secrets.token_urlsafe(12)
        self.scenario_name = scenario_name
        self.lock = threading.Lock()  # one thread uses the engines at a time
        self.changed = threading.Condition()  # notified when history/state change
        self.sim = pfsim.Simulation(scenario, seed=seed, threads=threads)
        self.baseline = self.sim.fork()  # before any shock: common random numbers
        self.seed = self.sim.seed
        self.running = False
        self.pending_days = 0  # Step day / Step month, done by the worker
        self.speed = 5
        self.closed = False
        self.listeners = 0
        self.thread: threading.Thread | None = None  # the worker, once started
        self.idle_since = time.monotonic()  # no event stream open since then
        self.shocks: list[dict[str, Any]] = []  # as applied, with their dates
        self.messages: list[str] = []
        self.history: list[dict[str, Any]] = []  # one entry per simulated day
        self.version = 0
        self.cascades: list[dict[str, Any]] = []  # one per day with bank failures
        self._failed: set[int] = set()
        names = [row["name"] for row in self.sim._core.recorded_indicators()]
        self._index = {n: i for i, n in enumerate(names)}
        self.indicators = [n for chart in CHARTS.values() for n in chart["series"] if n in self._index]
        self.scale = self.sim.scenario["run.scale"]
        self._static = self._static_info()
        for shock in shocks:
            self.apply(shock)
        self._observe()

    # -- what the page reads --

    def info(self) -> dict[str, Any]:
        """What the page needs once: scenario, calendar, knobs (at their
        scenario values), charts, bank tiers, and the current state."""
        return {**self._static, "date": self.observed["date"], "shocks": list(self.shocks)}

    def _static_info(self) -> dict[str, Any]:
        sc = self.sim.scenario
        knobs = {}
        for name, knob in KNOBS.items():
            knobs[name] = {k: knob.get(k) for k in ("label", "type", "param", "step", "unit", "extra")}
            knobs[name]["value"] = sc[knob["initial"]] if knob["initial"] else knob.get("value")
        return {
            "id": self.id, "scenario": self.scenario_name, "seed": self.seed,
            "start_date": self.sim.start_date.isoformat(), "end_date": self.sim.end_date.isoformat(),
            "knobs": knobs, "charts": CHARTS, "speeds": SPEEDS,
            "tiers": [t["name"] for t in sc["banks.tiers"]], "indicators": self.indicators,
        }

    def state(self) -> dict[str, Any]:
        """Everything but the days: date, controls, banks, events. Read from
        what the worker observed last (the engine refuses readers while it steps)."""
        return {**self.observed, "running": self.running, "speed": self.speed, "shocks": list(self.shocks)}

    def _observe(self) -> None:
        """Reads the engine (with the lock held, or before the worker starts)."""
        self.observed = {
            "date": self.sim.date.isoformat(), "days_done": self.sim.days_done,
            "days_remaining": self.sim.days_remaining, "banks": self._banks(), "events": self._events(),
            "cascades": list(self.cascades),
        }

    def _banks(self) -> dict[str, Any]:
        """Nodes (capital ratio against requirement, failed) and today's
        interbank claims, overnight plus term loans and NCDs, as
        ``[lender, borrower, RMB]`` edges."""
        b = self.sim.banks
        ratio = b.capital_ratio
        need = b.capital_requirement
        nodes = [{"id": i, "tier": int(b.tier[i]), "failed": int(b.failed[i]),
                  "capital_ratio": _finite(ratio[i]), "requirement": _finite(need[i]),
                  "equity_yuan": float(b.net_worth[i]) / 100 * self.scale}
                 for i in range(len(b))]
        return {"nodes": nodes, "edges": _claims(self.sim.networks["interbank"])}

    def _bank_named(self, shock: dict[str, Any]) -> int:
        """The bank a bank_failure shock names: ``bank``, or ``tier`` + ``index``."""
        if "bank" in shock:
            return int(shock["bank"])
        tiers = self.sim.scenario["banks.tiers"]
        names = [t["name"] for t in tiers]
        if shock.get("tier") not in names:
            return -1
        k = names.index(shock["tier"])
        return sum(int(t["count"]) for t in tiers[:k]) + int(shock.get("index", 0))

    def _record_failures(self) -> None:
        """After a day: if banks failed, notes the cascade — who failed in
        which round, and the interbank claims the day's clearing started from
        that pointed at them (what their creditors lost). Exact from the
        engine: round counts are the day's ``contagion_defaults_round_*``, the
        claims its ``interbank_clearing`` network."""
        failed = self.sim.banks.failed
        new = [int(i) for i in range(len(failed)) if failed[i] and i not in self._failed]
        if not new:
            return
        self._failed.update(new)
        day = int(self.sim._core.recorded_days()[-1])
        today = self.sim._core.recorded_series()[:, -1]

        def value(name: str) -> float:
            return float(today[self._index[name]]) if name in self._index else 0.0

        rounds = [int(value(f"contagion_defaults_round_{k}")) for k in range(3)]
        rounds.append(int(value("contagion_defaults_round_3_plus")))
        named = {self._bank_named(json.loads(e["parameters"])) for e in self.sim._core.events
                 if e["type"] == "bank_failure" and int(e["day"]) == day}
        nets = self.sim.networks
        today_failed = set(new)  # claims on banks that failed on earlier days were not lost today
        hit = [e for e in _claims(nets["interbank_clearing"]) if e[1] in today_failed] \
            if "interbank_clearing" in nets else []
        placed = failure_rounds(new, named, rounds, hit)
        # The cause, as far as the day's counts by cause say it.
        by_fire_sale = value("bank_failures_fire_sale") > 0
        by_interbank = value("bank_failures_interbank") > 0 or not by_fire_sale
        creditors_of_failed = {lender for lender, _, _ in hit}

        def cause(i: int) -> str:
            if i in named:
                return "shock"
            if by_interbank and i in creditors_of_failed:
                return "interbank or fire-sale losses" if by_fire_sale else "interbank losses"
            return "fire-sale losses" if by_fire_sale else "other losses"

        banks = [{"id": i, "round": placed.get(i), "cause": cause(i)} for i in new]
        start = self.sim.start_date
        self.cascades.append({
            "date": (start + dt.timedelta(days=day)).isoformat(), "banks": banks, "rounds": rounds,
            "interbank_losses_yuan": value("contagion_interbank_losses"),
            "fire_sale_losses_yuan": value("fire_sale_losses"), "claims_hit": hit,
        })

    def _events(self) -> list[dict[str, Any]]:
        start = self.sim.start_date
        return [{"date": (start + dt.timedelta(days=int(e["day"]))).isoformat(), "type": e["type"],
                 "parameters": e["parameters"], "condition": e["condition"]}
                for e in self.sim._core.events]

    # -- what the page does --

    def apply(self, shock: dict[str, Any]) -> dict[str, Any]:
        """Applies a shock to the live run (not the baseline); returns it with its date.
        Raises SessionError with the engine's message when it is refused."""
        import pfsim

        with self.lock:
            event = dict(shock)
            if "when" not in event:
                event.setdefault("date", self.sim.date.isoformat())
            try:
                self.sim.apply_shock(event)
            except (pfsim.ScenarioError, ValueError, TypeError) as err:
                raise SessionError(str(err)) from None
            self.shocks.append(event)
            if hasattr(self, "observed"):
                self.observed["events"] = self._events()
        self._notify()
        return event

    def control(self, action: str, days: int | None = None, speed: int | None = None) -> None:
        if speed is not None:
            if speed not in SPEEDS:
                raise SessionError(f"speed must be one of {', '.join(map(str, SPEEDS))} days per second")
            self.speed = speed
        if action == "run":
            self.running = True
        elif action == "pause":
            with self.changed:
                self.running, self.pending_days = False, 0
        elif action == "step":
            if not isinstance(days, int) or not 1 <= days <= 366:
                raise SessionError("step: days must be a whole number from 1 to 366")
            with self.changed:
                self.running = False
                self.pending_days += days
        elif action != "speed":
            raise SessionError(f"unknown action {action!r} (run, pause, step, speed)")
        self._notify()

    def export(self) -> str:
        """The session as a scenario file that ``pfsim run`` replays exactly.
        Self-contained (the resolved scenario and the shocks, no ``extends:``):
        the browser saves it wherever the user says, so no path could hold."""
        with self.lock, tempfile.TemporaryDirectory() as tmp:
            path = self.sim.interventions_as_scenario(os.path.join(tmp, "lesson.yaml"), self_contained=True)
            with open(path, encoding="utf-8") as f:
                return f.read()

    # -- the worker --

    def advance(self, days: int) -> int:
        """Steps the live run and the baseline ``days`` days (fewer at the end)
        and records the new days; returns how many were simulated."""
        with self.lock:
            days = min(days, self.sim.days_remaining)
            if days <= 0:
                return 0
            for _ in range(days):  # a day at a time, so that no failure day goes unseen
                self.sim.step(1)
                self.baseline.step(1)
                self._record_failures()
            live = self.sim._core.recorded_series()
            base = self.baseline._core.recorded_series()
            recorded = self.sim._core.recorded_days()
            start = self.sim.start_date
            for col in range(len(self.history), live.shape[1]):
                self.history.append({
                    "date": (start + dt.timedelta(days=int(recorded[col]))).isoformat(),
                    "live": [_finite(live[self._index[n], col]) for n in self.indicators],
                    "base": [_finite(base[self._index[n], col]) for n in self.indicators],
                })
            self._observe()
        self._notify()
        return days

    def work(self) -> None:
        """The worker thread: steps while running (at ``speed`` days per
        second) or while Step days are pending; exits when closed."""
        while not self.closed:
            if self.pending_days > 0:
                done = self.advance(min(self.pending_days, 30))
                with self.changed:
                    self.pending_days = 0 if done == 0 else max(0, self.pending_days - done)
                self._notify()
                continue
            if self.running:
                t0 = time.monotonic()
                chunk = max(1, self.speed // 10)
                if self.advance(chunk) == 0:
                    self.running = False
                    self._notify()
                    continue
                if self.speed < max(SPEEDS):
                    time.sleep(max(0.0, chunk / self.speed - (time.monotonic() - t0)))
                continue
            with self.changed:
                self.changed.wait(0.5)

    def _notify(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def close(self) -> None:
        self.closed = True
        self._notify()


def available_mb() -> float | None:
    """MemAvailable of /proc/meminfo in MB (None where there is none)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class SessionManager:
    """The sessions of one server: a limit on how many (and a floor of free
    memory, ``min_free_mb``), and the reaper that frees the engine of a tab
    that closed (no event stream for ``grace_s``)."""

    def __init__(self, pfsim: Any, load_scenario: Callable[[str], tuple[Any, str]], *,
                 max_sessions: int = 4, threads: int = 1, grace_s: float = 10.0,
                 min_free_mb: float = 512):
        self.pfsim = pfsim
        self.load_scenario = load_scenario
        self.max_sessions = max_sessions
        self.threads = threads
        self.grace_s = grace_s
        self.sessions: dict[str, Session] = {}
        self.reserved = 0  # sessions being built
        self.min_free_mb = min_free_mb
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="pfsim-reaper", daemon=True)
        self._reaper.start()

    def create(self, scenario: str | None, seed: Any, shocks: list[dict[str, Any]]) -> Session:
        with self.lock:
            if len(self.sessions) + self.reserved >= self.max_sessions:
                raise SessionError(
                    f"this server already runs {len(self.sessions) + self.reserved} sessions, its limit "
                    f"(pfsim serve --max-sessions {self.max_sessions}); each open tab of the page "
                    "holds one engine. Close another tab of the page (its engine is freed within "
                    f"{self.grace_s:g} s) and reload, or restart pfsim serve with a larger "
                    "--max-sessions if the machine has the memory.", status=503)
            free_mb = available_mb()
            if free_mb is not None and free_mb < self.min_free_mb:
                raise SessionError(
                    f"the machine has only {free_mb:.0f} MB of memory free (pfsim serve keeps "
                    f"{self.min_free_mb:g} MB free): close other tabs of the page or other programs, "
                    "or serve a smaller economy (pfsim serve --population N).", status=503)
            self.reserved += 1  # holds the place while the engine is built
        try:
            sc, name = self.load_scenario(scenario)
            if seed in (None, ""):
                seed = None
            else:
                try:
                    seed = int(seed)
                except (TypeError, ValueError):
                    raise SessionError(f"seed: expected a whole number from 0 to 2**53, found {seed!r}")
                if not 0 <= seed <= 2**53:
                    raise SessionError(f"seed: expected a whole number from 0 to 2**53, found {seed}")
            try:
                session = Session(self.pfsim, sc, name, seed, self.threads, [])
            except (self.pfsim.ScenarioError, ValueError) as err:
                raise SessionError(str(err)) from None
            for shock in shocks:
                session.apply(shock)
        finally:
            with self.lock:
                self.reserved -= 1
        with self.lock:
            self.sessions[session.id] = session
        session.thread = threading.Thread(target=session.work, name=f"pfsim-session-{session.id[:6]}",
                                          daemon=True)
        session.thread.start()
        return session

    def get(self, session_id: str) -> Session:
        with self.lock:
            session = self.sessions.get(session_id)
        if session is None:
            raise SessionError("this session has ended (its tab was closed or the server restarted): "
                               "reload the page to start a new one", status=404)
        return session

    def close(self, session_id: str) -> bool:
        with self.lock:
            session = self.sessions.pop(session_id, None)
        if session is None:
            return False
        session.close()
        return True

    def count(self) -> int:
        with self.lock:
            return len(self.sessions)

    def _reap(self) -> None:
        while not self._stop.wait(min(1.0, self.grace_s / 4)):
            now = time.monotonic()
            with self.lock:
                idle = [k for k, s in self.sessions.items()
                        if s.listeners == 0 and now - s.idle_since > self.grace_s]
            for k in idle:
                self.close(k)

    def shutdown(self) -> None:
        """Closes every session and waits for the workers to finish their
        chunk: the interpreter must not exit while an engine steps."""
        self._stop.set()
        with self.lock:
            sessions = list(self.sessions.values())
            self.sessions.clear()
        for session in sessions:
            session.close()
        for session in sessions:
            if session.thread is not None:
                session.thread.join(60)
