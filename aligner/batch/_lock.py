"""One batch at a time per output folder: a lock file, ``_lock.json``, naming the run that holds it.

Two batches writing the same folder would each record pairs the other
overwrites, and each would delete the other's temporary files. The lock
holds the host, the pid, the start time and a token of the run; the run
removes it when it ends, however it ends short of being killed.

- On local disk the lock is made atomically: written whole under a
  temporary name, then hard-linked to ``_lock.json``, which fails if the
  name exists. On another file system fsspec reaches (object storage),
  where no such call exists, the lock is written if absent and read back:
  two runs started in the same instant may both pass, which the lock's
  message cannot rule out there.
- A lock left by a run that was killed is stale: when it names this host
  and a process that no longer runs (or a pid now used by a process
  started after the lock), it is taken over with a warning. A lock of
  another host cannot be checked from here: ``break_lock=True``
  (``--break-lock``) takes it over.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import _fs
from .._fs import describe
from ..errors import AlignerWarning, OutputError

__all__ = ["LOCK_FILE", "Lock", "lock_local", "lock_fsspec"]

LOCK_FILE = "_lock.json"
# Takes-over attempts before giving up: each one loses only to another run taking the same lock.
_ATTEMPTS = 5


class _Store:
    """Where a lock lives: create it only if absent, read it, remove it if it is still the one read."""

    display: str

    def create(self, data: bytes) -> bool:
        raise NotImplementedError

    def read(self) -> bytes | None:
        raise NotImplementedError

    def remove_if(self, data: bytes) -> None:
        raise NotImplementedError


class _LocalStore(_Store):
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self.folder = folder
        self.display = str(self.path)

    def _tmp(self) -> Path:
        return self.folder / f".aligner-tmp-lock.{os.getpid()}.{secrets.token_hex(4)}"

    def create(self, data: bytes) -> bool:
        tmp = self._tmp()
        try:
            _fs.write_new(tmp, data)
            try:
                os.link(tmp, self.path)  # atomic, and fails if a lock exists
                return True
            except (FileExistsError, FileNotFoundError):  # (the temporary file removed by the run holding the lock)
                return False
            except (AttributeError, NotImplementedError, PermissionError):
                pass
        finally:
            tmp.unlink(missing_ok=True)
        # No hard links here (some network or FAT file systems): O_EXCL, with a
        # moment in which another run may read the lock still empty.
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return True

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def remove_if(self, data: bytes) -> None:
        # Moved aside first (atomic): of two runs taking over the same stale lock,
        # only one moves it, and a lock written meanwhile by a third is put back.
        aside = self._tmp()
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        try:
            if aside.read_bytes() != data:
                try:
                    os.link(aside, self.path)
                except FileExistsError:
                    pass
        finally:
            aside.unlink(missing_ok=True)


class _FsspecStore(_Store):
    def __init__(self, fs: Any, root: str, url: str) -> None:
        self.fs = fs
        self.path = f"{root}/{LOCK_FILE}"
        self.display = f"{url}/{LOCK_FILE}"

    def create(self, data: bytes) -> bool:
        if self.fs.exists(self.path):
            return False
        self.fs.pipe_file(self.path, data)
        return self.read() == data  # another run's lock written in the same instant wins

    def read(self) -> bytes | None:
        try:
            return self.fs.cat_file(self.path)
        except FileNotFoundError:
            return None

    def remove_if(self, data: bytes) -> None:
        if self.read() == data:
            try:
                self.fs.rm(self.path)
            except FileNotFoundError:
                pass


class Lock:
    """A held lock; `release` removes it if it is still this run's."""

    def __init__(self, store: _Store, data: bytes) -> None:
        self._store = store
        self._data = data

    def release(self) -> None:
        if self._data:
            data, self._data = self._data, b""
            self._store.remove_if(data)


def lock_local(folder: Path, break_lock: bool) -> Lock:
    """Take the lock of a local output folder, or raise OutputError naming the run that holds it."""
    return _acquire(_LocalStore(folder), break_lock)


def lock_fsspec(fs: Any, root: str, url: str, break_lock: bool) -> Lock:
    """Take the lock of an output folder on an fsspec file system (see the module's docstring)."""
    return _acquire(_FsspecStore(fs, root, url), break_lock)


def _acquire(store: _Store, break_lock: bool) -> Lock:
    now = time.time()
    mine = {"host": socket.gethostname(), "pid": os.getpid(), "started": _iso(now), "time": now,
            "token": secrets.token_hex(8)}
    data = (json.dumps(mine) + "\n").encode("utf-8")
    for _ in range(_ATTEMPTS):
        try:
            if store.create(data):
                return Lock(store, data)
            held = store.read()
        except OSError as exc:
            raise OutputError(f"cannot write the lock file {store.display!r}: {describe(exc)}") from None
        if held is None:
            continue  # released in between
        other = _parse(held)
        if break_lock:
            why = "broken on request (break_lock=True, --break-lock)"
        elif other is not None and other["host"] == mine["host"] and not _running(other["pid"], other["time"]):
            why = "stale: that process is no longer running"
        else:
            raise OutputError(_held_message(store.display, other))
        warnings.warn(f"the lock {store.display!r} of {_who(other)} was {why}; this run takes the folder over",
                      AlignerWarning, stacklevel=4)
        try:
            store.remove_if(held)
        except OSError as exc:
            raise OutputError(f"cannot remove the lock file {store.display!r}: {describe(exc)}") from None
    raise OutputError(f"cannot take the lock {store.display!r}: other runs keep taking it")


def _held_message(display: str, other: dict | None) -> str:
    return (
        f"the output folder is in use by another batch: {_who(other)} holds the lock {display!r}. "
        "Wait for it to end, or, if it is no longer running, run again with --break-lock (break_lock=True)"
    )


def _who(other: dict | None) -> str:
    if other is None:
        return "a run that left a lock file this version cannot read"
    return f"host {other['host']}, pid {other['pid']}, started {other['started']}"


def _parse(data: bytes) -> dict | None:
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    ok = (isinstance(record, dict) and isinstance(record.get("host"), str) and isinstance(record.get("pid"), int)
          and isinstance(record.get("time"), (int, float)) and isinstance(record.get("started"), str))
    return record if ok else None


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _running(pid: int, since: float) -> bool:
    """Whether process `pid` of this host may still be the run that took a lock at `since` (epoch seconds).

    False when no such process exists, when it is a zombie, or when it
    started after the lock (the pid was reused); True when it cannot be told.
    """
    if os.name == "nt":
        return True  # os.kill would end the process there, not probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user: it exists
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open("/proc/stat", "rb") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith(b"btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return True  # no /proc (macOS...): the pid exists, which is all that can be told
    if fields[0] == b"Z":
        return False
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + 1  # btime is whole seconds
