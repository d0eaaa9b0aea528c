#!/usr/bin/python3
"""Keeps the generated tables of docs/model.md in step with the code.

The indicator table of §7.18 sits between `<!-- indicators:begin -->` and
`<!-- indicators:end -->` and is generated from the indicator table in
sim/indicators/indicators.cpp (through `pfsim.indicators()`).

    /usr/bin/python3 scripts/doc_tables.py           # rewrite docs/model.md
    /usr/bin/python3 scripts/doc_tables.py --check   # exit 1 if it is stale

tests/python/test_model_doc.py runs the check."""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "docs/model.md"
BEGIN, END = "<!-- indicators:begin -->", "<!-- indicators:end -->"


def indicator_table():
    build = pathlib.Path(os.environ.get("PFSIM_BUILD_DIR", ROOT / "build"))
    if not build.is_absolute():
        build = ROOT / build
    sys.path.insert(0, str(build / "python"))
    import pfsim  # noqa: E402  (from the build tree)

    table = pfsim.indicators()
    lines = ["| # | Indicator | Units | Description (from the indicator table) |", "|---|---|---|---|"]
    for k, (name, row) in enumerate(table.iterrows()):
        description = str(row["description"]).replace("|", "\\|")
        lines.append(f"| {k} | `{name}` | {row['units']} | {description} |")
    return "\n".join(lines)


def render(text):
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{indicator_table()}\n{END}{tail}"


def main(argv):
    text = MODEL.read_text()
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print("docs/model.md: the indicator table is stale; run /usr/bin/python3 scripts/doc_tables.py")
            return 1
        return 0
    MODEL.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
