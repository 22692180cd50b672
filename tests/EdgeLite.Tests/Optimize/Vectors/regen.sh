#!/usr/bin/env bash
# Reference outputs for models EdgeLite's quantizer writes (QuantizerConformanceTests): each case in cases.txt is
# quantized with `edgelite quantize` exactly as the test does, then run by real TFLite (../shared/tools/tflite-reference,
# LiteRT.js compat build) on the reference tool's random inputs (seed 1). Committed per case: output_K.bin, meta.json
# and model.sha256 (the quantized file's hash: the test fails, asking for this script, when the quantizer's output
# changes). The quantized models themselves are not committed (they are rebuilt by the test).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
shared=${EDGELITE_SHARED:-$root/../shared}
ref=$shared/tools/tflite-reference/run.sh
cd "$root"
dotnet build src/EdgeLite.Cli -c Release -v q >/dev/null
edgelite() { dotnet src/EdgeLite.Cli/bin/Release/net10.0/EdgeLite.Cli.dll "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
photos=$(sed -n 's/^calibration: //p' "$here/photos.txt")
mkdir -p "$tmp/sine"
python3 -c "
import struct,math
for i in range(100): open('$tmp/sine/%03d.bin'%i,'wb').write(struct.pack('<f', 2*math.pi*i/99))"
grep -v '^#' "$here/cases.txt" | while IFS='|' read -r name stem opts; do
  name=$(echo $name); stem=$(echo $stem)
  model=$(ls "$shared"/models/*/"$stem".tflite)
  if [ "$stem" = hello_world_float ]; then cal="$tmp/sine"; else cal=$(for p in $photos; do printf '%s ' "$shared/images/$p"; done); fi
  edgelite quantize --model "$model" $opts --calibration $cal --output "$tmp/$name.tflite" --json >/dev/null
  out=$here/$name; rm -rf "$out"; mkdir -p "$out"
  "$ref" run --model "$tmp/$name.tflite" --random-seed 1 --out "$tmp/ref-$name" >/dev/null
  cp "$tmp/ref-$name"/output_*.bin "$tmp/ref-$name/meta.json" "$out/"
  sha256sum "$tmp/$name.tflite" | cut -d' ' -f1 > "$out/model.sha256"
  echo "$name: $(du -sh "$out" | cut -f1)"
done
