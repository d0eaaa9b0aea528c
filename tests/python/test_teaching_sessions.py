"""The teaching server's sessions (teaching/, pfsim serve): the session limit
and its message, a closed tab freeing its engine, knob values checked by the
engine with the CLI's message, and an exported session replaying exactly.
Small economies (300 consumer agents), a few seconds in all."""
import gc
import http.client
import json
import threading
import time
import weakref

import h5py
import numpy as np
import pytest

from conftest import ROOT, run_pfsim, require_pfsim

pfsim = require_pfsim()
from teaching.server import TeachingServer  # noqa: E402  (needs the bindings on sys.path)
from teaching.sessions import SessionError, SessionManager, knob_shock  # noqa: E402

SCENARIO = ROOT / "scenarios" / "classroom_live.yaml"
POPULATION = 300


def load(name):
    if name not in (None, "classroom_live"):
        raise SessionError(f"scenario {name!r} is not served here (served: classroom_live)")
    sc = pfsim.Scenario(str(SCENARIO))
    sc.set_population(POPULATION)
    return sc, "classroom_live"


@pytest.fixture
def manager():
    m = SessionManager(pfsim, load, max_sessions=2, threads=1, grace_s=60)
    yield m
    m.shutdown()


@pytest.fixture
def server():
    """A server on a free port of 127.0.0.1, in a thread; always shut down."""
    # a long grace, so a slow machine does not reap sessions under a test's feet;
    # the tests of the reaper shorten it
    sessions = SessionManager(pfsim, load, max_sessions=2, threads=1, grace_s=60)
    srv = TeachingServer(("127.0.0.1", 0), sessions, {"classroom_live": SCENARIO}, "classroom_live")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.stopping = True
    sessions.shutdown()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def request(srv, method, path, body=None):
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=30)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        return res.status, json.loads(res.read() or b"{}")
    finally:
        conn.close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_session_limit_is_a_clear_message_and_a_closed_session_makes_room(manager):
    first = manager.create(None, 1, [])
    manager.create(None, 2, [])
    with pytest.raises(SessionError) as err:
        manager.create(None, 3, [])
    assert err.value.status == 503
    message = str(err.value)
    assert "already runs 2 sessions" in message and "--max-sessions 2" in message
    assert "Close another tab" in message
    assert manager.close(first.id)
    assert manager.create(None, 3, []).seed == 3


def test_a_machine_short_of_memory_refuses_new_sessions(manager):
    from teaching.sessions import available_mb

    free = available_mb()
    assert free is not None and free > 0
    manager.min_free_mb = free * 10  # pretend the machine is nearly full
    with pytest.raises(SessionError) as err:
        manager.create(None, 1, [])
    assert err.value.status == 503 and "MB of memory free" in str(err.value)
    assert "--population" in str(err.value) and manager.count() == 0


def test_a_tab_that_closes_frees_its_engine(server):
    status, info = request(server, "POST", "/api/sessions", {"seed": 1})
    assert status == 201
    session = server.sessions.get(info["id"])
    engine = weakref.ref(session.sim)
    # the tab's event stream: open, read the first state, then the tab goes away
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.request("GET", f"/api/sessions/{info['id']}/stream")
    res = conn.getresponse()
    assert res.status == 200 and res.getheader("Content-Type") == "text/event-stream"
    assert res.fp.readline().startswith(b"event: state")
    assert session.listeners == 1
    server.sessions.grace_s = 0.4
    time.sleep(1.5)  # longer than the grace: an open stream keeps the session
    assert server.sessions.count() == 1
    conn.close()
    del session, res
    assert wait_for(lambda: server.sessions.count() == 0), "the session outlived its closed tab"
    assert wait_for(lambda: (gc.collect(), engine() is None)[1]), "the engine was not freed"
    status, body = request(server, "GET", f"/api/sessions/{info['id']}/info")
    assert status == 404 and "reload the page" in body["error"]


def test_a_session_whose_tab_never_connected_is_freed_too(server):
    server.sessions.grace_s = 0.4
    status, info = request(server, "POST", "/api/sessions", {"seed": 1})
    assert status == 201
    assert wait_for(lambda: server.sessions.count() == 0)


def test_the_close_beacon_frees_at_once_and_the_limit_answers_503(server):
    ids = [request(server, "POST", "/api/sessions", {"seed": s})[1]["id"] for s in (1, 2)]
    status, body = request(server, "POST", "/api/sessions", {"seed": 3})
    assert status == 503 and "--max-sessions 2" in body["error"]
    assert request(server, "POST", f"/api/sessions/{ids[0]}/close", {}) == (200, {"closed": True})
    assert server.sessions.count() == 1
    assert request(server, "POST", "/api/sessions", {"seed": 3})[0] == 201


def test_a_wrong_knob_value_gets_the_message_pfsim_validate_gives(server, tmp_path):
    _, info = request(server, "POST", "/api/sessions", {"seed": 1})
    status, body = request(server, "POST", f"/api/sessions/{info['id']}/shock",
                           {"knob": "cofunding_share", "value": "1.5"})
    assert status == 400
    # the same event in a scenario file, checked by the CLI
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIO}\nevents:\n  - date: 2019-02-01\n    type: cofunding_floor\n"
                   "    share: 1.5\n", encoding="utf-8")
    proc = run_pfsim("validate", bad, check=False)
    assert proc.returncode == 2
    detail = body["error"].split(": ", 1)[1]
    assert detail == "value 1.5 is out of range: expected a number between 0 and 1 (share)"
    assert detail in proc.stderr
    assert body["error"].startswith("shock['share']")
    # nothing was applied
    assert request(server, "GET", f"/api/sessions/{info['id']}/info")[1]["shocks"] == []


def test_knobs_fire_the_documented_shocks_and_bad_requests_are_named():
    assert knob_shock("cofunding_share", "0.3") == {"type": "cofunding_floor", "share": 0.3}
    assert knob_shock("bank_failure", "7") == {"type": "bank_failure", "bank": 7}
    assert knob_shock("fund_run", 0.5, {"days": "3"}) == {"type": "fund_run", "redemption_share": 0.5, "days": 3}
    assert knob_shock("ipo_halt", None) == {"type": "ipo_halt"}
    with pytest.raises(SessionError, match="unknown knob 'cofunding'"):
        knob_shock("cofunding", 0.3)
    types = set(pfsim.shock_types().index.get_level_values(0))
    from teaching.sessions import KNOBS

    assert {k["type"] for k in KNOBS.values()} <= types


def test_bad_scenario_seed_and_step_are_refused_with_messages(server):
    status, body = request(server, "POST", "/api/sessions", {"scenario": "nope", "seed": 1})
    assert status == 400 and "'nope' is not served here" in body["error"]
    status, body = request(server, "POST", "/api/sessions", {"seed": "x"})
    assert status == 400 and "seed: expected a whole number" in body["error"]
    status, body = request(server, "POST", "/api/sessions",
                           {"seed": 1, "shocks": [{"type": "policy_rate", "rate": 9, "date": "2019-02-01"}]})
    assert status == 400 and "rate" in body["error"] and "out of range" in body["error"]
    assert server.sessions.count() == 0  # a refused session holds no engine
    _, info = request(server, "POST", "/api/sessions", {"seed": 1})
    status, body = request(server, "POST", f"/api/sessions/{info['id']}/control", {"action": "step", "days": 0})
    assert status == 400 and "days must be a whole number" in body["error"]


def test_an_exported_session_replays_exactly_with_pfsim_run(manager, tmp_path):
    # shocks from a link (future dates) and from knobs during the run
    s = manager.create(None, 5, [{"type": "fund_run", "redemption_share": 0.4, "days": 2, "date": "2019-01-20"}])
    s.control("step", days=15)
    assert wait_for(lambda: s.observed["days_done"] == 15)
    s.apply(knob_shock("policy_rate", 0.02))
    s.apply(knob_shock("bank_failure", 4))
    s.control("step", days=20)
    assert wait_for(lambda: s.observed["days_done"] == 35)
    lesson = tmp_path / "lesson.yaml"
    text = s.export()
    assert "extends" not in text  # self-contained: a download may be saved anywhere
    lesson.write_text(text, encoding="utf-8")
    out = tmp_path / "replay.h5"
    run_pfsim("run", lesson, "--steps", 35, "--out", out, "--quiet", "--threads", 2)
    with h5py.File(out, "r") as f:
        for k, name in enumerate(s.indicators):
            replayed = f["timeseries"][name][()]
            shown = np.array([day["live"][k] for day in s.history], dtype=float)
            np.testing.assert_array_equal(replayed, shown, err_msg=name)
        assert sorted(f["events"]["type"].asstr()[()]) == ["bank_failure", "fund_run", "policy_rate"]
    # the baseline has none of it: equal to the live run until the first shock
    # (2019-01-16, day 15), then without the failure and the fund run
    base = np.array([day["base"] for day in s.history], dtype=float)
    live = np.array([day["live"] for day in s.history], dtype=float)
    np.testing.assert_array_equal(base[:15], live[:15])
    failures, redemptions = s.indicators.index("bank_failures"), s.indicators.index("fund_redemptions")
    assert live[15, failures] >= 1 and base[15, failures] == 0
    assert live[19, redemptions] > 2 * base[19, redemptions]


def test_pfsim_serve_refuses_a_wrong_scenario_or_a_busy_port_with_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIO}\nconsumers:\n  count: -1\n", encoding="utf-8")
    validate = run_pfsim("validate", bad, check=False)
    serve = run_pfsim("serve", bad, "--port", 0, check=False, timeout=60)
    assert validate.returncode == serve.returncode == 2
    assert serve.stderr == validate.stderr  # the CLI's message, word for word
    assert "consumers.count: value -1 is out of range" in serve.stderr
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_pfsim("serve", "--port", port, "--population", POPULATION, check=False, timeout=60)
    assert proc.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Choose another --port" in proc.stderr


def test_sigterm_to_pfsim_serve_stops_its_server(tmp_path):
    import subprocess
    import urllib.error
    import urllib.request

    from conftest import PFSIM

    proc = subprocess.Popen([str(PFSIM), "serve", "--port", "0", "--population", str(POPULATION)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert line and line[0].startswith("pfsim serve: http://127.0.0.1:"), line
        url = line[0].split()[2]
        with urllib.request.urlopen(url + "api/config", timeout=10) as res:
            assert "cofunding_share" in json.loads(res.read())["knobs"]
        proc.terminate()  # SIGTERM to the C++ pfsim, which passes it to the Python server
        assert proc.wait(30) == 0
        with pytest.raises(urllib.error.URLError):  # nobody is left listening
            urllib.request.urlopen(url + "api/config", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_the_bank_view_notes_the_cascade_round_by_round_and_the_claims_lost():
    # classroom_cascade at its classroom size: failing bank 1 takes
    # joint-stock banks with it (lesson 2 of docs/teaching.md)
    from teaching.sessions import Session

    sc = pfsim.Scenario(str(ROOT / "scenarios" / "classroom_cascade.yaml"))
    s = Session(pfsim, sc, "classroom_cascade", 1, 1,
                [{"type": "bank_failure", "tier": "state", "index": 1, "date": "2019-01-10"}])
    assert s.observed["cascades"] == []
    s.advance(12)
    (c,) = s.observed["cascades"]
    failed = [int(i) for i in np.flatnonzero(s.sim.banks.failed)]
    assert c["date"] == "2019-01-10" and sorted(b["id"] for b in c["banks"]) == failed
    assert c["rounds"][0] == 1 and sum(c["rounds"]) == len(failed) >= 3, "a visible cascade"
    by_id = {b["id"]: b for b in c["banks"]}
    assert by_id[1] == {"id": 1, "round": 0, "cause": "shock"}
    others = [b for i, b in by_id.items() if i != 1]
    assert all(b["cause"] == "interbank losses" for b in others)
    # a bank is named in a round only where the day's claims pin it down, and
    # never more than the engine counted in that round; with one contagion
    # round every bank is placed (failure_rounds, tested below)
    assert all(b["round"] in (1, 2, 3, None) for b in others)
    for r in (1, 2, 3):
        assert sum(b["round"] == r for b in others) <= c["rounds"][r]
    if sum(c["rounds"][2:]) == 0:
        assert all(b["round"] == 1 for b in others)
    # the red lines: every claim on a failed bank, from the day's clearing
    # network; with interbank.lgd 1 they add up to the day's interbank losses
    assert c["claims_hit"] and all(borrower in failed for _, borrower, _ in c["claims_hit"])
    assert sum(w for _, _, w in c["claims_hit"]) == pytest.approx(c["interbank_losses_yuan"], rel=1e-9)
    # today's claims (overnight and term) are the page's grey lines: hundreds, term ones included
    assert len(s.observed["banks"]["edges"]) > 100
    # the baseline saw none of it
    assert not s.baseline.banks.failed.any()


def test_failure_rounds_are_placed_only_where_the_day_pins_them_down():
    from teaching.sessions import failure_rounds

    # 0 fails (the shock); 1 and 2 hold claims on 0; 3 holds a claim on 1 only
    claims = [[1, 0, 5.0], [2, 0, 4.0], [3, 1, 2.0]]
    assert failure_rounds([0, 1, 2, 3], {0}, [1, 2, 1, 0], claims) == {0: 0, 1: 1, 2: 1, 3: 2}
    # 3 also holds a claim on 0: two rounds of 1 each cannot say which of 1, 2, 3 fell first
    claims2 = claims + [[3, 0, 1.0]]
    assert failure_rounds([0, 1, 2, 3], {0}, [1, 2, 1, 0], claims2) == {0: 0}
    # a bank that failed on its own losses too: round 0 is not the shock's alone
    assert failure_rounds([0, 1], {0}, [2, 0, 0, 0], []) == {0: 0}
    # the last slot counts round 3 and later
    chain = [[1, 0, 1.0], [2, 1, 1.0], [3, 2, 1.0], [4, 3, 1.0]]
    assert failure_rounds([0, 1, 2, 3, 4], {0}, [1, 1, 1, 2], chain) == {0: 0, 1: 1, 2: 2, 3: 3, 4: 3}
