"""scripts/teaching_figures.py, which re-measures the lessons' figures of
docs/teaching.md, still runs against today's bindings and session (lesson 3,
the shortest: about 3 s at the classroom size)."""
import os
import subprocess
import sys

from conftest import PYDIR, ROOT, require_pfsim

require_pfsim()


def test_the_lesson_figures_script_prints_lesson_3():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PYDIR), str(ROOT)]))
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "teaching_figures.py"), "--lesson", "3"],
                         env=env, capture_output=True, text=True, timeout=300, check=True).stdout
    assert "== Lesson 3" in out
    assert "platform_funded_balance (date 31 Jan)" in out and "own share (date 31 Jan)" in out
