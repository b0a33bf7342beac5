"""TMX 1.4b, the translation-memory exchange format that CAT tools read.

One ``<tu>`` (translation unit) per bead that has both sides, with one
``<tuv xml:lang="..."><seg>`` per side holding the bead's sentences joined
by a space (with nothing for Chinese, Japanese, Thai, Lao, Khmer and
Burmese, as the aligner joins them)::

    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE tmx SYSTEM "tmx14.dtd">
    <tmx version="1.4">
      <header creationtool="aligner" creationtoolversion="0.1.0" segtype="sentence"
              o-tmf="aligner" adminlang="en" srclang="fr" datatype="plaintext">
        <prop type="x-aligner-signature">aligner:0.1.0|enc:...</prop>
        <prop type="x-aligner-target-lang">ar</prop>
        <prop type="x-aligner-source-sentences">12</prop>
        <prop type="x-aligner-target-sentences">14</prop>
        <prop type="x-aligner-unaligned">s3 t2 t5</prop>
      </header>
      <body>
        <tu tuid="1">
          <prop type="x-aligner-score">0.412</prop>
          <prop type="x-aligner-source-ids">0</prop>
          <prop type="x-aligner-target-ids">0</prop>
          <tuv xml:lang="fr"><seg>La Turquie et la Syrie ...</seg></tuv>
          <tuv xml:lang="ar"><seg>عقدت في العاصمة التركية ...</seg></tuv>
        </tu>
      </body>
    </tmx>

**1-0 and 0-1 beads are not translation units**: a sentence with no
counterpart has nothing to pair it with, and a translation memory fed an
empty target would propose "translate this as nothing". They are left out of
the body; the header's ``x-aligner-unaligned`` prop lists them in order
(``s3`` is source sentence 3, ``t2`` target sentence 2) so that reading the
file back rebuilds the same beads. Their score (always 0.0 from `align`) is
not kept.

Kept: the languages (``srclang`` and each ``xml:lang``; both are required
to write), every two-sided bead's text, sentence ids and score (written so
that it reads back as the same float), the order of the unaligned
sentences, and ``metadata["signature"]``. Not kept: the sentence boundaries
inside a bead's text and the unaligned sentences' text, so reading needs the
original sentences, as TSV does; other metadata.

The file is written with `xml.etree.ElementTree`, so ``<``, ``&`` and the
rest are escaped as XML requires; a carriage return is written ``&#13;``
(XML readers turn a raw one into a newline), so every text round-trips
exactly. XML 1.0 cannot hold the other control characters (U+0000-U+001F
except tab, newline and carriage return), U+FFFE, U+FFFF or unpaired
surrogates: writing a sentence that has one raises `FormatError`, naming the
sentence (use the JSON format for such text). The output has no creation
date, so the same alignment always gives the same bytes.

It is read with defusedxml: a file that declares entities (the "billion
laughs") or refers to external ones (``file:///etc/passwd``) raises
`FormatError`, whichever expat Python was built with.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Sequence

import defusedxml
import defusedxml.ElementTree as SafeET

from ..alignment import Alignment, Bead
from ..errors import FormatError
from .._text import joiner
from .vecalign import _build, parse_score

__all__ = ["dumps", "loads", "read_units", "TMX_VERSION"]

TMX_VERSION = "1.4"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot hold, even escaped (its Char production).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

P_SIGNATURE = "x-aligner-signature"
P_TARGET_LANG = "x-aligner-target-lang"
P_SOURCE_COUNT = "x-aligner-source-sentences"
P_TARGET_COUNT = "x-aligner-target-sentences"
P_UNALIGNED = "x-aligner-unaligned"
P_SCORE = "x-aligner-score"
P_SOURCE_IDS = "x-aligner-source-ids"
P_TARGET_IDS = "x-aligner-target-ids"


def dumps(alignment: Alignment) -> str:
    """Write `alignment` as TMX 1.4b (see the module docstring).

    Raises:
        FormatError: a language is missing (TMX needs both), or a sentence
            holds a character XML 1.0 cannot represent.
    """
    from .. import __version__

    src_lang, tgt_lang = alignment.source_lang, alignment.target_lang
    missing = [side for side, lang in (("source", src_lang), ("target", tgt_lang)) if not lang]
    if missing:
        sides = " and ".join(missing)
        raise FormatError(
            f"TMX needs the language of each side, and the {sides} language "
            f"{'is' if len(missing) == 1 else 'are'} missing: pass source_lang= and target_lang= "
            "to align() (or --src-lang/--tgt-lang on the command line)"
        )
    root = ET.Element("tmx", version=TMX_VERSION)
    header = ET.SubElement(root, "header", {
        "creationtool": "aligner",
        "creationtoolversion": __version__,
        "segtype": "sentence",
        "o-tmf": "aligner",
        "adminlang": "en",
        "srclang": src_lang,
        "datatype": "plaintext",
    })
    signature = alignment.metadata.get("signature")
    if signature is not None:
        _prop(header, P_SIGNATURE, _xml_safe(str(signature), "metadata['signature']"))
    _prop(header, P_TARGET_LANG, tgt_lang)
    _prop(header, P_SOURCE_COUNT, str(len(alignment.source_sentences)))
    _prop(header, P_TARGET_COUNT, str(len(alignment.target_sentences)))
    unaligned = [f"s{b.source[0]}" if b.source else f"t{b.target[0]}" for b in alignment.beads if b.is_deletion]
    _prop(header, P_UNALIGNED, " ".join(unaligned))

    body = ET.SubElement(root, "body")
    sep_s, sep_t = joiner(src_lang), joiner(tgt_lang)
    n_units = 0
    for bead in alignment.beads:
        if bead.is_deletion:
            continue
        n_units += 1
        tu = ET.SubElement(body, "tu", tuid=str(n_units))
        _prop(tu, P_SCORE, repr(float(bead.score)))
        _prop(tu, P_SOURCE_IDS, ",".join(str(int(i)) for i in bead.source))
        _prop(tu, P_TARGET_IDS, ",".join(str(int(j)) for j in bead.target))
        for lang, sents, ids, sep, side in (
            (src_lang, alignment.source_sentences, bead.source, sep_s, "source"),
            (tgt_lang, alignment.target_sentences, bead.target, sep_t, "target"),
        ):
            for i in ids:
                _xml_safe(sents[i], f"{side} sentence {i}")
            tuv = ET.SubElement(tu, "tuv", {_XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = sep.join(sents[i] for i in ids)
    ET.indent(root, space="  ")  # leaves <seg> alone: it has no children
    xml = ET.tostring(root, encoding="unicode")
    # The only raw "\r" left are in text: escape them, or a reader makes them "\n".
    xml = xml.replace("\r", "&#13;")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n' + xml + "\n"


def _prop(parent: ET.Element, kind: str, value: str) -> None:
    ET.SubElement(parent, "prop", type=kind).text = value


def _xml_safe(text: str, where: str) -> str:
    m = _NOT_XML.search(text)
    if m:
        raise FormatError(
            f"{where} holds the character U+{ord(m.group()):04X}, which XML 1.0 (and so TMX) "
            "cannot represent; remove it, or use the JSON format"
        )
    return text


def read_units(text: str) -> list[dict[str, Any]]:
    """The translation units of any TMX file, without sentences or checks of coverage.

    Returns one dict per ``<tu>``, in order: ``{"tuid": str | None,
    "props": {type: text}, "segs": [(lang, text), ...]}``. The text of a
    ``<seg>`` keeps ``<hi>`` content and drops inline codes (``<bpt>``,
    ``<ept>``, ``<ph>``, ``<it>``, ``<ut>``), which hold formatting, not text.
    """
    _, _, units = _parse(text)
    return units


def _parse(text: str) -> tuple[ET.Element, dict[str, str], list[dict[str, Any]]]:
    try:
        # A TMX file names its DTD (<!DOCTYPE tmx SYSTEM "tmx14.dtd">), which is
        # allowed, but declares no entities: refusing every entity declaration
        # and external reference stops the billion laughs and file:/// reads
        # here, whatever the version of expat installed.
        root = SafeET.fromstring(text.lstrip("\ufeff"), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except ET.ParseError as e:
        line, col = e.position
        msg = str(e).split(":")[0]
        raise FormatError(f"line {line}, column {col + 1}: not well-formed XML: {msg}") from None
    except defusedxml.DefusedXmlException as e:
        raise FormatError(f"the TMX file declares XML entities or refers to external ones, which are refused: {e}") from None
    if root.tag != "tmx":
        raise FormatError(f"the root element is <{root.tag}>, not <tmx>: this is not a TMX file")
    header = root.find("header")
    body = root.find("body")
    if header is None or body is None:
        raise FormatError(f"<tmx> must hold a <header> and a <body>; it has {[c.tag for c in root]}")
    units = []
    for n, tu in enumerate(body.findall("tu"), start=1):
        segs = []
        for tuv in tu.findall("tuv"):
            lang = tuv.get(_XML_LANG) or tuv.get("lang")  # lang: TMX 1.1-1.2
            seg = tuv.find("seg")
            if seg is None:
                raise FormatError(f"tu {n}: a <tuv> has no <seg>")
            segs.append((lang, _seg_text(seg)))
        units.append({"tuid": tu.get("tuid"), "props": _props(tu), "segs": segs})
    return header, _props(header), units


_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})


def _seg_text(elem: ET.Element) -> str:
    parts = [elem.text or ""]
    for child in elem:
        if child.tag not in _CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _props(elem: ET.Element) -> dict[str, str]:
    return {p.get("type", ""): p.text or "" for p in elem.findall("prop")}


def loads(
    text: str,
    *,
    source_sentences: Sequence[str] | None = None,
    target_sentences: Sequence[str] | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Read a TMX file written by `dumps` back into an `Alignment`.

    The sentences are required (the file has the joined text of each
    two-sided bead only, and not the unaligned sentences); each unit's text
    is checked against them. `source_lang` and `target_lang`, if given, must
    match the file's. Sentences in no unit and not in the header's
    ``x-aligner-unaligned`` list get 1-0 and 0-1 beads.
    """
    if source_sentences is None or target_sentences is None:
        raise FormatError(
            "TMX keeps only the text of each aligned bead, with its sentences joined, and leaves "
            "unaligned sentences out: pass source_sentences and target_sentences to read it, "
            "or use the JSON format, which stores the sentences"
        )
    src_sents, tgt_sents = list(source_sentences), list(target_sentences)
    header, hprops, units = _parse(text)
    src_lang = header.get("srclang")
    if not src_lang:
        raise FormatError("<header> has no srclang attribute")
    tgt_lang = hprops.get(P_TARGET_LANG) or None
    if tgt_lang is None:
        others = {lang for u in units for lang, _ in u["segs"] if lang != src_lang}
        if len(others) != 1:
            raise FormatError(
                f"cannot tell the target language: no {P_TARGET_LANG} prop in <header>, and the "
                f"units hold {len(others)} languages other than srclang {src_lang!r}"
            )
        tgt_lang = others.pop()
    for side, given, found in (("source", source_lang, src_lang), ("target", target_lang, tgt_lang)):
        if given is not None and given.lower() != found.lower():
            raise FormatError(f"the file's {side} language is {found!r}, not {given!r} as given")
    for side, key, sents in (("source", P_SOURCE_COUNT, src_sents), ("target", P_TARGET_COUNT, tgt_sents)):
        if key in hprops and hprops[key] != str(len(sents)):
            raise FormatError(
                f"the file was written for {hprops[key]} {side} sentences, but {len(sents)} were given"
            )

    tus: list[tuple[str, Bead, str, str]] = []
    for n, unit in enumerate(units, start=1):
        where = f"tu {n}" + (f" (tuid {unit['tuid']!r})" if unit["tuid"] not in (None, str(n)) else "")
        props = unit["props"]
        if P_SOURCE_IDS not in props or P_TARGET_IDS not in props:
            raise FormatError(
                f"{where}: no {P_SOURCE_IDS} / {P_TARGET_IDS} props: only TMX files written by "
                "aligner can be read back into an Alignment (read_units reads any TMX file)"
            )
        src_ids = _ids(props[P_SOURCE_IDS], where, "source")
        tgt_ids = _ids(props[P_TARGET_IDS], where, "target")
        score = parse_score(props.get(P_SCORE, "0"), f"{where}: {P_SCORE}")
        segs = unit["segs"]
        if len(segs) != 2:
            raise FormatError(f"{where}: expected 2 <tuv> (source and target), got {len(segs)}")
        if src_lang.lower() != tgt_lang.lower():
            by_lang = {(lang or "").lower(): t for lang, t in segs}
            if set(by_lang) != {src_lang.lower(), tgt_lang.lower()}:
                raise FormatError(
                    f"{where}: expected one <tuv> in {src_lang!r} and one in {tgt_lang!r}, "
                    f"got {[lang for lang, _ in segs]}"
                )
            src_text, tgt_text = by_lang[src_lang.lower()], by_lang[tgt_lang.lower()]
        else:  # the same language on both sides: source first, as written
            src_text, tgt_text = segs[0][1], segs[1][1]
        tus.append((where, Bead(src_ids, tgt_ids, score), src_text, tgt_text))

    entries = _merge(tus, hprops.get(P_UNALIGNED, ""))
    alignment = _build(entries, src_sents, tgt_sents, True, src_lang, tgt_lang)
    if P_SIGNATURE in hprops:
        alignment.metadata["signature"] = hprops[P_SIGNATURE]
    for where, bead, src_text, tgt_text in tus:
        for side, got, sents, ids, lang in (
            ("source", src_text, src_sents, bead.source, src_lang),
            ("target", tgt_text, tgt_sents, bead.target, tgt_lang),
        ):
            expected = joiner(lang).join(sents[i] for i in ids)
            if got != expected:
                raise FormatError(
                    f"{where}: {side} text {_clip(got)} is not the given {side} sentences "
                    f"{list(ids)} joined ({_clip(expected)})"
                )
    return alignment


def _ids(field: str, where: str, side: str) -> tuple[int, ...]:
    parts = field.strip().split(",")
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise FormatError(f"{where}: expected comma-separated {side} ids like '0,1', got {field!r}")
    return tuple(int(p) for p in parts)


def _merge(tus: list[tuple[str, Bead, str, str]], unaligned: str) -> list[tuple[str, Bead]]:
    """The units and the listed unaligned sentences, in the order they were written."""
    out: list[tuple[str, Bead]] = []
    k = 0
    for item in unaligned.split():
        if len(item) < 2 or item[0] not in "st" or not (item[1:].isascii() and item[1:].isdigit()):
            raise FormatError(
                f"{P_UNALIGNED}: expected items like 's3' (source sentence 3) or 't2', got {item!r}"
            )
        side, i = item[0], int(item[1:])
        while k < len(tus) and (tus[k][1].source[0] if side == "s" else tus[k][1].target[0]) < i:
            out.append(tus[k][:2])
            k += 1
        bead = Bead((i,), ()) if side == "s" else Bead((), (i,))
        out.append((f"{P_UNALIGNED} item {item!r}", bead))
    out.extend(t[:2] for t in tus[k:])
    return out


def _clip(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[:width] + "...")
