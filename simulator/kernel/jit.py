"""One typed door to numba: every kernel function is compiled ahead of use and cached on disk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """`numba.njit(cache=True)` that keeps the function's type for mypy."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))
