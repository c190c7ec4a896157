"""OrderIDs, ExecIDs and child ClOrdIDs: unique across restarts, and each child ClOrdID names its parent."""

from __future__ import annotations

CHILD_MARK = "-C"


class IdSource:
    """Counters under a per-installation prefix. A journal replay draws the same ids in the same order, and the
    counters it ends with (or the journal's, if higher) carry on, so no id is ever issued twice."""

    def __init__(self, prefix: str, counters: dict[str, int] | None = None) -> None:
        self.prefix = prefix
        self._counters = {"order": 0, "exec": 0, "child": 0}
        if counters:
            self.advance_to(counters)

    def _next(self, name: str) -> int:
        self._counters[name] += 1
        return self._counters[name]

    def order_id(self) -> str:
        return f"{self.prefix}-P{self._next('order')}"

    def exec_id(self) -> str:
        return f"{self.prefix}-E{self._next('exec')}"

    def child_cl_ord_id(self, parent_id: str) -> str:
        """A ClOrdID for a venue request about one of `parent_id`'s children."""
        return f"{parent_id}{CHILD_MARK}{self._next('child')}"

    def stray_cl_ord_id(self) -> str:
        """A ClOrdID for a request about an order no parent owns (cancelling a stray)."""
        return f"{self.prefix}-X{CHILD_MARK}{self._next('child')}"

    def counters(self) -> dict[str, int]:
        return dict(self._counters)

    def advance_to(self, counters: dict[str, int]) -> None:
        """Never go back: take the higher of ours and `counters` for each."""
        for name, value in counters.items():
            if name in self._counters:
                self._counters[name] = max(self._counters[name], int(value))


def parent_of(cl_ord_id: str) -> str | None:
    """The parent OrderID a child ClOrdID of ours names, or None."""
    head, mark, _ = cl_ord_id.rpartition(CHILD_MARK)
    return head if mark and head else None
