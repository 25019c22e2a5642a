#!/usr/bin/env bash
# Fills .devbundle/ (git-ignored) with what a GPU machine that has the NVIDIA driver but no Node.js, no Vulkan loader
# and no network needs to run this project, to copy there beside the repository. Run on the development machine, from
# anywhere in the repository, after `npm ci`:
#   bash bench/device/prepare-bundle.sh [--dev]
# .devbundle/ then holds (about 30-40 MB):
#   node.xz                      this machine's node binary
#   dawn.node.xz                 the linux-x64 Dawn binding of node_modules/webgpu (the other platforms stay behind)
#   index.js, package.json       node_modules/webgpu's own files, put back beside the binary by the prologue
#   app.tar.xz                   dist/ (built here first) and node_modules without webgpu: production dependencies,
#                                or all of them with --dev (e.g. to run vitest there)
#   *.deb                        the Vulkan / GL loader packages (the NVIDIA driver ships the Vulkan driver only)
#   prologue.sh                  a copy of bench/device/prologue.sh, which unpacks all this on the GPU machine
# Copy it with the repository to the GPU machine and begin the command there with
#   bash .devbundle/prologue.sh && . /tmp/devenv && ...
set -euo pipefail
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1
here=$(dirname "$(readlink -f "$0")")
root=$(cd "$here/../.." && pwd); cd "$root"
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "run npm ci first: node_modules/webgpu is missing" >&2; exit 1; }
git check-ignore -q .devbundle/ || { echo ".devbundle/ must be git-ignored (see .gitignore)" >&2; exit 1; }
rm -rf .devbundle && mkdir -p .devbundle
cp "$here/prologue.sh" .devbundle/
npm run -s build
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .devbundle/node.xz
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .devbundle/dawn.node.xz
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .devbundle/
# The node_modules to carry: production dependencies (all with --dev), never webgpu's multi-platform binaries.
if [ $DEV = 1 ]; then
  list=$(ls -d node_modules/* node_modules/@*/* 2>/dev/null | grep -v '^node_modules/@[^/]*$')
else
  list=$(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$root/##" | grep '^node_modules/' || true)
fi
list=$(printf '%s\n' $list | grep -v '^node_modules/webgpu$' | grep -v '^node_modules/\.bin' | sort -u)
tar -cf - dist $list package.json 2>/dev/null | xz -T0 -6 > .devbundle/app.tar.xz
(cd .devbundle && apt-get -q -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 download \
   libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1) || {
   echo "apt-get download failed: run apt-get update once, then this script again" >&2; exit 1; }
du -sh .devbundle
echo "on the GPU machine: bash .devbundle/prologue.sh && . /tmp/devenv && bash bench/device.sh"
