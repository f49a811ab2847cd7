#!/usr/bin/env bash
# Media benchmark: decode + RGB conversion of a 960×540 H.264 clip, against the ffmpeg CLI
# (same thread count, same FFmpeg libraries) and the tutorial's PyAV path, all in one run.
# Usage: bench/media/run.sh [threads] [repeats]   (defaults: 2 threads, 5 repeats; medians)
# PyAV runs on Debian's python3-av (/usr/bin/python3); set PYPI_PYAV_PYTHON to an interpreter
# with PyPI's `av` (e.g. a venv after `pip install av`) to time that one too.
# Writes bench/media/results.md (the table for docs/benchmarks.md "## Media").
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
repeats=${2:-5}
work=${BENCH_WORK:-/tmp/orchestrate-bench-media}
mkdir -p "$work"
clip="$work/clip-960x540-600.mp4"
long="$work/clip-960x540-6000.mp4"

make_clip() { # frames output
  [ -s "$2" ] || ffmpeg -v error -y -nostdin -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$1" \
    -c:v libx264 -preset veryfast -g 50 -bf 2 -pix_fmt yuv420p "$2"
}
make_clip 600 "$clip"
make_clip 6000 "$long"

# The Media module's sources plus bench/media/main.swift, optimised, as one small binary: a
# release build of the whole package (swift-crypto's C, GRDB) takes far longer and adds nothing.
bench_binary=.build/bench-media/media-bench
mkdir -p "$(dirname "$bench_binary")"
cp bench/media/main.swift .build/bench-media/main.swift
swiftc -O -wmo -module-name MediaBench -I Sources/CFFmpeg \
  Sources/Media/*.swift Sources/Media/FFmpeg/*.swift .build/bench-media/main.swift -o "$bench_binary"

ours() { "$bench_binary" "$1" "$threads" "$2"; } # clip layout -> JSON line
ffmpeg_cli() { # clip -> seconds
  local start end
  start=$(date +%s.%N)
  ffmpeg -v error -nostdin -threads "$threads" -i "$1" -pix_fmt rgb24 -f null -
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
pyav() { /usr/bin/python3 bench/media/pyav_decode.py "$1"; }
pypi_python=${PYPI_PYAV_PYTHON:-}
pypi_pyav() { "$pypi_python" bench/media/pyav_decode.py "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
ours_rgb=(); ours_chw=(); cli=(); py=(); pypi=()
for _ in $(seq "$repeats"); do # interleaved, so load changes hit every contender alike
  ours_rgb+=("$(ours "$clip" rgb24 | field fps)")
  ours_chw+=("$(ours "$clip" chw | field fps)")
  cli+=("$(echo "$frames / $(ffmpeg_cli "$clip")" | bc -l)")
  py+=("$(pyav "$clip" | field fps)")
  [ -z "$pypi_python" ] || pypi+=("$(pypi_pyav "$clip" | field fps)")
done
m_rgb=$(printf '%s\n' "${ours_rgb[@]}" | median)
m_chw=$(printf '%s\n' "${ours_chw[@]}" | median)
m_cli=$(printf '%s\n' "${cli[@]}" | median)
m_py=$(printf '%s\n' "${py[@]}" | median)
[ -z "$pypi_python" ] || m_pypi=$(printf '%s\n' "${pypi[@]}" | median)
short_rss=$(ours "$clip" rgb24 | field peak_rss_kib)
long_rss=$(ours "$long" rgb24 | field peak_rss_kib)
av_version=$(/usr/bin/python3 -c 'import av; print(av.__version__)')

{
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)."
  echo "Clip: 960×540 H.264 (x264 veryfast, GOP 50, 2 B-frames), $frames frames; $threads decoder threads; median of $repeats interleaved runs."
  echo
  echo "| path | frames/s | ratio |"
  echo "|---|---:|---:|"
  printf '| Media: decode + RGB24 (`VideoDecoder.next` + `withRGB24`) | %.1f | 1.00 |\n' "$m_rgb"
  printf '| Media: decode + float CHW (`withFloatCHW`) | %.1f | %.2f |\n' "$m_chw" "$(echo "$m_chw / $m_rgb" | bc -l)"
  printf '| ffmpeg CLI `-threads %s -i clip -pix_fmt rgb24 -f null -` | %.1f | ours %.2f× |\n' "$threads" "$m_cli" "$(echo "$m_rgb / $m_cli" | bc -l)"
  printf '| PyAV %s (Debian) decode + `frame.to_image()` (tutorial path) | %.1f | ours %.2f× |\n' "$av_version" "$m_py" "$(echo "$m_rgb / $m_py" | bc -l)"
  [ -z "$pypi_python" ] || printf '| PyAV %s (PyPI, own FFmpeg) decode + `frame.to_image()` | %.1f | ours %.2f× |\n' \
    "$("$pypi_python" -c 'import av; print(av.__version__)')" "$m_pypi" "$(echo "$m_rgb / $m_pypi" | bc -l)"
  echo
  echo "Peak RSS of the measuring process (media-bench): $short_rss KiB for $frames frames, $long_rss KiB for the 10× longer clip."
} | tee bench/media/results.md
