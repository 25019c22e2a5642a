#!/usr/bin/env bash
# Fills .devcarry/ (git-ignored) with what a GPU machine that has the NVIDIA driver but no Node.js, no Vulkan loader
# and no network needs to run this project; the device run then carries it. Run on the development machine, from
# anywhere in the repository, after `npm ci`:
#   bash bench/device/prepare-carry.sh [--dev]
# .devcarry/ then holds (about 30-40 MB; a device run carries at most 64 MiB together with the tracked files):
#   node.xz                      this machine's node binary
#   dawn.node.xz                 the linux-x64 Dawn binding of node_modules/webgpu (the other platforms stay behind)
#   index.js, package.json       node_modules/webgpu's own files, put back beside the binary by the prologue
#   app.tar.xz                   dist/ (built here first) and node_modules without webgpu: production dependencies,
#                                or all of them with --dev (e.g. to run vitest there)
#   *.deb                        the Vulkan / GL loader packages (the NVIDIA driver ships the Vulkan driver only)
#   prologue.sh                  a copy of bench/device/prologue.sh, which unpacks all this on the GPU machine
# Then give the device run carry [".devcarry"] and a command that begins
#   bash .devcarry/prologue.sh && . /tmp/devenv && ...
set -euo pipefail
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1
here=$(dirname "$(readlink -f "$0")")
root=$(cd "$here/../.." && pwd); cd "$root"
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "run npm ci first: node_modules/webgpu is missing" >&2; exit 1; }
git check-ignore -q .devcarry/ || { echo ".devcarry/ must be git-ignored (see .gitignore)" >&2; exit 1; }
rm -rf .devcarry && mkdir -p .devcarry
cp "$here/prologue.sh" .devcarry/
npm run -s build
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .devcarry/node.xz
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .devcarry/dawn.node.xz
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .devcarry/
# The node_modules to carry: production dependencies (all with --dev), never webgpu's multi-platform binaries.
if [ $DEV = 1 ]; then
  list=$(ls -d node_modules/* node_modules/@*/* 2>/dev/null | grep -v '^node_modules/@[^/]*$')
else
  list=$(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$root/##" | grep '^node_modules/' || true)
fi
list=$(printf '%s\n' $list | grep -v '^node_modules/webgpu$' | grep -v '^node_modules/\.bin' | sort -u)
tar -cf - dist $list package.json 2>/dev/null | xz -T0 -6 > .devcarry/app.tar.xz
(cd .devcarry && apt-get -q -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 download \
   libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1) || {
   echo "apt-get download failed: run apt-get update once, then this script again" >&2; exit 1; }
du -sh .devcarry
echo "carry [\".devcarry\"]; command: bash .devcarry/prologue.sh && . /tmp/devenv && bash bench/device.sh"
