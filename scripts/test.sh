#!/usr/bin/env bash
# Set-up, build and the whole test suite. Heavy scenarios run only with ORCHESTRATE_HEAVY_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
# Serial: several suites start processes (moto, ffmpeg, Python) and time them; in parallel on
# 2 cores they starve each other.
swift test --skip-build --no-parallel
