"""How right the links off the path of ``align(..., crossing=True)`` are, on every evaluation set.

    python -m benchmarks.crossing                        # the default threshold, 0.5
    python -m benchmarks.crossing --thresholds 0.03,0.1,0.5,0.9

For each set and threshold it prints the links found, how many of them the
gold joins, how many of them are inside a bead of the path (and right) (a link is right when the gold has its two sentences in one bead;
for the seeds, when it is a sure or possible gold link), strict F1 with the
option off and on (the option must not move the beads), and for the seeds the
link F1 of the path alone and of the path plus the links. Embeddings are
cached as for `benchmarks.ablate`.
"""

from __future__ import annotations

import argparse
import sys

from aligner import align
from aligner.encoders import USEEncoder
from aligner.evaluate import bead_links, link_scores, score_documents

from .ablate import CACHE, SETS
from .datasets import DataMissing, load


def measure(name: str, encoder, threshold: float, cache: str) -> dict:
    found = right = inside = inside_right = 0
    off_pairs, on_pairs = [], []
    sure, possible, path_links, all_links = set(), set(), set(), set()
    for doc in load(name):
        kwargs = dict(source_lang=doc.source_lang, target_lang=doc.target_lang, encoder=encoder, cache_dir=cache,
                      progress=False)
        off = align(list(doc.source), list(doc.target), **kwargs)
        on = align(list(doc.source), list(doc.target), crossing=True, link_threshold=threshold, **kwargs)
        off_pairs.append((doc.gold, off.pairs()))
        on_pairs.append((doc.gold, on.pairs()))
        if doc.sure_links is not None:
            gold = set(doc.sure_links) | set(doc.possible_links)
            sure |= {(doc.name, i, j) for i, j in doc.sure_links}
            possible |= {(doc.name, i, j) for i, j in doc.possible_links}
            path = {(doc.name, i, j) for i, j in bead_links(on.pairs())}
            path_links |= path
            all_links |= path | {(doc.name, x.source, x.target) for x in on.links}
        else:
            gold = bead_links(doc.gold)
        found += len(on.links)
        right += sum((x.source, x.target) in gold for x in on.links)
        inside += sum(x.inside for x in on.links)
        inside_right += sum(x.inside and (x.source, x.target) in gold for x in on.links)
    row = {
        "links": found, "right": right, "inside": inside, "inside_right": inside_right,
        "strict_off": score_documents(off_pairs)["f1_strict"], "strict_on": score_documents(on_pairs)["f1_strict"],
    }
    if sure:
        row["link_f1_path"] = link_scores(sure, possible, path_links)["f1"]
        row["link_f1_with_links"] = link_scores(sure, possible, all_links)["f1"]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crossing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--thresholds", default="0.5", help="comma-separated link thresholds")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated evaluation sets")
    parser.add_argument("--cache", default=str(CACHE), help="embedding cache folder")
    args = parser.parse_args(argv)
    encoder = USEEncoder()
    print("| set | threshold | links | right by gold | inside beads (right) | strict F1 off | strict F1 on "
          "| link F1 path | link F1 path+links |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in [s for s in args.sets.split(",") if s]:
        for threshold in (float(t) for t in args.thresholds.split(",")):
            try:
                row = measure(name, encoder, threshold, args.cache)
            except DataMissing as exc:
                print(f"skipping {name}: {exc}", file=sys.stderr)
                break
            links = " | ".join(f"{row[k]:.3f}" if k in row else "" for k in ("link_f1_path", "link_f1_with_links"))
            print(f"| {name} | {threshold:g} | {row['links']} | {row['right']} | {row['inside']} ({row['inside_right']}) | "
                  f"{row['strict_off']:.4f} | "
                  f"{row['strict_on']:.4f} | {links} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
