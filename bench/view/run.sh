#!/usr/bin/env bash
# The browser view at scale: FRAMES synthetic frames (default 100,000) → `orchestrate view` time
# (cold, then a no-change re-run), first grid paint and memory while scrolling the whole grid in
# Chromium (browser_metrics.py). Needs the release build and scripts/setup.sh's .venv.
#
#   bench/view/run.sh [FRAMES] [FOLDER]      (SCREENS=N: scroll only the first N screens;
#                                             FIFTYONE=1: also the same frames in FiftyOne's App,
#                                             fiftyone_peer.py, in .venv-fiftyone, made here if absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
frames=${1:-100000}
folder=${2:-/tmp/orchestrate-view-bench-$frames}
binary=$PWD/.build/release/orchestrate
echo "load: $(uptime)"
mkdir -p "$folder"
# The synthetic data are made once per folder (100,000 prediction files take minutes).
[ -f "$folder/view.yaml" ] || .venv/bin/python bench/view/make_synthetic.py "$folder" "$frames"
# An earlier view is moved aside, and deleted only at the end: ext4 scans past inodes freed in the
# last minutes when it creates files, so deleting 200,000 files just before the cold run slows it
# (by a third at 10,000 frames here) for a reason no user meets.
trash=$(mktemp -d "$folder/.trash-XXXXXX")
[ ! -d "$folder/.orchestrate/view" ] || mv "$folder/.orchestrate/view" "$trash/"
cd "$folder"
echo "commit: $(git -C "$OLDPWD" rev-parse --short HEAD)$(git -C "$OLDPWD" diff --quiet HEAD -- Sources || echo ' + uncommitted changes')"
/usr/bin/time -f "view (cold): %e s, %U s user, %S s system, max RSS %M KB" "$binary" view view.yaml > /dev/null
/usr/bin/time -f "view (no change): %e s, %U s user, %S s system, max RSS %M KB" "$binary" view view.yaml > /dev/null
rm -f .orchestrate/view/data/memo.json
/usr/bin/time -f "view (memo removed: reads every input, writes nothing new): %e s, %U s user, %S s system, max RSS %M KB" "$binary" view view.yaml > /dev/null
echo "view folder: $(du -sh .orchestrate/view | cut -f1)"
echo "load: $(uptime)"
cd - > /dev/null
.venv/bin/python bench/view/browser_metrics.py "file://$folder/.orchestrate/view/index.html" ${SCREENS:-}
echo "load: $(uptime)"
if [ "${FIFTYONE:-}" = 1 ]; then
    # The peer's own venv: a benchmark may install (tests and runs never do).
    [ -x .venv-fiftyone/bin/python ] || { python3 -m venv .venv-fiftyone && .venv-fiftyone/bin/pip install -q fiftyone playwright==1.65.3; }
    .venv-fiftyone/bin/python bench/view/fiftyone_peer.py "$folder"
    echo "load: $(uptime)"
fi
rm -rf "$trash"
