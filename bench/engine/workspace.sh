# Sourced by noop.sh and compare.sh: `make_workspace DIR ITEMS` writes DIR/data/ with ITEMS small
# text files and DIR/p.yaml, one `exec true` item per file.
make_workspace() {
  local dir=$1 items=$2
  mkdir -p "$dir/data"
  python3 - "$dir/data" "$items" <<'PY'
import sys, os
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, f"{i:05d}.txt"), "w") as f:
        f.write(f"item {i}\n")
PY
  cat > "$dir/p.yaml" <<YAML
version: 1
name: bench
stages:
  touch:
    uses: exec
    foreach: "data/*.txt"
    with:
      argv: ["true"]
YAML
}
