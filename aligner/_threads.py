"""One BLAS thread for the aligner's own small matrix products, set at the cost of a function call.

The products of the search and of the pair guard are small (a few hundred
rows by a few hundred columns, matrix-vector products): one thread runs
them fastest, and a second one, busy-waiting for work, costs CPU time that
the encoder could use. threadpoolctl's ``threadpool_limits`` looks for the
loaded libraries on every call (about a millisecond, more on a busy
machine), and an `align` call sets the limit a few times a round; the
controller here is made once and made again only when modules have been
imported since (a new library comes with an import: scipy's, torch's).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

__all__ = ["controller", "one_blas_thread"]

_CONTROLLER: tuple[int, Any] | None = None  # (len(sys.modules) when made, ThreadpoolController)


def controller() -> Any:
    """This process's threadpoolctl controller, made again when modules have been imported since."""
    global _CONTROLLER
    modules = len(sys.modules)
    if _CONTROLLER is None or _CONTROLLER[0] != modules:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = (modules, ThreadpoolController())
    return _CONTROLLER[1]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit the BLAS libraries loaded by now to one thread inside the with-block."""
    with controller().limit(limits=1, user_api="blas"):
        yield
