#!/usr/bin/env python3
"""orchestrate external plugin: key-frame and timing statistics of decoded videos.

Protocol (docs/plugins.md): one JSON request on stdin; JSON lines on stdout
({"progress": ...}, {"log": ...}, and a final {"outputs": [...]}); exit 0 on success,
75 on a transient failure, anything else on failure (with the reason on stderr).
"""
import json
import os
import sys

EX_TEMPFAIL = 75


def emit(message):
    sys.stdout.write(json.dumps(message, sort_keys=True) + "\n")
    sys.stdout.flush()


def fail(reason, status=1):
    sys.stderr.write("frame-stats: " + reason + "\n")
    sys.exit(status)


def find_manifest(inputs):
    """The first upstream output directory (by stage name) that holds a manifest.json."""
    for stage in sorted(inputs):
        candidate = os.path.join(inputs[stage], "manifest.json")
        if os.path.isfile(candidate):
            return stage, candidate
    return None, None


def statistics(manifest, max_gap):
    frames = manifest.get("frames", [])
    key_indices = [frame["index"] for frame in frames if frame.get("key")]
    gaps = [b - a for a, b in zip(key_indices, key_indices[1:])]
    fps = manifest.get("fps") or 0
    frame_count = manifest.get("frame_count", len(frames))
    longest = max(gaps) if gaps else (frame_count if key_indices else 0)
    return {
        "frame_count": frame_count,
        "kept_frames": len(frames),
        "key_frames": len(key_indices),
        "longest_keyframe_gap": longest,
        "mean_keyframe_gap": round(sum(gaps) / len(gaps), 6) if gaps else None,
        "duration": round(frame_count / fps, 6) if fps else None,
        "long_gop": longest > max_gap,
    }


def main():
    try:
        request = json.load(sys.stdin)
    except ValueError as error:
        fail("the request on stdin is not JSON: %s" % error)
    if request.get("protocol") != 1:
        fail("unsupported protocol %r; expected 1" % request.get("protocol"))

    params = request.get("params", {})
    max_gap = params.get("max_keyframe_gap", 250)
    if not isinstance(max_gap, int) or isinstance(max_gap, bool) or max_gap < 1:
        fail("max_keyframe_gap must be a positive integer, got %r" % (max_gap,))
    output_dir = request["output_dir"]

    stage, path = find_manifest(request.get("inputs", {}))
    if path is None:
        fail("no manifest.json in the inputs of item %r: put a decode stage in needs" % request.get("key"))
    emit({"log": "reading %s's manifest of %s" % (stage, request.get("key"))})
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except OSError as error:
        # The input may sit on a network file system that hiccupped: worth a retry.
        fail("cannot read %s: %s" % (path, error), EX_TEMPFAIL)
    except ValueError as error:
        fail("%s is not valid JSON: %s" % (path, error))

    stats = statistics(manifest, max_gap)
    stats["file"] = request.get("key")
    stats["label"] = params.get("label", "")
    emit({"progress": {"completed": stats["kept_frames"], "total": stats["kept_frames"], "unit": "frames"}})

    os.makedirs(output_dir, exist_ok=True)
    target = os.path.join(output_dir, "stats.json")
    temporary = target + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(stats, handle, sort_keys=True, indent=2)
        handle.write("\n")
    os.replace(temporary, target)
    emit({"outputs": ["stats.json"]})


if __name__ == "__main__":
    main()
