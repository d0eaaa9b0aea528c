"""Every code block of README.md and docs/*.md runs (issue 17).

- ```python blocks run in order, one interpreter per document (later blocks
  use the names of earlier ones), with Debian's Python, the bindings and the
  analysis package importable and matplotlib's Agg backend;
- ```sh blocks run line by line with bash; `pfsim` and `build/bin/pfsim` are
  the built CLI, wrapped so that `pfsim run` without --population runs 2,000
  consumer agents (the same economy, fewer agents: a documented command runs
  in seconds);
- ```yaml blocks that are whole scenarios pass `pfsim validate` (a block whose
  first line is a comment naming a path, like `# scenarios/shocks/x.yaml`, is
  written there first, any other in scenarios/).

Each document runs in its own folder holding a copy of scenarios/, a results/
folder and the small files its examples read (results files of short runs
under the names the examples use, and the placeholder files my.yaml, s.yaml,
network.json). A block preceded by `<!-- docs-test: skip: REASON -->` is not
run: builds and the test suite itself, and fragments that are not whole
scenarios. ```text blocks (synopses with placeholders) and unlabelled blocks
(output, file trees) are not code.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, PYDIR, ROOT, missing, run_pfsim

DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
SKIP = re.compile(r"<!-- docs-test: skip: (.+?) -->\s*$")
POPULATION = 2000


def blocks(path):
    """(language, code, line, skip reason or None) of each top-level fenced block."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        out.append((m.group(1), m.group(2), text[: m.start()].count("\n") + 1, skip.group(1) if skip else None))
    return out


def _wrapper(real):
    return f"""#!/bin/sh
# docs test: `pfsim run` without --population runs {POPULATION} consumer agents (same economy)
if [ "$1" = run ]; then
  case " $* " in *" --population "*) exec "{real}" "$@" ;; esac
  exec "{real}" "$@" --population {POPULATION}
fi
exec "{real}" "$@"
"""


@pytest.fixture(scope="module")
def prepared(pfsim_exe, tmp_path_factory):
    """Small results files under the names the examples read."""
    if not any((PYDIR / "pfsim").glob("_core*.so")):
        missing(f"the pfsim Python module is not built in {PYDIR}")
    folder = tmp_path_factory.mktemp("docs-results")
    base = ["--population", POPULATION, "--threads", 2, "-q"]
    files = {}

    def run(name, scenario, *args):
        out = folder / name
        run_pfsim("run", ROOT / "scenarios" / scenario, "--out", out, *base, *args)
        files[name] = out

    run("baseline.h5", "baseline.yaml", "--steps", 120, "--seed", 1)
    run("shock.h5", "baseline.yaml", "--steps", 120, "--seed", 1, "--set", "platform.own_funding_share=0.3",
        "--set", "run.name=cofunding30")
    run("base_s2.h5", "baseline.yaml", "--steps", 120, "--seed", 2)
    run("shock_s2.h5", "baseline.yaml", "--steps", 120, "--seed", 2, "--set", "platform.own_funding_share=0.3",
        "--set", "run.name=cofunding30")
    run("out.h5", "classroom_bank_failure.yaml", "--steps", 300)
    aliases = {"a.h5": "baseline.h5", "b.h5": "shock.h5", "base_s1.h5": "baseline.h5", "shock_s1.h5": "shock.h5", "results/baseline.h5": "baseline.h5",
               "results/shock.h5": "shock.h5"}
    return files, aliases


def _world(doc, tmp_path, prepared):
    files, aliases = prepared
    world = tmp_path / "world"
    shutil.copytree(ROOT / "scenarios", world / "scenarios")
    (world / "results").mkdir()
    (world / "analysis").symlink_to(ROOT / "analysis")
    (world / "examples").symlink_to(ROOT / "examples")
    (world / "build" / "bin").mkdir(parents=True)
    (world / "build" / "python").symlink_to(PYDIR)
    for where in (world / "build" / "bin" / "pfsim", world / "bin" / "pfsim"):
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text(_wrapper(BUILD / "bin" / "pfsim"))
        where.chmod(0o755)
    # files the document writes itself are not prepared (a run must not meet its own output)
    text = doc.read_text(encoding="utf-8")
    written = set(re.findall(r"(?:--out|-o)\s+(\S+)", text))
    for name, src in list(files.items()) + [(a, files[t]) for a, t in aliases.items()]:
        if name not in written:
            (world / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, world / name)
    small = "extends: scenarios/baseline.yaml\nrun: {days: 30}\n"
    (world / "my.yaml").write_text(small)
    (world / "my_scenario.yaml").write_text(small)
    (world / "s.yaml").write_text(small + "events:\n  - {date: 2019-01-20, type: policy_rate, rate: 0.04}\n")
    (world / "network.json").write_text('{"liabilities": [[0, 10, 0], [0, 0, 10], [4, 0, 0]], '
                                        '"external_assets": [2, 3, 1]}\n')
    env = dict(os.environ)
    env["PATH"] = f"{world / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = os.pathsep.join([str(PYDIR), str(ROOT)])
    env["MPLBACKEND"] = "Agg"
    env["PFSIM_BUILD_DIR"] = str(BUILD)
    env.pop("PFSIM_PYTHON", None)
    return world, env


def test_every_block_is_run_or_skipped_with_a_reason():
    counts = {"python": 0, "sh": 0, "yaml": 0}
    for doc in DOCS:
        for lang, code, line, skip in blocks(doc):
            if lang in counts and not skip:
                counts[lang] += 1
            if skip is not None:
                assert len(skip) > 10, f"{doc.name}:{line}: say why the block is not run"
    assert counts["python"] >= 15 and counts["sh"] >= 6 and counts["yaml"] >= 3, counts


@pytest.mark.parametrize("doc", [d for d in DOCS if any(b[0] in ("python", "sh", "yaml") for b in blocks(d))],
                         ids=lambda d: d.name)
def test_code_blocks_run(doc, tmp_path, prepared):
    world, env = _world(doc, tmp_path, prepared)
    script = ["import sys", "__block = None"]
    for lang, code, line, skip in blocks(doc):
        if skip is not None:
            continue
        where = f"{doc.relative_to(ROOT)}:{line}"
        if lang == "sh":
            proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=world, env=env,
                                  capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, f"{where}: sh block failed ({proc.returncode}):\n{code}\n{proc.stderr}"
        elif lang == "yaml":
            first = code.splitlines()[0]
            named = re.match(r"#\s*(\S+\.yaml)\s*$", first)
            target = world / (named.group(1) if named else "scenarios/block.yaml")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code)
            proc = run_pfsim("validate", target, check=False, cwd=target.parent)
            assert proc.returncode == 0, f"{where}: yaml block is not a valid scenario:\n{code}\n{proc.stderr}"
        elif lang == "python":
            script.append(f"__block = {where!r}")
            script.append(code)
    if len(script) > 2:
        runner = world / "blocks.py"
        runner.write_text("\n".join(script) + "\n")
        proc = subprocess.run(["/usr/bin/python3", str(runner)], cwd=world, env=env, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, f"{doc.name}: a python block failed:\n{proc.stderr[-4000:]}"
