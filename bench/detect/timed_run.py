#!/usr/bin/env python3
"""Runs `orchestrate run PIPELINE --json` and times it two ways, as one JSON object on stdout:

- the whole run (`run_*`): wall and CPU seconds of the process (model load, compile and the
  stage's decode included) divided by the frames, and its peak RSS;
- per frame after the first (`seconds_per_frame`, `cpu_seconds_per_frame`): from the first
  `progress` event with a frame done (the model loaded and its first pass over) to the last,
  divided by the frames done in between, all items together: the same kind of figure as the
  tutorial loop's, whose model load is outside its clock. CPU seconds over that interval are read from /proc/PID/stat (detect runs in
  the orchestrate process).

Usage: timed_run.py ORCHESTRATE PIPELINE.yaml FRAMES   (run in the pipeline's folder)
"""
import json
import os
import resource
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system seconds of the process `pid` so far, all its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main(orchestrate, pipeline, frames):
    started = time.monotonic()
    process = subprocess.Popen([orchestrate, "run", pipeline, "--json"], stdout=subprocess.PIPE, text=True)
    done = {}  # frames done per item (each video is one item; items may run at once)
    first = last = None  # (seconds, cpu seconds, frames done) at the first and last progress with frames done
    for line in process.stdout:
        event = json.loads(line)
        if event.get("event") != "progress" or event.get("unit") != "frames":
            continue
        done[event["item"]] = event["completed"]
        if sum(done.values()) < 1:
            continue
        mark = (time.monotonic(), cpu_seconds(process.pid), sum(done.values()))
        first = first or mark
        last = mark
    if process.wait() != 0:
        sys.exit(f"timed_run: {orchestrate} run {pipeline} failed ({process.returncode})")
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if first is None or last[2] != frames or last[2] == first[2]:
        sys.exit(f"timed_run: {pipeline}: progress reached {last and last[2]} of {frames} frames")
    steady = last[2] - first[2]
    print(json.dumps({
        "frames": frames,
        "seconds_per_frame": round((last[0] - first[0]) / steady, 3),
        "cpu_seconds_per_frame": round((last[1] - first[1]) / steady, 3),
        "run_seconds_per_frame": round(wall / frames, 3),
        "run_cpu_seconds_per_frame": round((usage.ru_utime + usage.ru_stime) / frames, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
