#!/usr/bin/env python3
"""What holds the browser view's renderer memory: Chromium's own accounting (memory-infra).

    memory_dump.py URL            (SCREENS=N: scroll the first N screens, default all;
                                   GC=1: force a garbage collection before the dump)

Scrolls the page's #grid one screen at a time in Debian's Chromium (chromium_pipe.py: no
DevTools network agent), then prints the renderer's private footprint and VmRSS (MB) and, per
process, the allocators of a detailed memory-infra dump (CDP Tracing.requestMemoryDump) above
2 MB: partition_alloc (and its partitions: buffer holds strings and loaded files' bytes),
blink_gc, v8, cc (decoded pictures, tiles), parkable_strings (script text), web_cache.
"""
import os
import sys
import time

from chromium_pipe import Chromium


def main():
    url, limit = sys.argv[1], int(os.environ.get("SCREENS", "1000000"))
    with Chromium() as chromium:
        page = chromium.open(url)
        # Every frame shard in (the counts final), so that the grid has its whole height.
        while chromium.evaluate(page, "(document.querySelector('#counts')?.textContent ?? '').startsWith('Showing')") is not True:
            time.sleep(0.05)
        height = chromium.evaluate(page, "grid.scrollHeight")
        step = chromium.evaluate(page, "grid.clientHeight")
        position, screens = 0, 0
        while position < height and screens < limit:
            position += step
            screens += 1
            chromium.evaluate(page, f"grid.scrollTop = {position}; new Promise(r => requestAnimationFrame(() => r()))")
        time.sleep(0.5)
        print("screens", screens, "renderer MB", chromium.renderer_memory_mb())
        if os.environ.get("GC"):
            chromium.send("HeapProfiler.enable", {}, page)
            chromium.send("HeapProfiler.collectGarbage", {}, page)
            time.sleep(1)
            print("after a collection", chromium.renderer_memory_mb())
        chromium.send("Tracing.start", {"traceConfig": {"includedCategories": ["disabled-by-default-memory-infra"],
                                                        "memoryDumpConfig": {"triggers": []}}, "transferMode": "ReportEvents"})
        chromium.send("Tracing.requestMemoryDump", {"deterministic": False, "levelOfDetail": "detailed"})
        chromium.send("Tracing.end")
        chromium.wait_for_event("Tracing.tracingComplete")
        events = [e for message in chromium.events if message["method"] == "Tracing.dataCollected" for e in message["params"]["value"]]
        for event in events:
            allocators = event.get("args", {}).get("dumps", {}).get("allocators", {}) if event.get("ph") == "v" else {}

            def size(name):
                attribute = allocators[name].get("attrs", {}).get("size")
                return int(attribute["value"], 16) / 2**20 if attribute else 0
            shown = [(name, round(size(name), 1)) for name in allocators
                     if (name.count("/") <= 1 or name.startswith("partition_alloc/partitions/") and name.count("/") == 2) and size(name) > 2]
            if shown:
                print("pid", event["pid"], sorted(shown, key=lambda x: -x[1]))


if __name__ == "__main__":
    main()
