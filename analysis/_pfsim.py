"""The ``pfsim`` Python package (the bindings), which ``analysis`` reads results
files and runs contagion models through: one reader, one path parser, one set
of contagion wrappers for both packages.

``import pfsim`` works when ``<build>/python`` is on ``sys.path`` (the CI's
``PYTHONPATH=$PWD/build/python:$PWD``). Otherwise the build's folder is looked
up like the CLI (:func:`analysis.find_pfsim`): ``$PFSIM_BUILD_DIR/python``, then
``<repo>/build/python``, so notebooks and ``pfsim report`` need no setup.
"""

from __future__ import annotations

import importlib
import os
import pathlib
import sys
from types import ModuleType

from ._cli import repo_root


def _build_dirs() -> list[pathlib.Path]:
    dirs = []
    if os.environ.get("PFSIM_BUILD_DIR"):
        dirs.append(pathlib.Path(os.environ["PFSIM_BUILD_DIR"]).expanduser() / "python")
    dirs.append(repo_root() / "build" / "python")
    return dirs


def pfsim() -> ModuleType:
    """The ``pfsim`` package, imported on first use.

    Raises:
        ImportError: it is neither importable nor built in a folder above; the
            message says how to build it.
    """
    try:
        return importlib.import_module("pfsim")
    except ImportError as first:
        for d in _build_dirs():
            if any((d / "pfsim").glob("_core*.so")):
                sys.path.insert(0, str(d))
                return importlib.import_module("pfsim")
        looked = ", ".join(str(d) for d in _build_dirs())
        raise ImportError(
            "analysis reads results files through the pfsim Python package, which is not "
            f"importable ({first}) nor built in {looked}. Build it (scripts/build.sh release "
            "builds build/python) and set PYTHONPATH=<build>/python or PFSIM_BUILD_DIR=<build>."
        ) from first


def hdf5_lock():
    """``pfsim.hdf5_lock``, held around this package's own h5py use: h5py is not
    safe for concurrent use from threads, and a sweep reads results files on
    worker threads (through ``pfsim.open_results``, which holds it)."""
    return pfsim().hdf5_lock
