#!/usr/bin/env bash
# Conformance vectors for zoo models that ../shared/conformance does not cover yet (added to ../shared/models after
# it was made). Each case: a photo through EdgeLite's own preprocessing (edgelite run --image), real TFLite
# (../shared/tools/tflite-reference, LiteRT.js relaxed-SIMD build, 1 thread: it fuses multiply-adds as EdgeLite's x64
# kernels do; on pose_landmark_lite's segmentation logits, |values| up to 1041, the compat and relaxed builds differ by
# 5.9e-4 relative, EdgeLite is 5.5e-4 from relaxed and 1.1e-3 from compat) on exactly those bytes. Committed: the
# reference's output_K.bin and meta.json, and input.json (how to rebuild input_0.bin, with its sha256); the
# inputs themselves are rebuilt by the tests. Run from anywhere: bash tests/EdgeLite.Tests/Conformance/Vectors/regen.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
shared=${EDGELITE_SHARED:-$root/../shared}
ref=$shared/tools/tflite-reference/run.sh
cd "$root"
dotnet build src/EdgeLite.Cli -c Release -v q >/dev/null
edgelite() { dotnet src/EdgeLite.Cli/bin/Release/net10.0/EdgeLite.Cli.dll "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# model | mean | std | images
cases=(
  "mobilenet_v2_1.0_224_float_dequant|127.5|127.5|bird.bmp cat.bmp grace_hopper.bmp parrot.jpg"
  "pose_landmark_lite|0|255|squat.bmp"
)
for c in "${cases[@]}"; do
  IFS='|' read -r model mean std images <<<"$c"
  path=$(ls "$shared"/models/*/"$model".tflite)
  for img in $images; do
    name=image-${img%.*}
    out=$here/$model/$name
    rm -rf "$out" "$tmp/in"; mkdir -p "$out"
    edgelite run --model "$path" --image "$shared/images/$img" --mean "$mean" --std "$std" --output-dir "$tmp/in" >/dev/null
    rm -rf "$tmp/ref"; "$ref" run --model "$path" --input "$tmp/in/input_0.bin" --build relaxed --out "$tmp/ref" >/dev/null
    cp "$tmp"/ref/output_*.bin "$tmp/ref/meta.json" "$out/"
    sha=$(sha256sum "$tmp/in/input_0.bin" | cut -d' ' -f1)
    printf '{"image":"%s","mean":[%s],"std":[%s],"fit":"stretch","input_sha256":"%s"}\n' "$img" "$mean" "$std" "$sha" > "$out/input.json"
    echo "$model/$name"
  done
done
