"""Reading a document's bytes as text, with an error a person can act on."""

from __future__ import annotations

from ._fs import describe, read_bytes
from .errors import InputError

__all__ = ["decode_document", "read_document"]

# Byte-order marks of the encodings other than UTF-8, longest first (the
# UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"), (b"\x2b\x2f\x76", "UTF-7"), (b"\xf7\x64\x4c", "UTF-1"),
    (b"\xdd\x73\x66\x73", "UTF-EBCDIC"), (b"\x0e\xfe\xff", "SCSU"), (b"\xfb\xee\x28", "BOCU-1"),
    (b"\x84\x31\x95\x33", "GB18030"),
)


def decode_document(data: bytes, name: str, what: str) -> str:
    """`data` as UTF-8 text (a leading BOM dropped), or InputError naming the line of the first bad byte.

    A file that starts with the byte-order mark of another encoding (UTF-16,
    UTF-32...) is named as such, with the iconv command that converts it.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputError(
                f"the {what} file {name!r} is not UTF-8 but {encoding} (byte-order mark); "
                f"convert it first, e.g. with iconv -f {encoding} -t UTF-8"
            )
    nul = data.find(b"\x00")
    if nul >= 0:
        # Text never holds NUL; UTF-16 or UTF-32 written without a mark holds one in every two or four bytes.
        line = data.count(b"\n", 0, nul) + 1
        if data.count(b"\x00", 0, 4096) * 4 >= min(len(data), 4096):
            hint = "UTF-16 or UTF-32 without a byte-order mark? convert it first, e.g. with iconv -f UTF-16LE -t UTF-8"
        else:
            hint = "a binary file, not text?"
        raise InputError(f"the {what} file {name!r} holds a NUL byte on line {line} ({hint})")
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
