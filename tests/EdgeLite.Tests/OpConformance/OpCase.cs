using System.Reflection;
using System.Runtime.InteropServices;
using Google.FlatBuffers;
using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.OpConformance;

/// <summary>How an op-conformance case's outputs are compared with real TFLite's.</summary>
public enum OpTolerance
{
    /// <summary>Byte for byte (float outputs bit for bit, NaN = NaN).</summary>
    Exact,
    /// <summary>Integer outputs within one quantum; used only where TFLite's own paths are documented to differ.</summary>
    OneQuantum,
    /// <summary>Float outputs within 1e-5 absolute + 1e-3 relative (transcendental functions: XNNPACK's polynomials).</summary>
    Float,
}

/// <summary>
/// The inputs of a case: either EdgeLite's copy of the reference tool's xorshift32 stream (<see cref="Seed"/>, floats in
/// [<see cref="Lo"/>, <see cref="Hi"/>)), or explicit typed arrays in graph-input order. Either way they are made by
/// the C# code (never stored), written to input_K.bin by the export and fed to real TFLite with --input.
/// </summary>
public sealed record OpInputs(uint Seed, double Lo = -1, double Hi = 1, Array[]? Explicit = null)
{
    public static OpInputs Random(uint seed = 1, double lo = -1, double hi = 1) => new(seed, lo, hi);
    public static OpInputs Of(params Array[] arrays) => new(0, Explicit: arrays);
}

/// <summary>One generated model (usually one operator) checked against real TFLite's outputs in reference/&lt;Name&gt;/.</summary>
public sealed record OpCase(string Name, Func<byte[]> Build, OpInputs Inputs, OpTolerance Tolerance = OpTolerance.Exact)
{
    /// <summary>
    /// The reference tool's runtime for this case (null: its default, litert). tfjs-tflite where litert is wrong:
    /// LiteRT.js returns stale memory for outputs TFLite makes dynamic (e.g. segment ops with run-time ids).
    /// </summary>
    public string? ReferenceRuntime { get; init; }

    public override string ToString() => Name;

    /// <summary>The bytes of every graph input of <paramref name="model"/>, in model order.</summary>
    public byte[][] InputBytes(EdgeLite.Model model)
    {
        var g = model.MainSubgraph;
        var result = new byte[g.Inputs.Count][];
        if (Inputs.Explicit is { } arrays)
        {
            if (arrays.Length != result.Length) throw new InvalidOperationException($"{Name}: {arrays.Length} input arrays for {result.Length} inputs");
            for (int i = 0; i < arrays.Length; i++)
            {
                result[i] = OpRun.Bytes(arrays[i]);
                var t = g.Tensors[g.Inputs[i]];
                if (result[i].Length != t.ElementCount * t.Type.ElementSize())
                    throw new InvalidOperationException($"{Name}: input {i} has {result[i].Length} bytes, tensor {t} needs {t.ElementCount * t.Type.ElementSize()}");
            }
            return result;
        }
        var stream = new EdgeLite.Cli.Commands.RandomInputStream(Inputs.Seed, Inputs.Lo, Inputs.Hi);
        for (int i = 0; i < result.Length; i++)
        {
            var t = g.Tensors[g.Inputs[i]];
            result[i] = new byte[t.ElementCount * t.Type.ElementSize()];
            if (!stream.TryFill(t.Type, result[i], (int)t.ElementCount)) throw new InvalidOperationException($"{Name}: no random values for {t}");
        }
        return result;
    }
}

/// <summary>
/// The op-conformance cases: one partial file per op family (OpCases.Elementwise.cs, ...). Every public static method
/// returning <c>IEnumerable&lt;OpCase&gt;</c> contributes its cases; names must be unique and safe as folder names.
/// </summary>
internal static partial class OpCases
{
    private static readonly Lazy<IReadOnlyDictionary<string, OpCase>> _all = new(() =>
    {
        var d = new SortedDictionary<string, OpCase>(StringComparer.Ordinal);
        foreach (var m in typeof(OpCases).GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            if (m.ReturnType != typeof(IEnumerable<OpCase>) || m.GetParameters().Length != 0) continue;
            foreach (var c in (IEnumerable<OpCase>)m.Invoke(null, null)!)
            {
                if (c.Name.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.'))) throw new InvalidOperationException($"case name '{c.Name}' is not a safe folder name");
                if (!d.TryAdd(c.Name, c)) throw new InvalidOperationException($"duplicate op-conformance case '{c.Name}'");
            }
        }
        return d;
    });

    /// <summary>Every case by name (sorted).</summary>
    public static IReadOnlyDictionary<string, OpCase> All => _all.Value;

    /// <summary>The case names as xunit theory data.</summary>
    public static TheoryData<string> Names()
    {
        var t = new TheoryData<string>();
        foreach (var n in All.Keys) t.Add(n);
        return t;
    }

    // ---- builders shared by the case files ----

    /// <summary>Short dtype name used in case names.</summary>
    public static string N(TensorType t) => t.ToDTypeName();

    /// <summary>NumPy broadcast of two shapes (the builder needs the output shape).</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1;
            int db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /// <summary>A one-op model: inputs (type, shape, quant) → one output (type, shape, quant).</summary>
    public static Func<byte[]> OneOp(Fb.BuiltinOperator op, (TensorType Type, int[] Shape, Quant? Q)[] inputs, (TensorType Type, int[] Shape, Quant? Q) output,
        Fb.BuiltinOptions optionsType = Fb.BuiltinOptions.NONE, Func<FlatBufferBuilder, int>? options = null, int version = 1) => () =>
    {
        var b = new OpModelBuilder();
        var ins = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) ins[i] = b.Input($"x{i}", inputs[i].Type, inputs[i].Shape, inputs[i].Q);
        int y = b.Output("y", output.Type, output.Shape, output.Q);
        b.Op(op, ins, [y], optionsType, options, version);
        return b.Build();
    };

    /// <summary>A one-op model whose inputs may be constants (non-null data: raw little-endian bytes).</summary>
    public static Func<byte[]> OneOpWithConstants(Fb.BuiltinOperator op, (TensorType Type, int[] Shape, Quant? Q, byte[]? Data)[] inputs,
        (TensorType Type, int[] Shape, Quant? Q)[] outputs, Fb.BuiltinOptions optionsType = Fb.BuiltinOptions.NONE,
        Func<FlatBufferBuilder, int>? options = null, int version = 1) => () =>
    {
        var b = new OpModelBuilder();
        var ins = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
            ins[i] = inputs[i].Data is { } data ? b.Constant($"c{i}", inputs[i].Type, inputs[i].Shape, data, inputs[i].Q)
                : b.Input($"x{i}", inputs[i].Type, inputs[i].Shape, inputs[i].Q);
        var outs = new int[outputs.Length];
        for (int i = 0; i < outputs.Length; i++) outs[i] = b.Output($"y{i}", outputs[i].Type, outputs[i].Shape, outputs[i].Q);
        b.Op(op, ins, outs, optionsType, options, version);
        return b.Build();
    };

    /// <summary>Raw bytes of a typed array (for constants).</summary>
    public static byte[] Raw<T>(params T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Deterministic pseudo-random values (xorshift32) for explicit inputs.</summary>
    public sealed class Gen(uint seed)
    {
        private uint _s = seed == 0 ? 1 : seed;
        public uint Next() { _s ^= _s << 13; _s ^= _s >> 17; _s ^= _s << 5; return _s; }
        public float[] Floats(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => (float)((Next() >> 8) / 16777216.0 * (hi - lo) + lo)).ToArray();
        public int[] Ints(int n, int lo, int hi) => Enumerable.Range(0, n).Select(_ => (int)(lo + Next() % (uint)(hi - lo + 1))).ToArray();
        public long[] Longs(int n, long lo, long hi) => Ints(n, (int)lo, (int)hi).Select(v => (long)v).ToArray();
        public short[] Shorts(int n, int lo, int hi) => Ints(n, lo, hi).Select(v => (short)v).ToArray();
        public sbyte[] SBytes(int n, int lo = -128, int hi = 127) => Ints(n, lo, hi).Select(v => (sbyte)v).ToArray();
        public byte[] Bytes(int n, int lo = 0, int hi = 255) => Ints(n, lo, hi).Select(v => (byte)v).ToArray();
        public bool[] Bools(int n) => Enumerable.Range(0, n).Select(_ => (Next() >> 31) != 0).ToArray();
    }
}
