"""One typed door to numba: every kernel function is compiled ahead of use and cached on disk.

numba checks a cached function against its own file only, not against the kernel functions it calls from other
files nor the constants it imports; after an edit to `institutions.py` alone, `flow_loop`'s cached loop would still
run the old code. So the cache lives in a folder named by a hash of every kernel source file: any edit to the
kernel compiles everything afresh (and removes the caches of earlier versions), and an unchanged kernel reuses
its cache.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

_HERE = Path(__file__).resolve().parent


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    # This kernel's cache; the caches of earlier versions of it are of no use any more, so they go.
    cache = _HERE / "__pycache__" / f"numba-{_source_hash()}"
    for old in (_HERE / "__pycache__").glob("numba-*"):
        if old != cache:
            shutil.rmtree(old, ignore_errors=True)
    return cache


_config: Any = numba.config  # numba's settings module: its attributes are set at import from the environment
if not _config.CACHE_DIR:
    _config.CACHE_DIR = str(_cache_dir())


def kernel(fn: F) -> F:
    """`numba.njit(cache=True)` that keeps the function's type for mypy."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def inline_kernel(fn: F) -> F:
    """A small kernel function on the per-event path, inlined into its callers at numba's level.

    Every call between compiled functions that passes the book's or the recorder's arrays increments and
    decrements each array's reference count with atomic instructions; on the per-event path those were most of
    the run time (perf: ~70% in NRT_incref/NRT_decref). Inlined, the pairs cancel and the calls go away.
    """
    return cast(F, numba.njit(cache=True, nogil=True, inline="always")(fn))
