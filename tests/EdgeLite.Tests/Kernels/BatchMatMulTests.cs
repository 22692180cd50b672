using EdgeLite.Kernels;
using EdgeLite.Simd;
using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>BATCH_MATMUL's float fast path (packed GEMM) against its reference loops at every SIMD level; errors; allocations.</summary>
public class BatchMatMulTests
{
    private static float[] Run(int[] lhs, int[] rhs, int[] outShape, bool ax, bool ay, bool constRhs, float[] a, float[] b, bool reference, SimdLevel? level, int threads = 1)
    {
        BatchMatMul.ForceReference = reference;
        GemmKernels.MaxLevel = level;
        try
        {
            var m = new OpModelBuilder();
            int x = m.Input("a", TensorType.Float32, lhs);
            int w = constRhs ? m.Constant("b", TensorType.Float32, rhs, b) : m.Input("b", TensorType.Float32, rhs);
            m.Op(Fb.BuiltinOperator.BATCH_MATMUL, [x, w], [m.Output("y", TensorType.Float32, outShape)], Fb.BuiltinOptions.BatchMatMulOptions,
                f => Fb.BatchMatMulOptions.CreateBatchMatMulOptions(f, ax, ay).Value);
            using var it = m.BuildInterpreter(threads);
            it.GetInputTensor(0).CopyFrom<float>(a);
            if (!constRhs) it.GetInputTensor(1).CopyFrom<float>(b);
            it.Invoke();
            Assert.Equal(outShape, it.GetOutputTensor(0).ShapeArray);
            Assert.Equal(0, Allocations.OfInvoke(it));
            return it.Output<float>(0);
        }
        finally { BatchMatMul.ForceReference = false; GemmKernels.MaxLevel = null; }
    }

    public static TheoryData<int[], int[], int[], bool, bool, bool> Shapes() => new()
    {
        { [2, 3, 4], [2, 4, 5], [2, 3, 5], false, false, false },
        { [2, 1, 9, 17], [3, 17, 33], [2, 3, 9, 33], false, false, false },
        { [2, 1, 17, 9], [3, 17, 33], [2, 3, 9, 33], true, false, true },
        { [5, 31], [40, 31], [5, 40], false, true, true },
        { [1, 2, 2, 7, 3], [2, 1, 1, 16, 7], [2, 2, 2, 3, 16], true, true, false },
        { [4, 1, 64], [4, 64, 20], [4, 1, 20], false, false, true },
        { [4, 64, 96], [96, 80], [4, 64, 80], false, false, true },
        { [3, 96, 64], [2, 3, 80, 96], [2, 3, 64, 80], true, true, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastPathMatchesReferenceAtEveryLevel(int[] lhs, int[] rhs, int[] outShape, bool ax, bool ay, bool constRhs)
    {
        var g = new OpConformance.OpCases.Gen(7);
        var a = g.Floats(lhs.Aggregate(1, (p, d) => p * d), -1, 1);
        var b = g.Floats(rhs.Aggregate(1, (p, d) => p * d), -1, 1);
        var reference = Run(lhs, rhs, outShape, ax, ay, constRhs, a, b, true, null);
        // the reference itself against a direct triple loop in double
        var naive = Naive(lhs, rhs, outShape, ax, ay, a, b);
        for (int i = 0; i < naive.Length; i++) Assert.True(Math.Abs(reference[i] - naive[i]) <= 1e-5 + 1e-5 * Math.Abs(naive[i]), $"reference [{i}] {reference[i]} vs {naive[i]}");
        foreach (var level in new[] { SimdLevel.Scalar, SimdLevel.Neon, SimdLevel.Avx2, SimdLevel.Avx512 })
        {
            if (!GemmKernels.IsSupported(level)) continue;
            var fast = Run(lhs, rhs, outShape, ax, ay, constRhs, a, b, false, level);
            for (int i = 0; i < fast.Length; i++)
                Assert.True(Math.Abs(fast[i] - reference[i]) <= 1e-5 + 1e-5 * Math.Abs(reference[i]), $"{level} [{i}] {fast[i]} vs reference {reference[i]}");
            // the rows split across threads: identical results
            Assert.Equal(fast, Run(lhs, rhs, outShape, ax, ay, constRhs, a, b, false, level, threads: 2));
        }
    }

    private static double[] Naive(int[] ls, int[] rs, int[] os, bool ax, bool ay, float[] a, float[] b)
    {
        int rank = os.Length, m = os[rank - 2], n = os[rank - 1];
        int k = ax ? ls[^2] : ls[^1];
        var y = new double[os.Aggregate(1, (p, d) => p * d)];
        int batches = y.Length / (m * n);
        for (int ob = 0; ob < batches; ob++)
        {
            // batch coordinates of the output, mapped into each operand (broadcast dims of 1 read index 0)
            var coord = new int[rank - 2];
            for (int d = rank - 3, rem = ob; d >= 0; d--) { coord[d] = rem % os[d]; rem /= os[d]; }
            long Off(int[] s)
            {
                long off = 0;
                for (int d = 0; d < s.Length - 2; d++) { int od = d + (rank - s.Length); off = off * s[d] + (s[d] == 1 ? 0 : coord[od]); }
                return off * s[^1] * s[^2];
            }
            long la = Off(ls), lb = Off(rs);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int q = 0; q < k; q++)
                        s += (double)a[la + (ax ? q * m + i : i * k + q)] * b[lb + (ay ? j * k + q : q * n + j)];
                    y[(long)ob * m * n + i * n + j] = s;
                }
        }
        return y;
    }

    [Fact]
    public void MismatchedOperandsAreTypedErrors()
    {
        var m = new OpModelBuilder();
        int x = m.Input("a", TensorType.Float32, [2, 3, 4]);
        int w = m.Input("b", TensorType.Float32, [2, 5, 6]);
        m.Op(Fb.BuiltinOperator.BATCH_MATMUL, [x, w], [m.Output("y", TensorType.Float32, [2, 3, 6])]);
        Assert.Contains("BATCH_MATMUL", Assert.Throws<ModelFormatException>(() => m.BuildInterpreter()).Message);
        var h = new OpModelBuilder();
        int hx = h.Input("a", TensorType.Float32, [3, 4]);
        int hw = h.Constant("b", TensorType.Int8, [4, 2], new sbyte[8], Quant.PerTensor(0.1f, 0));
        h.Op(Fb.BuiltinOperator.BATCH_MATMUL, [hx, hw], [h.Output("y", TensorType.Float32, [3, 2])]);
        Assert.Contains("hybrid", Assert.Throws<UnsupportedOperatorException>(() => h.BuildInterpreter()).Message);
    }
}

/// <summary>Writes a transformer-sized BATCH_MATMUL model for `edgelite bench` / the reference tool's bench (EDGELITE_DUMP_MODELS=DIR).</summary>
public class BatchMatMulBenchModel
{
    [Fact]
    public void DumpBenchModel()
    {
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        if (dir == null) return;
        Directory.CreateDirectory(dir);
        // attention-like: [8 heads, 128, 64] x [8, 64, 128] (variable rhs), and a projection [1, 128, 512] x [512, 512] (constant)
        var m = new OpModelBuilder();
        int q = m.Input("q", TensorType.Float32, [8, 128, 64]);
        int k = m.Input("k", TensorType.Float32, [8, 128, 64]);
        m.Op(Fb.BuiltinOperator.BATCH_MATMUL, [q, k], [m.Output("s", TensorType.Float32, [8, 128, 128])], Fb.BuiltinOptions.BatchMatMulOptions,
            f => Fb.BatchMatMulOptions.CreateBatchMatMulOptions(f, false, true).Value);
        File.WriteAllBytes(Path.Combine(dir, "bmm_attention.tflite"), m.Build());
        var p = new OpModelBuilder();
        int x = p.Input("x", TensorType.Float32, [1, 128, 512]);
        int w = p.Constant("w", TensorType.Float32, [512, 512], new OpConformance.OpCases.Gen(5).Floats(512 * 512, -0.05f, 0.05f));
        p.Op(Fb.BuiltinOperator.BATCH_MATMUL, [x, w], [p.Output("y", TensorType.Float32, [1, 128, 512])], Fb.BuiltinOptions.BatchMatMulOptions,
            f => Fb.BatchMatMulOptions.CreateBatchMatMulOptions(f, false, false).Value);
        File.WriteAllBytes(Path.Combine(dir, "bmm_projection.tflite"), p.Build());
    }
}
