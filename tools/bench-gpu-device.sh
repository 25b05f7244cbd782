#!/bin/bash
# The GPU checks for a lent GPU machine (no network there), in one call: the Vulkan loader, the
# native GPU tests, then `ptheta bench-gpu` of the kernels, a short table last.
#
# Prepared here by tools/prepare-device.sh: .devbin/ (the ptheta CLI and the GPU test binary) and
# .gl/ (the Vulkan and GL loaders as Debian packages), both git-ignored, travelling as the call's
# `carry`.
# Run there as `bash tools/bench-gpu-device.sh` (the copy there may lose the mode bit). SAMPLES,
# STEPS, KERNELS and NOTEST=1 change the run; FUSED_WGSL=FILE (in a carried folder) times that
# file in place of mlp_fused.wgsl.
set -u
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
# the test binary finds the weights at the path it was built in
if [ "$PWD" != /work/main ]; then mkdir -p /work; rm -rf /work/main; ln -s "$PWD" /work/main; fi
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
if [ -z "${NOTEST:-}" ]; then
    PTHETA_REQUIRE_GPU=1 timeout 150 .devbin/gpu-test --test-threads 1 > "$OUT/gputest.log" 2>&1
    tail -4 "$OUT/gputest.log"
fi
nvidia-smi --query-gpu=clocks.sm --format=csv,noheader -lms 100 > "$OUT/clocks.txt" &
clocks=$!
timeout 300 .devbin/ptheta bench-gpu --weights weights/moons-epsilon.safetensors \
    --samples "${SAMPLES:-1024,4096,16384}" --steps "${STEPS:-200}" --peak-gflops 67000 --no-cpu \
    ${KERNELS:+--kernels "$KERNELS"} ${FUSED_WGSL:+--fused-wgsl "$FUSED_WGSL"} > "$OUT/bench.jsonl" 2> "$OUT/bench.err"
kill $clocks
echo "SM clock while timing (samples of 100 ms):"
sort "$OUT/clocks.txt" | uniq -c | sort -rn | head -3
cat "$OUT/bench.err"
python3 - <<'PY'
import json, os
for line in open(os.environ['OUT'] + '/bench.jsonl'):
    d = json.loads(line)
    layers = ' '.join(f'{x * 1000:.0f}' for x in d['layer_ms_per_step'] or [])
    print(f"{d['kernel']:20} {d['samples']:6} wall {d['wall_ms_per_step']:.3f} gpu {d['gpu_ms_per_step']:.3f} "
          f"linear {d['linear_ms_per_step']:.3f} ms  {d['gflops'] / 1000:.2f} TFLOP/s  "
          f"{100 * d['fraction_of_peak']:.1f}%  dispatches {layers} us")
PY
