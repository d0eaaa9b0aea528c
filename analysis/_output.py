"""Writing an output file (a report page, a CSV table) the way pfsim writes results.

``--out`` names whatever the user typed: a planted symlink, a FIFO (the write
would block for ever), a device, or one of the command's own inputs
(``pfsim tidy r.h5 --out r.h5`` would replace the results with their table).
Those are refused; anything else is written to a temporary file beside it
(created with O_EXCL, so nothing planted is followed) and renamed into place,
so an interrupted write leaves the old file or the new one, never half of it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from typing import Iterable

__all__ = ["check_output", "write_text_output"]


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Raises ValueError naming ``path`` when it is a symlink, a directory, not
    a regular file, or the same file as one of ``inputs`` (called before the
    work, so that a bad --out fails at once)."""
    target = os.fspath(path)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None:
        why = None
        if stat.S_ISLNK(st.st_mode):
            why = "is a symbolic link"
        elif stat.S_ISDIR(st.st_mode):
            why = "is a directory"
        elif not stat.S_ISREG(st.st_mode):
            why = "is not a regular file (a device, FIFO or socket)"
        if why is not None:
            raise ValueError(f"{target}: {why}; output is only written to regular files, never "
                             "through a link (remove it or choose another --out)")
        for source in inputs:
            source = os.fspath(source)
            if os.path.exists(source) and os.path.samefile(target, source):
                raise ValueError(f"{target}: the output would overwrite the input {source} "
                                 "(choose another --out)")


def write_text_output(path: str | os.PathLike, text: str, inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Writes ``text`` to ``path`` after check_output(path, inputs)."""
    inputs = list(inputs)
    check_output(path, inputs)
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
