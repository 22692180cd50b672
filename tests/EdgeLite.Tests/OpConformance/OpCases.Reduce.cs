using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Reductions (SUM, MEAN, REDUCE_*), CUMSUM and TOPK_V2.</summary>
internal static partial class OpCases
{
    private static int[] ReducedShape(int[] shape, int[] axes, bool keep)
    {
        var set = axes.Select(a => a < 0 ? a + shape.Length : a).ToHashSet();
        return keep ? shape.Select((d, i) => set.Contains(i) ? 1 : d).ToArray() : shape.Where((_, i) => !set.Contains(i)).ToArray();
    }

    private static OpCase ReduceCase(Op op, TensorType t, int[] axes, bool keep, OpInputs inputs, Quant? qx = null, Quant? qy = null, string suffix = "", OpTolerance tol = OpTolerance.Exact)
    {
        int[] shape = ShapeA;
        string an = string.Join("_", axes.Select(a => a < 0 ? "m" + (-a) : a.ToString()));
        return new($"{op}_{N(t)}_axes{an}{(keep ? "_keep" : "")}{suffix}",
            OneOpWithConstants(op, [(t, shape, qx, null), (TensorType.Int32, [axes.Length], null, Raw(axes))], [(t, ReducedShape(shape, axes, keep), qy ?? qx)],
                Fb.BuiltinOptions.ReducerOptions, f => Fb.ReducerOptions.CreateReducerOptions(f, keep).Value), inputs, tol);
    }

    public static IEnumerable<OpCase> ReduceCases()
    {
        var axisSets = new (int[] Axes, bool Keep)[] { ([1], false), ([0, 2], true), ([-1], false), ([0, 1, 2], false), ([1, -2], true) };
        foreach (var op in new[] { Op.SUM, Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_PROD })
            foreach (var (axes, keep) in axisSets)
            {
                // float sums/products may be reordered by TFLite's optimized reduce: float tolerance for those two
                var ftol = op is Op.SUM or Op.REDUCE_PROD ? OpTolerance.Float : OpTolerance.Exact;
                yield return ReduceCase(op, TensorType.Float32, axes, keep, OpInputs.Random(101, -2, 2), tol: ftol);
                yield return ReduceCase(op, TensorType.Int32, axes, keep, OpInputs.Random(102));
                yield return ReduceCase(op, TensorType.Int64, axes, keep, OpInputs.Random(103));
                var q8 = Quant.PerTensor(0.1f, 3);
                yield return ReduceCase(op, TensorType.Int8, axes, keep, OpInputs.Random(104), q8);
                yield return ReduceCase(op, TensorType.UInt8, axes, keep, OpInputs.Random(105), Quant.PerTensor(0.1f, 131));
                yield return ReduceCase(op, TensorType.Int16, axes, keep, OpInputs.Random(106), Quant.PerTensor(0.01f, 0));
            }
        foreach (var (axes, keep) in axisSets)
        {
            yield return ReduceCase(Op.SUM, TensorType.Int8, axes, keep, OpInputs.Random(107), Quant.PerTensor(0.02f, -3), Quant.PerTensor(0.1f, 5), "_rescaled");
            yield return ReduceCase(Op.SUM, TensorType.UInt8, axes, keep, OpInputs.Random(108), Quant.PerTensor(0.02f, 120), Quant.PerTensor(0.15f, 100), "_rescaled");
            yield return ReduceCase(Op.REDUCE_ANY, TensorType.Bool, axes, keep, OpInputs.Random(109));
            yield return ReduceCase(Op.REDUCE_ALL, TensorType.Bool, axes, keep, OpInputs.Of(new Gen(110).Ints(24, 0, 5).Select(v => v != 0).ToArray()));
            yield return ReduceCase(Op.MEAN, TensorType.Float32, axes, keep, OpInputs.Random(111), tol: OpTolerance.Float);
            yield return ReduceCase(Op.MEAN, TensorType.Int8, axes, keep, OpInputs.Random(112), Quant.PerTensor(0.02f, -3), Quant.PerTensor(0.01f, 5));
        }
    }

    public static IEnumerable<OpCase> CumSumCases()
    {
        foreach (var t in new[] { TensorType.Float32, TensorType.Int32, TensorType.Int64 })
            foreach (int axis in new[] { 0, 1, -1 })
                foreach (var (excl, rev) in new[] { (false, false), (true, false), (false, true), (true, true) })
                    yield return new($"CUMSUM_{N(t)}_axis{(axis < 0 ? "m1" : axis)}{(excl ? "_exclusive" : "")}{(rev ? "_reverse" : "")}",
                        OneOpWithConstants(Op.CUMSUM, [(t, ShapeA, null, null), (TensorType.Int32, [], null, Raw(axis))], [(t, ShapeA, null)],
                            Fb.BuiltinOptions.CumsumOptions, f => Fb.CumsumOptions.CreateCumsumOptions(f, excl, rev).Value),
                        OpInputs.Random((uint)(120 + axis)), t == TensorType.Float32 ? OpTolerance.Float : OpTolerance.Exact);
    }

    public static IEnumerable<OpCase> TopKCases()
    {
        int[] shape = [2, 3, 5];
        foreach (var t in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int32, TensorType.Int64 })
            foreach (int k in new[] { 1, 3, 5 })
            {
                var g = new Gen((uint)(130 + k));
                // few distinct values, so that ties (broken by index) are common
                var ints = g.Ints(30, 0, 4);
                Array input = t switch
                {
                    TensorType.Float32 => ints.Select(v => v * 0.5f - 1).ToArray(),
                    TensorType.UInt8 => ints.Select(v => (byte)(v * 40)).ToArray(),
                    TensorType.Int8 => ints.Select(v => (sbyte)(v * 40 - 100)).ToArray(),
                    TensorType.Int32 => ints.Select(v => v * 1000 - 2000).ToArray(),
                    _ => ints.Select(v => (long)v * 100000 - 3).ToArray(),
                };
                var q = QuantFor(t, 0.1f, 0);
                var outShape = new[] { 2, 3, k };
                yield return new($"TOPK_V2_{N(t)}_k{k}", OneOpWithConstants(Op.TOPK_V2, [(t, shape, q, null), (TensorType.Int32, [], null, Raw(k))],
                    [(t, outShape, q), (TensorType.Int32, outShape, null)]), OpInputs.Of(input));
            }
        yield return new("TOPK_V2_float32_random", OneOpWithConstants(Op.TOPK_V2, [(TensorType.Float32, [4, 17], null, null), (TensorType.Int32, [1], null, Raw(6))],
            [(TensorType.Float32, [4, 6], null), (TensorType.Int32, [4, 6], null)]), OpInputs.Random(139));
    }
}
