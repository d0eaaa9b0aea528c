"""Seams kept honest by reading the source: one home per live parameter, and
no shock type or parameter key named by string where shocks are applied."""
import re

from conftest import ROOT

SIM = ROOT / "sim"


def _live_parameters():
    """(Policy field, scenario path) for every parameter the table marks live."""
    text = (SIM / "scenario/parameters.cpp").read_text(encoding="utf-8")
    return re.findall(r'live\(\s*&Policy::(\w+),\s*number\(\s*"([\w.]+)"', text)


def _engine_sources():
    """Every C++ file that runs during a step or records it (not the loader, not construction)."""
    for folder in ("phases", "indicators", "run", "record", "engine", "contagion", "world"):
        for path in sorted((SIM / folder).rglob("*.[ch]pp")):
            if path.name != "build.cpp":  # construction starts the Policy from the scenario
                yield path


def test_the_table_marks_the_live_parameters():
    live = dict((path, field) for field, path in _live_parameters())
    assert live["platform.own_funding_share"] == "own_funding_share"
    assert live["central_bank.policy_rate"] == "policy_rate"
    assert len(live) >= 14


def test_phases_read_live_parameters_only_from_the_policy():
    paths = [path for _, path in _live_parameters()]
    pattern = re.compile(r"(?:\.|->)(" + "|".join(re.escape(p) for p in paths) + r")\b")
    found = []
    for source in _engine_sources():
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("//"):
                continue
            for m in pattern.finditer(line):
                found.append(f"{source.relative_to(ROOT)}:{number}: reads {m.group(1)} from the scenario")
    assert not found, "a live parameter is read from the frozen scenario (read w.policy instead):\n" + "\n".join(found)


def test_the_shock_mechanism_names_no_type_or_parameter_by_string():
    text = (SIM / "phases/shocks.cpp").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    assert not re.search(r'\.type\s*==|\.has\("|\.number\("|\.text\("', code)
    assert "switch (shock.kind)" in code and "default:" not in code
