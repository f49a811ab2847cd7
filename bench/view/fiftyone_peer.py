#!/usr/bin/env python3
"""The browser view's peer: the same synthetic frames with their keypoints in FiftyOne's App.

    fiftyone_peer.py ROOT [PORT]      (run with .venv-fiftyone's python; run.sh does, FIFTYONE=1)

ROOT is a folder of make_synthetic.py whose view `orchestrate view` wrote (its pictures,
ROOT/.orchestrate/view/frames/*.jpg, are the samples' images). Loads every frame into a FiftyOne
dataset in its bundled database (the people as `Keypoints` and `Detections`, normalised as FiftyOne
wants them, with the frame's scores as fields), starts its App on 127.0.0.1 and, in Debian's
Chromium through Playwright, takes the seconds from navigation to the first grid thumbnail
painted. Prints JSON: samples, ingest seconds, first-media and first-thumbnail seconds.
"""
import glob
import json
import os
import sys
import time

os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")


def frame_samples(root, fo):
    """One sample per prediction file whose frame picture the view wrote."""
    pictures = os.path.join(root, ".orchestrate/view/frames")
    report = glob.glob(os.path.join(root, "ds/lightly/.lightly/runs/*/report.json"))[0]
    scores = {f["name"]: f["scores"] for f in json.load(open(report))["frames"]}
    samples = []
    for path in sorted(glob.glob(os.path.join(root, "ds/lightly/.lightly/predictions/pose/*.json"))):
        if path.endswith("schema.json"):
            continue
        record = json.load(open(path))
        name = record["file_name"]
        picture = os.path.join(pictures, name[:-4] + ".jpg")
        if not os.path.exists(picture):
            continue
        width, height = 160.0, 90.0  # make_synthetic.py's clips
        keypoints, boxes = [], []
        for person in record["predictions"]:
            k = person["keypoints"]
            keypoints.append(fo.Keypoint(label="person", points=[(k[j] / width, k[j + 1] / height) for j in range(0, len(k), 3)],
                                         confidence=[k[j + 2] for j in range(0, len(k), 3)]))
            x, y, w, h = person["bbox"]
            boxes.append(fo.Detection(label="person", bounding_box=[x / width, y / height, w / width, h / height], confidence=person["score"]))
        sample = fo.Sample(filepath=picture, keypoints=fo.Keypoints(keypoints=keypoints), people=fo.Detections(detections=boxes))
        for score, value in scores.get(name, {}).items():
            sample[score] = value
        samples.append(sample)
    return samples


def first_thumbnail(url):
    """Seconds from navigation to the first /media response and to the first grid thumbnail drawn."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        media = []
        page.on("response", lambda r: "/media" in r.url and not media and media.append(time.monotonic()))
        started = time.monotonic()
        page.goto(url, wait_until="commit")
        # The grid draws each sample into a canvas (its "looker") once the picture arrived; a
        # drawn thumbnail is a canvas of thumbnail size with pixels that are not all one colour.
        page.wait_for_function("""(() => [...document.querySelectorAll('canvas')].some(c => {
            if (c.width < 50 || c.height < 30) return false;
            try {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 4; i < d.length; i += 4 * 97) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
            } catch (e) { return false; }
            return false;
        }))()""", polling="raf", timeout=300000)
        thumbnail = time.monotonic() - started
        page.screenshot(path="/tmp/fiftyone-grid.png")
        browser.close()
    return (media[0] - started if media else None), thumbnail


def main():
    root = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 5151
    os.environ.setdefault("FIFTYONE_DATABASE_DIR", os.path.join(root, ".fiftyone-db"))
    import fiftyone as fo
    started = time.monotonic()
    samples = frame_samples(root, fo)
    read = time.monotonic() - started
    try:
        dataset = fo.Dataset("orchestrate-view-bench", overwrite=True)
    except Exception as error:  # its database did not start: say why, as the benchmark's result
        print(json.dumps({"fiftyone": fo.__version__, "samples": len(samples), "read_predictions_s": round(read, 1),
                          "error": "%s: %s" % (type(error).__name__, error)}))
        sys.exit(1)
    dataset.add_samples(samples, progress=False)
    ingest = time.monotonic() - started
    session = fo.launch_app(dataset, address="127.0.0.1", port=port, remote=True, auto=False)
    try:
        media, thumbnail = first_thumbnail("http://127.0.0.1:%d/" % port)
    finally:
        session.close()
    print(json.dumps({"fiftyone": fo.__version__, "samples": len(dataset), "read_predictions_s": round(read, 1), "ingest_s": round(ingest, 1),
                      "first_media_response_s": media and round(media, 3), "first_grid_thumbnail_s": round(thumbnail, 3),
                      "screenshot": "/tmp/fiftyone-grid.png"}))


if __name__ == "__main__":
    main()
