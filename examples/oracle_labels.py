#!/usr/bin/env python3
"""An oracle annotator: COCO keypoints labels of chosen frames from the generated clips' ground truth.

`examples/generate_clips.py` writes the true pose of every player in every frame beside each clip.
This script plays the labelling team: it labels exactly the frames it is given, with their true
boxes and keypoints, and writes what the `train` stage reads (docs/stages/train.md):
`OUT/coco-keypoints.json` (COCO keypoints 1.0) and the frames in `OUT/frames/`.

    # the frames an export selected (export's frames/ folder)
    examples/oracle_labels.py --truth pipelines/data/*.json --frames .orchestrate/out/export/all/frames --out labels
    # frames 0, 5 and 10 of one clip, extracted with FFmpeg
    examples/oracle_labels.py --truth clips/a.json --video clips/a.mp4 --indices 0,5,10 --out labels
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def truth_by_frame(truth_files):
    """{frame name: (image, [annotations])} over the clips' ground-truth files, and their categories."""
    frames, categories = {}, None
    for path in truth_files:
        truth = json.loads(Path(path).read_text())
        categories = categories or truth["categories"]
        people = {}
        for annotation in truth["annotations"]:
            people.setdefault(annotation["image_id"], []).append(annotation)
        for image in truth["images"]:
            frames[image["file_name"]] = (image, people.get(image["id"], []))
    return frames, categories


def extract(video, indices, folder, names):
    """Writes frame `indices[i]` of `video` (decode order) to `folder/names[i]`."""
    with tempfile.TemporaryDirectory() as scratch:
        selection = "+".join(f"eq(n\\,{index})" for index in indices)
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"select={selection}", "-vsync", "0",
                        "-f", "image2", f"{scratch}/%06d.png"], check=True)
        for number, name in enumerate(names, start=1):
            shutil.move(f"{scratch}/{number:06d}.png", folder / name)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--truth", nargs="+", required=True, help="ground-truth files of generate_clips.py")
    parser.add_argument("--frames", type=Path, help="label the frame PNGs of this folder (Lightly frame names)")
    parser.add_argument("--video", type=Path, help="extract and label frames of this clip")
    parser.add_argument("--indices", help="with --video: comma-separated frame indices")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    truth, categories = truth_by_frame(args.truth)
    frames_out = args.out / "frames"
    frames_out.mkdir(parents=True, exist_ok=True)

    if args.frames:
        names = sorted(path.name for path in args.frames.glob("*.png"))
        for name in names:
            shutil.copyfile(args.frames / name, frames_out / name)
    elif args.video and args.indices:
        indices = sorted(int(index) for index in args.indices.split(","))
        by_index = {image["id"]: name for name, (image, _) in truth.items()
                    if name.startswith(args.video.stem + "-")}
        names = [by_index[index] for index in indices]
        extract(args.video, indices, frames_out, names)
    else:
        parser.error("give --frames, or --video with --indices")

    images, annotations = [], []
    for image_id, name in enumerate(names, start=1):
        if name not in truth:
            sys.exit(f"oracle_labels: {name}: no ground truth names this frame")
        image, people = truth[name]
        images.append({"id": image_id, "file_name": name, "width": image["width"], "height": image["height"]})
        for person in people:
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": 1, "iscrowd": 0,
                                "bbox": person["bbox"], "area": person["area"], "keypoints": person["keypoints"],
                                "num_keypoints": person["num_keypoints"]})
    document = {"images": images, "annotations": annotations, "categories": categories}
    (args.out / "coco-keypoints.json").write_text(json.dumps(document, sort_keys=True) + "\n")
    print(f"oracle_labels: {len(images)} frames, {len(annotations)} people -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
