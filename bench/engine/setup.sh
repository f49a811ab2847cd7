#!/usr/bin/env bash
# Creates the bench-only virtual environment with Snakemake (the peer we compare against).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv-bench/bin/snakemake ]; then
  /usr/bin/python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q snakemake
fi
.venv-bench/bin/snakemake --version
