"""Paths that may be URLs: plain paths through the os, anything else through fsspec.

A batch's manifest, its documents and its output folder may live on local
disk (``corpus/pairs.tsv``, ``file:///data/pairs.tsv``) or anywhere fsspec
reaches (``s3://bucket/pairs.tsv``, ``memory://corpus/pairs.tsv``). Local
paths stay on the os's own calls: no fsspec import for the common case, and
the usual error messages ("No such file or directory").
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = [
    "is_local", "local_path", "parent", "join", "read_bytes", "write_new", "replace_file", "filesystem", "describe",
]

_LOCAL_PROTOCOLS = ("file", "local")


def _protocol(path: str) -> str | None:
    head, sep, _ = path.rpartition("://")
    return head if sep else None


def is_local(path: str | os.PathLike) -> bool:
    """True for a plain path or a ``file://`` URL."""
    protocol = _protocol(os.fspath(path))
    return protocol is None or protocol in _LOCAL_PROTOCOLS


def local_path(path: str | os.PathLike) -> str:
    """A local path or ``file://`` URL as a plain path."""
    path = os.fspath(path)
    return path.rpartition("://")[2] if _protocol(path) in _LOCAL_PROTOCOLS else path


def parent(path: str | os.PathLike) -> str:
    """The folder of `path`, in the same form (a plain path, or a URL of the same protocol)."""
    path = os.fspath(path)
    if _protocol(path) is None:
        return str(Path(path).parent)
    head, sep, rest = path.rpartition("://")
    return f"{head}{sep}{posixpath.dirname(rest.rstrip('/'))}"


def join(folder: str, relative: str) -> str:
    """`relative` resolved against `folder`: a URL or an absolute path is kept as it is."""
    if _protocol(relative) is not None:
        return relative
    if _protocol(folder) is None:
        return os.path.join(folder, relative)  # not pathlib: a manifest may have millions of lines
    head, sep, rest = folder.rpartition("://")
    return f"{head}{sep}{posixpath.join(rest, relative)}"


def filesystem(path: str | os.PathLike) -> tuple[Any, str]:
    """(fsspec file system, path inside it) for a URL; InputError if fsspec cannot serve it."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec is a dependency
        raise InputError(f"{os.fspath(path)!r} is a URL, which needs fsspec: pip install fsspec") from None
    try:
        return url_to_fs(os.fspath(path))
    except (ImportError, ValueError) as exc:
        # fsspec names the package a protocol needs (s3fs for s3://, gcsfs for gs://...).
        raise InputError(f"cannot open {os.fspath(path)!r}: {exc}") from None


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a local file or of a URL; OSError (FileNotFoundError...) if it cannot be read."""
    if is_local(path):
        return Path(local_path(path)).read_bytes()
    fs, inner = filesystem(path)
    return fs.cat_file(inner)


def write_new(path: str | os.PathLike, data: bytes) -> None:
    """Create the local file `path` (FileExistsError if it exists) holding `data`, on disk (fsync) when this returns."""
    # os.open, not mkstemp: the file gets the usual permissions (0o666 less the umask), not 0o600.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def describe(exc: OSError) -> str:
    """Why a file could not be read, in a few words, whichever file system said so."""
    if exc.strerror:
        return exc.strerror
    if isinstance(exc, FileNotFoundError):
        return "No such file or directory"
    if isinstance(exc, IsADirectoryError):
        return "Is a directory"
    if isinstance(exc, PermissionError):
        return "Permission denied"
    return str(exc) or type(exc).__name__


def replace_file(final: str | os.PathLike, data: bytes, tmp: str | os.PathLike) -> None:
    """Write `data` to the local file `final` atomically: to `tmp` (same folder, a new name) then os.replace.

    A reader sees the old file or the whole new one, never half of it.
    """
    try:
        write_new(tmp, data)  # whole and on disk before it takes its name
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
