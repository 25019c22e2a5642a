#!/usr/bin/env bash
# Installs a software Vulkan driver (Mesa lavapipe from bookworm-backports) when WebGPU finds no adapter.
# Idempotent: does nothing when an adapter already exists. Prints manual steps where it cannot act.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

probe() { node scripts/probe-adapter.mjs >/dev/null 2>&1; }

if probe; then echo "setup-vulkan: a WebGPU adapter is available; nothing to install"; exit 0; fi

manual="install a Vulkan driver by hand: on Debian bookworm add the bookworm-backports suite to apt's sources, then
  apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1
(Debian's own Mesa 22.3 is too old for Dawn: 'shaderUniform*ArrayDynamicIndexing required')"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! grep -q bookworm /etc/os-release 2>/dev/null; then
  echo "setup-vulkan: no WebGPU adapter found and this is not root on Debian bookworm; $manual" >&2
  exit 1
fi

echo "setup-vulkan: no WebGPU adapter found; installing Mesa lavapipe from bookworm-backports"
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
if probe; then echo "setup-vulkan: WebGPU adapter ready"; node scripts/probe-adapter.mjs; exit 0; fi
echo "setup-vulkan: installed Mesa from bookworm-backports but WebGPU still finds no adapter; $manual" >&2
exit 1
