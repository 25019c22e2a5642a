#!/usr/bin/env bash
# On a GPU machine, one call that fits well inside 10 minutes: this adapter's peaks, our bench at the three training sizes
# and the default config with the per-kernel profile, the environment up to 8M envs, the JAX peer in TF32 and fp32,
# the PyTorch peer, the time from `megc train` (default config) start to its gap to OPT, and `megc train` at (1, 256) with
# hidden 256x2 and --mixed-precision (the fused update's half weights among the candidates). Every step has its own
# time limit and writes as it goes, so a crash or a timeout still leaves what was measured.
#
# Needs on the GPU machine: the NVIDIA driver (Vulkan), Node.js 22 or later with this repository built (dist/) and its
# node_modules, and for the peers Python with JAX and PyTorch (SKIP_PEERS=1 without them); no network. A machine
# with the driver alone gets the rest from bench/device/prepare-bundle.sh (run it here after `npm ci`, copy
# .devbundle/ with the repository, and run `bash .devbundle/prologue.sh && . /tmp/devenv && bash bench/device.sh`).
# What it writes to $OUT: device.log (everything printed), bench.json, train-metrics.csv, train-evaluation.json,
# mixed-metrics.csv and mixed-config.json, ratios.md and DEVICE-<date>.json (adapter, driver, versions, every figure
# with min/median/max, the profiles and the ratios). Copy DEVICE-<date>.json into bench/results/ and its tables into bench/RESULTS.md, and
# the peaks' re-read figure ("re-read (cached)", GB/s) into bench/reference/*.json as rereadBytesPerSecond (bytes/s),
# which bench/predict.ts prices the fused kernels' repeated weight reads by.
# SKIP_PEERS=1 leaves the peers out (the ratios then use bench/reference/'s figures).
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
# Tensor-core and f16 variants need Dawn's unsafe APIs (subgroup matrices) and f16 on NVIDIA's Vulkan driver.
export MEGC_DAWN_FLAGS=${MEGC_DAWN_FLAGS:-enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia}
export MEGC_CACHE_DIR=/tmp/megc-cache
LOG="$OUT/device.log"
TMP=$(mktemp -d)
step() { echo; echo "== $(date -u +%T) $*" | tee -a "$LOG"; }
run() { local limit=$1; shift; timeout "$limit" "$@" 2>&1 | tee -a "$LOG"; }

step "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
run 30 node dist/src/cli/main.js info

step "megc bench --profile --tune full (peaks, env, nn, train at (1,256), (4096,4096), (65536,65536) hidden 256x2, default config)"
run 270 node dist/src/cli/main.js bench --profile --tune full --json "$OUT/bench.json"

step "megc train, default config (tuned variants from the bench's cache)"
rm -rf "$TMP/run"
start=$(date +%s%N)
run 120 node dist/src/cli/main.js train --out "$TMP/run" --no-progress
echo "megc train: $(( ($(date +%s%N) - start) / 1000000 )) ms from start to the printed evaluation" | tee -a "$LOG"
cp "$TMP/run/metrics.csv" "$OUT/train-metrics.csv" 2>/dev/null
cp "$TMP/run/evaluation.json" "$OUT/train-evaluation.json" 2>/dev/null

step "megc train at (1, 256), hidden 256x2, 1 update, --mixed-precision (quick tuning: the weight pass on 2-row blocks with and without half weights)"
rm -rf "$TMP/mixed"
run 60 node dist/src/cli/main.js train --out "$TMP/mixed" --envs 1 --batch 256 --hidden 256,256 --updates 1 --replay-capacity 4096 \
  --iterations-per-submit 200 --iterations 10000 --mixed-precision --no-eval --no-progress
cp "$TMP/mixed/metrics.csv" "$OUT/mixed-metrics.csv" 2>/dev/null
cp "$TMP/mixed/config.json" "$OUT/mixed-config.json" 2>/dev/null
node -e 'const [h, ...r] = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n"); const c = h.split(","), i = c.indexOf("iteration"), w = c.indexOf("wall_s");
  const [a, b] = [r[0].split(","), r[r.length - 1].split(",")]; const f = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).tuning.plans.fused;
  console.log(`(1, 256) 256x2 mixed precision: ${((b[i] - a[i]) / (b[w] - a[w])).toFixed(0)} it/s from iteration ${a[i]} to ${b[i]}; fused: ${JSON.stringify(f ?? null)}`)' \
  "$OUT/mixed-metrics.csv" "$OUT/mixed-config.json" 2>&1 | tee -a "$LOG"

if [ "${SKIP_PEERS:-0}" != 1 ]; then
  step "JAX peer, TF32 (JAX's default matmul precision on this GPU)"
  run 100 python3 bench/peers/jax_ddpg.py | grep -v Warning | tee "$TMP/jax.txt" >/dev/null
  step "JAX peer, fp32 (JAX_DEFAULT_MATMUL_PRECISION=highest)"
  run 100 python3 bench/peers/jax_ddpg.py --precision highest | grep -v Warning | tee "$TMP/jax_fp32.txt" >/dev/null
  step "PyTorch peer (training and the batched environment up to 8M envs)"
  run 80 python3 bench/peers/torch_ddpg.py | tee "$TMP/torch.txt" >/dev/null
fi

step "ratios"
date=$(date -u +%F)
node dist/bench/compare.js --bench "$OUT/bench.json" --jax "$TMP/jax.txt" --jax-fp32 "$TMP/jax_fp32.txt" --torch "$TMP/torch.txt" \
  --train "$TMP/run" --json "$OUT/DEVICE-$date.json" 2>&1 | tee "$OUT/ratios.md" | tee -a "$LOG"
