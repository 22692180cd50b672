using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using EdgeLite;
using EdgeLite.Simd;

// Checks EdgeLite on the machine it runs on (the tests run it on arm64 under qemu-user): every model below is run at
// the best SIMD level this CPU has and at the scalar level; quantized outputs must be identical bytes, float outputs
// within 1e-5 relative of each other, and both must match the real-TFLite conformance vectors (README tolerances).
// Before the models, the micro-kernels themselves (KernelChecks.cs): each level against the scalar one on random shapes.
// Usage: EdgeLite.Arm64Check SHARED_DIR [--level Neon|Avx2|...] [model stems...]; exit code 0 = all passed.

if (args.Length < 1 || !Directory.Exists(Path.Combine(args[0], "models")))
{
    Console.Error.WriteLine("usage: EdgeLite.Arm64Check SHARED_DIR [model stems...]");
    return 2;
}
string shared = args[0];
SimdLevel? force = null;
if (args.Length > 2 && args[1] == "--level") { force = Enum.Parse<SimdLevel>(args[2]); args = [args[0], .. args[3..]]; }
string[] stems = args.Length > 1 ? args[1..]
    : ["mobilenet_v1_0.25_128_quant", "vww_96_int8", "kws_ref_model", "pretrainedResnet", "face_detection_short_range"];
var level = GemmKernels.Select();
Console.WriteLine($"{RuntimeInformation.ProcessArchitecture} AdvSimd={AdvSimd.IsSupported} Arm64={AdvSimd.Arm64.IsSupported} Dp={Dp.IsSupported} -> kernels {level}");
// micro-kernels first: every level this CPU runs against the scalar one and a naive sum, on random edge-case shapes
int failures = EdgeLite.Arm64Check.KernelChecks.RunAll(seed: 1234);
foreach (var stem in stems)
{
    string? modelPath = Directory.GetDirectories(Path.Combine(shared, "models")).Select(d => Path.Combine(d, stem + ".tflite")).FirstOrDefault(File.Exists);
    string caseDir = Path.Combine(shared, "conformance", stem, "random-seed-1");
    if (modelPath == null || !Directory.Exists(caseDir)) { Console.WriteLine($"FAIL {stem}: model or conformance case missing"); failures++; continue; }
    try
    {
        var best = Run(modelPath, caseDir, force);
        var scalar = Run(modelPath, caseDir, SimdLevel.Scalar);
        for (int o = 0; o < best.Count; o++)
        {
            var (type, actual) = best[o];
            var expected = File.ReadAllBytes(Path.Combine(caseDir, $"output_{o}.bin"));
            string vsScalar = Compare(type, actual, scalar[o].Bytes, type == TensorType.Float32 ? 1e-5 : 0);
            string vsTflite = Compare(type, actual, expected, type == TensorType.Float32 ? 1e-3 : 1);
            bool ok = vsScalar.Length == 0 && vsTflite.Length == 0;
            if (!ok) failures++;
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {stem} output {o} {type.ToDTypeName()}[{actual.Length}]{(vsScalar.Length > 0 ? " vs scalar: " + vsScalar : "")}{(vsTflite.Length > 0 ? " vs TFLite: " + vsTflite : "")}");
        }
    }
    catch (Exception e) { Console.WriteLine($"FAIL {stem}: {e.GetType().Name}: {e.Message}"); failures++; }
}
Console.WriteLine(failures == 0 ? "all passed" : $"{failures} failed");
return failures == 0 ? 0 : 1;

static List<(TensorType Type, byte[] Bytes)> Run(string modelPath, string caseDir, SimdLevel? maxLevel)
{
    GemmKernels.MaxLevel = maxLevel;
    try
    {
        using var it = new Interpreter(modelPath);
        it.AllocateTensors();
        for (int i = 0; i < it.InputCount; i++) it.GetInputTensor(i).CopyFromBytes(File.ReadAllBytes(Path.Combine(caseDir, $"input_{i}.bin")));
        it.Invoke();
        return Enumerable.Range(0, it.OutputCount).Select(o => (it.GetOutputTensor(o).Type, it.GetOutputTensor(o).AsBytes().ToArray())).ToList();
    }
    finally { GemmKernels.MaxLevel = null; }
}

// "" when equal within the tolerance: float |a-b| / max(1, |a|, |b|) ≤ tol; 8/16-bit within tol quanta; others exact
static string Compare(TensorType type, byte[] a, byte[] b, double tol)
{
    if (a.Length != b.Length) return $"{a.Length} vs {b.Length} bytes";
    int bad = 0; double worst = 0;
    switch (type)
    {
        case TensorType.Float32:
            var fa = MemoryMarshal.Cast<byte, float>(a); var fb = MemoryMarshal.Cast<byte, float>(b);
            for (int i = 0; i < fa.Length; i++)
            {
                double d = Math.Abs(fa[i] - fb[i]) / Math.Max(1, Math.Max(Math.Abs(fa[i]), Math.Abs(fb[i])));
                if (!(d <= tol) && !(float.IsNaN(fa[i]) && float.IsNaN(fb[i]))) bad++;
                worst = Math.Max(worst, d);
            }
            break;
        case TensorType.UInt8: case TensorType.Int8:
            for (int i = 0; i < a.Length; i++)
            {
                int d = type == TensorType.UInt8 ? Math.Abs(a[i] - b[i]) : Math.Abs((sbyte)a[i] - (sbyte)b[i]);
                if (d > tol) bad++;
                worst = Math.Max(worst, d);
            }
            break;
        default:
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) bad++;
            break;
    }
    return bad == 0 ? "" : $"{bad} elements differ (worst {worst:G3})";
}
