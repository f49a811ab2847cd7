#!/usr/bin/env python3
"""Drives the browser view (`orchestrate view` / `orchestrate serve`) in Debian's Chromium with
Playwright and prints what it saw as one JSON object; the end-to-end tests assert on it.

    view-browser.py PLAN.json

PLAN: {"url": "file:///…/index.html" or "http://127.0.0.1:PORT/", "artifacts": DIR,
       "score": {"name": N, "min": V}, "frame": NAME,
       "triage": true|false, "lasso": {"right": PX, "tag": NAME}}
"""
import json
import sys
import time

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Playwright's own browser download is not available here


def main():
    plan = json.load(open(sys.argv[1]))
    seen = {"errors": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("pageerror", lambda error: seen["errors"].append("page: " + str(error)))
        page.on("console", lambda message: message.type == "error" and seen["errors"].append("console: " + message.text))
        url = plan["url"]

        started = time.monotonic()
        page.goto(url)
        page.wait_for_selector(".tile", timeout=15000)
        seen["first_tile_seconds"] = time.monotonic() - started
        seen["tiles"] = page.locator(".tile").count()
        seen["counts"] = page.inner_text("#counts")
        # Every tile's skeleton canvas is drawn once its object shard arrives.
        page.wait_for_function("[...document.querySelectorAll('.tile canvas')].every(c => c.dataset.objects !== undefined)")
        seen["tile_objects"] = page.evaluate("[...document.querySelectorAll('.tile canvas')].map(c => +c.dataset.objects).reduce((a, b) => a + b, 0)")

        page.select_option("#filter-selection", "selected")
        seen["selected_counts"] = page.inner_text("#counts")
        seen["selected_tiles"] = page.locator(".tile").count()
        page.select_option("#filter-selection", "")
        score = plan["score"]
        page.fill("#score-min-" + score["name"], str(score["min"]))
        seen["score_counts"] = page.inner_text("#counts")
        seen["score_tiles"] = sorted(page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.frame)"))
        page.click("#reset-filters")
        page.select_option("#filter-video", "1")
        seen["video_counts"] = page.inner_text("#counts")
        page.click("#reset-filters")

        # Keyboard only: focus the grid, move right once, open with Enter.
        page.focus("#grid")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('#frame-overlay').dataset.objects !== undefined")
        seen["keyboard_hash"] = page.evaluate("decodeURIComponent(location.hash)")

        # A deep link in a fresh page opens its frame, with the skeleton on the overlay.
        page.goto("about:blank")
        page.goto(url + "#frame=" + plan["frame"])
        page.wait_for_function("document.querySelector('#frame-overlay').dataset.objects !== undefined")
        seen["deep_link_title"] = page.inner_text("#frame-title")
        seen["overlay"] = page.evaluate("""(() => {
            const c = document.querySelector('#frame-overlay');
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
            return {frame: c.dataset.frame, objects: +c.dataset.objects, joints: +c.dataset.joints, painted, width: c.width};
        })()""")
        seen["people_rows"] = page.locator("#people tr").count() - 1
        seen["strip"] = page.locator("#strip a").count()
        seen["why"] = page.inner_text("#why")
        page.screenshot(path=plan["artifacts"] + "/frame-page.png", full_page=True)
        seen["screenshot"] = plan["artifacts"] + "/frame-page.png"
        page.keyboard.press("j")
        page.wait_for_function("document.querySelector('#frame-overlay').dataset.frame !== %s" % json.dumps(plan["frame"]))
        seen["after_j"] = page.evaluate("decodeURIComponent(location.hash)")
        page.keyboard.press("k")

        if plan.get("triage") is not None:
            page.wait_for_function("decodeURIComponent(location.hash) === %s" % json.dumps("#frame=" + plan["frame"]))
            page.keyboard.press("r")  # reject this frame, then the page moves to the next
            page.wait_for_function("document.querySelector('#status').textContent.includes('round ledger') || document.querySelector('#status').textContent.includes('Triage is off')")
            seen["after_r"] = page.evaluate("decodeURIComponent(location.hash)")
            seen["triage_status"] = page.inner_text("#status")
            if plan["triage"]:
                page.keyboard.press("s")  # skip the next one
                page.wait_for_function("document.querySelector('#status').textContent.includes('skipped')")

        lasso = plan.get("lasso")
        if lasso:
            page.goto(url + "#embedding")
            page.wait_for_selector("#embedding-view:not([hidden])")
            time.sleep(0.3)
            box = page.locator("#embedding").bounding_box()
            scale = box["width"] / 800
            corners = [(5, 5), (lasso["right"], 5), (lasso["right"], 595), (5, 595)]
            page.mouse.move(box["x"] + 5 * scale, box["y"] + 5 * scale)
            page.mouse.down()
            for x, y in corners[1:] + corners[:1]:
                page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=4)
            page.mouse.up()
            seen["lasso_count"] = page.inner_text("#lasso-count")
            if lasso.get("tag"):
                page.fill("#tag-name", lasso["tag"])
                page.click("#tag-create")
                page.wait_for_function("document.querySelector('#lasso-count').textContent.includes('stored') || !document.querySelector('#error').hidden")
                seen["tag_status"] = page.inner_text("#lasso-count")
            page.screenshot(path=plan["artifacts"] + "/embedding.png")

        error_box = page.locator("#error")
        if error_box.is_visible():
            seen["errors"].append("in page: " + error_box.inner_text())
        browser.close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
