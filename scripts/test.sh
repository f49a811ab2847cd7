#!/usr/bin/env bash
# Set-up, build and the whole test suite. Heavy scenarios run only with ORCHESTRATE_HEAVY_TESTS=1.
#
# Users run the release build, so the end-to-end suites (exec, decode, detect, schedule, export,
# uploads through the engine) run against `.build/release/orchestrate`: a defect that only the
# optimiser exposes fails here, not on a user's machine. The other suites use the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift build -c release --product CTorchShim
swift build -c release --product COpenVINOShim
swift build -c release --product orchestrate
# Serial: several suites start processes (moto, ffmpeg, Python) and time them; in parallel on
# 2 cores they starve each other.
swift test --skip-build --no-parallel --skip EndToEndTests
ORCHESTRATE_BIN="$PWD/.build/release/orchestrate" swift test --skip-build --no-parallel --filter EndToEndTests
