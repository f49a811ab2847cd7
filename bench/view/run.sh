#!/usr/bin/env bash
# The browser view at scale: FRAMES synthetic frames (default 100,000) → `orchestrate view` time
# (cold, then a no-change re-run), first grid paint and memory while scrolling the whole grid in
# Chromium (browser_metrics.py). Needs the release build and scripts/setup.sh's .venv.
#
#   bench/view/run.sh [FRAMES] [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."
frames=${1:-100000}
folder=${2:-/tmp/orchestrate-view-bench-$frames}
binary=$PWD/.build/release/orchestrate
echo "load: $(uptime)"
mkdir -p "$folder"
# The synthetic data are made once per folder (100,000 prediction files take minutes).
[ -f "$folder/view.yaml" ] || .venv/bin/python bench/view/make_synthetic.py "$folder" "$frames"
rm -rf "$folder/.orchestrate/view"
cd "$folder"
/usr/bin/time -f "view (cold): %e s, max RSS %M KB" "$binary" view view.yaml > /dev/null
/usr/bin/time -f "view (no change): %e s, max RSS %M KB" "$binary" view view.yaml > /dev/null
echo "view folder: $(du -sh .orchestrate/view | cut -f1)"
cd - > /dev/null
.venv/bin/python bench/view/browser_metrics.py "file://$folder/.orchestrate/view/index.html"
echo "load: $(uptime)"
