#!/usr/bin/env python3
"""First grid paint and memory while scrolling the whole grid, in Debian's Chromium.

    browser_metrics.py URL [SCREENS]

Prints JSON: seconds from navigation to the first tile's thumbnail painted (the page paints the
first frame shard's tiles while the others load), seconds until every frame shard is in and the
counts are final (both the page's own clock: performance.now() counts from navigation start),
the number of frames the page counts, and the peak of Chromium's own metrics while scrolling top
to bottom one screen at a time (or only the first SCREENS screens): JSHeapUsedSize and
JSHeapTotalSize (CDP Performance.getMetrics), and the private memory footprint and VmRSS of this
browser's renderer (chromium_pipe.py: Chromium without Playwright, whose DevTools network agent
would keep a record of every picture the page loads).
"""
import json
import sys
import time

from chromium_pipe import Chromium

def when(condition):
    """JavaScript that resolves, on the first animation frame where `condition` holds, with the
    page's clock then; it fails after two minutes."""
    failure = json.dumps(f"not within 120 s: {condition}")
    return ("new Promise((done, fail) => { const until = performance.now() + 120000; const check = () =>"
            f" ({condition}) ? done(performance.now() / 1000) : performance.now() > until ?"
            f" fail(new Error({failure})) : requestAnimationFrame(check); check(); }})")


FIRST_THUMBNAIL = ("document.querySelector('.tile canvas[data-thumbnail=drawn]') !== null"
                   " || [...document.querySelectorAll('.tile img')].some(i => i.complete && i.naturalWidth > 0)")
COUNTS_FINAL = "document.querySelector('#counts') !== null && document.querySelector('#counts').textContent.startsWith('Showing')"


def wait_for_document(chromium, page, url, timeout=120):
    """Until the page's document is the one `url` names (Page.navigate returns before it commits)."""
    deadline = time.monotonic() + timeout
    while chromium.evaluate(page, "location.href") != url:
        if time.monotonic() > deadline:
            sys.exit(f"browser_metrics: {url} did not load in {timeout} s")
        time.sleep(0.005)


def main():
    url = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    with Chromium() as chromium:
        page = chromium.open(url)
        chromium.send("Performance.enable", {}, page)
        wait_for_document(chromium, page, url)
        first_paint = chromium.evaluate(page, when(FIRST_THUMBNAIL))
        complete = chromium.evaluate(page, when(COUNTS_FINAL))
        counts = chromium.evaluate(page, "document.querySelector('#counts').textContent")
        before_scrolling = chromium.renderer_memory_mb()
        peak = {"JSHeapUsedSize": 0, "JSHeapTotalSize": 0, "rss": 0, "private_footprint": 0}
        height = chromium.evaluate(page, "document.querySelector('#grid').scrollHeight")
        step = chromium.evaluate(page, "document.querySelector('#grid').clientHeight")
        position, screens = 0, 0
        scroll_started = time.monotonic()
        while position < height and (limit is None or screens < limit):
            position += step
            chromium.evaluate(page, f"document.querySelector('#grid').scrollTop = {position};"
                                    " new Promise(r => requestAnimationFrame(() => r()))")
            screens += 1
            if screens % 50 == 0 or position >= height or screens == limit:
                metrics = {m["name"]: m["value"] for m in chromium.send("Performance.getMetrics", {}, page)["metrics"]}
                memory = chromium.renderer_memory_mb()
                for key in peak:
                    peak[key] = max(peak[key], metrics.get(key, memory.get(key, 0)))
        scroll_seconds = time.monotonic() - scroll_started
        tiles_at_end = chromium.evaluate(page, "document.querySelectorAll('.tile').length")
    print(json.dumps({
        "first_grid_paint_s": round(first_paint, 3), "all_frames_loaded_s": round(complete, 3), "counts": counts,
        "renderer_footprint_before_scrolling_mb": round(before_scrolling["private_footprint"], 1),
        "renderer_rss_before_scrolling_mb": round(before_scrolling["rss"], 1),
        "screens_scrolled": screens, "scroll_s": round(scroll_seconds, 1), "tiles_in_dom_at_end": tiles_at_end,
        "peak_js_heap_used_mb": round(peak["JSHeapUsedSize"] / 2**20, 1),
        "peak_js_heap_total_mb": round(peak["JSHeapTotalSize"] / 2**20, 1),
        "peak_renderer_footprint_mb": round(peak["private_footprint"], 1),
        "peak_renderer_rss_mb": round(peak["rss"], 1)}))


if __name__ == "__main__":
    main()
