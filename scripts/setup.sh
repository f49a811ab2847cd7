#!/usr/bin/env bash
# Installs everything orchestrate needs on a fresh Debian 12 machine. Idempotent:
# a second run installs nothing and takes a second.
#
#   scripts/setup.sh             # build, run, test and benchmark (scripts/test.sh)
#   scripts/setup.sh --runtime   # build and run only (scripts/run-example.sh): no test servers,
#                                # no browser, no Python test helpers
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_only=false
[ "${1:-}" = "--runtime" ] && runtime_only=true

debian_packages=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libtorch-dev python3-torch python3-torchvision libopenblas0-pthread python3-pip
  libsqlite3-dev libcairo2-dev
  python3-numpy python3-pil fonts-dejavu-core  # python3-pil: plugins/train reads the labelled frames
  unzip
)
if ! $runtime_only; then
  debian_packages+=(python3-venv python3-av poppler-utils chromium)
  # A private one-node Slurm cluster for the cluster executor's tests (scripts/slurm-cluster.sh).
  debian_packages+=(slurmctld slurmd slurm-client munge)
fi

missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# OpenVINO's runtime for `detect`'s `runtime: openvino`: the PyPI wheel ships the C library
# (libopenvino_c) and its headers. Installed in one fixed folder, not a venv: Package.swift builds
# the OpenVINO shim against it and records it as the shim's rpath, so the binary finds it at run
# time without LD_LIBRARY_PATH. Bump Package.swift's library file name with the version.
openvino_version=2026.4.1
openvino_dir=/opt/orchestrate/openvino
if [ "$(cat "$openvino_dir/VERSION" 2>/dev/null)" != "$openvino_version" ]; then
  echo "setup: installing OpenVINO $openvino_version into $openvino_dir"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd rm -rf "$openvino_dir"
  $sudo_cmd /usr/bin/python3 -m pip install -q --no-deps --target "$openvino_dir" "openvino==$openvino_version"
  echo "$openvino_version" | $sudo_cmd tee "$openvino_dir/VERSION" >/dev/null
fi

$runtime_only && exit 0

# Python helpers for tests and benchmarks, beside Debian's torch (hence system site packages).
# Playwright drives Debian's chromium (above) for the browser view's tests (scripts/view-browser.py);
# its own browser download is never used.
python_packages=(moto[server] pycocotools playwright==1.65.3)
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
if ! .venv/bin/python -c "import moto, pycocotools, playwright" 2>/dev/null; then
  echo "setup: installing Python helpers ${python_packages[*]}"
  .venv/bin/pip install -q "${python_packages[@]}"
fi

# int8 quantization (examples/quantize_openvino.py: NNCF on ONNX Runtime):
# a venv of its own, without Debian's packages (NNCF would pick up Debian's older torch and needs a
# newer numpy than Debian's torch was built against).
openvino_python_packages=("openvino==$openvino_version" "nncf==3.4.0" "onnx==1.23.2" "onnxruntime==1.32.0")
if [ ! -x .venv-openvino/bin/python ]; then
  /usr/bin/python3 -m venv .venv-openvino
fi
if ! .venv-openvino/bin/python -c "import nncf, onnx, onnxruntime" 2>/dev/null; then
  echo "setup: installing ${openvino_python_packages[*]}"
  .venv-openvino/bin/pip install -q "${openvino_python_packages[@]}"
fi

# LocalStack's S3: the test server that refuses expired presigned URLs (moto does not check them).
# Its own venv, as it pins boto3. 4.9.2 is the newest release that runs on Debian 12's Python 3.11
# (later ones use 3.12 syntax although they declare >=3.10); cbor2, pyOpenSSL and psutil are pinned
# to the releases it was written against (newer ones removed cbor2._decoder,
# X509.add_extensions and psutil._common.snicaddr).
localstack_packages=("localstack-core[base-runtime]==4.9.2" "cbor2==5.6.5" "pyopenssl==24.2.1" "psutil==6.1.1")
if [ ! -x .venv-localstack/bin/python ]; then
  /usr/bin/python3 -m venv .venv-localstack
fi
if ! .venv-localstack/bin/python -c "import localstack.services.s3.provider" 2>/dev/null; then
  echo "setup: installing ${localstack_packages[*]}"
  .venv-localstack/bin/pip install -q "${localstack_packages[@]}"
fi

# Label Studio, the real labelling server of the `labels` round-trip tests. Its own venv, as it pins
# Django and many others. sentry-sdk 3 breaks its settings, hence the pin.
labelstudio_packages=("label-studio==1.23.2" "sentry-sdk<3")
if [ ! -x .venv-labelstudio/bin/python ]; then
  /usr/bin/python3 -m venv .venv-labelstudio
fi
if ! .venv-labelstudio/bin/python -c "import label_studio" 2>/dev/null; then
  echo "setup: installing ${labelstudio_packages[*]}"
  .venv-labelstudio/bin/pip install -q "${labelstudio_packages[@]}"
fi

# Datumaro, the independent reader of the CVAT and COCO exports in the tests. Its own venv, as it
# pins NumPy and others apart from Debian's torch.
if [ ! -x .venv-datumaro/bin/python ]; then
  /usr/bin/python3 -m venv .venv-datumaro
fi
if ! .venv-datumaro/bin/python -c "import datumaro" 2>/dev/null; then
  echo "setup: installing datumaro"
  .venv-datumaro/bin/pip install -q "datumaro"
fi
