"""aligner._threads: one BLAS thread inside the block, the caller's setting after it, one library scan per process."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from aligner import _threads


def blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_one_thread_inside_the_block_only():
    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        with _threads.one_blas_thread():
            assert blas_threads() == {1}
        assert blas_threads() == before


def test_the_controller_is_made_once_while_no_module_is_imported():
    first = _threads.controller()
    assert _threads.controller() is first
