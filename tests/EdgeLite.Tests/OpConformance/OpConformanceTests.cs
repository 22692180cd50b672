using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeLite.Tests.OpConformance;

/// <summary>
/// Every <see cref="OpCases"/> case through EdgeLite, compared with the outputs real TFLite gave for the same model and
/// inputs (reference/&lt;case&gt;/, written by regen.sh). A case whose model bytes changed since its reference was
/// made fails with "regenerate".
/// </summary>
public class OpConformanceTests
{
    /// <summary>reference/ as copied next to the test binary.</summary>
    public static string ReferenceRoot => Path.Combine(AppContext.BaseDirectory, "OpConformance", "reference");

    public static TheoryData<string> Cases() => OpCases.Names();

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesRealTflite(string name)
    {
        var c = OpCases.All[name];
        var bytes = c.Build();
        var dir = Path.Combine(ReferenceRoot, name);
        const string regen = "run tests/EdgeLite.Tests/OpConformance/regen.sh";
        Assert.True(Directory.Exists(dir), $"{name}: no reference outputs ({regen})");
        if (File.Exists(Path.Combine(dir, "refused.txt")))
        {
            // real TFLite refuses this model (see the reference README): EdgeLite must refuse it too, with a typed error
            var why = File.ReadAllText(Path.Combine(dir, "refused.txt"));
            var ex = Record.Exception(() => Run(c, bytes));
            Assert.True(ex is UnsupportedOperatorException or ModelFormatException or InterpreterException,
                $"{name}: real TFLite refuses it ({why.Trim()}), EdgeLite gave {(ex == null ? "outputs" : ex.GetType().Name + ": " + ex.Message)}");
            return;
        }
        using var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "meta.json")));
        var sha = meta.RootElement.GetProperty("model_sha256").GetString();
        Assert.True(sha == Sha256(bytes), $"{name}: the builder's model changed since the reference was made ({regen} {name})");
        using var interp = Run(c, bytes);
        var failures = new List<string>();
        for (int o = 0; o < interp.OutputCount; o++)
        {
            var expected = File.ReadAllBytes(Path.Combine(dir, $"output_{o}.bin"));
            var actual = interp.GetOutputTensor(o);
            if (expected.Length != actual.ByteLength) { failures.Add($"{name}: output {o} has {actual.ByteLength} bytes, TFLite's {expected.Length} (shape [{string.Join(",", actual.ShapeArray)}])"); continue; }
            bool ok = c.Tolerance switch
            {
                OpTolerance.Float when actual.Type == TensorType.Float32 => WithinFloat(actual.AsSpan<float>(), expected),
                OpTolerance.OneQuantum when actual.Type != TensorType.Float32 => WithinOne(actual, expected),
                _ => actual.AsBytes().SequenceEqual(expected) || (actual.Type == TensorType.Float32 && SameFloats(actual.AsSpan<float>(), expected)),
            };
            if (!ok) failures.Add($"{name} ({c.Tolerance}): output {o} {actual}: first differences: {FirstDifferences(actual, expected)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Every kernel a case runs allocates no managed memory in Invoke (after the first).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void InvokeAllocatesNothing(string name)
    {
        var c = OpCases.All[name];
        var bytes = c.Build();
        if (File.Exists(Path.Combine(ReferenceRoot, name, "refused.txt"))) return; // refused by TFLite and by EdgeLite (MatchesRealTflite)
        using var interp = Run(c, bytes);
        Assert.Equal(0, EdgeLite.Tests.Infrastructure.Allocations.OfInvoke(interp, 3));
    }

    /// <summary>Runs a case's model on its inputs.</summary>
    public static Interpreter Run(OpCase c, byte[] modelBytes)
    {
        var model = EdgeLite.Model.FromBytes(modelBytes);
        var interp = new Interpreter(model, new InterpreterOptions { Threads = 1 });
        try
        {
            interp.AllocateTensors();
            var inputs = c.InputBytes(model);
            for (int i = 0; i < inputs.Length; i++) interp.GetInputTensor(i).CopyFromBytes(inputs[i]);
            interp.Invoke();
            return interp;
        }
        catch { interp.Dispose(); throw; }
    }

    private static bool WithinFloat(ReadOnlySpan<float> a, byte[] expected)
    {
        for (int i = 0; i < a.Length; i++)
        {
            float e = BitConverter.ToSingle(expected, i * 4);
            if (float.IsNaN(a[i]) && float.IsNaN(e)) continue;
            if (a[i] == e) continue; // also equal infinities
            if (!(Math.Abs(a[i] - e) <= 1e-5 + 1e-3 * Math.Abs(e))) return false;
        }
        return true;
    }

    private static bool WithinOne(Tensor actual, byte[] expected)
    {
        var got = actual.AsBytes();
        int es = actual.ElementSize;
        for (int i = 0; i < actual.ElementCount; i++)
            if (Math.Abs(Integer(actual.Type, got.Slice(i * es, es)) - Integer(actual.Type, expected.AsSpan(i * es, es))) > 1) return false;
        return true;
    }

    private static long Integer(TensorType t, ReadOnlySpan<byte> b) => t switch
    {
        TensorType.Int8 => (sbyte)b[0],
        TensorType.UInt8 or TensorType.Bool => b[0],
        TensorType.Int16 => BitConverter.ToInt16(b),
        TensorType.UInt16 => BitConverter.ToUInt16(b),
        TensorType.Int32 => BitConverter.ToInt32(b),
        TensorType.UInt32 => BitConverter.ToUInt32(b),
        TensorType.Int64 => BitConverter.ToInt64(b),
        _ => throw new NotSupportedException($"one-quantum tolerance on {t}"),
    };

    private static bool SameFloats(ReadOnlySpan<float> a, byte[] expected)
    {
        for (int i = 0; i < a.Length; i++)
        {
            float e = BitConverter.ToSingle(expected, i * 4);
            if (!(a[i].Equals(e))) return false; // bit-level equality except NaN payloads; 0 == -0 is not accepted below
            if (a[i] == 0 && BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(e)) return false;
        }
        return true;
    }

    private static string FirstDifferences(Tensor actual, byte[] expected)
    {
        int es = actual.ElementSize, n = actual.ElementCount, shown = 0;
        var got = actual.AsBytes();
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < n && shown < 6; i++)
        {
            if (got.Slice(i * es, es).SequenceEqual(expected.AsSpan(i * es, es))) continue;
            sb.Append($"[{i}] {Format(actual.Type, got.Slice(i * es, es))} vs TFLite {Format(actual.Type, expected.AsSpan(i * es, es))}; ");
            shown++;
        }
        return sb.ToString();
    }

    private static string Format(TensorType t, ReadOnlySpan<byte> b) => t switch
    {
        TensorType.Float32 => BitConverter.ToSingle(b).ToString("R"),
        TensorType.Int8 => ((sbyte)b[0]).ToString(),
        TensorType.UInt8 or TensorType.Bool => b[0].ToString(),
        TensorType.Int16 or TensorType.UInt16 or TensorType.Int32 or TensorType.UInt32 or TensorType.Int64 => Integer(t, b).ToString(),
        _ => Convert.ToHexString(b),
    };

    /// <summary>Every reference folder belongs to a case (no stale references left behind when a case is renamed).</summary>
    [Fact]
    public void NoStaleReferences()
    {
        var stale = Directory.GetDirectories(ReferenceRoot).Select(Path.GetFileName).Where(n => !OpCases.All.ContainsKey(n!)).ToList();
        Assert.True(stale.Count == 0, $"reference folders without a case: {string.Join(", ", stale)} (regen.sh --prune)");
    }

    /// <summary>
    /// Every case builds a model that EdgeLite's reader accepts and inputs of the right sizes. With EDGELITE_OPCONF_EXPORT
    /// set to a folder (regen.sh does this), it also writes each case's model.tflite, input_K.bin and model.sha256 there
    /// (EDGELITE_OPCONF_FILTER: comma-separated substrings of case names to export; default all).
    /// </summary>
    [Fact]
    public void OpConformanceExport()
    {
        var outDir = Environment.GetEnvironmentVariable("EDGELITE_OPCONF_EXPORT");
        var filter = Environment.GetEnvironmentVariable("EDGELITE_OPCONF_FILTER")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(OpCases.All);
        foreach (var (name, c) in OpCases.All)
        {
            var bytes = c.Build();
            using var model = EdgeLite.Model.FromBytes(bytes);
            var inputs = c.InputBytes(model);
            if (string.IsNullOrEmpty(outDir) || (filter != null && filter.Length > 0 && !filter.Any(f => name.Contains(f, StringComparison.Ordinal)))) continue;
            var d = Path.Combine(outDir, name);
            Directory.CreateDirectory(d);
            File.WriteAllBytes(Path.Combine(d, "model.tflite"), bytes);
            for (int i = 0; i < inputs.Length; i++) File.WriteAllBytes(Path.Combine(d, $"input_{i}.bin"), inputs[i]);
            File.WriteAllText(Path.Combine(d, "model.sha256"), Sha256(bytes));
            if (c.ReferenceRuntime != null) File.WriteAllText(Path.Combine(d, "runtime"), c.ReferenceRuntime);
        }
    }
}
