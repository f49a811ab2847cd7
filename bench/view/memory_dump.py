#!/usr/bin/env python3
"""What holds the browser view's renderer memory: Chromium's own accounting (memory-infra).

    memory_dump.py URL            (SCREENS=N: scroll the first N screens, default all;
                                   GC=1: force a garbage collection before the dump)

Scrolls the page's #grid one screen at a time in Debian's Chromium, then prints each renderer's
VmRSS (MB) and, per process, the allocators of a detailed memory-infra dump (CDP
Tracing.requestMemoryDump) above 2 MB: partition_alloc (and its partitions: buffer holds strings
and loaded files' bytes), blink_gc, v8, cc (decoded pictures, tiles), parkable_strings (script
text), web_cache. docs/benchmarks.md ("Where the renderer's memory goes") was measured with it.
"""
import os
import sys

from playwright.sync_api import sync_playwright


def renderers_rss_mb(browser_cdp):
    sizes = {}
    for process in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
        if process["type"] == "renderer":
            for line in open("/proc/%d/status" % process["id"]):
                if line.startswith("VmRSS:"):
                    sizes[process["id"]] = round(int(line.split()[1]) / 1024, 1)
    return sizes


def main():
    url, limit = sys.argv[1], int(os.environ.get("SCREENS", "1000000"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        browser_cdp = browser.new_browser_cdp_session()
        page.goto(url)
        page.wait_for_selector(".tile")
        height, step = page.evaluate("grid.scrollHeight"), page.evaluate("grid.clientHeight")
        position, screens = 0, 0
        while position < height and screens < limit:
            position += step
            screens += 1
            page.evaluate("(y) => { grid.scrollTop = y; }", position)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        page.wait_for_timeout(500)
        print("screens", screens, "renderer VmRSS MB", renderers_rss_mb(browser_cdp))
        if os.environ.get("GC"):
            session = page.context.new_cdp_session(page)
            session.send("HeapProfiler.enable")
            session.send("HeapProfiler.collectGarbage")
            page.wait_for_timeout(1000)
            print("after a collection", renderers_rss_mb(browser_cdp))
        events, done = [], []
        browser_cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
        browser_cdp.on("Tracing.tracingComplete", lambda e: done.append(1))
        browser_cdp.send("Tracing.start", {"traceConfig": {"includedCategories": ["disabled-by-default-memory-infra"],
                                                           "memoryDumpConfig": {"triggers": []}}, "transferMode": "ReportEvents"})
        browser_cdp.send("Tracing.requestMemoryDump", {"deterministic": False, "levelOfDetail": "detailed"})
        browser_cdp.send("Tracing.end")
        while not done:
            page.wait_for_timeout(100)
        for event in events:
            allocators = event.get("args", {}).get("dumps", {}).get("allocators", {}) if event.get("ph") == "v" else {}

            def size(name):
                attribute = allocators[name].get("attrs", {}).get("size")
                return int(attribute["value"], 16) / 2**20 if attribute else 0
            shown = [(name, round(size(name), 1)) for name in allocators
                     if (name.count("/") <= 1 or name.startswith("partition_alloc/partitions/") and name.count("/") == 2) and size(name) > 2]
            if shown:
                print("pid", event["pid"], sorted(shown, key=lambda x: -x[1]))
        browser.close()


if __name__ == "__main__":
    main()
