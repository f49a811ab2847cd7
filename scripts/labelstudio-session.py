#!/usr/bin/env python3
"""An annotator's session on a real Label Studio server, for the `labels` round-trip test.

    .venv-labelstudio/bin/python scripts/labelstudio-session.py TASKS CONFIG OUT PORT DATA_DIR

Starts `label-studio` (SQLite, 127.0.0.1:PORT, data in DATA_DIR), creates a project with CONFIG
(export's label-studio-config.xml), imports TASKS (export's label-studio-tasks.json with their
pre-annotations), then through the API: accepts the predictions of task 1, moves two joints in
task 2 and deletes its second person, adds a person (a box and three joints) to task 3, skips
task 4 and leaves the rest alone. Exports JSON and COCO into OUT (labelstudio-export.json,
labelstudio-coco.json) and writes OUT/expected.json: per labelled frame the people it should
import, each joint in pixels as the annotation put it, computed here from the percent values sent.
Stops the server whatever happens.
"""
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

USER, PASSWORD, TOKEN = "annotator@example.com", "orchestrate-test-1", "0123456789abcdef0123456789abcdef01234567"


def request(port, method, path, body=None, raw=False):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as response:
        payload = response.read()
    return payload if raw else json.loads(payload or b"null")


def wait_until_up(port, server, deadline):
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"label-studio exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(1)
    raise SystemExit("label-studio did not answer /health in time")


def enable_legacy_tokens(env):
    """New organisations have legacy API tokens off; switch them on for the test's organisation."""
    code = (
        "import django; django.setup()\n"
        "from jwt_auth.models import JWTSettings\n"
        "from organizations.models import Organization\n"
        "for org in Organization.objects.all():\n"
        "    s, _ = JWTSettings.objects.get_or_create(organization=org)\n"
        "    s.legacy_api_tokens_enabled = True\n"
        "    s.save()\n"
    )
    import label_studio
    package = os.path.dirname(label_studio.__file__)
    subprocess.run([sys.executable, "-c", code], check=True,
                   env=dict(env, DJANGO_SETTINGS_MODULE="core.settings.label_studio", PYTHONPATH=package))


def pixels(region):
    value = region["value"]
    return [value["x"] * region["original_width"] / 100, value["y"] * region["original_height"] / 100]


def people(result):
    """Expected import of one annotation: per box, its joints in pixels by name."""
    boxes = [r for r in result if r["type"] == "rectanglelabels"]
    out = []
    for box in boxes:
        joints = {r["value"]["keypointlabels"][0]: pixels(r) for r in result
                  if r["type"] == "keypointlabels" and r.get("parentID") == box["id"]}
        out.append({"box": pixels(box), "joints": joints})
    return out


def annotate(tasks):
    """The annotator's results per task index: (result, cancelled)."""
    plan = {}
    results = [t["predictions"][0]["result"] if t.get("predictions") else [] for t in tasks]
    # Task 1: predictions accepted as they are.
    plan[0] = (results[0], False)
    # Task 2: two joints moved, the second person deleted.
    moved = json.loads(json.dumps(results[1]))
    boxes = [r["id"] for r in moved if r["type"] == "rectanglelabels"]
    if len(boxes) > 1:
        moved = [r for r in moved if r["id"] != boxes[1] and r.get("parentID") != boxes[1]]
    for region in [r for r in moved if r["type"] == "keypointlabels"][:2]:
        region["value"]["x"] = min(99.0, region["value"]["x"] + 1.234567)
        region["value"]["y"] = max(1.0, region["value"]["y"] - 0.765432)
    plan[1] = (moved, False)
    # Task 3: a person added: a box and three joints linked to it.
    added = json.loads(json.dumps(results[2]))
    size = (tasks[2]["predictions"][0]["result"] or [{"original_width": 96, "original_height": 64}])[0]
    w, h = size["original_width"], size["original_height"]
    added.append({"id": "added", "type": "rectanglelabels", "from_name": "bbox", "to_name": "image",
                  "original_width": w, "original_height": h, "image_rotation": 0,
                  "value": {"x": 55.5, "y": 40.25, "width": 30, "height": 50, "rotation": 0, "rectanglelabels": ["person"]}})
    for n, (name, x, y) in enumerate([("nose", 70.125, 45.5), ("left_hip", 62.75, 70.0), ("right_ankle", 80.0, 88.875)]):
        added.append({"id": f"added-{n}", "parentID": "added", "type": "keypointlabels", "from_name": "keypoints",
                      "to_name": "image", "original_width": w, "original_height": h, "image_rotation": 0,
                      "value": {"x": x, "y": y, "width": 0.5, "keypointlabels": [name]}})
    plan[2] = (added, False)
    # Task 4: skipped.
    plan[3] = ([], True)
    return plan


def main():
    tasks_file, config_file, out, port, data_dir = sys.argv[1:6]
    tasks = json.load(open(tasks_file))
    env = dict(os.environ, LABEL_STUDIO_BASE_DATA_DIR=data_dir, LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
               SENTRY_DSN="", FRONTEND_SENTRY_DSN="", LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="false",
               LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    log = open(os.path.join(out, "labelstudio.log"), "w")
    binary = os.path.join(os.path.dirname(sys.executable), "label-studio")
    server = subprocess.Popen([binary, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", port,
                               "--data-dir", data_dir, "--username", USER, "--password", PASSWORD, "--user-token", TOKEN],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.time()
        wait_until_up(port, server, time.time() + float(os.environ.get("LABEL_STUDIO_START_TIMEOUT", "600")))
        enable_legacy_tokens(env)
        project = request(port, "POST", "/api/projects", {"title": "orchestrate round 1", "label_config": open(config_file).read()})
        request(port, "POST", f"/api/projects/{project['id']}/import", tasks)
        imported = request(port, "GET", f"/api/tasks?project={project['id']}&page_size=1000")
        imported = imported["tasks"] if isinstance(imported, dict) else imported
        by_name = {t["data"]["lightlyFileName"]: t["id"] for t in imported}
        expected = {"labelled": {}, "skipped": [], "untouched": []}
        for index, task in enumerate(tasks):
            name = task["data"]["lightlyFileName"]
            if index not in annotate(tasks):
                expected["untouched"].append(name)
                continue
            result, cancelled = annotate(tasks)[index]
            request(port, "POST", f"/api/tasks/{by_name[name]}/annotations", {"result": result, "was_cancelled": cancelled})
            if cancelled:
                expected["skipped"].append(name)
            else:
                expected["labelled"][name] = people(result)
        exported = request(port, "GET", f"/api/projects/{project['id']}/export?exportType=JSON", raw=True)
        open(os.path.join(out, "labelstudio-export.json"), "wb").write(exported)
        coco = request(port, "GET", f"/api/projects/{project['id']}/export?exportType=COCO", raw=True)
        if coco[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(coco)) as archive:
                coco = archive.read(next(n for n in archive.namelist() if n.endswith(".json")))
        open(os.path.join(out, "labelstudio-coco.json"), "wb").write(coco)
        expected["server_seconds"] = round(time.time() - started, 1)
        json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1, sort_keys=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
