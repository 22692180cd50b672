using System.Text;
using System.Text.Json;

namespace EdgeLite.Tests.Conformance;

/// <summary>
/// One reference case: a model, the inputs fed to real TFLite, and its outputs. In ../shared/conformance, or in this
/// project's Conformance/Vectors (zoo models added after the shared vectors were made; regen.sh there), whose inputs
/// are rebuilt from a photo by EdgeLite's preprocessing as input.json describes.
/// </summary>
public sealed record ConformanceCase(string ModelStem, string CaseName)
{
    public static string LocalRoot => Path.Combine(AppContext.BaseDirectory, "Conformance", "Vectors");

    public string Directory
    {
        get
        {
            var local = Path.Combine(LocalRoot, ModelStem, CaseName);
            return System.IO.Directory.Exists(local) ? local : Path.Combine(SharedData.Conformance, ModelStem, CaseName);
        }
    }

    /// <summary>The bytes of input <paramref name="index"/>: the stored file, or rebuilt from input.json (checked against its sha256).</summary>
    public byte[] Input(int index, Tensor tensor)
    {
        var file = Path.Combine(Directory, $"input_{index}.bin");
        if (File.Exists(file)) return File.ReadAllBytes(file);
        using var spec = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "input.json")));
        var r = spec.RootElement;
        if (index != 0) throw new InvalidOperationException($"{this}: input.json describes input 0 only");
        var norm = new EdgeLite.Vision.InputNormalization(r.GetProperty("mean").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            r.GetProperty("std").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        EdgeLite.Vision.ImageTensorWriter.Fill(tensor, EdgeLite.Vision.RgbImage.Load(SharedData.Image(r.GetProperty("image").GetString()!)), norm);
        var bytes = tensor.AsBytes().ToArray();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (sha != r.GetProperty("input_sha256").GetString())
            throw new Xunit.Sdk.XunitException($"{this}: EdgeLite's preprocessing of the photo changed (input sha256 {sha}); run Conformance/Vectors/regen.sh");
        return bytes;
    }

    public override string ToString() => $"{ModelStem}/{CaseName}";
}

/// <summary>The result of comparing one output with the reference.</summary>
public sealed record OutputComparison(int Index, TensorType Type, int Elements, int Differing, double MaxAbsDiff, double MaxRelDiff)
{
    public override string ToString() =>
        $"output {Index} {Type.ToDTypeName()}[{Elements}]: {Differing} differ, max |a-b| {MaxAbsDiff:G4}, max rel {MaxRelDiff:G4}";
}

/// <summary>Runs conformance cases through the interpreter and compares with the conformance README's tolerances.</summary>
public static class ConformanceRunner
{
    /// <summary>Float tolerance on |a-b| / max(1, |a|, |b|) (conformance README).</summary>
    public const double FloatTolerance = 1e-3;
    /// <summary>Tolerance for dynamic-range (hybrid) models.</summary>
    public const double HybridTolerance = 1e-2;

    public static IEnumerable<ConformanceCase> AllCases() =>
        System.IO.Directory.GetDirectories(SharedData.Conformance)
            .Concat(System.IO.Directory.Exists(ConformanceCase.LocalRoot) ? System.IO.Directory.GetDirectories(ConformanceCase.LocalRoot) : [])
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .SelectMany(m => System.IO.Directory.GetDirectories(m).OrderBy(c => c, StringComparer.Ordinal)
                .Select(c => new ConformanceCase(Path.GetFileName(m), Path.GetFileName(c))))
            .DistinctBy(c => (c.ModelStem, c.CaseName));

    /// <summary>True for models whose float outputs come from int8 weights with float activations.</summary>
    public static bool IsHybrid(EdgeLite.Model model)
    {
        var g = model.MainSubgraph;
        return g.Operators.Any(op => op.OpName is "CONV_2D" or "FULLY_CONNECTED" or "DEPTHWISE_CONV_2D"
            && op.Inputs.Count > 1 && op.Inputs[0] >= 0 && op.Inputs[1] >= 0
            && g.Tensors[op.Inputs[0]].Type == TensorType.Float32 && g.Tensors[op.Inputs[1]].Type == TensorType.Int8);
    }

    /// <summary>Runs the case and returns one comparison per output.</summary>
    public static IReadOnlyList<OutputComparison> Run(ConformanceCase c, int threads = 1, OpResolver? resolver = null)
    {
        using var model = EdgeLite.Model.FromFile(SharedData.Model(c.ModelStem));
        using var interpreter = new Interpreter(model, new InterpreterOptions { Threads = threads, Resolver = resolver });
        interpreter.AllocateTensors();
        for (int i = 0; i < interpreter.InputCount; i++)
        {
            var t = interpreter.GetInputTensor(i);
            t.CopyFromBytes(c.Input(i, t));
        }
        interpreter.Invoke();
        var result = new List<OutputComparison>();
        for (int o = 0; o < interpreter.OutputCount; o++)
        {
            var expected = File.ReadAllBytes(Path.Combine(c.Directory, $"output_{o}.bin"));
            result.Add(Compare(o, interpreter.GetOutputTensor(o), expected));
        }
        return result;
    }

    public static OutputComparison Compare(int index, Tensor actual, byte[] expected)
    {
        var got = actual.AsBytes();
        if (got.Length != expected.Length)
            throw new Xunit.Sdk.XunitException($"output {index} '{actual.Name}': {got.Length} bytes, reference has {expected.Length} (shape [{string.Join(",", actual.ShapeArray)}])");
        int n = actual.ElementCount, differing = 0;
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < n; i++)
        {
            double a, b;
            switch (actual.Type)
            {
                case TensorType.Float32:
                    a = BitConverter.ToSingle(got.Slice(i * 4, 4)); b = BitConverter.ToSingle(expected, i * 4); break;
                case TensorType.UInt8: a = got[i]; b = expected[i]; break;
                case TensorType.Int8: a = (sbyte)got[i]; b = (sbyte)expected[i]; break;
                case TensorType.Int16: a = BitConverter.ToInt16(got.Slice(i * 2, 2)); b = BitConverter.ToInt16(expected, i * 2); break;
                case TensorType.Int32: a = BitConverter.ToInt32(got.Slice(i * 4, 4)); b = BitConverter.ToInt32(expected, i * 4); break;
                case TensorType.Int64: a = BitConverter.ToInt64(got.Slice(i * 8, 8)); b = BitConverter.ToInt64(expected, i * 8); break;
                default: throw new NotSupportedException(actual.Type.ToString());
            }
            if (a != b || (double.IsNaN(a) != double.IsNaN(b))) differing++;
            double abs = Math.Abs(a - b);
            if (double.IsNaN(abs)) abs = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, abs / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b))));
        }
        return new OutputComparison(index, actual.Type, n, differing, maxAbs, maxRel);
    }

    /// <summary>Asserts the conformance README's criteria for every output.</summary>
    public static void AssertConforms(ConformanceCase c, IReadOnlyList<OutputComparison> results, bool hybrid)
    {
        var sb = new StringBuilder();
        foreach (var r in results)
        {
            bool ok = r.Type switch
            {
                TensorType.Float32 => r.MaxRelDiff <= (hybrid ? HybridTolerance : FloatTolerance),
                TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 => r.MaxAbsDiff <= 1,
                _ => r.Differing == 0,
            };
            if (!ok) sb.AppendLine($"{c}: {r}");
        }
        if (sb.Length > 0) throw new Xunit.Sdk.XunitException(sb.ToString());
    }

    /// <summary>Reads the reference output as floats (dequantized with the model's output quantization).</summary>
    public static float[] ReferenceScores(ConformanceCase c, Tensor output, int outputIndex = 0)
    {
        var bytes = File.ReadAllBytes(Path.Combine(c.Directory, $"output_{outputIndex}.bin"));
        var q = output.Quantization;
        return output.Type switch
        {
            TensorType.UInt8 => bytes.Select(b => q == null ? b : q.Scale * (b - q.ZeroPoint)).ToArray(),
            TensorType.Int8 => bytes.Select(b => q == null ? (sbyte)b : q.Scale * ((sbyte)b - q.ZeroPoint)).ToArray(),
            TensorType.Float32 => Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray(),
            _ => throw new NotSupportedException(output.Type.ToString()),
        };
    }

    public static JsonDocument Meta(ConformanceCase c) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(c.Directory, "meta.json")));
}
