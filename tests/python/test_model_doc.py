"""docs/model.md stays in step with the code:

- its indicator table (§7.18) is exactly what scripts/doc_tables.py generates
  from the indicator table (regenerate it when this fails);
- every scenario parameter of the schema has a row in its parameter tables
  (§8), with the same default."""
import re
import subprocess
import sys

from conftest import ROOT, require_pfsim, run_pfsim

MODEL = (ROOT / "docs/model.md").read_text()


def test_indicator_table_is_generated_from_the_code():
    require_pfsim()
    done = subprocess.run([sys.executable, str(ROOT / "scripts/doc_tables.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _schema_parameters():
    """(path, default) of every scenario parameter, from `pfsim schema`."""
    text = run_pfsim("schema").stdout
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_\[\]\.]+)` \| ([a-z]+) \|[^|]*\|[^|]*\| (`[^`]*`) \|", text, re.M)
    assert len(rows) > 100, "cannot read the parameter table of `pfsim schema`"
    return [(path, default) for path, kind, default in rows if kind != "list"]  # a list's items have rows


def test_every_parameter_has_a_row_with_its_default():
    documented = dict(re.findall(r"^\| `([a-z_]+\.[a-z_\[\]\.]+)` \| [^|]* \| (`[^`]*`) \|", MODEL, re.M))
    problems = []
    for path, default in _schema_parameters():
        if path not in documented:
            problems.append(f"{path}: no row in docs/model.md §8")
        elif documented[path] != default:
            problems.append(f"{path}: docs/model.md says {documented[path]}, the schema {default}")
    assert not problems, "\n".join(problems)
