#!/usr/bin/env python3
"""First grid paint and memory while scrolling the whole grid, in Debian's Chromium.

    browser_metrics.py URL [SCREENS]

Prints JSON: seconds from navigation to the first tile's thumbnail painted (the page paints the
first frame shard's tiles while the others load), seconds until every frame shard is in and the
counts are final, the number of frames the page counts, and the peak of Chromium's own metrics
while scrolling top to bottom one screen at a time (or only the first SCREENS screens):
JSHeapUsedSize and JSHeapTotalSize (CDP Performance.getMetrics) and the resident memory (VmRSS
from /proc) of this browser's renderer processes (CDP SystemInfo.getProcessInfo names them).
"""
import json
import os
import sys
import time

from playwright.sync_api import sync_playwright


def renderer_rss_mb(browser_cdp):
    """The largest VmRSS of this browser's renderers (other Chromiums on the machine do not count)."""
    largest = 0
    for process in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
        if process["type"] != "renderer":
            continue
        try:
            for line in open("/proc/%d/status" % process["id"]):
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return largest


def main():
    url = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        browser_cdp = browser.new_browser_cdp_session()
        started = time.monotonic()
        page.goto(url, wait_until="commit")
        # A thumbnail drawn into a tile's canvas; or, for pages before that, a tile's <img> loaded.
        page.wait_for_function("document.querySelector('.tile canvas[data-thumbnail=drawn]') !== null"
                               " || [...document.querySelectorAll('.tile img')].some(i => i.complete && i.naturalWidth > 0)", polling="raf", timeout=120000)
        first_paint = time.monotonic() - started
        page.wait_for_function("document.querySelector('#counts').textContent.startsWith('Showing')", polling="raf", timeout=120000)
        complete = time.monotonic() - started
        counts = page.inner_text("#counts")
        rss_before_scrolling = renderer_rss_mb(browser_cdp)
        peak = {"JSHeapUsedSize": 0, "JSHeapTotalSize": 0, "renderer_rss_mb": 0}
        height = page.evaluate("document.querySelector('#grid').scrollHeight")
        step = page.evaluate("document.querySelector('#grid').clientHeight")
        position, screens = 0, 0
        scroll_started = time.monotonic()
        while position < height and (limit is None or screens < limit):
            position += step
            page.evaluate("(y) => { document.querySelector('#grid').scrollTop = y; }", position)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            screens += 1
            if screens % 50 == 0 or position >= height or screens == limit:
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                for key in ("JSHeapUsedSize", "JSHeapTotalSize"):
                    peak[key] = max(peak[key], metrics.get(key, 0))
                peak["renderer_rss_mb"] = max(peak["renderer_rss_mb"], renderer_rss_mb(browser_cdp))
        scroll_seconds = time.monotonic() - scroll_started
        tiles_at_end = page.locator(".tile").count()
        browser.close()
    print(json.dumps({
        "first_grid_paint_s": round(first_paint, 3), "all_frames_loaded_s": round(complete, 3), "counts": counts,
        "renderer_rss_before_scrolling_mb": round(rss_before_scrolling, 1), "screens_scrolled": screens, "scroll_s": round(scroll_seconds, 1),
        "tiles_in_dom_at_end": tiles_at_end, "peak_js_heap_used_mb": round(peak["JSHeapUsedSize"] / 2**20, 1),
        "peak_js_heap_total_mb": round(peak["JSHeapTotalSize"] / 2**20, 1), "peak_renderer_rss_mb": round(peak["renderer_rss_mb"], 1)}))


if __name__ == "__main__":
    main()
