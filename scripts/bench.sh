#!/usr/bin/env bash
# Set up .venv with the bench and cluster extras, run the benchmarks and write docs/benchmarks.md.
# Arguments go to pytest (e.g. -k textberg). The shared data sets are read from ../shared/data/;
# a set whose files are absent is skipped. Results: benchmarks/results/latest.json (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup-venv.sh" "test,st,bench,cluster"
cd "$root"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
status=0
.venv/bin/python -m pytest benchmarks/ -q "$@" || status=$?
# The report is written even when a benchmark failed: the failure is in latest.json (exit_status).
.venv/bin/python -m benchmarks.report
exit "$status"
