#!/usr/bin/python3
"""Screenshots of the three lessons of docs/teaching.md at their key moments:
starts `pfsim serve` (the classroom_live economy as the lessons use it), opens
each lesson's link in headless chromium with `until=` the key date, and writes
docs/images/teaching-<lesson>.png. Needs chromium, chromium-driver and
python3-selenium (scripts/install-deps.sh).

Usage: scripts/teaching_screenshots.py [--build build]
"""
import argparse
import pathlib
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[1]
# lesson → (the query of its link in docs/teaching.md, the key date, projector)
LESSONS = {
    "fund-run": ("scenario=classroom_live&seed=1&s=fund_run@2019-09-16:redemption_share=0.5,days=2", "2019-10-20"),
    "bank-failure": ("scenario=classroom_cascade&seed=1&s=bank_failure@2019-09-25:bank=1", "2019-11-15"),
    "cofunding-ipo": ("scenario=classroom_live&seed=1&s=cofunding_floor@2019-09-16:share=0.3"
                      "&s=ipo_halt@2019-11-03", "2020-01-31"),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=str(ROOT / "build"))
    args = p.parse_args()
    server = subprocess.Popen([f"{args.build}/bin/pfsim", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1600,1000", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        url = server.stdout.readline().split()[2]
        out = ROOT / "docs" / "images"
        out.mkdir(exist_ok=True)
        for name, (query, key_date) in LESSONS.items():
            driver.get(f"{url}?{query}&until={key_date}")
            WebDriverWait(driver, 120, 0.2).until(lambda d: d.execute_script(
                "const s = window.pfsim.state; return s && s.date === arguments[0] && !s.running && "
                "s.days_done === window.pfsim.history.length", key_date))
            time.sleep(0.5)
            path = out / f"teaching-{name}.png"
            driver.save_screenshot(str(path))
            print(path.relative_to(ROOT))
    finally:
        driver.quit()
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
