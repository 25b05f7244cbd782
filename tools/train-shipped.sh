#!/usr/bin/env bash
# Trains every shipped model (weights/*.safetensors) and records its eval figures in
# weights/manifest.json (then tools/record-evals.py adds the figures of the chains the page runs).
# Takes about 3 minutes per model on 2 cores, and the figures about 45 minutes; CI never runs it.
# Usage: tools/train-shipped.sh [STEPS]   (default 6000; eight-gaussians gets twice as many: its
# sharp blobs were not reached at 6000 steps, quality ratio 2.45)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-6000}
cargo build --release --bin ptheta
bin=target/release/ptheta
mkdir -p weights
models=()
for d in moons swiss-roll checkerboard circles letters; do models+=("$d epsilon $steps"); done
models+=("eight-gaussians epsilon $((2 * steps))")
for p in x0 v mean mean-variance epsilon-variance; do models+=("moons $p $steps"); done
# the second world: 8×8 digits (about 20 minutes each here)
for p in epsilon epsilon-variance; do models+=("digits $p $steps"); done
for m in "${models[@]}"; do
  set -- $m
  out=weights/$1-$2.safetensors
  [ -f "$out" ] && { echo "keeping $out"; continue; }
  "$bin" train --dataset "$1" --parameterization "$2" --iterations "$3" --seed 0 --out "$out"
  # half the bytes where the samples stay (model::HALF_TOLERANCE); the μ models stay f32
  "$bin" half --weights "$out" --out "$out" || echo "keeping $out as f32"
done
echo "[" > weights/manifest.json.tmp
first=1
for m in "${models[@]}"; do
  set -- $m
  out=weights/$1-$2.safetensors
  # the digits' eval is over five draws of 200 samples (a minute here), its ELBO over all 355 held-out digits
  if [ "$1" = digits ]; then
    eval_args="--samples 200 --seeds 5 --elbo-points 355 --seed 0 --json"
  else
    eval_args="--samples 2000 --elbo-points 1000 --seed 0 --json"
  fi
  fig=$("$bin" eval --weights "$out" $eval_args)
  # the file says whether `ptheta half` stored it as f16 (safetensors' header is plain JSON)
  half=""
  head -c 4096 "$out" | grep -aq '"dtype":"F16"' && half=" && ptheta half --weights $out --out $out"
  [ $first = 1 ] || echo "," >> weights/manifest.json.tmp
  first=0
  printf '{"file": "%s", "train_command": "ptheta train --dataset %s --parameterization %s --iterations %s --seed 0 --out %s%s", "eval_command": "ptheta eval --weights %s %s", "eval": %s}' \
    "$(basename "$out")" "$1" "$2" "$3" "$out" "$half" "$out" "$eval_args" "$fig" >> weights/manifest.json.tmp
  echo "$fig"
done
echo "]" >> weights/manifest.json.tmp
mv weights/manifest.json.tmp weights/manifest.json
# the figures over five draws for every chain the page offers and the full chain
python3 tools/record-evals.py
