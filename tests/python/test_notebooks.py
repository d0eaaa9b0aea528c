"""Executes every notebook in examples/ with nbclient (Debian's `python3` kernel).

Each must run without error within 180 s. Notebooks 01-03 drive the `pfsim`
CLI, 04 the Python bindings, both found through PFSIM_BUILD_DIR (set here
from the test build); the suite skips when it is not built. The contagion
notebook needs `pfsim contagion`.
"""
import pathlib
import sys
import time

import pytest
from conftest import require_module

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
TIMEOUT = 180

nbformat = require_module("nbformat")
nbclient = require_module("nbclient")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def test_examples_has_the_four_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01_quick_start.ipynb", "02_cofunding_policy.ipynb", "03_classroom_contagion.ipynb",
                     "04_python_bindings.ipynb"]


def test_notebooks_are_clean_and_widget_free():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name}: stored outputs"
                assert "ipywidgets" not in cell.source, f"{path.name}: widgets break nbclient on Debian 12"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, pfsim_exe, tmp_path, monkeypatch):
    if "contagion" in path.name:
        import analysis

        assert analysis.has_contagion(pfsim_exe), f"{pfsim_exe} has no `contagion` subcommand: rebuild it"
    # The kernel inherits this environment: the CLI under test, a scratch results folder.
    monkeypatch.setenv("PFSIM_BUILD_DIR", str(pathlib.Path(pfsim_exe).resolve().parents[1]))
    monkeypatch.delenv("PFSIM", raising=False)
    monkeypatch.setenv("PFSIM_EXAMPLES_OUT", str(tmp_path))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    start = time.monotonic()
    client.execute()  # raises CellExecutionError on any failing cell
    elapsed = time.monotonic() - start
    print(f"{path.name}: {elapsed:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 2, f"{path.name}: expected figures in the output"
