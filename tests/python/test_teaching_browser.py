"""The teaching page in a real browser (Debian's chromium, headless, driven by
selenium through chromium-driver): load the page, run 60 days, move a knob (a
wrong value shows the engine's message), fail a bank by clicking it, see the
date, charts and event log update; export the session and replay it with
`pfsim run`, equal to what the page showed; open the page's link again and get
the same run. The server runs with 500 consumer agents and is always stopped.
About 15 s."""
import shutil
import subprocess
import threading
import urllib.request

import h5py
import numpy as np
import pytest

from conftest import PFSIM, missing, require_module, require_pfsim, run_pfsim

require_pfsim()
webdriver = require_module("selenium.webdriver")
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    missing("the browser test needs Debian's chromium and chromium-driver (scripts/install-deps.sh installs them)")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SERVER_START_S = 30


@pytest.fixture(scope="module")
def server_url():
    """`pfsim serve` on a free port: its URL; stopped (and killed if need be) afterwards."""
    proc = subprocess.Popen([str(PFSIM), "serve", "--port", "0", "--population", "500", "--grace", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(SERVER_START_S)
    try:
        if not line or "http://" not in line[0]:
            proc.kill()
            raise AssertionError(f"pfsim serve did not print its URL within {SERVER_START_S} s: "
                                 f"{line} {proc.stderr.read()}")
        url = line[0].split()[2]
        assert url.startswith("http://127.0.0.1:"), "pfsim serve must bind to localhost by default"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1100"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def by_testid(driver, testid):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def until(driver, predicate, what, timeout=30):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: predicate(d), message=what)


def page_days(driver):
    return driver.execute_script("return window.pfsim.history.length")


def settled(driver):
    """Waits until the page shows every day the engine has simulated and it is paused."""
    until(driver, lambda d: d.execute_script(
        "const s = window.pfsim.state; return s && !s.running && s.days_done === window.pfsim.history.length"),
        "the page to show every simulated day")
    return page_days(driver)


def test_a_lesson_in_the_browser_and_its_replay(server_url, browser, tmp_path):
    d = browser
    d.get(server_url)
    until(d, lambda d: by_testid(d, "date").text == "2019-01-01", "the date of a new session")
    for testid in ("run", "pause", "step-day", "step-month", "export", "knob-cofunding_share",
                   "knob-data_sharing", "knob-capital_requirement", "knob-redemption_cap", "knob-policy_rate",
                   "knob-ipo_halt", "knob-fund_run", "knob-bank_failure", "bank-0", "bank-47"):
        assert by_testid(d, testid).is_displayed(), testid

    # run 60 days
    by_testid(d, "speed").send_keys("60")
    by_testid(d, "run").click()
    until(d, lambda d: d.execute_script("return window.pfsim.state.days_done") >= 60, "60 days run")
    by_testid(d, "pause").click()
    days = settled(d)
    assert days >= 60
    shown_date = by_testid(d, "date").text
    assert shown_date == d.execute_script("return window.pfsim.state.date")
    assert np.datetime64(shown_date) == np.datetime64("2019-01-01") + days
    chart = by_testid(d, "chart-credit")
    assert chart.get_attribute("data-days") == str(days)
    points = chart.find_element(By.CSS_SELECTOR, "polyline.live").get_attribute("points").split()
    assert len(points) == days

    # a knob with a wrong value: the engine's message, nothing fired
    knob = by_testid(d, "knob-policy_rate")
    knob.send_keys(Keys.CONTROL, "a")
    knob.send_keys("9", Keys.TAB)
    until(d, lambda d: "out of range" in by_testid(d, "message").text, "the message for a wrong value")
    assert "shock['rate']: value 9 is out of range" in by_testid(d, "message").text
    # ... and a right one: the co-funding rule fires on the date shown
    knob = by_testid(d, "knob-cofunding_share")
    knob.send_keys(Keys.CONTROL, "a")
    knob.send_keys("0.3", Keys.TAB)
    until(d, lambda d: f"cofunding_floor fires on {shown_date}" in by_testid(d, "message").text, "the knob")

    # fail a bank by clicking it in the network
    by_testid(d, "bank-5").click()
    until(d, lambda d: "bank_failure fires" in by_testid(d, "message").text, "the bank failure")
    by_testid(d, "step-day").click()
    until(d, lambda d: by_testid(d, "date").text == str(np.datetime64(shown_date) + 1), "the date to move")
    by_testid(d, "step-month").click()
    until(d, lambda d: by_testid(d, "date").text > str(np.datetime64(shown_date) + 20), "a month")
    days = settled(d)
    assert by_testid(d, "bank-5").get_attribute("data-failed") == "1"
    assert by_testid(d, "bank-5").get_attribute("data-round") == "0"  # failed by the shock
    cascade = by_testid(d, "cascade").text
    assert shown_date in cascade and "round 0: 1 bank (5)" in cascade, cascade
    log = [li.get_attribute("data-type") for li in d.find_elements(By.CSS_SELECTOR, '[data-testid="event-log"] li')]
    assert "bank_failure" in log and "cofunding_floor" in log
    failures = by_testid(d, "chart-failures").find_element(By.CSS_SELECTOR, "polyline.live").get_attribute("points")
    assert len(failures.split()) == days
    history = d.execute_script("return window.pfsim.history")
    names = d.execute_script("return window.pfsim.info.indicators")
    live = np.array([day["live"] for day in history], dtype=float)  # null (an undefined ratio) → NaN
    base = np.array([day["base"] for day in history], dtype=float)
    k = names.index("bank_failures")
    assert live[:, k].sum() >= base[:, k].sum() + 1, "the failure appears in the page's data"
    own = names.index("policy_own_funding_share") if "policy_own_funding_share" in names else None
    assert own is None or live[-1, own] == pytest.approx(0.3)
    assert by_testid(d, "chart-capital").find_elements(By.CSS_SELECTOR, "g.event-marker")

    # export, and replay with pfsim run: equal to what the page showed
    href = by_testid(d, "export").get_attribute("href")
    lesson = tmp_path / "lesson.yaml"
    with urllib.request.urlopen(href, timeout=30) as res:
        assert "attachment" in res.headers["Content-Disposition"]
        lesson.write_bytes(res.read())
    assert "extends" not in lesson.read_text()  # self-contained: it replays wherever it is saved
    out = tmp_path / "replay.h5"
    run_pfsim("run", lesson, "--steps", days, "--out", out, "--quiet", "--threads", 2)  # the file says the size
    with h5py.File(out, "r") as f:
        for j, name in enumerate(names):
            np.testing.assert_array_equal(f["timeseries"][name][()], live[:, j], err_msg=name)

    # the page's link reproduces the lesson: same scenario, seed and shocks on their dates
    link = d.current_url
    assert "seed=1" in link and "cofunding_floor" in link and "bank_failure" in link
    d.get(link + f"&until={str(np.datetime64('2019-01-01') + days)}")
    until(d, lambda d: d.execute_script("return window.pfsim.state && window.pfsim.state.days_done") == days,
          "the link to reopen the lesson")
    settled(d)
    again = np.array([day["live"] for day in d.execute_script("return window.pfsim.history")], dtype=float)
    np.testing.assert_array_equal(again, live)
