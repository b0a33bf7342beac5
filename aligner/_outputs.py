"""A batch's output folder: one file per pair, written atomically, and the done and failures records.

Only the batch's client (the process that runs `align_batch`) writes here,
whichever back-end aligned the pairs, so that a pair is written and recorded
once even when a worker dies and its pairs are aligned again elsewhere.

On local disk (a plain path or ``file://``) the records are two files,
``_done.jsonl`` and ``_failures.jsonl``, appended to a line at a time. On
any other file system fsspec reaches (object storage above all, where a
file cannot be appended to) they are folders of numbered pieces,
``_done/*.jsonl`` and ``_failures/*.jsonl``, each piece written whole, a
few seconds' worth of records at a time; their lines read in name order
are the file.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from ._fs import filesystem, is_local, local_path, replace_file
from ._manifest import Pair
from ._work import PairResult
from .errors import InputError

__all__ = ["OutputFolder", "open_output_folder", "EXTENSIONS", "DONE_FILE", "FAILURES_FILE", "TMP_PREFIX"]

# The output file of pair `id` is `<id>.<extension>`; a format of several
# files (moses: `<id>.<source lang>` and `<id>.<target lang>`) has None, and
# its done records name the files.
EXTENSIONS = {"json": "json", "tsv": "tsv", "vecalign": "beads", "tmx": "tmx", "jsonl": "jsonl", "moses": None}
DONE_FILE = "_done.jsonl"
FAILURES_FILE = "_failures.jsonl"
# Temporary files are named so, in the output folder, until they are complete.
TMP_PREFIX = ".aligner-tmp-"
# Pieces of the records on a file system without append: written when this many
# records wait, or this many seconds after the oldest; a crash loses at most those
# (their pairs are aligned again by the next run, their files rewritten whole).
_PIECE_RECORDS = 1000
_PIECE_SECONDS = 10.0


class OutputFolder:
    """What the batch engine needs of an output folder; `open_output_folder` makes one."""

    display: str  # the folder, as the user gave it
    done_display: str  # where the pairs done are recorded
    failures_display: str  # where the failures are recorded

    def output_name(self, pair_id: str) -> str:
        """The output file of a pair, for messages."""
        raise NotImplementedError

    def done_ids(self) -> set[str]:
        """Ids recorded as done whose output file exists."""
        raise NotImplementedError

    def write(self, result: PairResult) -> None:
        """Write the output file atomically, then record the pair as done."""
        raise NotImplementedError

    def fail(self, result: PairResult, pair: Pair) -> None:
        """Record a pair that failed."""
        raise NotImplementedError

    def close(self) -> None:
        """Write any records still held in memory."""


def open_output_folder(path: str | os.PathLike, format: str, resume: bool) -> OutputFolder:
    """The output folder at `path` (created if needed), ready for a run.

    Temporary files of an interrupted run are deleted; the failures of the
    previous run are forgotten (every pair that failed is tried again); with
    `resume` False the done record starts anew.
    """
    name = os.fspath(path)
    if is_local(name):
        return _LocalFolder(local_path(name), format, resume)
    return _FsspecFolder(name, format, resume)


def _done_record(result: PairResult) -> dict:
    record: dict[str, Any] = {"id": result.id, "sentences": result.sentences, "seconds": round(result.seconds, 3)}
    if result.files:
        record["files"] = [result.id + suffix for suffix, _ in result.files]
    if result.warnings:
        record["warnings"] = list(result.warnings)
    return record


def _failure_record(result: PairResult, pair: Pair) -> dict:
    record: dict[str, Any] = {"id": result.id, "error": result.error, "type": result.error_type,
                              "source": pair.source, "target": pair.target}
    if result.unexpected:
        record["unexpected"] = True
        if result.error_detail:
            record["traceback"] = result.error_detail
    return record


def _files(result: PairResult, ext: str | None) -> list[tuple[str, str]]:
    """The output files of a pair: (name in the folder, text)."""
    if result.files:
        return [(result.id + suffix, text) for suffix, text in result.files]
    return [(f"{result.id}.{ext}", result.text or "")]


def _ids(lines: list[str], present: set[str], ext: str | None) -> set[str]:
    """The ids of the done records whose output files are all in `present`."""
    ids = set()
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: that pair is done again
        if not (isinstance(record, dict) and isinstance(record.get("id"), str)):
            continue
        files = record.get("files", [f"{record['id']}.{ext}"] if ext else [])
        if files and isinstance(files, list) and all(name in present for name in files):
            ids.add(record["id"])
    return ids


class _LocalFolder(OutputFolder):
    """A folder on local disk: os.replace for atomic files, appended record files."""

    def __init__(self, path: str, format: str, resume: bool) -> None:
        self.path = Path(path)
        self.ext = EXTENSIONS[format]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output folder {str(self.path)!r}: {exc.strerror}") from None
        for stale in self.path.glob(TMP_PREFIX + "*"):  # left by an interrupted run
            stale.unlink(missing_ok=True)
        self.done_path = self.path / DONE_FILE
        self.failures_path = self.path / FAILURES_FILE
        if not resume:
            self.done_path.unlink(missing_ok=True)
        self.failures_path.write_text("", encoding="utf-8")
        self._end_line(self.done_path)
        self.display = str(self.path)
        self.done_display = str(self.done_path)
        self.failures_display = str(self.failures_path)

    def output_name(self, pair_id: str) -> str:
        return str(self.path / f"{pair_id}.{self.ext or '*'}")

    def done_ids(self) -> set[str]:
        try:
            lines = self.done_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return set()
        # One listing rather than a stat per id: a folder may hold millions of outputs.
        present = set(os.listdir(self.path))
        return _ids(lines, present, self.ext)

    def write(self, result: PairResult) -> None:
        for name, text in _files(result, self.ext):
            tmp = self.path / f"{TMP_PREFIX}{result.id}.{os.getpid()}.{secrets.token_hex(4)}"
            replace_file(self.path / name, text.encode("utf-8"), tmp)
        self._append(self.done_path, _done_record(result))

    def fail(self, result: PairResult, pair: Pair) -> None:
        self._append(self.failures_path, _failure_record(result, pair))

    @staticmethod
    def _append(path: Path, record: dict) -> None:
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()

    @staticmethod
    def _end_line(path: Path) -> None:
        """End a last line cut short by a crash, so that the next record starts a line of its own."""
        try:
            with open(path, "rb+") as f:
                f.seek(0, os.SEEK_END)
                if f.tell():
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        f.write(b"\n")
        except FileNotFoundError:
            pass


class _FsspecFolder(OutputFolder):
    """A folder on a file system fsspec reaches: temporary name then move, records in whole pieces."""

    def __init__(self, url: str, format: str, resume: bool) -> None:
        self.url = url.rstrip("/")
        self.fs, root = filesystem(self.url)
        self.root = root.rstrip("/")
        self.ext = EXTENSIONS[format]
        self.done_dir = f"{self.root}/{DONE_FILE[:-len('.jsonl')]}"
        self.failures_dir = f"{self.root}/{FAILURES_FILE[:-len('.jsonl')]}"
        try:
            self.fs.makedirs(self.root, exist_ok=True)
            for stale in self.fs.glob(f"{self.root}/{TMP_PREFIX}*"):
                self.fs.rm(stale)
            if not resume and self.fs.exists(self.done_dir):
                self.fs.rm(self.done_dir, recursive=True)
            if self.fs.exists(self.failures_dir):
                self.fs.rm(self.failures_dir, recursive=True)
            self.fs.makedirs(self.done_dir, exist_ok=True)
            self.fs.makedirs(self.failures_dir, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot prepare the output folder {self.url!r}: {exc}") from None
        # Pieces of this run sort after those of earlier runs, and never share a name with them.
        self._run = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"
        self._pieces = 0
        self._held: dict[str, list[dict]] = {self.done_dir: [], self.failures_dir: []}
        self._since = time.monotonic()
        self.display = self.url
        self.done_display = f"{self.url}/{DONE_FILE[:-len('.jsonl')]}/"
        self.failures_display = f"{self.url}/{FAILURES_FILE[:-len('.jsonl')]}/"

    def output_name(self, pair_id: str) -> str:
        return f"{self.url}/{pair_id}.{self.ext or '*'}"

    def done_ids(self) -> set[str]:
        lines: list[str] = []
        for piece in sorted(self.fs.find(self.done_dir)):
            lines += self.fs.cat_file(piece).decode("utf-8", errors="replace").splitlines()
        present = {name.rsplit("/", 1)[-1] for name in self.fs.ls(self.root, detail=False)}
        return _ids(lines, present, self.ext)

    def write(self, result: PairResult) -> None:
        for name, text in _files(result, self.ext):
            tmp = f"{self.root}/{TMP_PREFIX}{result.id}.{os.getpid()}.{secrets.token_hex(4)}"
            try:
                self.fs.pipe_file(tmp, text.encode("utf-8"))
                self.fs.mv(tmp, f"{self.root}/{name}")
            except BaseException:
                try:
                    self.fs.rm(tmp)
                except (OSError, ValueError):
                    pass  # never written: nothing to remove
                raise
        self._hold(self.done_dir, _done_record(result))

    def fail(self, result: PairResult, pair: Pair) -> None:
        self._hold(self.failures_dir, _failure_record(result, pair))

    def _hold(self, folder: str, record: dict) -> None:
        self._held[folder].append(record)
        waiting = sum(map(len, self._held.values()))
        if waiting >= _PIECE_RECORDS or time.monotonic() - self._since >= _PIECE_SECONDS:
            self.close()

    def close(self) -> None:
        for folder, records in self._held.items():
            if records:
                self._pieces += 1
                text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
                self.fs.pipe_file(f"{folder}/{self._run}-{self._pieces:06d}.jsonl", text.encode("utf-8"))
                records.clear()
        self._since = time.monotonic()
