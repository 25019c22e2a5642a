#!/usr/bin/env bash
# Set-up behind `npm start` and `npm test`: dependencies, a WebGPU adapter, the build; each step skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Dependencies: `npm ci` when node_modules was not installed from this very package-lock.json (and package.json).
stamp=node_modules/.megc-installed
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node $(node --version)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# A software Vulkan driver (Mesa lavapipe) only when WebGPU finds no adapter.
bash scripts/setup-vulkan.sh

# The build, incremental (its build info lives in dist/, so deleting dist/ rebuilds everything).
npx tsc -p tsconfig.json
