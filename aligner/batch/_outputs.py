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

A format of several files (moses: ``<id>.<source lang>`` and
``<id>.<target lang>``) writes each of them so, then records the pair once.

A record of a pair done holds the size and the SHA-256 of its output file
as written (of each file, under ``"files"``, for a format of several). On
resume a pair counts as done only if its outputs are still those files:
one missing, empty, cut short, changed or unreadable is aligned again, and
`resume_state` says why. A record written by an earlier version, without a
checksum, is trusted only if its output reads back in its format.

The folder is locked for the run (``_lock.json``, see `aligner.batch._lock`);
a write the file system refuses for the whole folder (read-only, full, no
permission) stops the batch with an OutputError naming the file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import _fs
from .._fs import describe, filesystem, is_local, local_path
from ..errors import AlignerError, OutputError
from ._lock import Lock, lock_fsspec, lock_local
from ._manifest import Pair
from ._work import PairResult

__all__ = [
    "OutputFolder", "open_output_folder", "EXTENSIONS", "DONE_FILE", "FAILURES_FILE", "TMP_PREFIX",
]

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
# Why a pair recorded as done is aligned again on resume, as the report counts them.
MISSING, EMPTY, TRUNCATED, CHANGED, UNREADABLE = (
    "output missing", "output empty", "output truncated", "output changed since it was written", "output unreadable")
# Errors of a single output file (its name): the pair fails and the batch goes on. Any
# other refusal (read-only, full, permissions, I/O) would refuse every pair: it stops the batch.
_ONE_FILE_ERRNOS = {errno.ENAMETOOLONG, errno.EISDIR}


class OutputFolder:
    """What the batch engine needs of an output folder; `open_output_folder` makes one."""

    display: str  # the folder, as the user gave it
    done_display: str  # where the pairs done are recorded
    failures_display: str  # where the failures are recorded

    def output_name(self, pair_id: str) -> str:
        """The output file of a pair, for messages."""
        raise NotImplementedError

    def resume_state(self, ids: Iterable[str]) -> tuple[set[str], dict[str, str]]:
        """(the `ids` done whose output is as written, {id: why it is aligned again} for the others recorded as done)."""
        raise NotImplementedError

    def write(self, result: PairResult) -> None:
        """Write the output files atomically, then record the pair as done."""
        raise NotImplementedError

    def fail(self, result: PairResult, pair: Pair) -> None:
        """Record a pair that failed."""
        raise NotImplementedError

    def close(self) -> None:
        """Write any records still held in memory, and release the folder's lock."""


def open_output_folder(path: str | os.PathLike, format: str, resume: bool, break_lock: bool = False) -> OutputFolder:
    """The output folder at `path` (created if needed), locked for this run and ready.

    Temporary files of an interrupted run are deleted; the failures of the
    previous run are forgotten (every pair that failed is tried again); with
    `resume` False the done record starts anew. OutputError if the folder
    cannot be written, or another batch holds its lock (`break_lock` takes
    the lock over).
    """
    name = os.fspath(path)
    if is_local(name):
        return _LocalFolder(local_path(name), format, resume, break_lock)
    return _FsspecFolder(name, format, resume, break_lock)


def _files(result: PairResult, ext: str | None) -> list[tuple[str, bytes]]:
    """The output files of a pair: (name in the folder, bytes)."""
    if result.files:
        return [(result.id + suffix, text.encode("utf-8")) for suffix, text in result.files]
    return [(f"{result.id}.{ext}", (result.text or "").encode("utf-8"))]


def _checksum(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _done_record(result: PairResult, files: list[tuple[str, bytes]]) -> dict:
    record: dict[str, Any] = {"id": result.id, "sentences": result.sentences, "seconds": round(result.seconds, 3)}
    if result.files:
        record["files"] = [{"name": name, **_checksum(data)} for name, data in files]
    else:
        record.update(_checksum(files[0][1]))
    if result.warnings:
        record["warnings"] = list(result.warnings)
    return record


def _write_error(exc: OSError, name: str) -> OSError:
    """What a refused write becomes: the OSError itself if only this file is at fault, else an OutputError."""
    if exc.errno in _ONE_FILE_ERRNOS:
        return exc
    return OutputError(f"cannot write {name!r}: {describe(exc)}")


def _failure_record(result: PairResult, pair: Pair) -> dict:
    record: dict[str, Any] = {"id": result.id, "error": result.error, "type": result.error_type,
                              "source": pair.source, "target": pair.target}
    if result.unexpected:
        record["unexpected"] = True
        if result.error_detail:
            record["traceback"] = result.error_detail
    return record


def _records(lines: list[str]) -> dict[str, dict]:
    """The latest done record of each id."""
    records = {}
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: that pair is done again
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            records[record["id"]] = record
    return records


def _resume_state(
    records: dict[str, dict], ids: Iterable[str], size: Callable[[str], int | None], read: Callable[[str], bytes],
    format: str,
) -> tuple[set[str], dict[str, str]]:
    """Sort the `ids` recorded as done into those whose outputs are complete and those to align again (with why).

    `size(name)` is the size of the output file `name` (None: absent),
    `read(name)` its bytes. Every output is read back: its checksum must be
    the one recorded.
    """
    done: set[str] = set()
    again: dict[str, str] = {}
    ext = EXTENSIONS[format]
    for pair_id in ids:
        record = records.get(pair_id)
        if record is None:
            continue
        expected = _expected_files(record, pair_id, ext)
        why = MISSING if expected is None else _why_not_done(expected, size, read, format)
        if why is None:
            done.add(pair_id)
        else:
            again[pair_id] = why
    return done, again


def _expected_files(record: dict, pair_id: str, ext: str | None) -> list[tuple[str, Any, Any]] | None:
    """(name, bytes, sha256) of each output file a done record names; None if it names none of this format."""
    if ext is not None:
        # A record of a format of several files names no `<id>.<ext>`: that output is missing.
        return None if "files" in record else [(f"{pair_id}.{ext}", record.get("bytes"), record.get("sha256"))]
    files = record.get("files")
    if not isinstance(files, list) or not files:
        return None
    expected = []
    for entry in files:
        entry = entry if isinstance(entry, dict) else {"name": entry}  # a name alone: no checksum
        name = entry.get("name")
        # Only this pair's files in this folder: a record is no way to read any other file.
        if not (isinstance(name, str) and name.startswith(pair_id + ".") and "/" not in name and "\\" not in name):
            return None
        expected.append((name, entry.get("bytes"), entry.get("sha256")))
    return expected


def _why_not_done(expected: list[tuple[str, Any, Any]], size: Callable[[str], int | None],
                  read: Callable[[str], bytes], format: str) -> str | None:
    """Why the output files are not those recorded (the first file that is not), or None if they all are."""
    for name, recorded_size, sha256 in expected:
        try:
            n = size(name)
            if n is None:
                return MISSING
            if n == 0:
                return EMPTY
            if isinstance(recorded_size, int) and n < recorded_size:
                return TRUNCATED
            if isinstance(recorded_size, int) and n != recorded_size:
                return CHANGED
            data = read(name)
        except OSError:
            return UNREADABLE
        if isinstance(sha256, str):
            if hashlib.sha256(data).hexdigest() != sha256:
                return CHANGED
        elif not _reads_back(data, format):
            return UNREADABLE
    return None


def _reads_back(data: bytes, format: str) -> bool:
    """Whether an output recorded without a checksum (an earlier version's) parses in its format.

    Only json and jsonl can be read back whole without the documents; tsv,
    tmx and vecalign are parsed without their sentences, and a moses file
    (one side alone) must only end a line, so a file cut at the end of a
    line may pass.
    """
    from ..formats import loads
    from ..formats.tmx import read_units
    from ..formats.tsv import read_rows
    from ..formats.vecalign import read_beads

    parse = {"json": lambda t: loads(t, "json"), "jsonl": lambda t: loads(t, "jsonl"), "tsv": read_rows,
             "tmx": read_units, "vecalign": read_beads, "moses": lambda t: t.endswith("\n")}[format]
    try:
        return bool(parse(data.decode("utf-8")))
    except (AlignerError, ValueError):
        return False


class _LocalFolder(OutputFolder):
    """A folder on local disk: os.replace for atomic files, appended record files."""

    def __init__(self, path: str, format: str, resume: bool, break_lock: bool) -> None:
        self.path = Path(path)
        self.format = format
        self.ext = EXTENSIONS[format]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the output folder {str(self.path)!r}: {describe(exc)}") from None
        self.done_path = self.path / DONE_FILE
        self.failures_path = self.path / FAILURES_FILE
        self._lock: Lock | None = lock_local(self.path, break_lock)
        try:
            for stale in self.path.glob(TMP_PREFIX + "*"):  # left by an interrupted run
                stale.unlink(missing_ok=True)
            if not resume:
                self.done_path.unlink(missing_ok=True)
            self.failures_path.write_text("", encoding="utf-8")
            self._end_line(self.done_path)
        except OSError as exc:
            self.close()
            raise OutputError(f"cannot write in the output folder {str(self.path)!r}: {describe(exc)}") from None
        self.display = str(self.path)
        self.done_display = str(self.done_path)
        self.failures_display = str(self.failures_path)

    def output_name(self, pair_id: str) -> str:
        return str(self.path / f"{pair_id}.{self.ext or '*'}")

    def resume_state(self, ids: Iterable[str]) -> tuple[set[str], dict[str, str]]:
        try:
            lines = self.done_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return set(), {}
        except OSError as exc:
            raise OutputError(f"cannot read {str(self.done_path)!r}: {describe(exc)}") from None
        # One listing rather than a stat per absent id: a folder may hold millions of outputs.
        present = set(os.listdir(self.path))

        def size(name: str) -> int | None:
            return os.stat(self.path / name).st_size if name in present else None

        def read(name: str) -> bytes:
            return (self.path / name).read_bytes()

        return _resume_state(_records(lines), ids, size, read, self.format)

    def write(self, result: PairResult) -> None:
        files = _files(result, self.ext)
        for name, data in files:
            tmp = self.path / f"{TMP_PREFIX}{result.id}.{os.getpid()}.{secrets.token_hex(4)}"
            try:
                _fs.replace_file(self.path / name, data, tmp)
            except OSError as exc:
                raise _write_error(exc, str(self.path / name)) from None
        self._append(self.done_path, _done_record(result, files))

    def fail(self, result: PairResult, pair: Pair) -> None:
        self._append(self.failures_path, _failure_record(result, pair))

    def close(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.release()

    @staticmethod
    def _append(path: Path, record: dict) -> None:
        try:
            with open(path, "a", encoding="utf-8", newline="") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {str(path)!r}: {describe(exc)}") from None

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

    def __init__(self, url: str, format: str, resume: bool, break_lock: bool) -> None:
        self.url = url.rstrip("/")
        self.fs, root = filesystem(self.url)
        self.root = root.rstrip("/")
        self.format = format
        self.ext = EXTENSIONS[format]
        self.done_dir = f"{self.root}/{DONE_FILE[:-len('.jsonl')]}"
        self.failures_dir = f"{self.root}/{FAILURES_FILE[:-len('.jsonl')]}"
        try:
            self.fs.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the output folder {self.url!r}: {describe(exc)}") from None
        self._lock: Lock | None = lock_fsspec(self.fs, self.root, self.url, break_lock)
        try:
            for stale in self.fs.glob(f"{self.root}/{TMP_PREFIX}*"):
                self.fs.rm(stale)
            if not resume and self.fs.exists(self.done_dir):
                self.fs.rm(self.done_dir, recursive=True)
            if self.fs.exists(self.failures_dir):
                self.fs.rm(self.failures_dir, recursive=True)
            self.fs.makedirs(self.done_dir, exist_ok=True)
            self.fs.makedirs(self.failures_dir, exist_ok=True)
        except OSError as exc:
            self._lock.release()
            raise OutputError(f"cannot write in the output folder {self.url!r}: {describe(exc)}") from None
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

    def resume_state(self, ids: Iterable[str]) -> tuple[set[str], dict[str, str]]:
        lines: list[str] = []
        try:
            for piece in sorted(self.fs.find(self.done_dir)):
                lines += self.fs.cat_file(piece).decode("utf-8", errors="replace").splitlines()
            sizes = {entry["name"].rsplit("/", 1)[-1]: entry.get("size") for entry in self.fs.ls(self.root, detail=True)}
        except OSError as exc:
            raise OutputError(f"cannot read the done record {self.done_display!r}: {describe(exc)}") from None

        def read(name: str) -> bytes:
            return self.fs.cat_file(f"{self.root}/{name}")

        def size(name: str) -> int | None:
            if name not in sizes:
                return None
            return sizes[name] if sizes[name] is not None else len(read(name))  # a store that lists no sizes

        return _resume_state(_records(lines), ids, size, read, self.format)

    def write(self, result: PairResult) -> None:
        files = _files(result, self.ext)
        for name, data in files:
            tmp = f"{self.root}/{TMP_PREFIX}{result.id}.{os.getpid()}.{secrets.token_hex(4)}"
            try:
                self.fs.pipe_file(tmp, data)
                self.fs.mv(tmp, f"{self.root}/{name}")
            except BaseException as exc:
                try:
                    self.fs.rm(tmp)
                except (OSError, ValueError):
                    pass  # never written: nothing to remove
                if isinstance(exc, OSError):
                    raise _write_error(exc, f"{self.url}/{name}") from None
                raise
        self._hold(self.done_dir, _done_record(result, files))

    def fail(self, result: PairResult, pair: Pair) -> None:
        self._hold(self.failures_dir, _failure_record(result, pair))

    def _hold(self, folder: str, record: dict) -> None:
        self._held[folder].append(record)
        waiting = sum(map(len, self._held.values()))
        if waiting >= _PIECE_RECORDS or time.monotonic() - self._since >= _PIECE_SECONDS:
            self._flush()

    def close(self) -> None:
        try:
            self._flush()
        finally:
            if self._lock is not None:
                lock, self._lock = self._lock, None
                lock.release()

    def _flush(self) -> None:
        for folder, records in self._held.items():
            if records:
                self._pieces += 1
                text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
                piece = f"{folder}/{self._run}-{self._pieces:06d}.jsonl"
                try:
                    self.fs.pipe_file(piece, text.encode("utf-8"))
                except OSError as exc:
                    raise OutputError(f"cannot write {self.url + piece[len(self.root):]!r}: {describe(exc)}") from None
                records.clear()
        self._since = time.monotonic()
