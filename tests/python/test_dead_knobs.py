"""Every scenario parameter and every shock field is read by the model.

A knob that the schema accepts but no rule reads is a trap: a user changes it
and nothing happens. This test reads the sources: each parameter's struct
member (PFSIM_FIELD in sim/scenario/parameters.cpp) must be used somewhere in
the engine outside sim/scenario/, and each shock field declared in
sim/scenario/shock_types.cpp must be read by sim/phases/shocks.cpp.
"""
import re

from conftest import ROOT

SIM = ROOT / "sim"
# Parameters read only by the scenario layer itself, with the reason.
SCENARIO_ONLY = {
    "run.name": "a label written to the results metadata by the run layer",
    "run.start_date": "the calendar origin (World::today)",
}


def _engine_sources():
    text = []
    for path in SIM.rglob("*"):
        if path.suffix in (".cpp", ".hpp") and "scenario" not in path.parts:
            text.append(path.read_text())
    return "\n".join(text)


def _parameter_fields():
    src = (SIM / "scenario/parameters.cpp").read_text()
    fields = re.findall(r"PFSIM_FIELD\(([A-Za-z_][A-Za-z0-9_.\[\]]*)\)", src)
    assert len(fields) > 100, "the parameter table was not found"
    return fields


def test_every_parameter_is_read_by_the_engine():
    engine = _engine_sources()
    dead = []
    for field in _parameter_fields():
        if field == "expr":  # the macro's own definition
            continue
        member = field.split(".")[-1]
        if re.search(r"[.>]" + re.escape(member) + r"\b", engine):
            continue
        if field in SCENARIO_ONLY:
            continue
        dead.append(field)
    assert not dead, f"parameters no rule reads (dead knobs): {dead}"


def test_every_shock_field_is_read_by_its_mechanism():
    types = (SIM / "scenario/shock_types.cpp").read_text()
    mechanism = (SIM / "phases/shocks.cpp").read_text()
    fields = set(re.findall(r'(?:number|integer|string|boolean)\("([a-z_]+)",', types))
    assert len(fields) > 10, "the shock table was not found"
    dead = sorted(f for f in fields if f'"{f}"' not in mechanism)
    assert not dead, f"shock fields no mechanism reads (dead knobs): {dead}"


def test_the_check_catches_a_dead_knob():
    # The member-name search must fail for a name nobody uses.
    assert not re.search(r"[.>]" + "no_such_knob_anywhere" + r"\b", _engine_sources())
