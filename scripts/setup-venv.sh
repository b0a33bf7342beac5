#!/usr/bin/env bash
# Create .venv in the repository root when it is missing, reuse it when it is there,
# and install aligner with the extras named as arguments (e.g. test, st, bench).
# torch is pinned to the CPU build (2.13.0): a bare torch requirement pulls a CUDA build of several GB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
fi
extras="${1:-}"
stamp=".venv/.installed-${extras:-core}"
# Reinstall only when the project's requirements changed since the last install.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    case ",$extras," in
        *,st,*|*,test,*) .venv/bin/python -m pip install -q "torch==2.13.0" ;;
    esac
    if [ -n "$extras" ]; then
        .venv/bin/python -m pip install -q -e ".[$extras]"
    else
        .venv/bin/python -m pip install -q -e .
    fi
    touch "$stamp"
fi
