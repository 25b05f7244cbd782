#!/bin/bash
# Prepares what tools/bench-gpu-device.sh needs on a lent GPU machine, which has no network:
# the ptheta CLI and the GPU test binary (x86-64, this machine's build) in .devbin/, and the
# Vulkan and GL loaders as Debian packages in .gl/. Both folders are kept out of git through
# .git/info/exclude and travel with the device call's `carry`: [".gl", ".devbin"].
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
for d in .gl .devbin; do
    grep -qx "/$d/" .git/info/exclude || echo "/$d/" >> .git/info/exclude
done
mkdir -p .devbin .gl
# the dev profile is optimized (Cargo.toml) and builds far faster than the LTO release profile
cargo build --bin ptheta
cp target/debug/ptheta .devbin/ptheta
test_bin=$(cargo test --test gpu --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "gpu" and m.get("executable"):
        print(m["executable"])')
cp "$test_bin" .devbin/gpu-test
strip .devbin/ptheta .devbin/gpu-test
if ! ls .gl/libvulkan1_*.deb > /dev/null 2>&1; then
    lists=/tmp/amd64-lists
    mkdir -p "$lists/partial"
    o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
    apt-get "${o[@]}" update > /dev/null
    (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
ls -la .devbin .gl
echo "carry: [\".gl\", \".devbin\"]; command: bash tools/bench-gpu-device.sh"
