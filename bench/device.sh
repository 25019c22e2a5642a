#!/usr/bin/env bash
# On the lent GPU: our bench and the peer programs (JAX, PyTorch) in one call, then the ratios.
# Prepare here (once per session):  npm ci && bash ../shared/gpu/prepare-carry.sh && mkdir -p .devcarry/peers && cp ../shared/peers/*.py .devcarry/peers/
# Then the device tool: carry [".devcarry"], command: bash .devcarry/prologue.sh && . /tmp/devenv && bash bench/device.sh
# Results land in $OUT (bench.json, jax.txt, torch.txt, ratios.md); copy the table into bench/RESULTS.md.
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
node dist/src/cli/main.js info --json > "$OUT/info.json" && head -c 400 "$OUT/info.json"; echo
echo "== megc bench"
timeout 240 node dist/src/cli/main.js bench --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt"
if [ "${SKIP_PEERS:-0}" != 1 ] && [ -d .devcarry/peers ]; then
  echo "== JAX peer"; timeout 200 python3 .devcarry/peers/jax_ddpg.py 2>&1 | grep -v Warning | tee "$OUT/jax.txt"
  echo "== PyTorch peer"; timeout 150 python3 .devcarry/peers/torch_ddpg.py 2>&1 | tee "$OUT/torch.txt"
fi
echo "== ratios"
node dist/bench/compare.js "$OUT/bench.json" "$OUT/jax.txt" "$OUT/torch.txt" | tee "$OUT/ratios.md"
