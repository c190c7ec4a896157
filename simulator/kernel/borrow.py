"""Borrowed views of arrays inside compiled code: the same data, no reference counting.

numba counts references to every array it passes between functions or binds to a name, with atomic instructions;
on the per-event path, with the book's and the recorder's arrays passed down through a dozen small functions, those
counts were most of the run time (perf: ~70% of samples in NRT_incref / NRT_decref). A borrowed view has no
meminfo, so its counts are skipped. That is safe only while someone else holds the arrays: `run_flow` borrows its
arguments, which the calling Python code holds for the whole call, and no borrowed view outlives it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from numba.core import cgutils
from numba.extending import intrinsic

from simulator.kernel.book_state import BookState
from simulator.kernel.jit import inline_kernel
from simulator.kernel.recorder import Recorder

_cgutils: Any = cgutils  # untyped


def _borrow(typingctx: Any, arr: Any) -> Any:  # numba passes the typing context first

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        source = context.make_array(sig.args[0])(context, builder, value=args[0])
        view = context.make_array(sig.return_type)(context, builder)
        for name in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(view, name, getattr(source, name))
        view.meminfo = _cgutils.get_null_value(view.meminfo.type)
        view.parent = _cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    return arr(arr), codegen


borrow = cast(Callable[[Any], Any], intrinsic(_borrow))
"""The array itself without its reference-counted owner (meminfo and parent set to null)."""


@inline_kernel
def borrow_book(book: BookState) -> BookState:
    """The book with every array borrowed."""
    return BookState(borrow(book.orders), borrow(book.levels), borrow(book.flow), borrow(book.meta),
                     borrow(book.fills), borrow(book.fill_time))  # fmt: skip


@inline_kernel
def borrow_recorder(rec: Recorder) -> Recorder:
    """The recorder with every array borrowed."""
    return Recorder(borrow(rec.q_time), borrow(rec.q_vals), borrow(rec.s_time), borrow(rec.s_vals),
                    borrow(rec.o_time), borrow(rec.o_vals), borrow(rec.counts))  # fmt: skip
