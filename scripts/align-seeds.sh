#!/usr/bin/env bash
# Set up .venv and align the two seed articles (French and Arabic), printing one bead a line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup-venv.sh"
cd "$root"
exec .venv/bin/aligner align seeds/ankara.fr.txt seeds/ankara.ar.txt --format tsv "$@"
