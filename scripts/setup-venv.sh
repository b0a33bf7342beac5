#!/usr/bin/env bash
# Create .venv in the repository root when it is missing, reuse it when it is there,
# and install aligner with the extras named as arguments (e.g. test, st, bench).
# torch is pinned to the CPU build (2.13.0): a bare torch requirement pulls a CUDA build of several GB.
# pip's own chatter goes to .venv/install.log, shown only when an install fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log=.venv/install.log
pip_quiet() {
    if ! .venv/bin/python -m pip install -q "$@" >>"$log" 2>&1; then
        cat "$log" >&2
        echo "setup-venv: pip install $* failed (log above, also in $log)" >&2
        exit 1
    fi
}
if [ ! -x .venv/bin/python ]; then
    echo "setup-venv: creating .venv" >&2
    python3 -m venv .venv
    pip_quiet --upgrade pip
fi
extras="${1:-}"
stamp=".venv/.installed-${extras:-core}"
# Reinstall only when the project's requirements changed since the last install.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup-venv: installing aligner${extras:+[$extras]} into .venv" >&2
    case ",$extras," in
        *,st,*|*,test,*) pip_quiet "torch==2.13.0" ;;
    esac
    if [ -n "$extras" ]; then
        pip_quiet -e ".[$extras]"
    else
        pip_quiet -e .
    fi
    touch "$stamp"
fi
