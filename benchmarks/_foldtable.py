"""The per-fold table of the leave-one-set-out protocol, from its records (no heavy imports: report.py uses it).

A record (one per fold, as `benchmarks.folds.run` and ``test_fold`` make them):
``{"family", "outside_encoder", "documents", "gold_beads", "systems": {system:
{"f1_strict", ... , "f1_rest" for a moved-paragraph cell}}, "chosen" (with
--fit), "seconds"}``, the systems being ``default``, ``bertalign`` and ``all``.
"""

from __future__ import annotations

__all__ = ["table_rows", "summary", "markdown_table", "text_table", "TABLE_NOTE"]


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"


TABLE_NOTE = ("Strict F1 (Vecalign's, counts summed over a fold's documents). Δ: default − bertalign, ✗ where "
              "negative. rest: the default's strict F1 without the moved article's beads (moved-paragraph cells). "
              "†: languages outside the default encoder (multilingual USE v3).")


def _systems(entries: dict[str, dict]) -> list[str]:
    seen: list[str] = []
    for e in entries.values():
        seen += [s for s in e["systems"] if s not in seen]
    return seen


def table_rows(entries: dict[str, dict]) -> tuple[list[str], list[list[str]]]:
    """The header and cells of the per-fold table."""
    systems = _systems(entries)
    fit = any("chosen" in e for e in entries.values())
    both = "default" in systems and "bertalign" in systems
    head = ["fold", "docs", "gold beads"] + systems + (["Δ"] if both else []) + ["rest"] + (["fitted"] if fit else [])
    rows = []
    for name, e in entries.items():
        sc = e["systems"]
        cells = [name + (" †" if e.get("outside_encoder") else ""), str(e["documents"]), str(e["gold_beads"])]
        cells += [_f(sc[s]["f1_strict"]) if s in sc else "" for s in systems]
        if both:
            d = sc["default"]["f1_strict"] - sc["bertalign"]["f1_strict"] if "default" in sc and "bertalign" in sc else None
            cells.append("" if d is None else f"{d:+.4f}" + (" ✗" if d < 0 else ""))
        rest = sc.get("default", {}).get("f1_rest")
        cells.append("" if rest is None else _f(rest))
        if fit:
            cells.append(" ".join(f"{k}={v}" for k, v in (e.get("chosen") or {}).items()))
        rows.append(cells)
    return head, rows


def summary(entries: dict[str, dict]) -> list[str]:
    """Each system's mean over the folds, and the folds where the default is below Bertalign."""
    systems = _systems(entries)
    out = []
    for s in systems:
        vals = [e["systems"][s]["f1_strict"] for e in entries.values() if s in e["systems"]]
        out.append(f"mean strict F1 of {s} over {len(vals)} folds: {sum(vals) / max(1, len(vals)):.4f}")
    if "default" in systems and "bertalign" in systems:
        both = {n: e["systems"] for n, e in entries.items() if {"default", "bertalign"} <= set(e["systems"])}
        below = [n for n, sc in both.items() if sc["default"]["f1_strict"] < sc["bertalign"]["f1_strict"]]
        out.append(f"default below bertalign on {len(below)} of {len(both)} folds" + (": " + ", ".join(below) if below else ""))
    return out


def markdown_table(entries: dict[str, dict]) -> list[str]:
    """The per-fold table in markdown, its note and the summary lines."""
    head, rows = table_rows(entries)
    out = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + ["", TABLE_NOTE, ""] + [f"- {line}" for line in summary(entries)]


def text_table(entries: dict[str, dict]) -> list[str]:
    """The per-fold table as aligned plain text (pytest's summary)."""
    head, rows = table_rows(entries)
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths)))
    return [line(head), "  ".join("-" * w for w in widths)] + [line(r) for r in rows] + summary(entries)
