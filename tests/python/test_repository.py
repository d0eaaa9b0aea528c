"""The repository stands alone: a licence, named in the README."""
import re

from conftest import ROOT


def test_there_is_a_permissive_licence_and_the_readme_names_it():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT licence" in readme and "`LICENSE`" in readme


def _source_rows():
    """Row numbers ("1.7") and sections ("7a") of docs/calibration.md's Sources."""
    text = (ROOT / "docs/calibration.md").read_text(encoding="utf-8")
    sources = text.split("\n## Sources\n", 1)[1]
    rows = set(re.findall(r"^\| (\d+\.\d+) \|", sources, re.M))
    rows |= set(re.findall(r"^#### (\d+[a-z])\. ", sources, re.M))
    rows |= set(re.findall(r"^### (\d+)\. ", sources, re.M))
    return rows


def test_every_cited_calibration_row_is_in_the_repository():
    rows = _source_rows()
    assert {"1.7", "1.9", "5.8", "7a", "7g"} <= rows
    cited = []
    files = [*sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "scenarios").glob("*.yaml")), ROOT / "README.md"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "shared/calibration.md" not in text, f"{path.name} cites a file outside the repository"
        for m in re.finditer(r"calibration\.md[^\n]{0,3}?((?:§\s*)?\d+(?:\.\d+|[a-z])?(?:\s*(?:[-–,]|and)\s*\d+(?:\.\d+|[a-z])?)*)",
                             text):
            for ref in re.findall(r"\d+(?:\.\d+|[a-z])?", m.group(1)):
                cited.append((path.name, ref))
    assert len(cited) > 20
    missing = sorted({(f, r) for f, r in cited if r not in rows})
    assert not missing, f"cited rows not in docs/calibration.md's Sources: {missing}"


def test_python_tests_skip_missing_modules_only_through_conftest():
    # pytest.importorskip skips even under PFSIM_REQUIRE_ALL=1 (CI), so a module
    # missing there would silently test nothing; conftest.require_module fails.
    banned = "pytest." + "importorskip("
    users = sorted(p.name for p in (ROOT / "tests/python").glob("*.py")
                   if p.name != "conftest.py" and banned in p.read_text(encoding="utf-8"))
    assert not users, f"use conftest.require_module instead of {banned}...) in {users}"


def test_python_never_writes_results_files():
    # The C++ writer is the only writer: it adds /metadata/interventions before the
    # atomic rename, so a file at its final path is never reopened (a kill then
    # could leave a damaged finished file).
    # The one exception is not a results file: a sweep's summary.h5 (a table of
    # statistics), written under a temporary name and renamed into place.
    summary_writer = ("sweep_run.py", 'h5py.File(tmp, "w")')
    for folder in ("bindings/python/pfsim", "analysis"):
        for path in sorted((ROOT / folder).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            opened = [c for c in re.findall(r"h5py\.File\([^)]*\)", text) if (path.name, c) != summary_writer]
            assert all(re.search(r"""["']r["']""", call) for call in opened), (path.name, opened)
    writer = (ROOT / "analysis" / "sweep_run.py").read_text(encoding="utf-8")
    assert 'tmp = out / "summary.h5.tmp"' in writer and 'os.replace(tmp, out / "summary.h5")' in writer
