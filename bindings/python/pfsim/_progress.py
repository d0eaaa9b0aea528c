"""Progress display for Simulation.run(progress=True): a tqdm bar when tqdm is
installed (Debian: python3-tqdm), else a plain line on stderr."""

from __future__ import annotations

import contextlib
import datetime
import sys
import time
from collections.abc import Iterator
from typing import Any, Protocol


class _Bar(Protocol):
    def update(self, done: int, date: datetime.date) -> None:
        ...

    def close(self) -> None:
        ...


class _TqdmBar:
    def __init__(self, tqdm: Any, total: int, start: datetime.date) -> None:
        self._bar = tqdm(
            total=total, unit="day", desc="pfsim", file=sys.stderr, leave=True
        )
        self._bar.set_postfix_str(str(start), refresh=False)
        self._done = 0

    def update(self, done: int, date: datetime.date) -> None:
        self._bar.set_postfix_str(str(date), refresh=False)
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        self._bar.close()


class _LineBar:
    """``pfsim [######........]  42%  153/365 days  2019-06-02  3.1 s`` —
    rewritten in place on a terminal (at most 10×/s), a new line every few
    seconds otherwise (logs, CI)."""

    def __init__(self, total: int, start: datetime.date) -> None:
        self._total = total
        self._t0 = time.monotonic()
        self._tty = sys.stderr.isatty()
        self._every = 0.1 if self._tty else 5.0
        self._last = -float("inf")
        self._line = ""
        self.update(0, start)

    def _render(self, done: int, date: datetime.date) -> str:
        frac = done / self._total if self._total else 1.0
        width = 24
        bar = "#" * int(width * frac) + "." * (width - int(width * frac))
        secs = time.monotonic() - self._t0
        days = f"{done}/{self._total} days"
        return f"pfsim [{bar}] {frac:4.0%}  {days}  {date}  {secs:.1f} s"

    def update(self, done: int, date: datetime.date) -> None:
        now = time.monotonic()
        if now - self._last < self._every and done < self._total:
            return
        self._last = now
        self._line = self._render(done, date)
        sys.stderr.write(("\r" + self._line) if self._tty else (self._line + "\n"))
        sys.stderr.flush()

    def close(self) -> None:
        if self._tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


@contextlib.contextmanager
def bar(total: int, start: datetime.date) -> Iterator[_Bar]:
    """A progress display for ``total`` days starting at ``start``; closed on exit."""
    try:
        from tqdm import tqdm  # the text bar: tqdm.auto would make a notebook widget
    except ImportError:
        shown: _Bar = _LineBar(total, start)
    else:
        shown = _TqdmBar(tqdm, total, start)
    try:
        yield shown
    finally:
        shown.close()
