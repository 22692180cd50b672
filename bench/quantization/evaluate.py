#!/usr/bin/env python3
"""Measured evaluation of EdgeLite's post-training quantization on the float models of ../shared/models
(docs/quantization.md). For each model: int8 (min/max and MSE calibration, float I/O) and float16 are made with
`edgelite quantize`, calibrated on the calibration photos of tests/EdgeLite.Tests/Optimize/Vectors/photos.txt and
evaluated on the evaluation photos: file size, `edgelite bench` median latency (1 thread), output SQNR against the
float model, a task metric on the raw outputs, and whether real TFLite (../shared/tools/tflite-reference) gives the
same outputs as EdgeLite on the quantized file (random inputs, seed 1). Prints markdown.

    python3 bench/quantization/evaluate.py [MODEL ...] > /tmp/eval.md
    EDGELITE_EVAL_BENCH=0 ...   # skip the latency columns (they need an otherwise idle machine)
"""
import json, math, os, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("EDGELITE_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
CLI = os.environ.get("EDGELITE_CLI", os.path.join(ROOT, "src/EdgeLite.Cli/bin/Release/net10.0/EdgeLite.Cli.dll"))
REF = os.path.join(SHARED, "tools/tflite-reference/run.sh")

def photos(which):
    for line in open(os.path.join(ROOT, "tests/EdgeLite.Tests/Optimize/Vectors/photos.txt")):
        if line.startswith(which + ": "):
            return [os.path.join(SHARED, "images", p) for p in line.split()[1:]]

# model: (normalization mean, std, task)
MODELS = {
    "vww_96_float": ("0", "255", "classify"),
    "pretrainedResnet": ("0", "1", "classify"),
    "mobilenet_v2_1.0_224_float_dequant": ("127.5", "127.5", "classify"),
    "face_detection_short_range": ("127.5", "127.5", "detect"),
    "palm_detection_lite": ("127.5", "127.5", "detect"),
    "pose_detection": ("127.5", "127.5", "detect"),
    "object_detection_ssd_mobilenetv2_oidv4_fp16": ("127.5", "127.5", "detect"),
    "face_landmark": ("0", "255", "landmarks:0:3:192"),
    "hand_landmark_lite": ("0", "255", "landmarks:0:3:224"),
    "pose_landmark_lite": ("0", "255", "landmarks:0:5:256"),
    "hand_recrop": ("0", "255", "sqnr"),
    "object_detection_3d_sneakers": ("0", "255", "sqnr"),
    "selfie_segmentation": ("0", "255", "mask"),
}

# int8 with TFLite's recipe (min/max, no bias correction), EdgeLite's defaults (+ bias correction), MSE ranges, float16
MODES = (("int8 minmax (TFLite recipe)", ["--no-bias-correction"]), ("int8 minmax + bias corr.", []),
         ("int8 mse + bias corr.", ["--calibrator", "mse"]), ("float16", ["--mode", "float16"]))

def cli(*args):
    r = subprocess.run(["dotnet", CLI, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"edgelite {' '.join(args[:3])}: {r.stderr.strip()}")
    return r.stdout

def model_path(stem):
    for d in os.listdir(os.path.join(SHARED, "models")):
        p = os.path.join(SHARED, "models", d, stem + ".tflite")
        if os.path.exists(p): return p
    raise FileNotFoundError(stem)

def read(dirname, k):
    meta = json.load(open(os.path.join(dirname, "meta.json")))
    o = meta["outputs"][k]
    raw = open(os.path.join(dirname, f"output_{k}.bin"), "rb").read()
    dt = o.get("dtype", "float32")
    if dt == "float32": return list(struct.unpack(f"<{len(raw)//4}f", raw))
    vals = struct.unpack(f"{len(raw)}{'b' if dt == 'int8' else 'B'}", raw)
    q = o.get("quantization") or {}
    s, z = (q.get("scale") or [1])[0], (q.get("zero_point") or [0])[0]
    return [s * (v - z) for v in vals]

def outputs_of(model, image, mean, std, tmp, tag):
    d = os.path.join(tmp, tag)
    cli("run", "--model", model, "--image", image, "--mean", mean, "--std", std, "--output-dir", d)
    meta = json.load(open(os.path.join(d, "meta.json")))
    return [read(d, k) for k in range(len(meta["outputs"]))]

def sigmoid(x): return 1 / (1 + math.exp(-max(-60, min(60, x))))

def iou(a, b):  # boxes as (cx, cy, w, h) relative to the same anchor
    ax0, ay0, ax1, ay1 = a[0] - a[2] / 2, a[1] - a[3] / 2, a[0] + a[2] / 2, a[1] + a[3] / 2
    bx0, by0, bx1, by1 = b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    iw, ih = max(0, min(ax1, bx1) - max(ax0, bx0)), max(0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih; union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0

def task_metric(task, fo, qo, acc):
    """Accumulates a task metric from one image's float (fo) and quantized (qo) outputs."""
    kind = task.split(":")
    if kind[0] == "classify":
        acc.setdefault("agree", []).append(fo[0].index(max(fo[0])) == qo[0].index(max(qo[0])))
    elif kind[0] == "anchors":
        # MediaPipe SSD heads: regressors [N, k] (box = first 4: cx, cy, w, h offsets from the anchor) and score logits
        # [N, 1]: recall of the float model's detections (score > 0.5) and the box IoU on them
        k = int(kind[1]); reg_f, sc_f, reg_q, sc_q = fo[0], fo[1], qo[0], qo[1]
        if len(reg_f) != len(sc_f) * k: reg_f, sc_f, reg_q, sc_q = fo[1], fo[0], qo[1], qo[0]
        for i in range(len(sc_f)):
            if sigmoid(sc_f[i]) > 0.5:
                acc.setdefault("found", []).append(sigmoid(sc_q[i]) > 0.5)
                acc.setdefault("iou", []).append(iou(reg_f[i*k:i*k+4], reg_q[i*k:i*k+4]))
    elif kind[0] == "landmarks":
        # landmark output (index kind[1]) with kind[2] values per point in input pixels (kind[3] px): mean x,y error
        o, per = int(kind[1]), int(kind[2])
        a, b = fo[o], qo[o]
        for i in range(0, len(a) - per + 1, per):
            acc.setdefault("px", []).append(math.hypot(a[i] - b[i], a[i+1] - b[i+1]))
    elif kind[0] == "mask":
        a, b = [v > 0.5 for v in fo[0]], [v > 0.5 for v in qo[0]]
        inter = sum(1 for x, y in zip(a, b) if x and y); union = sum(1 for x, y in zip(a, b) if x or y)
        acc.setdefault("miou", []).append(inter / union if union else 1.0)
    elif kind[0] == "ssd":
        # raw SSD: boxes [N,4], class scores [N,C]: recall of float detections (any class score > 0.5, background 0 excluded)
        boxes_f, cls_f, boxes_q, cls_q = fo[0], fo[1], qo[0], qo[1]
        if len(boxes_f) > len(cls_f): boxes_f, cls_f, boxes_q, cls_q = fo[1], fo[0], qo[1], qo[0]
        n = len(boxes_f) // 4; c = len(cls_f) // n
        for i in range(n):
            best = max(range(1, c), key=lambda j: cls_f[i*c+j])
            if cls_f[i*c+best] > 0.5:
                acc.setdefault("found", []).append(cls_q[i*c+best] > 0.5)
                bf, bq = boxes_f[i*4:i*4+4], boxes_q[i*4:i*4+4]
                acc.setdefault("iou", []).append(iou((bf[1], bf[0], math.exp(bf[3] / 5), math.exp(bf[2] / 5)), (bq[1], bq[0], math.exp(bq[3] / 5), math.exp(bq[2] / 5))))

def box_iou(a, b):  # [left, top, right, bottom]
    iw, ih = max(0, min(a[2], b[2]) - max(a[0], b[0])), max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih; union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0

def detections(model, image):
    """`edgelite detect --json`: the detector's own decoding (anchors from the model) and NMS, threshold 0.5."""
    out = cli("detect", model, image, "--json", "--threshold", "0.5")
    return [o["box"] for o in json.loads(out.strip().splitlines()[-1])["objects"]]

def detection_metric(src, out, images, acc):
    """Recall of the float model's detections (matched at IoU >= 0.5), their mean IoU, and extra detections."""
    for img in images:
        f, q = detections(src, img), detections(out, img)
        used = set()
        for b in f:
            best, bi = 0, -1
            for i, c in enumerate(q):
                if i in used: continue
                v = box_iou(b, c)
                if v > best: best, bi = v, i
            acc.setdefault("found", []).append(best >= 0.5)
            if best >= 0.5: used.add(bi); acc.setdefault("iou", []).append(best)
        acc["extra"] = acc.get("extra", 0) + len(q) - len(used)

def summarize(acc):
    parts = []
    if "agree" in acc: parts.append(f"top-1 agreement {100 * sum(acc['agree']) / len(acc['agree']):.0f}%")
    if "found" in acc: parts.append(f"recall {100 * sum(acc['found']) / max(1, len(acc['found'])):.0f}% of {len(acc['found'])} detections, box IoU {sum(acc.get('iou', [0])) / max(1, len(acc.get('iou', []))):.3f}" + (f", {acc['extra']} extra" if "extra" in acc else ""))
    elif "iou" not in acc and "px" not in acc and "miou" not in acc and "agree" not in acc: parts.append("no float detections")
    if "px" in acc: parts.append(f"landmark error {sum(acc['px']) / len(acc['px']):.2f} px (mean)")
    if "miou" in acc: parts.append(f"mask IoU {sum(acc['miou']) / len(acc['miou']):.3f}")
    return ", ".join(parts) or "-"

BENCH = os.environ.get("EDGELITE_EVAL_BENCH", "1") != "0"

def bench(model):
    if not BENCH: return float("nan")
    return json.loads(cli("bench", "--model", model, "--runs", "30", "--warmup", "5", "--threads", "1", "--json"))["median_ms"]

def reference_agrees(model, tmp):
    e, r = os.path.join(tmp, "ref-e"), os.path.join(tmp, "ref-r")
    subprocess.run(["rm", "-rf", e, r])
    cli("run", "--model", model, "--random-seed", "1", "--output-dir", e)
    p = subprocess.run([REF, "run", "--model", model, "--random-seed", "1", "--out", r], capture_output=True, text=True)
    if p.returncode != 0: return "refused: " + p.stderr.strip()[-120:]
    meta = json.load(open(os.path.join(r, "meta.json")))
    worst = 0.0
    for k in range(len(meta["outputs"])):
        a, b = read(e, k), read(r, k)
        if meta["outputs"][k].get("dtype", "float32") != "float32":
            if open(os.path.join(e, f"output_{k}.bin"), "rb").read() != open(os.path.join(r, f"output_{k}.bin"), "rb").read(): return f"output {k} differs"
        else:
            worst = max(worst, max((abs(x - y) / max(1, abs(x), abs(y)) for x, y in zip(a, b)), default=0))
    return "identical" if worst == 0 else f"max rel {worst:.1e}"

def main():
    stems = sys.argv[1:] or list(MODELS)
    cal, ev = photos("calibration"), photos("evaluation")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for stem in stems:
            mean, std, task = MODELS[stem]
            src = model_path(stem)
            row = {"model": stem, "bytes": os.path.getsize(src), "float_ms": bench(src)}
            for mode, extra in MODES:
                out = os.path.join(tmp, f"{stem}-{mode.replace(' ', '-')}.tflite")
                args = ["quantize", "--model", src, "--output", out, "--json", "--mean", mean, "--std", std, "--eval", *ev] + extra
                if mode != "float16": args += ["--calibration", *cal]
                rep = json.loads(cli(*args))
                acc = {}
                if task == "detect": detection_metric(src, out, ev, acc)
                else:
                    for img in ev:
                        task_metric(task, outputs_of(src, img, mean, std, tmp, "f"), outputs_of(out, img, mean, std, tmp, "q"), acc)
                row[mode] = {"bytes": rep["bytes_after"], "ms": bench(out),
                             "sqnr": [o["sqnr_db"] for o in rep["outputs"]], "task": summarize(acc),
                             "float_ops": len(rep["float_operators"]), "ref": reference_agrees(out, tmp)}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    print("| model | mode | size (bytes) | median ms (1 thread) | output SQNR dB | task agreement with float | float ops | real TFLite vs EdgeLite |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | float | {r['bytes']:,} | {r['float_ms']:.3f} | | | | |")
        for mode, _ in MODES:
            m = r[mode]
            sq = ", ".join("inf" if s is None else f"{s:.1f}" for s in m["sqnr"])
            print(f"| | {mode} | {m['bytes']:,} ({100 * m['bytes'] / r['bytes']:.0f}%) | {m['ms']:.3f} ({r['float_ms'] / m['ms']:.2f}x) | {sq} | {m['task']} | {m['float_ops']} | {m['ref']} |")

if __name__ == "__main__":
    main()
