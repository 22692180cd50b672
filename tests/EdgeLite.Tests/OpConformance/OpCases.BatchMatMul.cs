using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.OpConformance;

/// <summary>BATCH_MATMUL: float32, int8, int16; adj_x / adj_y; broadcast batch dimensions; constant and variable rhs.</summary>
internal static partial class OpCases
{

    private static Func<byte[]> BatchMatMulCase(TensorType t, int[] lhs, int[] rhs, int[] outShape, bool ax, bool ay, Quant? ql = null, Quant? qr = null, Quant? qo = null, byte[]? rhsData = null) =>
        OneOpWithConstants(Fb.BuiltinOperator.BATCH_MATMUL, [(t, lhs, ql, null), (t, rhs, qr, rhsData)], [(t, outShape, qo)],
            Fb.BuiltinOptions.BatchMatMulOptions, f => Fb.BatchMatMulOptions.CreateBatchMatMulOptions(f, ax, ay).Value);

    public static IEnumerable<OpCase> BatchMatMul()
    {
        const TensorType F = TensorType.Float32, I8 = TensorType.Int8, I16 = TensorType.Int16;
        yield return new("BATCH_MATMUL_float32", BatchMatMulCase(F, [2, 3, 4], [2, 4, 5], [2, 3, 5], false, false), OpInputs.Random(41), OpTolerance.Float);
        yield return new("BATCH_MATMUL_float32_adj_x_broadcast", BatchMatMulCase(F, [2, 1, 4, 3], [3, 4, 2], [2, 3, 3, 2], true, false), OpInputs.Random(42), OpTolerance.Float);
        yield return new("BATCH_MATMUL_float32_adj_y_rank2", BatchMatMulCase(F, [5, 7], [6, 7], [5, 6], false, true), OpInputs.Random(43), OpTolerance.Float);
        yield return new("BATCH_MATMUL_float32_adj_both_rank5", BatchMatMulCase(F, [1, 2, 2, 3, 2], [2, 1, 1, 4, 3], [2, 2, 2, 2, 4], true, true), OpInputs.Random(44), OpTolerance.Float);
        yield return new("BATCH_MATMUL_float32_const_rhs", BatchMatMulCase(F, [3, 2, 8], [8, 4], [3, 2, 4], false, false,
            rhsData: Raw(new Gen(45).Floats(32, -1, 1))), OpInputs.Random(46), OpTolerance.Float);
        var ql = Quant.PerTensor(0.05f, 3); var qr = Quant.PerTensor(0.02f, -2); var qo = Quant.PerTensor(0.1f, -5);
        yield return new("BATCH_MATMUL_int8", BatchMatMulCase(I8, [2, 3, 16], [2, 16, 4], [2, 3, 4], false, false, ql, qr, qo), OpInputs.Random(47));
        yield return new("BATCH_MATMUL_int8_adj_y_broadcast", BatchMatMulCase(I8, [2, 3, 9], [1, 5, 9], [2, 3, 5], false, true, ql, Quant.PerTensor(0.03f, 0), qo), OpInputs.Random(48));
        yield return new("BATCH_MATMUL_int8_const_rhs", BatchMatMulCase(I8, [4, 12], [12, 6], [4, 6], false, false, ql, Quant.PerTensor(0.01f, 0), Quant.PerTensor(0.02f, 1),
            rhsData: Raw(new Gen(49).SBytes(72))), OpInputs.Random(50));
        var q16 = Quant.PerTensor(0.001f, 0);
        yield return new("BATCH_MATMUL_int16", BatchMatMulCase(I16, [2, 3, 10], [2, 10, 3], [2, 3, 3], false, false, q16, Quant.PerTensor(0.002f, 0), Quant.PerTensor(0.01f, 0)), OpInputs.Random(51));
        yield return new("BATCH_MATMUL_int16_adj_x", BatchMatMulCase(I16, [6, 2], [6, 4], [2, 4], true, false, q16, Quant.PerTensor(0.0005f, 0), Quant.PerTensor(0.0002f, 0)), OpInputs.Random(52));
    }
}
