"""Reading a document's bytes as text, with an error a person can act on."""

from __future__ import annotations

from ._fs import describe, read_bytes
from .errors import InputError

__all__ = ["decode_document", "read_document"]


def decode_document(data: bytes, name: str, what: str) -> str:
    """`data` as UTF-8 text (a leading BOM dropped), or InputError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"the {what} file {name!r} is not UTF-8: byte {data[exc.start]:#04x} on line {line}; "
            "convert it first, e.g. with iconv -f LATIN1 -t UTF-8"
        ) from None


def read_document(path: str, what: str) -> str:
    """The text of the file at `path` (a local path or a URL fsspec reads); `what` ("source"...) names it in errors."""
    try:
        data = read_bytes(path)
    except OSError as exc:
        raise InputError(f"cannot read the {what} file {path!r}: {describe(exc)}") from None
    return decode_document(data, path, what)
