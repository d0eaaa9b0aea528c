"""The ledger from Python: books, accounts, net worth and the exact audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _core

if TYPE_CHECKING:
    from ._simulation import Simulation


class Ledger:
    """The double-entry ledger of a simulation: every claim, in int64 fen.

    A *book* holds one instrument (``consumer.deposit``, ``bank.reserves``,
    ...); each row is a claim of a holder on an issuer — an asset of the
    holder and a liability of the issuer. Tables are snapshots (copies);
    :meth:`net_worth` is a read-only zero-copy view.
    """

    __slots__ = ("_sim",)

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim

    @property
    def kinds(self) -> tuple[str, ...]:
        """The agent kinds (balance-sheet sectors), e.g. consumer, sme, bank."""
        return tuple(_core.agent_kinds())

    def books(self) -> pd.DataFrame:
        """One row per book, indexed by name: instrument, holder_kind,
        issuer_kind, overdraft rule, rows, total (fen, exact Python int)."""
        return pd.DataFrame(self._sim._core.ledger_books()).set_index("name")

    def accounts(self) -> pd.DataFrame:
        """Every account, one row per book row *per side*. Columns:

        - ``owner_kind``, ``owner``: whose balance sheet the row is on (kind +
          index in its store);
        - ``side``: ``asset`` (the holder's) or ``liability`` (the issuer's);
        - ``book``, ``instrument``: which book, and its instrument;
        - ``balance``: the claim in fen (int64), the same number on both sides;
          signed books such as clearing may be negative;
        - ``counterparty_kind``, ``counterparty``: the other side of the claim;
        - ``row``: the row in the book.

        So ``df.groupby(["owner_kind", "owner", "side"]).balance.sum()`` gives
        every balance sheet. String columns are pandas categoricals.
        """
        a = self._sim._core.ledger_accounts()
        kinds = a["kind_names"]
        books = a["book_names"]
        # Instrument of each book → instrument of each account, via codes.
        instruments = sorted(set(a["instrument_names"]))
        instrument_of_book = np.array(
            [instruments.index(i) for i in a["instrument_names"]], dtype=np.int64
        )

        def categorical(codes: np.ndarray, names: list[str]) -> pd.Categorical:
            return pd.Categorical.from_codes(codes.astype(np.int64), categories=names)

        return pd.DataFrame(
            {
                "owner_kind": categorical(a["owner_kind"], kinds),
                "owner": a["owner"],
                "side": categorical(a["side"], ["asset", "liability"]),
                "book": categorical(a["book"], books),
                "instrument": categorical(instrument_of_book[a["book"]], instruments),
                "balance": a["balance"],
                "counterparty_kind": categorical(a["counterparty_kind"], kinds),
                "counterparty": a["counterparty"],
                "row": a["row"],
            }
        )

    def net_worth(self, kind: str) -> np.ndarray:
        """Net worth (fen) of every agent of a kind (``"bank"``, ``"consumer"``,
        ...): a read-only zero-copy view. KeyError for an unknown kind."""
        return self._sim._core.net_worth(kind)

    def audit(self) -> list[str]:
        """Runs the exact audit (every balance sheet, money stock, clearing,
        overdraft rules); returns the problems found — empty when consistent."""
        return self._sim._core.ledger_audit()

    def __repr__(self) -> str:
        return f"<pfsim.Ledger: {len(self._sim._core.ledger_books())} books>"
