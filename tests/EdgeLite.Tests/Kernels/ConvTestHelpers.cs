using EdgeLite.Kernels;
using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>Random conv/depthwise problems, run through the fast path and the reference kernel.</summary>
internal static class ConvTestHelpers
{
    public sealed record Problem(TensorType Type, int N, int H, int W, int IC, int OC, int KH, int KW, int Stride, int Dilation,
        Fb.Padding Padding, Fb.ActivationFunctionType Activation, bool PerChannel, int Seed, bool Depthwise = false, int Multiplier = 1);

    public static byte[] BuildModel(Problem p, Random rng, out byte[] input)
    {
        int oc = p.Depthwise ? p.IC * p.Multiplier : p.OC;
        int[] filterShape = p.Depthwise ? [1, p.KH, p.KW, oc] : [oc, p.KH, p.KW, p.IC];
        int filterCount = filterShape.Aggregate(1, (a, b) => a * b);
        int effH = (p.KH - 1) * p.Dilation + 1, effW = (p.KW - 1) * p.Dilation + 1;
        int outH = p.Padding == Fb.Padding.SAME ? (p.H + p.Stride - 1) / p.Stride : (p.H - effH + p.Stride) / p.Stride;
        int outW = p.Padding == Fb.Padding.SAME ? (p.W + p.Stride - 1) / p.Stride : (p.W - effW + p.Stride) / p.Stride;
        var b = new OpModelBuilder();
        int x, w, bias, y;
        int inCount = p.N * p.H * p.W * p.IC;
        switch (p.Type)
        {
            case TensorType.Float32:
            {
                x = b.Input("x", TensorType.Float32, [p.N, p.H, p.W, p.IC]);
                w = b.Constant("w", TensorType.Float32, filterShape, Enumerable.Range(0, filterCount).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
                bias = b.Constant("b", TensorType.Float32, [oc], Enumerable.Range(0, oc).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
                y = b.Output("y", TensorType.Float32, [p.N, outH, outW, oc]);
                var data = Enumerable.Range(0, inCount).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                input = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
                break;
            }
            case TensorType.UInt8:
            {
                float inScale = 0.02f, wScale = 0.01f;
                int inZp = rng.Next(0, 256), wZp = rng.Next(0, 256);
                x = b.Input("x", TensorType.UInt8, [p.N, p.H, p.W, p.IC], Quant.PerTensor(inScale, inZp));
                var wq = p.PerChannel
                    ? new Quant(Enumerable.Range(0, oc).Select(_ => (float)(0.002 + rng.NextDouble() * 0.02)).ToArray(), Enumerable.Repeat((long)wZp, oc).ToArray(), p.Depthwise ? 3 : 0)
                    : Quant.PerTensor(wScale, wZp);
                w = b.Constant("w", TensorType.UInt8, filterShape, RandomBytes(rng, filterCount), wq);
                bias = b.Constant("b", TensorType.Int32, [oc], Enumerable.Range(0, oc).Select(_ => rng.Next(-2000, 2000)).ToArray(), Quant.PerTensor(inScale * wScale, 0));
                y = b.Output("y", TensorType.UInt8, [p.N, outH, outW, oc], Quant.PerTensor(0.05f + (float)rng.NextDouble() * 0.2f, rng.Next(0, 256)));
                input = RandomBytes(rng, inCount);
                break;
            }
            default:
            {
                float inScale = 0.03f;
                int inZp = rng.Next(-128, 128);
                x = b.Input("x", TensorType.Int8, [p.N, p.H, p.W, p.IC], Quant.PerTensor(inScale, inZp));
                var scales = Enumerable.Range(0, oc).Select(_ => (float)(0.001 + rng.NextDouble() * (rng.Next(2) == 0 ? 0.01 : 1.0))).ToArray();
                var wq = p.PerChannel ? new Quant(scales, new long[oc], p.Depthwise ? 3 : 0) : Quant.PerTensor(scales[0], 0);
                var wBytes = RandomBytes(rng, filterCount);
                for (int i = 0; i < wBytes.Length; i++) if (wBytes[i] == 0x80) wBytes[i] = 0x81; // symmetric: -127..127
                w = b.Constant("w", TensorType.Int8, filterShape, wBytes, wq);
                bias = b.Constant("b", TensorType.Int32, [oc], Enumerable.Range(0, oc).Select(_ => rng.Next(-5000, 5000)).ToArray(),
                    new Quant(scales.Select(s => s * inScale).ToArray(), new long[oc]));
                y = b.Output("y", TensorType.Int8, [p.N, outH, outW, oc], Quant.PerTensor(0.05f + (float)rng.NextDouble() * 0.5f, rng.Next(-128, 128)));
                input = RandomBytes(rng, inCount);
                break;
            }
        }
        if (p.Depthwise)
            b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
                f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, p.Padding, p.Stride, p.Stride, p.Multiplier, p.Activation, p.Dilation, p.Dilation).Value);
        else
            b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.Conv2DOptions,
                f => Fb.Conv2DOptions.CreateConv2DOptions(f, p.Padding, p.Stride, p.Stride, p.Activation, p.Dilation, p.Dilation).Value);
        return b.Build();
    }

    public static byte[] RandomBytes(Random rng, int n) { var a = new byte[n]; rng.NextBytes(a); return a; }

    /// <summary>Runs the model once; <paramref name="reference"/> forces the reference conv, depthwise and FC kernels on this thread.</summary>
    public static byte[] Run(byte[] model, byte[] input, bool reference, int threads = 1, EdgeLite.Simd.SimdLevel? maxLevel = null)
    {
        Conv2D.ForceReference = reference;
        DepthwiseConv2D.ForceReference = reference;
        FullyConnected.ForceReference = reference;
        EdgeLite.Simd.GemmKernels.MaxLevel = maxLevel;
        try
        {
            // a capped level this CPU has must be the one the kernels get (one it lacks runs the best level below it)
            if (maxLevel is { } level && EdgeLite.Simd.GemmKernels.IsSupported(level))
                Assert.Equal(level, EdgeLite.Simd.GemmKernels.Select());
            using var m = EdgeLite.Model.FromBytes(model);
            using var it = new Interpreter(m, new InterpreterOptions { Threads = threads });
            it.AllocateTensors();
            it.GetInputTensor(0).CopyFromBytes(input);
            it.Invoke();
            return it.GetOutputTensor(0).AsBytes().ToArray();
        }
        finally
        {
            Conv2D.ForceReference = false;
            DepthwiseConv2D.ForceReference = false;
            FullyConnected.ForceReference = false;
            EdgeLite.Simd.GemmKernels.MaxLevel = null;
        }
    }

    public static void AssertSame(TensorType type, byte[] expected, byte[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        if (type != TensorType.Float32) { Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}: quantized outputs differ"); return; }
        var e = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(expected);
        var a = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(actual);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 * Math.Max(1, Math.Abs(e[i])), $"{what}: element {i}: {e[i]} vs {a[i]}");
    }

    /// <summary>
    /// Random problems run at a capped SIMD level must equal the reference kernels. A level this CPU lacks is not run
    /// (it would silently test a lower level under its name); on x64, <see cref="EdgeLite.Simd.SimdLevel.Neon"/> runs
    /// the 128-bit kernels' portable fallbacks, the AdvSimd instructions themselves are checked under qemu
    /// (Arm64EmulatedTests).
    /// </summary>
    public static void AssertRandomProblemsMatchAtLevel(TensorType type, bool depthwise, EdgeLite.Simd.SimdLevel level, int seed, int count = 12)
    {
        if (!EdgeLite.Simd.GemmKernels.IsSupported(level)) return;
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var p = RandomProblem(rng, type, depthwise, seed: i);
            var model = BuildModel(p, rng, out var input);
            AssertSame(type, Run(model, input, reference: true), Run(model, input, reference: false, maxLevel: level), $"{p} at {level}");
        }
    }

    /// <summary>Fixed problems must equal the reference at 1 and 2 threads (and 3 when asked).</summary>
    public static void AssertProblemsMatchAcrossThreads(Random rng, IEnumerable<Problem> problems, bool threeThreads = false)
    {
        foreach (var p in problems)
        {
            var model = BuildModel(p, rng, out var input);
            var reference = Run(model, input, reference: true);
            AssertSame(p.Type, reference, Run(model, input, reference: false), $"{p}");
            AssertSame(p.Type, reference, Run(model, input, reference: false, threads: 2), $"{p} (2 threads)");
            if (threeThreads) AssertSame(p.Type, reference, Run(model, input, reference: false, threads: 3), $"{p} (3 threads)");
        }
    }

    /// <summary>
    /// Depthwise layers whose interior pixels go four at a time through the four-pixel kernels: 3x3 and 5x5, stride 1
    /// and 2, dilation 1 and 2, SAME and VALID, output widths not a multiple of 4, and channel counts covering every
    /// channel step (16, 8, 4 and the 1..3 left to the one-pixel kernel: 1, 3, 4, 8, 12, 17, 20, 27, 32, 36, 40, 44).
    /// </summary>
    public static Problem[] FourPixelDepthwiseProblems(TensorType type)
    {
        bool perChannel = type != TensorType.UInt8;
        var relu6 = Fb.ActivationFunctionType.RELU6; var none = Fb.ActivationFunctionType.NONE; var relu = Fb.ActivationFunctionType.RELU;
        return
        [
            new Problem(type, 1, 9, 14, 1, 1, 3, 3, 1, 1, Fb.Padding.SAME, relu6, perChannel, 0, true),
            new Problem(type, 1, 8, 19, 3, 3, 3, 3, 2, 1, Fb.Padding.VALID, none, perChannel, 1, true),
            new Problem(type, 1, 7, 13, 4, 4, 5, 5, 1, 1, Fb.Padding.SAME, relu, perChannel, 2, true),
            new Problem(type, 2, 6, 17, 8, 8, 3, 3, 1, 2, Fb.Padding.VALID, relu6, perChannel, 3, true),
            new Problem(type, 1, 9, 22, 12, 12, 5, 5, 2, 1, Fb.Padding.SAME, none, perChannel, 4, true),
            new Problem(type, 1, 7, 15, 17, 17, 3, 3, 1, 1, Fb.Padding.VALID, relu, perChannel, 5, true),
            new Problem(type, 1, 8, 18, 20, 20, 3, 3, 2, 2, Fb.Padding.SAME, relu6, !perChannel, 6, true),
            new Problem(type, 1, 6, 11, 32, 32, 3, 3, 1, 1, Fb.Padding.SAME, relu6, perChannel, 7, true),
            new Problem(type, 1, 9, 21, 40, 40, 5, 5, 1, 1, Fb.Padding.VALID, none, perChannel, 8, true),
            new Problem(type, 1, 7, 27, 36, 36, 3, 3, 2, 1, Fb.Padding.VALID, relu, perChannel, 9, true),
            new Problem(type, 1, 6, 16, 27, 27, 5, 5, 1, 2, Fb.Padding.SAME, none, perChannel, 10, true),
            new Problem(type, 1, 5, 10, 44, 44, 3, 3, 1, 1, Fb.Padding.VALID, relu6, perChannel, 11, true),
            new Problem(type, 1, 11, 23, 24, 24, 5, 5, 2, 1, Fb.Padding.SAME, relu6, perChannel, 12, true),
            // an even tap count (2x4: the tap-pair kernels without an odd last tap), 2 blocks of 16 and a tail
            new Problem(type, 1, 6, 17, 33, 33, 2, 4, 1, 1, Fb.Padding.VALID, relu6, perChannel, 13, true),
        ];
    }

    /// <summary>
    /// Float convolutions whose GEMM depth is not a multiple of 4 (the arm64 4-row kernel's by-element steps of 4 k, then
    /// 1..3 broadcast steps) and some that are: 1x1 with 1, 3, 5, 7, 13, 27 input channels (depth = channels, rows read
    /// straight from the input), 3x3 and 1x3 ones (im2col rows of depth 9·C or 3·C at the borders, the tap path inside),
    /// row counts not a multiple of 4, 1..40 output channels (partial panels).
    /// </summary>
    public static Problem[] FloatDepthRemainderConvProblems()
    {
        var none = Fb.ActivationFunctionType.NONE; var relu6 = Fb.ActivationFunctionType.RELU6; var relu = Fb.ActivationFunctionType.RELU;
        var f = TensorType.Float32;
        var list = new List<Problem>();
        int seed = 0;
        foreach (int ic in new[] { 1, 3, 5, 7, 13, 27, 4, 8 })
        {
            // pointwise: depth = ic, 5x7 = 35 rows (8 blocks of 4 and 3 left), 2x3 = 6 rows
            list.Add(new Problem(f, 1, 5, 7, ic, 1 + ic % 17, 1, 1, 1, 1, Fb.Padding.VALID, none, false, seed++));
            list.Add(new Problem(f, 1, 2, 3, ic, 16 + ic, 1, 1, 1, 1, Fb.Padding.SAME, relu6, false, seed++));
            // 3x3 SAME: depth 9·ic (9, 27, 45, 63, 117, 243, 36, 72), borders through im2col; stride 2; 1x3 (depth 3·ic)
            list.Add(new Problem(f, 1, 7, 9, ic, 7 + ic % 9, 3, 3, 1, 1, Fb.Padding.SAME, relu, false, seed++));
            list.Add(new Problem(f, 2, 9, 6, ic, 33, 3, 3, 2, 1, Fb.Padding.SAME, none, false, seed++));
            list.Add(new Problem(f, 1, 6, 11, ic, 12, 1, 3, 1, 1, Fb.Padding.VALID, relu6, false, seed++));
        }
        return list.ToArray();
    }

    /// <summary>
    /// Depthwise layers on small maps, where most or all pixels are border pixels (5x5 over 7x7 or 5x5, 3x3 over 3x3 and
    /// 4x4) and interior pixels outside the four-pixel runs (widths leaving 1..3 interior pixels), with channel counts
    /// 1..44 covering the one-pixel kernels' 16, 8, 4 and 1..3 channel steps; strides 1 and 2, dilation 2, SAME and VALID.
    /// </summary>
    public static Problem[] SmallMapDepthwiseProblems(TensorType type)
    {
        bool perChannel = type != TensorType.UInt8;
        var shapes = new (int H, int W, int K, int Stride, int Dilation, Fb.Padding Padding, Fb.ActivationFunctionType Act)[]
        {
            (7, 7, 5, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6),
            (5, 5, 5, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE),
            (3, 3, 3, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU),
            (4, 4, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6),
            (7, 7, 5, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE),
            (6, 9, 3, 1, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.RELU6), // 7 interior columns: 4 + 3 one at a time
            (7, 10, 3, 1, 2, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE),
            (9, 9, 5, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU),
        };
        var list = new List<Problem>();
        int i = 0;
        foreach (int c in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 15, 16, 17, 19, 20, 23, 24, 25, 28, 31, 32, 33, 36, 40, 44 })
        {
            var (h, w, k, stride, dilation, padding, act) = shapes[i % shapes.Length];
            list.Add(new Problem(type, 1 + i % 2, h, w, c, c, k, k, stride, dilation, padding, act, i % 3 == 0 ? !perChannel : perChannel, i, true));
            i++;
        }
        // every shape with a 16 + 8 + 4 + 3 channel count
        foreach (var (h, w, k, stride, dilation, padding, act) in shapes)
            list.Add(new Problem(type, 1, h, w, 31, 31, k, k, stride, dilation, padding, act, perChannel, i++, true));
        return list.ToArray();
    }

    /// <summary>
    /// The problem at <paramref name="level"/> must equal the scalar level exactly (quantized bytes, float bits: every
    /// level sums the taps in order with fused multiply-add) and the reference kernels (float within 1e-5). A level
    /// this CPU lacks is not run.
    /// </summary>
    public static void AssertLevelMatchesScalarAndReference(Problem p, Random rng, EdgeLite.Simd.SimdLevel level)
    {
        if (!EdgeLite.Simd.GemmKernels.IsSupported(level)) return;
        var model = BuildModel(p, rng, out var input);
        var got = Run(model, input, reference: false, maxLevel: level);
        AssertSame(p.Type, Run(model, input, reference: true), got, $"{p} at {level} vs reference");
        var scalar = Run(model, input, reference: false, maxLevel: EdgeLite.Simd.SimdLevel.Scalar);
        int bad = got.AsSpan().CommonPrefixLength(scalar);
        Assert.True(bad == got.Length && got.Length == scalar.Length, $"{p} at {level}: byte {bad} differs from the scalar level");
    }

    public static Problem RandomProblem(Random rng, TensorType type, bool depthwise, int seed)
    {
        int k = new[] { 1, 1, 3, 3, 5 }[rng.Next(5)];
        int dilation = k > 1 && rng.Next(4) == 0 ? 2 : 1;
        int eff = (k - 1) * dilation + 1;
        return new Problem(type, rng.Next(1, 3), rng.Next(eff, eff + 10), rng.Next(eff, eff + 10), rng.Next(1, 40), rng.Next(1, 70), k, k,
            rng.Next(1, 3), dilation, rng.Next(2) == 0 ? Fb.Padding.SAME : Fb.Padding.VALID,
            (Fb.ActivationFunctionType)new[] { 0, 1, 3 }[rng.Next(3)], rng.Next(2) == 0, seed, depthwise, depthwise && rng.Next(4) == 0 ? 2 : 1);
    }
}
