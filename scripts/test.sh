#!/usr/bin/env bash
# Set up .venv (with the test, sentence-transformers, docs and cluster extras) and run the test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup-venv.sh" "test,st,docs,cluster"
cd "$root"
# CI: the HTML view and review tests load their pages in Debian's headless chromium
# (driven by selenium). Best effort: when apt cannot install it, those tests skip and say why.
if [ "${CI:-}" = "true" ] && [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; fi
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null; } \
            || echo "scripts/test.sh: could not install chromium; the browser test will be skipped" >&2
    fi
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest tests "$@"
