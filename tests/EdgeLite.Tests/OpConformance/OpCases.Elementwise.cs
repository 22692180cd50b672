using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Element-wise unary/binary math, comparisons, logical ops and SELECT.</summary>
internal static partial class OpCases
{
    private static readonly int[] ShapeA = [2, 3, 4], ShapeB = [3, 1], ShapeFlat = [24];
    private static readonly TensorType[] Ints = [TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64];

    private static Quant? QuantFor(TensorType t, float scale, long zp) => t is TensorType.UInt8 or TensorType.Int8 ? Quant.PerTensor(scale, t == TensorType.UInt8 ? zp + 128 : zp) : null;

    /// <summary>Same-shape and broadcast cases of a binary op on one type.</summary>
    private static IEnumerable<OpCase> Binary(Op op, TensorType t, OpInputs same, OpInputs bcast, OpTolerance tol = OpTolerance.Exact,
        TensorType? outType = null, Quant? qa = null, Quant? qb = null, Quant? qy = null, string suffix = "")
    {
        var o = outType ?? t;
        yield return new($"{op}_{N(t)}{suffix}", OneOp(op, [(t, ShapeA, qa), (t, ShapeA, qb)], (o, ShapeA, qy)), same, tol);
        yield return new($"{op}_{N(t)}{suffix}_broadcast", OneOp(op, [(t, ShapeA, qa), (t, ShapeB, qb)], (o, BroadcastShape(ShapeA, ShapeB), qy)), bcast, tol);
    }

    private static OpCase Unary(Op op, TensorType t, OpInputs inputs, OpTolerance tol = OpTolerance.Exact, string suffix = "", Quant? qx = null, Quant? qy = null,
        Fb.BuiltinOptions ot = Fb.BuiltinOptions.NONE, Func<Google.FlatBuffers.FlatBufferBuilder, int>? options = null, int[]? shape = null)
    {
        var s = shape ?? ShapeA;
        return new($"{op}_{N(t)}{suffix}", OneOp(op, [(t, s, qx)], (t, s, qy), ot, options), inputs, tol);
    }

    public static IEnumerable<OpCase> MinMax()
    {
        foreach (var op in new[] { Op.MAXIMUM, Op.MINIMUM })
        {
            foreach (var c in Binary(op, TensorType.Float32, OpInputs.Random(11), OpInputs.Random(12))) yield return c;
            foreach (var t in Ints)
            {
                var q = QuantFor(t, 0.1f, 2);
                foreach (var c in Binary(op, t, OpInputs.Random(13), OpInputs.Random(14), qa: q, qb: q, qy: q)) yield return c;
            }
            // int8 with different input/output quantization: TFLite compares the raw values
            foreach (var c in Binary(op, TensorType.Int8, OpInputs.Random(15), OpInputs.Random(16), qa: Quant.PerTensor(0.1f, 2), qb: Quant.PerTensor(0.05f, -3),
                qy: Quant.PerTensor(0.2f, 1), suffix: "_mixedq")) yield return c;
        }
    }

    public static IEnumerable<OpCase> PowSquaredDifference()
    {
        var g = new Gen(21);
        int n = 24;
        foreach (var c in Binary(Op.POW, TensorType.Float32, OpInputs.Of(g.Floats(n, 0.1f, 4f), g.Floats(n, -3f, 3f)), OpInputs.Of(g.Floats(n, 0.1f, 4f), g.Floats(3, -2f, 2f)), OpTolerance.Float))
            yield return c;
        foreach (var c in Binary(Op.POW, TensorType.Int32, OpInputs.Of(g.Ints(n, -9, 9), g.Ints(n, 0, 9)), OpInputs.Of(g.Ints(n, -50, 50), g.Ints(3, 0, 6)))) yield return c;
        foreach (var c in Binary(Op.SQUARED_DIFFERENCE, TensorType.Float32, OpInputs.Random(22, -5, 5), OpInputs.Random(23, -5, 5))) yield return c;
        foreach (var c in Binary(Op.SQUARED_DIFFERENCE, TensorType.Int32, OpInputs.Random(24), OpInputs.Random(25))) yield return c;
        foreach (var c in Binary(Op.SQUARED_DIFFERENCE, TensorType.Int8, OpInputs.Random(26), OpInputs.Random(27),
            qa: Quant.PerTensor(0.02f, 3), qb: Quant.PerTensor(0.03f, -5), qy: Quant.PerTensor(0.05f, -128))) yield return c;
    }

    public static IEnumerable<OpCase> FloorModBits()
    {
        var g = new Gen(31);
        int n = 24;
        int[] NonZero(int count, int lo, int hi) => g.Ints(count, lo, hi).Select(v => v == 0 ? 1 : v).ToArray();
        foreach (var c in Binary(Op.FLOOR_MOD, TensorType.Float32, OpInputs.Of(g.Floats(n, -10, 10), g.Floats(n, -3, 3)), OpInputs.Of(g.Floats(n, -10, 10), new[] { -2.5f, 1.5f, 3f })))
            yield return c;
        foreach (var c in Binary(Op.FLOOR_MOD, TensorType.Int32, OpInputs.Of(g.Ints(n, -100, 100), NonZero(n, -7, 7)), OpInputs.Of(g.Ints(n, -100, 100), new[] { -3, 4, 7 }))) yield return c;
        foreach (var c in Binary(Op.FLOOR_MOD, TensorType.Int64, OpInputs.Of(g.Longs(n, -100, 100), NonZero(n, -7, 7).Select(v => (long)v).ToArray()), OpInputs.Of(g.Longs(n, -100, 100), new long[] { -3, 4, 7 }))) yield return c;
        foreach (var c in Binary(Op.FLOOR_MOD, TensorType.Int16, OpInputs.Of(g.Shorts(n, -1000, 1000), NonZero(n, -9, 9).Select(v => (short)v).ToArray()), OpInputs.Of(g.Shorts(n, -1000, 1000), new short[] { -3, 4, 7 }))) yield return c;
        foreach (var c in Binary(Op.FLOOR_MOD, TensorType.Int8, OpInputs.Of(g.SBytes(n), NonZero(n, -9, 9).Select(v => (sbyte)v).ToArray()), OpInputs.Of(g.SBytes(n), new sbyte[] { -3, 4, 7 }))) yield return c;

        foreach (var t in new[] { TensorType.UInt8, TensorType.Int8, TensorType.UInt16, TensorType.Int16, TensorType.UInt32, TensorType.Int32 })
        {
            int bits = t.ElementSize() * 8;
            Array Vals(int count) => t switch
            {
                TensorType.UInt8 => g.Bytes(count),
                TensorType.Int8 => g.SBytes(count),
                TensorType.UInt16 => g.Ints(count, 0, 65535).Select(v => (ushort)v).ToArray(),
                TensorType.Int16 => g.Shorts(count, -32768, 32767),
                TensorType.UInt32 => g.Ints(count, int.MinValue / 2, int.MaxValue / 2).Select(v => (uint)v * 2u + 1u).ToArray(),
                _ => g.Ints(count, int.MinValue / 2, int.MaxValue / 2).Select(v => v * 2 + 1).ToArray(),
            };
            Array Shifts(int count) => t switch // include negative and too-large counts (clamped)
            {
                TensorType.UInt8 => g.Ints(count, 0, bits + 3).Select(v => (byte)v).ToArray(),
                TensorType.Int8 => g.Ints(count, -2, bits + 3).Select(v => (sbyte)v).ToArray(),
                TensorType.UInt16 => g.Ints(count, 0, bits + 3).Select(v => (ushort)v).ToArray(),
                TensorType.Int16 => g.Ints(count, -2, bits + 3).Select(v => (short)v).ToArray(),
                TensorType.UInt32 => g.Ints(count, 0, bits + 3).Select(v => (uint)v).ToArray(),
                _ => g.Ints(count, -2, bits + 3),
            };
            foreach (var c in Binary(Op.BITWISE_XOR, t, OpInputs.Of(Vals(n), Vals(n)), OpInputs.Of(Vals(n), Vals(3)))) yield return c;
            foreach (var c in Binary(Op.RIGHT_SHIFT, t, OpInputs.Of(Vals(n), Shifts(n)), OpInputs.Of(Vals(n), Shifts(3)))) yield return c;
        }
    }

    public static IEnumerable<OpCase> UnaryMathCases()
    {
        // ties for ROUND/FLOOR/CEIL: halves and integers, negative zero
        var ties = new float[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, -0f, 0f, -3f, 3f, 0.49999997f, -0.49999997f, 1e7f + 1, -8388609f, 2.4f, -2.6f, 7.5f, -7.5f, 100.5f, -100.5f, 0.25f, -0.75f, 1.0000001f };
        foreach (var op in new[] { Op.FLOOR, Op.CEIL, Op.ROUND })
        {
            yield return Unary(op, TensorType.Float32, OpInputs.Random(41, -10, 10));
            yield return Unary(op, TensorType.Float32, OpInputs.Of(ties), suffix: "_ties");
        }
        yield return Unary(Op.SIGN, TensorType.Float32, OpInputs.Of(ties.Select(v => v * 0.3f).ToArray()));
        yield return Unary(Op.SIGN, TensorType.Int32, OpInputs.Random(42));
        yield return Unary(Op.SIN, TensorType.Float32, OpInputs.Random(43, -7, 7), OpTolerance.Float);
        yield return Unary(Op.COS, TensorType.Float32, OpInputs.Random(44, -7, 7), OpTolerance.Float);
        foreach (var t in new[] { TensorType.Float32, TensorType.Int32, TensorType.Int64 })
            yield return Unary(Op.ZEROS_LIKE, t, OpInputs.Random(45));
    }

    public static IEnumerable<OpCase> ActivationCases()
    {
        yield return Unary(Op.ELU, TensorType.Float32, OpInputs.Random(51, -4, 4), OpTolerance.Float);
        yield return Unary(Op.ELU, TensorType.Int8, OpInputs.Random(52), qx: Quant.PerTensor(0.03f, 5), qy: Quant.PerTensor(0.02f, -30));
        foreach (bool approx in new[] { false, true })
        {
            string s = approx ? "_approximate" : "";
            Func<Google.FlatBuffers.FlatBufferBuilder, int> o = f => Fb.GeluOptions.CreateGeluOptions(f, approx).Value;
            yield return Unary(Op.GELU, TensorType.Float32, OpInputs.Random(53, -5, 5), OpTolerance.Float, s, ot: Fb.BuiltinOptions.GeluOptions, options: o);
            yield return Unary(Op.GELU, TensorType.Int8, OpInputs.Random(54), OpTolerance.Exact, s, Quant.PerTensor(0.03f, 2), Quant.PerTensor(0.02f, -40), Fb.BuiltinOptions.GeluOptions, o);
            yield return Unary(Op.GELU, TensorType.UInt8, OpInputs.Random(55), OpTolerance.Exact, s, Quant.PerTensor(0.03f, 130), Quant.PerTensor(0.02f, 90), Fb.BuiltinOptions.GeluOptions, o);
        }
        yield return Unary(Op.LOG_SOFTMAX, TensorType.Float32, OpInputs.Random(56, -6, 6), OpTolerance.Float);
        yield return Unary(Op.L2_NORMALIZATION, TensorType.Float32, OpInputs.Random(57, -3, 3), OpTolerance.Float);
        yield return Unary(Op.L2_NORMALIZATION, TensorType.UInt8, OpInputs.Random(571), qx: Quant.PerTensor(0.02f, 120), qy: Quant.PerTensor(1f / 128, 128));
        yield return Unary(Op.L2_NORMALIZATION, TensorType.Int8, OpInputs.Random(572), qx: Quant.PerTensor(0.02f, -3), qy: Quant.PerTensor(1f / 128, 0));
        yield return new("L2_NORMALIZATION_int8_wide", OneOp(Op.L2_NORMALIZATION, [(TensorType.Int8, [3, 64], Quant.PerTensor(0.05f, 7))], (TensorType.Int8, [3, 64], Quant.PerTensor(1f / 128, 0))),
            OpInputs.Random(573));
        yield return new("L2_NORMALIZATION_float32_zeros", OneOp(Op.L2_NORMALIZATION, [(TensorType.Float32, [2, 3], null)], (TensorType.Float32, [2, 3], null)),
            OpInputs.Of(new float[] { 0, 0, 0, 1e-7f, -2e-7f, 0 }), OpTolerance.Float);
        yield return new("LOCAL_RESPONSE_NORMALIZATION_float32", OneOp(Op.LOCAL_RESPONSE_NORMALIZATION, [(TensorType.Float32, [1, 2, 3, 7], null)], (TensorType.Float32, [1, 2, 3, 7], null),
            Fb.BuiltinOptions.LocalResponseNormalizationOptions, f => Fb.LocalResponseNormalizationOptions.CreateLocalResponseNormalizationOptions(f, 2, 1.5f, 0.3f, 0.75f).Value),
            OpInputs.Random(58, -2, 2), OpTolerance.Float);
        foreach (var (pad, name) in new[] { (Fb.Padding.SAME, "same"), (Fb.Padding.VALID, "valid") })
            yield return new($"L2_POOL_2D_float32_{name}", OneOp(Op.L2_POOL_2D, [(TensorType.Float32, [1, 5, 6, 3], null)],
                (TensorType.Float32, pad == Fb.Padding.SAME ? [1, 3, 3, 3] : [1, 2, 2, 3], null), Fb.BuiltinOptions.Pool2DOptions,
                f => Fb.Pool2DOptions.CreatePool2DOptions(f, pad, 2, 2, 3, 3, pad == Fb.Padding.SAME ? Fb.ActivationFunctionType.RELU6 : Fb.ActivationFunctionType.NONE).Value),
                OpInputs.Random(59, -4, 4), OpTolerance.Float);
    }

    public static IEnumerable<OpCase> AddNCases()
    {
        yield return new("ADD_N_float32", OneOp(Op.ADD_N, [(TensorType.Float32, ShapeA, null), (TensorType.Float32, ShapeA, null), (TensorType.Float32, ShapeA, null)], (TensorType.Float32, ShapeA, null)), OpInputs.Random(61));
        yield return new("ADD_N_int32", OneOp(Op.ADD_N, [(TensorType.Int32, ShapeA, null), (TensorType.Int32, ShapeA, null)], (TensorType.Int32, ShapeA, null)), OpInputs.Random(62));
    }

    public static IEnumerable<OpCase> ComparisonCases()
    {
        var ops = new (Op Op, bool Bool, bool Int16)[] { (Op.EQUAL, true, true), (Op.NOT_EQUAL, true, false), (Op.LESS, false, true), (Op.LESS_EQUAL, false, false), (Op.GREATER, false, false), (Op.GREATER_EQUAL, false, true) };
        var g = new Gen(71);
        foreach (var (op, hasBool, hasInt16) in ops)
        {
            // small value ranges so that equal values occur
            foreach (var c in Binary(op, TensorType.Float32, OpInputs.Of(g.Ints(24, -3, 3).Select(v => v * 0.5f).ToArray(), g.Ints(24, -3, 3).Select(v => v * 0.5f).ToArray()),
                OpInputs.Of(g.Ints(24, -3, 3).Select(v => v * 0.5f).ToArray(), new[] { -0.5f, 0f, 1f }), outType: TensorType.Bool)) yield return c;
            foreach (var c in Binary(op, TensorType.Int32, OpInputs.Of(g.Ints(24, -3, 3), g.Ints(24, -3, 3)), OpInputs.Of(g.Ints(24, -3, 3), new[] { -1, 0, 2 }), outType: TensorType.Bool)) yield return c;
            foreach (var c in Binary(op, TensorType.Int64, OpInputs.Of(g.Longs(24, -3, 3), g.Longs(24, -3, 3)), OpInputs.Of(g.Longs(24, -3, 3), new long[] { -1, 0, 2 }), outType: TensorType.Bool)) yield return c;
            if (hasInt16) foreach (var c in Binary(op, TensorType.Int16, OpInputs.Of(g.Shorts(24, -3, 3), g.Shorts(24, -3, 3)), OpInputs.Of(g.Shorts(24, -3, 3), new short[] { -1, 0, 2 }), outType: TensorType.Bool)) yield return c;
            if (hasBool) foreach (var c in Binary(op, TensorType.Bool, OpInputs.Random(72), OpInputs.Random(73), outType: TensorType.Bool)) yield return c;
            // quantized: equal quantization (raw compare) and different scales/zero points (rescaled compare)
            foreach (var c in Binary(op, TensorType.UInt8, OpInputs.Of(g.Bytes(24, 120, 136), g.Bytes(24, 120, 136)), OpInputs.Of(g.Bytes(24, 120, 136), new byte[] { 125, 128, 131 }),
                outType: TensorType.Bool, qa: Quant.PerTensor(0.5f, 128), qb: Quant.PerTensor(0.5f, 128))) yield return c;
            foreach (var c in Binary(op, TensorType.Int8, OpInputs.Of(g.SBytes(24, -20, 20), g.SBytes(24, -20, 20)), OpInputs.Of(g.SBytes(24, -20, 20), new sbyte[] { -4, 0, 6 }),
                outType: TensorType.Bool, qa: Quant.PerTensor(0.25f, 2), qb: Quant.PerTensor(0.5f, -1), suffix: "_rescaled")) yield return c;
        }
    }

    public static IEnumerable<OpCase> LogicalCases()
    {
        foreach (var op in new[] { Op.LOGICAL_AND, Op.LOGICAL_OR })
            foreach (var c in Binary(op, TensorType.Bool, OpInputs.Random(81), OpInputs.Random(82))) yield return c;
        yield return Unary(Op.LOGICAL_NOT, TensorType.Bool, OpInputs.Random(83));
    }

    public static IEnumerable<OpCase> SelectCases()
    {
        foreach (var t in new[] { TensorType.Bool, TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64 })
        {
            var q = QuantFor(t, 0.1f, 3);
            yield return new($"SELECT_{N(t)}", OneOp(Op.SELECT, [(TensorType.Bool, ShapeA, null), (t, ShapeA, q), (t, ShapeA, q)], (t, ShapeA, q)), OpInputs.Random(91));
            yield return new($"SELECT_V2_{N(t)}_broadcast", OneOp(Op.SELECT_V2, [(TensorType.Bool, [3, 1], null), (t, [2, 1, 4], q), (t, [4], q)], (t, ShapeA, q)), OpInputs.Random(92));
        }
        yield return new("SELECT_float32_rank1_condition", OneOp(Op.SELECT, [(TensorType.Bool, [2], null), (TensorType.Float32, ShapeA, null), (TensorType.Float32, ShapeA, null)], (TensorType.Float32, ShapeA, null)),
            OpInputs.Of(new[] { true, false }, new Gen(93).Floats(24, -1, 1), new Gen(94).Floats(24, -1, 1)));
        yield return new("SELECT_V2_float32_scalar_condition", OneOp(Op.SELECT_V2, [(TensorType.Bool, [], null), (TensorType.Float32, ShapeA, null), (TensorType.Float32, ShapeB, null)], (TensorType.Float32, ShapeA, null)),
            OpInputs.Of(new[] { false }, new Gen(95).Floats(24, -1, 1), new Gen(96).Floats(3, -1, 1)));
        yield return new("SELECT_V2_int32_same", OneOp(Op.SELECT_V2, [(TensorType.Bool, ShapeA, null), (TensorType.Int32, ShapeA, null), (TensorType.Int32, ShapeA, null)], (TensorType.Int32, ShapeA, null)), OpInputs.Random(97));
    }
}
