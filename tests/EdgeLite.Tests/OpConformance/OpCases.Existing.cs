using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Cases for element-wise kernels EdgeLite had before this suite (their zoo conformance covers them in context).</summary>
internal static partial class OpCases
{
    public static IEnumerable<OpCase> ExistingElementwise()
    {
        yield return Unary(Op.ABS, TensorType.Float32, OpInputs.Random(201, -5, 5));
        yield return Unary(Op.ABS, TensorType.Int32, OpInputs.Random(202));
        yield return Unary(Op.NEG, TensorType.Float32, OpInputs.Random(203, -5, 5));
        yield return Unary(Op.NEG, TensorType.Int32, OpInputs.Random(204));
        yield return Unary(Op.SQUARE, TensorType.Float32, OpInputs.Random(205, -5, 5));
        yield return Unary(Op.SQRT, TensorType.Float32, OpInputs.Random(206, 0, 9));
        yield return Unary(Op.RSQRT, TensorType.Float32, OpInputs.Random(207, 0.01, 9), OpTolerance.Float);
        yield return Unary(Op.EXP, TensorType.Float32, OpInputs.Random(208, -5, 5), OpTolerance.Float);
        yield return Unary(Op.LOG, TensorType.Float32, OpInputs.Random(209, 0.01, 9), OpTolerance.Float);
        var g = new Gen(210);
        foreach (var c in Binary(Op.DIV, TensorType.Float32, OpInputs.Of(g.Floats(24, -4, 4), g.Floats(24, 0.5f, 3)), OpInputs.Of(g.Floats(24, -4, 4), new[] { -2f, 0.5f, 3f }), OpTolerance.Float)) yield return c;
        int[] NonZero(int n) => g.Ints(n, -7, 7).Select(v => v == 0 ? 3 : v).ToArray();
        foreach (var c in Binary(Op.DIV, TensorType.Int32, OpInputs.Of(g.Ints(24, -100, 100), NonZero(24)), OpInputs.Of(g.Ints(24, -100, 100), new[] { -3, 4, 7 }))) yield return c;
        foreach (var c in Binary(Op.FLOOR_DIV, TensorType.Int32, OpInputs.Of(g.Ints(24, -100, 100), NonZero(24)), OpInputs.Of(g.Ints(24, -100, 100), new[] { -3, 4, 7 }))) yield return c;
        foreach (var c in Binary(Op.FLOOR_DIV, TensorType.Float32, OpInputs.Of(g.Floats(24, -10, 10), g.Floats(24, 0.5f, 3)), OpInputs.Of(g.Floats(24, -10, 10), new[] { -2.5f, 1.5f, 3f }))) yield return c;
        foreach (var c in Binary(Op.MUL, TensorType.Float32, OpInputs.Random(211), OpInputs.Random(212))) yield return c;
        foreach (var c in Binary(Op.MUL, TensorType.Int32, OpInputs.Random(213), OpInputs.Random(214))) yield return c;
        foreach (var c in Binary(Op.MUL, TensorType.Int8, OpInputs.Random(215), OpInputs.Random(216), qa: Quant.PerTensor(0.05f, 3), qb: Quant.PerTensor(0.04f, -7), qy: Quant.PerTensor(0.02f, 1))) yield return c;
        foreach (var c in Binary(Op.SUB, TensorType.Int8, OpInputs.Random(217), OpInputs.Random(218), qa: Quant.PerTensor(0.05f, 3), qb: Quant.PerTensor(0.04f, -7), qy: Quant.PerTensor(0.06f, 1))) yield return c;
        foreach (var c in Binary(Op.ADD, TensorType.UInt8, OpInputs.Random(219), OpInputs.Random(220), qa: Quant.PerTensor(0.05f, 131), qb: Quant.PerTensor(0.04f, 120), qy: Quant.PerTensor(0.06f, 128))) yield return c;
        foreach (var c in Binary(Op.SUB, TensorType.Float32, OpInputs.Random(221), OpInputs.Random(222))) yield return c;
        foreach (var c in Binary(Op.SUB, TensorType.Int32, OpInputs.Random(223), OpInputs.Random(224))) yield return c;
        foreach (var op in new[] { Op.TANH, Op.LOGISTIC, Op.HARD_SWISH, Op.RELU, Op.RELU6 })
        {
            yield return Unary(op, TensorType.Float32, OpInputs.Random(230, -6, 6), OpTolerance.Float);
            yield return Unary(op, TensorType.Int8, OpInputs.Random(231), OpTolerance.Exact,
                qx: Quant.PerTensor(0.05f, 2), qy: op is Op.TANH ? Quant.PerTensor(1f / 128, 0) : op is Op.LOGISTIC ? Quant.PerTensor(1f / 256, -128) : Quant.PerTensor(0.03f, -20));
        }
        yield return new("HARD_SWISH_uint8_wide", OneOp(Op.HARD_SWISH, [(TensorType.UInt8, [256], Quant.PerTensor(0.06f, 140))], (TensorType.UInt8, [256], Quant.PerTensor(0.035f, 30))),
            OpInputs.Of(Enumerable.Range(0, 256).Select(v => (byte)v).ToArray()));
        yield return new("HARD_SWISH_int8_all", OneOp(Op.HARD_SWISH, [(TensorType.Int8, [256], Quant.PerTensor(0.02f, -5))], (TensorType.Int8, [256], Quant.PerTensor(0.015f, -60))),
            OpInputs.Of(Enumerable.Range(-128, 256).Select(v => (sbyte)v).ToArray()));
        yield return Unary(Op.LEAKY_RELU, TensorType.Float32, OpInputs.Random(232, -6, 6), ot: Fb.BuiltinOptions.LeakyReluOptions, options: f => Fb.LeakyReluOptions.CreateLeakyReluOptions(f, 0.2f).Value);
        yield return Unary(Op.LEAKY_RELU, TensorType.Int8, OpInputs.Random(233), qx: Quant.PerTensor(0.05f, 2), qy: Quant.PerTensor(0.04f, 10), ot: Fb.BuiltinOptions.LeakyReluOptions, options: f => Fb.LeakyReluOptions.CreateLeakyReluOptions(f, 0.2f).Value);
        yield return Unary(Op.SOFTMAX, TensorType.Float32, OpInputs.Random(234, -4, 4), OpTolerance.Float, ot: Fb.BuiltinOptions.SoftmaxOptions, options: f => Fb.SoftmaxOptions.CreateSoftmaxOptions(f, 1f).Value);
        yield return Unary(Op.SOFTMAX, TensorType.Int8, OpInputs.Random(235), qx: Quant.PerTensor(0.1f, 0), qy: Quant.PerTensor(1f / 256, -128), ot: Fb.BuiltinOptions.SoftmaxOptions, options: f => Fb.SoftmaxOptions.CreateSoftmaxOptions(f, 1f).Value);
        foreach (var (from, to) in new[] { (TensorType.Float32, TensorType.Int32), (TensorType.Int32, TensorType.Float32), (TensorType.Int8, TensorType.Float32), (TensorType.UInt8, TensorType.Int32), (TensorType.Float32, TensorType.UInt8), (TensorType.Int32, TensorType.Int64), (TensorType.Bool, TensorType.Float32), (TensorType.Float32, TensorType.Bool), (TensorType.Int64, TensorType.Int32), (TensorType.Int16, TensorType.Int32) })
            yield return new($"CAST_{N(from)}_to_{N(to)}", OneOp(Op.CAST, [(from, ShapeA, null)], (to, ShapeA, null)), OpInputs.Random(240, -300, 300));
        foreach (var to in new[] { TensorType.Int8, TensorType.Int16, TensorType.Int32 })
            yield return new($"CAST_float32_to_{N(to)}_saturating", OneOp(Op.CAST, [(TensorType.Float32, [8], null)], (to, [8], null)),
                OpInputs.Of(new[] { -1e10f, -40000.7f, -300.5f, -0.9f, 0.9f, 300.5f, 40000.7f, 1e10f }));
        foreach (var op in new[] { Op.ARG_MAX, Op.ARG_MIN })
            foreach (var t in new[] { TensorType.Float32, TensorType.Int8, TensorType.UInt8, TensorType.Int32 })
                yield return new($"{op}_{N(t)}_axis1", OneOpWithConstants(op, [(t, ShapeA, QuantFor(t, 0.1f, 0), null), (TensorType.Int32, [1], null, Raw(1))], [(TensorType.Int32, [2, 4], null)],
                    op == Op.ARG_MAX ? Fb.BuiltinOptions.ArgMaxOptions : Fb.BuiltinOptions.ArgMinOptions,
                    f => op == Op.ARG_MAX ? Fb.ArgMaxOptions.CreateArgMaxOptions(f, Fb.TensorType.INT32).Value : Fb.ArgMinOptions.CreateArgMinOptions(f, Fb.TensorType.INT32).Value),
                    OpInputs.Of(t switch { TensorType.Float32 => new Gen(241).Ints(24, -3, 3).Select(v => (float)v).ToArray(), TensorType.Int8 => new Gen(241).SBytes(24, -3, 3), TensorType.UInt8 => new Gen(241).Bytes(24, 0, 5), _ => (Array)new Gen(241).Ints(24, -3, 3) }));
    }
}
