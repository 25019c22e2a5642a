#!/usr/bin/env bash
# On a lent GPU: our bench and the peer programs (bench/peers: JAX, PyTorch) in one call, then the ratios against them
# and against the reference figures in bench/reference/.
# The GPU machine has the NVIDIA driver but no Node.js and no network. Prepare here, once per session:
#   npm ci && bash bench/device/prepare-carry.sh
# (it fills the git-ignored .devcarry/ with node, Dawn's binary, dist + node_modules, the Vulkan loader .debs and
# bench/device/prologue.sh). Then run the device tool with carry [".devcarry"] and the command
#   bash .devcarry/prologue.sh && . /tmp/devenv && bash bench/device.sh
# The peers need python3 with jax and torch on the GPU machine; SKIP_PEERS=1 leaves them out (compare.js then uses
# the reference figures). Results land in $OUT (info.json, bench.json, jax.txt, torch.txt, ratios.md); copy the
# table into bench/RESULTS.md.
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
node dist/src/cli/main.js info --json > "$OUT/info.json" && head -c 400 "$OUT/info.json"; echo
echo "== megc bench"
timeout 240 node dist/src/cli/main.js bench --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  echo "== JAX peer"; timeout 200 python3 bench/peers/jax_ddpg.py 2>&1 | grep -v Warning | tee "$OUT/jax.txt"
  echo "== PyTorch peer"; timeout 150 python3 bench/peers/torch_ddpg.py 2>&1 | tee "$OUT/torch.txt"
fi
echo "== ratios"
node dist/bench/compare.js "$OUT/bench.json" "$OUT/jax.txt" "$OUT/torch.txt" | tee "$OUT/ratios.md"
