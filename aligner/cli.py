"""The ``aligner`` command: a thin layer over the library's own functions.

    aligner align SRC TGT [--src-lang fr] [--tgt-lang ar] [--presplit] [--format tsv|json|vecalign] [-o FILE]
    aligner eval GOLD TEST
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import AlignerError

__all__ = ["main"]


def _read_text(path: str, what: str) -> str:
    """The text of a file (or stdin for '-'), with a clear error for bad bytes."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise AlignerError(f"cannot read the {what} file {path!r}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AlignerError(
            f"the {what} file {path!r} is not UTF-8: byte {data[exc.start]:#04x} on line {line}; "
            "convert it first, e.g. with iconv -f LATIN1 -t UTF-8"
        ) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aligner", description="Align the sentences of two documents.")
    p.add_argument("--version", action="version", version=f"aligner {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("align", help="align two documents")
    a.add_argument("source", help="source document, or - for stdin")
    a.add_argument("target", help="target document, or - for stdin")
    a.add_argument("--src-lang", help="source language code (detected when absent)")
    a.add_argument("--tgt-lang", help="target language code (detected when absent)")
    a.add_argument("--presplit", action="store_true", help="the files hold one sentence a line")
    a.add_argument("--format", default="tsv", choices=("tsv", "json", "vecalign"), help="output format")
    a.add_argument("--encoder", default=None, help="sentence-transformers model name or folder (default: embedded USE v3)")
    a.add_argument("--cache-dir", default=None, help="folder for an on-disk embedding cache")
    a.add_argument("-o", "--output", default="-", help="output file (default: stdout)")

    e = sub.add_parser("eval", help="score a test alignment against a gold one (Vecalign format)")
    e.add_argument("gold", help="gold beads, Vecalign format")
    e.add_argument("test", help="test beads, Vecalign format")
    return p


def _cmd_align(args) -> int:
    from .formats import dumps
    from .pipeline import align

    if args.source == "-" and args.target == "-":
        raise AlignerError("only one of SRC and TGT can be read from stdin")
    src = _read_text(args.source, "source")
    tgt = _read_text(args.target, "target")
    if args.presplit:
        src = [line for line in src.splitlines() if line.strip()]
        tgt = [line for line in tgt.splitlines() if line.strip()]
    options = {"cache_dir": args.cache_dir} if args.cache_dir else {}
    result = align(src, tgt, source_lang=args.src_lang, target_lang=args.tgt_lang, encoder=args.encoder, **options)
    text = dumps(result, args.format)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise AlignerError(f"cannot write the output file {args.output!r}: {exc.strerror}") from None
    return 0


def _cmd_eval(args) -> int:
    from .evaluate import score_beads
    from .formats import read_beads

    gold = read_beads(_read_text(args.gold, "gold"))
    test = read_beads(_read_text(args.test, "test"))
    scores = score_beads(gold, test)
    for key in ("precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax"):
        print(f"{key}\t{scores[key]:.4f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {"align": _cmd_align, "eval": _cmd_eval}[args.command](args)
    except AlignerError as exc:
        print(f"aligner: error: {exc}", file=sys.stderr)
        return 2
