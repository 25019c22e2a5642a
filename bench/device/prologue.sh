#!/usr/bin/env bash
# First step of every device command, from the repository root on the GPU machine (see bench/device/prepare-bundle.sh):
#   bash .devbundle/prologue.sh && . /tmp/devenv && ...
# Unpacks node into /tmp/devbin, dist/ and node_modules/ into the working tree, puts Dawn's binary back into
# node_modules/webgpu, installs the Vulkan loader from the carried .debs, writes /tmp/devenv (PATH, the NVIDIA Vulkan
# ICD when the driver installed it under /usr/local/nvidia) and prints the WebGPU adapter it finds; fails without one.
set -euo pipefail
mkdir -p /tmp/devbin
[ -x /tmp/devbin/node ] || xz -dc .devbundle/node.xz > /tmp/devbin/node
chmod +x /tmp/devbin/node
tar -xJf .devbundle/app.tar.xz
mkdir -p node_modules/webgpu/dist/linux-x64
cp .devbundle/index.js .devbundle/package.json node_modules/webgpu/
xz -dc .devbundle/dawn.node.xz > node_modules/webgpu/dist/linux-x64/dawn.node
for f in .devbundle/*.deb; do dpkg -x "$f" /; done
ldconfig
cat > /tmp/devenv <<'ENV'
export PATH=/tmp/devbin:$PATH XDG_RUNTIME_DIR=/tmp
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; fi
ENV
. /tmp/devenv
node scripts/probe-adapter.mjs
