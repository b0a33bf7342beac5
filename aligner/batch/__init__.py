"""Align many document pairs: a manifest in, one output file per pair out.

    >>> from aligner.batch import align_batch
    >>> report = align_batch("pairs.tsv", "out/", workers=2, format="tmx")          # doctest: +SKIP
    >>> report = align_batch("pairs.tsv", "out/", cluster="tcp://10.0.0.5:8786")   # doctest: +SKIP
    >>> print(report.summary())                                                     # doctest: +SKIP

One engine, three back-ends. The engine is the same whoever aligns the pairs:

- `read_manifest` turns a manifest (TSV, JSON Lines or Parquet) into `Pair`
  objects (``_manifest``);
- `align_pair` is all the work of one pair, a pure function of
  ``(pair, options)``: it reads the two files and returns a `PairResult`
  holding the output text (or the error), and writes nothing (``_work``);
- a back-end runs `align_pair` on many pairs and yields each result as it
  comes: this process (`run_in_process`), a pool of worker processes on this
  machine (`run_in_pool`, ``_pool``), or the workers of a Dask
  cluster (``_dask``, only imported for ``cluster=``);
- the output folder (``_outputs``), written by this process alone,
  writes each result atomically and only then records it in ``_done.jsonl``,
  or records the failure in ``_failures.jsonl``.

Results do not depend on the back-end: every pair is aligned with one BLAS
thread, its own fresh embedding store and the same encoder settings, so the
same pair gives the same bytes whatever the back-end, the number of workers
and the order in which they finish. Paths (the manifest, the documents, the
output folder) may be URLs that fsspec reads (``s3://...``, ``memory://...``).

The modules of this package, one job each: ``_engine`` (`align_batch`, the
report), ``_manifest``, ``_work``, ``_pool``, ``_dask``, ``_outputs``.
Reading paths and URLs (``aligner._fs``, ``aligner._files``) stays outside
it: the command line reads its documents with the same code.
"""

from ._engine import BatchReport, align_batch
from ._manifest import Pair, read_manifest
from ._outputs import DONE_FILE, EXTENSIONS, FAILURES_FILE
from ._pool import run_in_pool, run_in_process
from ._work import STAGES, PairOptions, PairResult, align_pair, make_encoder

__all__ = [
    "align_batch", "align_pair", "read_manifest", "make_encoder", "run_in_process", "run_in_pool", "Pair",
    "PairOptions", "PairResult", "BatchReport", "EXTENSIONS", "DONE_FILE", "FAILURES_FILE", "STAGES",
]
