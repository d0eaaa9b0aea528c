"""The scenario schema and scenario files through the CLI:

- `pfsim schema --json` is a valid JSON Schema (draft 2020-12) that accepts the
  baseline and a scenario using every shock type, and rejects misspelt keys;
- docs/scenarios.md is exactly `pfsim schema` (regenerate it when this fails);
- every file in tests/scenario/malformed/ makes `pfsim run` exit with code 2,
  print exactly the expected messages and write no results file;
- `pfsim resolve` output resolves to itself; `pfsim validate` checks the names
  in trigger conditions against the indicator table.
"""
import json
import pathlib
import re

import jsonschema
import pytest
import yaml

from conftest import ROOT, run_pfsim

MALFORMED = ROOT / "tests" / "scenario" / "malformed"


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1: dates become datetime objects and "2.3e11" a string.
    Scenario files are read as YAML 1.2 by pfsim, so match that here."""


_Yaml12Loader.yaml_implicit_resolvers = {
    ch: [r for r in rs if r[0] != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


def _load_yaml(path):
    return yaml.load(pathlib.Path(path).read_text(encoding="utf-8"), Loader=_Yaml12Loader)


@pytest.fixture(scope="module")
def validator(pfsim_exe):
    schema = json.loads(run_pfsim("schema", "--json").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_schema_accepts_the_baseline(validator):
    validator.validate(_load_yaml(ROOT / "scenarios" / "baseline.yaml"))


def test_json_schema_accepts_every_shock_type(validator):
    validator.validate(_load_yaml(ROOT / "tests" / "fuzz" / "corpus" / "events.yaml"))


def test_json_schema_accepts_a_disabled_event_without_date_or_type(validator):
    # `extends` a base file and remove its event by id: what the loader accepts.
    validator.validate({"extends": "baseline.yaml", "events": [{"id": "halt", "enabled": False}]})
    validator.validate({"events": [{"date": "2020-01-02", "type": "policy_rate", "rate": 0.03, "enabled": True}]})


@pytest.mark.parametrize(
    "doc",
    [
        {"events": [{"id": "halt", "enabled": True}]},
        {"consumers": {"cuont": 5}},
        {"run": {"days": 0}},
        {"events": [{"date": "2020-01-02", "type": "polcy_rate", "rate": 0.03}]},
        {"events": [{"date": "2020-01-02", "type": "policy_rate"}]},
        {"events": [{"date": "2020-01-02", "type": "policy_rate", "rate": 0.03, "rat": 1}]},
        {"events": [{"type": "ipo_halt"}]},
        {"events": [{"date": "2020-01-02", "when": "step > 1", "type": "ipo_halt"}]},
        {"events": [{"date": "2020-01-02", "type": "loan_size_cap"}]},
        {"events": [{"date": "2020-01-02", "type": "antitrust_fine", "yuan": 1e9, "phase_in_days": 3}]},
    ],
)
def test_json_schema_rejects_mistakes(validator, doc):
    assert list(validator.iter_errors(doc)), doc


def test_docs_scenarios_md_is_generated(pfsim_exe):
    generated = run_pfsim("schema").stdout
    committed = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/scenarios.md is stale: run `build/bin/pfsim schema > docs/scenarios.md`"


@pytest.mark.parametrize("case", sorted(p.stem for p in MALFORMED.glob("*.yaml")))
def test_malformed_file_exit_code_messages_and_no_results(pfsim_exe, tmp_path, case):
    out = tmp_path / "out.h5"
    args = ["run", f"{case}.yaml", "--out", out, "--steps", 1]
    set_file = MALFORMED / f"{case}.set"
    if set_file.exists():
        for line in set_file.read_text().splitlines():
            if line:
                args += ["--set", line]
    proc = run_pfsim(*args, check=False, cwd=MALFORMED)
    assert proc.returncode == 2, proc.stderr
    expected = (MALFORMED / f"{case}.expected").read_text(encoding="utf-8").splitlines()
    assert proc.stderr.splitlines() == ["error: " + line for line in expected]
    assert not out.exists()
    assert not out.with_name("out.h5.partial").exists()


def test_resolve_is_a_fixed_point(pfsim_exe, tmp_path):
    first = run_pfsim("resolve", ROOT / "tests" / "fuzz" / "corpus" / "events.yaml").stdout
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(first)
    assert run_pfsim("resolve", resolved).stdout == first
    assert "extends" not in first


def test_resolve_applies_extends_and_set(pfsim_exe, tmp_path):
    (tmp_path / "base.yaml").write_text("run: {name: base, days: 30}\nconsumers: {count: 5000}\n")
    (tmp_path / "shock.yaml").write_text(
        "extends: base.yaml\nrun: {name: shock}\nevents:\n  - {date: 2019-01-10, type: policy_rate, rate: 0.03}\n")
    text = run_pfsim("resolve", tmp_path / "shock.yaml", "--set", "consumers.count=6000").stdout
    doc = yaml.load(text, Loader=_Yaml12Loader)
    assert doc["run"]["name"] == "shock" and doc["run"]["days"] == 30
    assert doc["consumers"]["count"] == 6000
    assert doc["events"] == [{"date": "2019-01-10", "type": "policy_rate", "rate": 0.03, "phase_in_days": 0}]


def test_validate_checks_names_in_conditions(pfsim_exe, tmp_path):
    scenario = tmp_path / "trigger.yaml"
    scenario.write_text('events:\n  - when: "consumer_dpd90_ration > 0.02"\n    type: policy_rate\n    rate: 0.03\n')
    proc = run_pfsim("validate", scenario, check=False)
    assert proc.returncode == 2
    assert (f"error: {scenario}:2:12: events[0].when: unknown indicator 'consumer_dpd90_ration' in the condition "
            "(did you mean 'consumer_dpd90_ratio'?)") in proc.stderr
    scenario.write_text('events:\n  - {when: "consumer_dpd90_ratio > 0.02 and step > 30", type: policy_rate, rate: 0.03}\n')
    assert "1 event" in run_pfsim("validate", scenario).stdout
