#!/usr/bin/env bash
# Regenerates the op-conformance reference outputs with REAL TFLite (../shared/tools/tflite-reference).
#   regen.sh                 cases without a reference or whose model changed (model sha256 differs)
#   regen.sh --all           every case
#   regen.sh NAME [NAME...]  cases whose name contains one of the given substrings (always regenerated)
#   regen.sh --prune         also deletes reference folders that no case owns
# Env: EDGELITE_SHARED (default: ../shared of the checkout), TFLITE_REFERENCE (the tool folder), JOBS (parallel runs, default 2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ref="$here/reference"
mode=changed; prune=0; filters=()
for a in "$@"; do
  case "$a" in
    --all) mode=all ;;
    --prune) prune=1 ;;
    -*) echo "unknown option $a" >&2; exit 2 ;;
    *) filters+=("$a"); mode=named ;;
  esac
done

shared=${EDGELITE_SHARED:-$(cd "$repo/.." && pwd)/shared}
tool=${TFLITE_REFERENCE:-$shared/tools/tflite-reference}
[ -x "$tool/run.sh" ] || { echo "tflite-reference tool not found at $tool (set TFLITE_REFERENCE)" >&2; exit 2; }
if [ ! -d "$tool/node_modules" ] && [ ! -w "$tool" ]; then
  # read-only shared copy without node_modules: run a private copy (its run.sh does the npm ci)
  copy="${TMPDIR:-/tmp}/edgelite-tflite-reference"
  if [ ! -f "$copy/run.sh" ]; then mkdir -p "$copy" && cp -r "$tool/." "$copy/" && chmod -R u+w "$copy"; fi
  tool=$copy
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
filter_env=""
[ "$mode" = named ] && filter_env=$(IFS=,; echo "${filters[*]}")
echo "exporting cases to $work ..." >&2
EDGELITE_OPCONF_EXPORT="$work/cases" EDGELITE_OPCONF_FILTER="$filter_env" \
  dotnet test "$repo/tests/EdgeLite.Tests" -c Release --filter "FullyQualifiedName~OpConformanceTests.OpConformanceExport" >"$work/export.log" 2>&1 \
  || { cat "$work/export.log" >&2; exit 1; }

todo=()
for d in "$work/cases"/*/; do
  name=$(basename "$d")
  sha=$(cat "$d/model.sha256")
  want_rt=litert; [ -f "$d/runtime" ] && want_rt=$(cat "$d/runtime")
  if [ "$mode" = changed ] && [ -f "$ref/$name/meta.json" ] && grep -q "\"model_sha256\": *\"$sha\"" "$ref/$name/meta.json" \
     && grep -q "\"runtime\":\"[^\"]*$want_rt" "$ref/$name/meta.json"; then continue; fi
  if [ "$mode" = changed ] && [ -f "$ref/$name/refused.txt" ] && grep -q "^model_sha256 $sha$" "$ref/$name/refused.txt"; then continue; fi
  todo+=("$name")
done
echo "${#todo[@]} case(s) to run through real TFLite" >&2

run_one() {
  local name=$1 d="$work/cases/$1" args=()
  for f in "$d"/input_*.bin; do [ -e "$f" ] && args+=(--input "$f"); done
  [ -f "$d/runtime" ] && args+=(--runtime "$(cat "$d/runtime")")
  if "$tool/run.sh" run --model "$d/model.tflite" "${args[@]}" --out "$d/out" >"$d/stdout" 2>"$d/stderr"; then
    rm -rf "$ref/$name"; mkdir -p "$ref/$name"
    cp "$d"/out/output_*.bin "$ref/$name/"
    # the tool's meta.json, trimmed to what identifies the run
    node -e 'const fs=require("fs");const m=JSON.parse(fs.readFileSync(process.argv[1]));const o={runtime:m.runtime,build:m.build,delegate:m.delegate,model_sha256:m.model_sha256,ops:m.ops,outputs:(m.outputs||[]).map(t=>({dtype:t.dtype,shape:t.shape}))};fs.writeFileSync(process.argv[2],JSON.stringify(o)+"\n")' "$d/out/meta.json" "$ref/$name/meta.json"
    echo "ok       $name"
  else
    rm -rf "$ref/$name"; mkdir -p "$ref/$name"
    { echo "model_sha256 $(cat "$d/model.sha256")"; grep -v '^\s*$' "$d/stderr" | tail -n 5; } >"$ref/$name/refused.txt"
    echo "REFUSED  $name: $(grep -m1 'error' "$d/stderr" || tail -n1 "$d/stderr")"
  fi
}
export -f run_one; export work ref tool
printf '%s\n' "${todo[@]}" | grep -v '^$' | xargs -r -P "${JOBS:-2}" -I{} bash -c 'run_one "$@"' _ {}

if [ "$prune" = 1 ]; then
  for d in "$ref"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    [ -d "$work/cases/$name" ] || { [ "$mode" = named ] || { echo "pruned   $name"; rm -rf "$d"; }; }
  done
fi
