#!/usr/bin/python3
"""The layering check (a ctest: tests/layering; issue 10).

Compares what each folder includes with what it declares in CMake:

1. every `#include "m/..."` in sim/<folder>/ or bindings/src/ names a module m
   that is the folder itself or one it links directly (the declared DEPS,
   written by tests/layering/CMakeLists.txt to module_deps.txt) — so the front
   ends, which link only pfsim_api, include only api/ headers;
2. each external library's headers appear only in the files that own it
   (TBB in exec/, yaml-cpp in scenario/internal/tree.cpp, HDF5 in record/,
   Boost in contagion/graph.*, ...);
3. the module graph has no cycle;
4. the dependency tables of sim/README.md and docs/architecture.md list
   exactly the declared dependencies of every module.

Usage: check_layering.py --deps BUILD/tests/layering/module_deps.txt --root SOURCE
Exit 0 when all hold; otherwise 1, with one line per problem.
"""

import argparse
import re
import sys
from pathlib import Path

# Which files may include a library's headers: (header prefixes, allowed path prefixes).
EXTERNAL_OWNERS = [
    (("oneapi/tbb", "tbb/"), ("sim/exec/",)),
    (("yaml-cpp/",), ("sim/scenario/internal/tree.cpp",)),
    (("hdf5.h", "hdf5_hl.h", "H5"), ("sim/record/",)),
    (("boost/",), ("sim/contagion/graph.",)),
    (("nlohmann/",), ("sim/contagion/json_io.cpp",)),
    (("Random123/",), ("sim/rng/",)),
    (("CLI/",), ("sim/cli/",)),
    (("pybind11/",), ("bindings/src/",)),
]

# The tables that state each module's dependencies: file → index of the column.
DOC_TABLES = {"sim/README.md": 2, "docs/architecture.md": 2}

INCLUDE_QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
INCLUDE_ANGLED = re.compile(r"^\s*#\s*include\s*<([^>]+)>")
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".cc"}


def read_deps(path):
    """folder → (target, set of modules it links directly)."""
    deps = {}
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        folder, target, mods = (part.strip() for part in line.split(":", 2))
        deps[folder] = (target, set(mods.split()))
    return deps


def module_of(folder):
    """sim/world → world; bindings/src → None (it is no module)."""
    return folder.split("/", 1)[1] if folder.startswith("sim/") else None


def sources(root, folder):
    for path in sorted((root / folder).rglob("*")):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES:
            yield path


def check_includes(root, deps, modules, problems):
    checked = 0
    for folder, (target, linked) in deps.items():
        own = module_of(folder)
        allowed = linked | ({own} if own else set())
        for path in sources(root, folder):
            rel = path.relative_to(root).as_posix()
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                quoted = INCLUDE_QUOTED.match(line)
                if quoted and "/" in quoted.group(1):
                    mod = quoted.group(1).split("/", 1)[0]
                    if mod in modules:
                        checked += 1
                        if mod not in allowed:
                            problems.append(
                                f"{rel}:{number}: includes \"{quoted.group(1)}\" but {target} does not "
                                f"link pfsim_{mod} (declared: {' '.join(sorted(linked)) or 'none'}; "
                                f"see {folder}/CMakeLists.txt or its parent's)")
                angled = INCLUDE_ANGLED.match(line)
                if angled:
                    header = angled.group(1)
                    for prefixes, owners in EXTERNAL_OWNERS:
                        if header.startswith(prefixes) and not rel.startswith(owners):
                            problems.append(
                                f"{rel}:{number}: includes <{header}>, which only "
                                f"{' or '.join(owners)} may include (one module per library)")
    return checked


def check_cycles(deps, problems):
    graph = {module_of(f): linked for f, (_, linked) in deps.items() if module_of(f)}
    state = {}

    def visit(mod, trail):
        if state.get(mod) == "done":
            return
        if state.get(mod) == "open":
            problems.append("module cycle: " + " → ".join(trail[trail.index(mod):] + [mod]))
            return
        state[mod] = "open"
        for dep in sorted(graph.get(mod, ())):
            visit(dep, trail + [mod])
        state[mod] = "done"

    for mod in sorted(graph):
        visit(mod, [])


def check_doc_tables(root, deps, modules, problems):
    declared = {module_of(f): linked for f, (_, linked) in deps.items() if module_of(f)}
    for doc, column in DOC_TABLES.items():
        rows = {}
        for number, line in enumerate((root / doc).read_text().splitlines(), 1):
            row = re.match(r"^\|\s*`([a-z_]+)/`\s*\|", line)
            if not row or row.group(1) not in modules:
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            # Text in parentheses names external libraries, never modules.
            text = re.sub(r"\([^)]*\)", "", cells[column]) if len(cells) > column else ""
            rows[row.group(1)] = (number, {w for w in re.findall(r"[a-z_]+", text) if w in modules})
        for mod in sorted(declared):
            if mod not in rows:
                problems.append(f"{doc}: no row for `{mod}/` in the module table")
                continue
            number, listed = rows[mod]
            if listed != declared[mod]:
                want = ", ".join(sorted(declared[mod])) or "none"
                problems.append(f"{doc}:{number}: `{mod}/` lists {', '.join(sorted(listed)) or 'none'}; "
                                f"its CMakeLists declares {want}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deps", required=True, help="module_deps.txt written by CMake")
    parser.add_argument("--root", required=True, help="the source tree")
    args = parser.parse_args()
    root = Path(args.root)
    deps = read_deps(args.deps)
    modules = {p.name for p in (root / "sim").iterdir() if p.is_dir()}
    problems = []
    for mod in sorted(modules):
        if f"sim/{mod}" not in deps:
            problems.append(f"sim/{mod}: no declared dependencies (rerun cmake)")
    checked = check_includes(root, deps, modules, problems)
    check_cycles(deps, problems)
    check_doc_tables(root, deps, modules, problems)
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"layering: {checked} module includes in {len(deps)} folders match their declared dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
