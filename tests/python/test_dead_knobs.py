"""Every scenario parameter and every shock field is read by the model.

A knob that the schema accepts but no rule reads is a trap: a user changes it
and nothing happens. This test reads the sources: each parameter's struct
member (PFSIM_FIELD in sim/scenario/parameters.cpp) must be used somewhere in
the engine outside sim/scenario/ — for a live parameter, its Policy field,
which is where the engine reads it — and each shock field declared in
sim/scenario/shock_types.cpp must either set a Policy value (a table row) or
reach the mechanism in sim/phases/shocks.cpp through a typed argument.
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


def _live_fields():
    """{scenario path: Policy field} of the parameters the table marks live."""
    src = (SIM / "scenario/parameters.cpp").read_text()
    return {path: field for field, path in re.findall(r'live\(\s*&Policy::(\w+),\s*number\(\s*"([\w.]+)"', src)}


def test_every_parameter_is_read_by_the_engine():
    engine = _engine_sources()
    live = _live_fields()
    assert live, "no live parameters found"
    dead = []
    for field in _parameter_fields():
        if field == "expr":  # the macro's own definition
            continue
        member = live.get(field, field.split(".")[-1])  # a live one is read from the Policy
        if re.search(r"[.>]" + re.escape(member) + r"\b", engine):
            continue
        if field in SCENARIO_ONLY:
            continue
        dead.append(field)
    assert not dead, f"parameters no rule reads (dead knobs): {dead}"


def test_every_shock_field_is_read_by_its_mechanism():
    types = (SIM / "scenario/shock_types.cpp").read_text()
    kinds = (SIM / "scenario/shock_kinds.hpp").read_text()
    mechanism = (SIM / "phases/shocks.cpp").read_text()
    live = set(_live_fields())
    fields = set(re.findall(r'(?:number|integer|text|like)\("([a-z_0-9]+)",', types))
    assert len(fields) > 10, "the shock table was not found"
    dead = []
    for f in sorted(fields):
        # a table row: sets(...) around it, or like() of a live parameter not
        # handed to the mechanism instead
        row = re.search(r'sets\(\s*(?:number|integer|like)\("' + f + r'"', types)
        liked = re.search(r'(read_by_mechanism\()?like\("' + f + r'",\s*"([\w.\[\]]+)"', types)
        if row or (liked and not liked.group(1) and liked.group(2) in live):
            continue
        # else an argument reader must read it (e.number("f"), e.has("f"), ...)
        if re.search(r'\(\s*(?:e,\s*)?"' + f + r'"\s*\)', types.split("// ---- typed arguments")[1]):
            continue
        dead.append(f)
    assert not dead, f"shock fields neither a table row nor read by an argument reader: {dead}"
    # and every typed argument is used by the mechanism
    members = re.findall(r"^\s+(?:std::optional<[\w:]+>|double|std::int64_t|std::uint32_t) (\w+)", kinds, re.M)
    assert len(members) > 10, "the argument structs were not found"
    unused = sorted(m for m in set(members) if not re.search(r"\." + m + r"\b", mechanism))
    assert not unused, f"typed shock arguments the mechanism never reads: {unused}"


def test_the_check_catches_a_dead_knob():
    # The member-name search must fail for a name nobody uses.
    assert not re.search(r"[.>]" + "no_such_knob_anywhere" + r"\b", _engine_sources())
