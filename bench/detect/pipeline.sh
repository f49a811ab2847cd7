# Sourced by runtimes.sh and shared-model.sh: `detect_pipeline FILE NAME DETECT_WITH` writes FILE, a
# pipeline named NAME (workdir .orchestrate-NAME) that decodes every frame of data/*.mp4 and runs
# `detect` on them with the flow mapping DETECT_WITH (e.g. "runtime: openvino, model: m.onnx").
detect_pipeline() {
  local file=$1 name=$2 with=$3
  cat > "$file" <<YAML
version: 1
name: $name
workdir: .orchestrate-$name
stages:
  decode:
    uses: decode
    foreach: data/*.mp4
    with: {every: 1, dedup_threshold: 0}
  detect:
    uses: detect
    needs: [decode]
    with: {$with}
YAML
}
