using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ConvTestHelpers;

namespace EdgeLite.Tests.Kernels;

public class Conv2DTests
{
    [Fact]
    public void HandComputedUInt8WithZeroPointsAndRelu6()
    {
        // 1x3x3x1 input, 2x2 filter, VALID, stride 1: out[y,x] = Σ (in - 10)(w - 3) + bias, then * (1*0.5/1) + 5, clamp RELU6.
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.UInt8, [1, 3, 3, 1], Quant.PerTensor(1f, 10));
        int w = b.Constant("w", TensorType.UInt8, [1, 2, 2, 1], new byte[] { 4, 5, 2, 3 }, Quant.PerTensor(0.5f, 3));
        int bias = b.Constant("b", TensorType.Int32, [1], new[] { 3 }, Quant.PerTensor(0.5f, 0));
        int y = b.Output("y", TensorType.UInt8, [1, 2, 2, 1], Quant.PerTensor(1f, 5));
        b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.Conv2DOptions,
            f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.VALID, 1, 1, Fb.ActivationFunctionType.RELU6).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<byte>([10, 11, 12, 13, 14, 15, 16, 17, 18]);
        it.Invoke();
        // weights - zp = [1, 2, -1, 0]; inputs - zp = 0..8
        // (0,0): 0*1 + 1*2 + 3*-1 + 4*0 = -1 ; +3 = 2 -> *0.5 = 1 -> +5 = 6
        // (0,1): 1 + 4 - 4 + 0 = 1 ; +3 = 4 -> 2 -> 7
        // (1,0): 3 + 8 - 6 = 5 ; 8 -> 4 -> 9
        // (1,1): 4 + 10 - 7 = 7 ; 10 -> 5 -> 10, RELU6 max = 5 + 6 = 11
        Assert.Equal(new byte[] { 6, 7, 9, 10 }, it.GetOutputTensor(0).ToArray<byte>());
    }

    [Fact]
    public void FloatSamePaddingStride2()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 4, 4, 1]);
        int w = b.Constant("w", TensorType.Float32, [1, 3, 3, 1], Enumerable.Repeat(1f, 9).ToArray());
        int y = b.Output("y", TensorType.Float32, [1, 2, 2, 1]);
        b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, -1], [y], Fb.BuiltinOptions.Conv2DOptions,
            f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.SAME, 2, 2).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>(Enumerable.Range(1, 16).Select(v => (float)v).ToArray());
        it.Invoke();
        // SAME, 4x4 / stride 2 -> 2x2, total pad 1: top/left 0, bottom/right 1.
        // (0,0): rows 0-2, cols 0-2 = 1+2+3+5+6+7+9+10+11 = 54
        // (0,1): rows 0-2, cols 2-3 = 3+4+7+8+11+12 = 45
        // (1,0): rows 2-3, cols 0-2 = 9+10+11+13+14+15 = 72
        // (1,1): rows 2-3, cols 2-3 = 11+12+15+16 = 54
        Assert.Equal(new[] { 54f, 45f, 72f, 54f }, it.GetOutputTensor(0).ToArray<float>());
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void FastPathMatchesReferenceOnRandomShapes(TensorType type)
    {
        var rng = new Random(1234 + (int)type);
        for (int i = 0; i < 25; i++)
        {
            var p = RandomProblem(rng, type, depthwise: false, seed: i);
            var model = BuildModel(p, rng, out var input);
            var reference = Run(model, input, reference: true);
            AssertSame(type, reference, Run(model, input, reference: false), $"{p}");
            AssertSame(type, reference, Run(model, input, reference: false, threads: 2), $"{p} (2 threads)");
        }
    }

    [Theory]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Scalar)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Scalar)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Scalar)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.NeonDot)] // 8-bit dot product (a scalar stand-in on x64)
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    public void LowerInstructionSetsMatchReference(TensorType type, int levelNumber)
    {
        AssertRandomProblemsMatchAtLevel(type, false, (EdgeLite.Simd.SimdLevel)levelNumber, 99 + (int)type * 7 + levelNumber);
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void MobileNetSizedLayersSplitAcrossBlocksAndThreads(TensorType type)
    {
        // 1x1 expansion (many pixel blocks), 3x3 stem with stride 2, and a 7x7 map with many channels (few blocks:
        // the threads split output channels instead).
        var rng = new Random(5 + (int)type);
        AssertProblemsMatchAcrossThreads(rng, new[]
        {
            new Problem(type, 1, 56, 56, 24, 144, 1, 1, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 0),
            new Problem(type, 1, 57, 57, 3, 32, 3, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 1),
            new Problem(type, 1, 7, 7, 160, 320, 1, 1, 1, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.NONE, true, 2),
            // 1x1 with an odd depth (rows widened one pixel at a time) and with 16 outputs (one panel)
            new Problem(type, 2, 23, 19, 7, 40, 1, 1, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, true, 3),
            new Problem(type, 1, 45, 45, 32, 16, 1, 1, 1, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.RELU6, true, 4),
        }, threeThreads: true);
    }

    /// <summary>
    /// Float convolutions wide enough for the in-place tap path (interior output columns read straight from the input,
    /// border ones through im2col) and every channel layout of the 8-row kernel (≤ 8, 16, 16 + ≤ 8, 32 channels and
    /// more): within 1e-5 of the reference, and bit for bit the same at 2 threads, at the scalar level and at the 128-bit
    /// level (its own in-place path; every level sums k in order with fused multiply-add, so the paths must agree exactly).
    /// </summary>
    [Fact]
    public void FloatTapPathAndChannelWidthsMatchReferenceExactlyAcrossPathsAndThreads()
    {
        var rng = new Random(77);
        var problems = new List<Problem>
        {
            // stems: 3 input channels, 3x3 stride 2 into 8 and 24 channels (hand_recrop, pose_detection)
            new(TensorType.Float32, 1, 40, 37, 3, 8, 3, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, false, 0),
            new(TensorType.Float32, 1, 33, 42, 3, 24, 3, 3, 2, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.RELU6, false, 1),
            // 2x2 stride 2 (hand_recrop), 1x1 stride 2 (no longer an im2col copy), dilation 2, 5x5 stride 1
            new(TensorType.Float32, 2, 24, 30, 8, 8, 2, 2, 2, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.RELU, false, 2),
            new(TensorType.Float32, 1, 31, 35, 16, 40, 1, 1, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, false, 3),
            new(TensorType.Float32, 1, 21, 29, 5, 33, 3, 3, 1, 2, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, false, 4),
            new(TensorType.Float32, 1, 18, 26, 4, 17, 5, 5, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, false, 5),
        };
        // random shapes: widths 9..40 (interior runs of 8 and more with remainders), 1..40 channels in and out
        for (int i = 0; i < 30; i++)
        {
            int k = new[] { 1, 2, 3, 5 }[rng.Next(4)], stride = rng.Next(1, 3), dilation = k > 1 && rng.Next(4) == 0 ? 2 : 1;
            int eff = (k - 1) * dilation + 1;
            problems.Add(new(TensorType.Float32, rng.Next(1, 3), rng.Next(eff, eff + 12), rng.Next(eff + 8 * stride, eff + 8 * stride + 24),
                rng.Next(1, 41), rng.Next(1, 41), k, k, stride, dilation, rng.Next(2) == 0 ? Fb.Padding.SAME : Fb.Padding.VALID,
                (Fb.ActivationFunctionType)new[] { 0, 1, 3 }[rng.Next(3)], false, 10 + i));
        }
        // pointwise with pixel counts around multiples of 8 (row tails: 1-row kernel or one overlapping 8-row call)
        foreach (int pixels in new[] { 1, 3, 7, 8, 9, 12, 13, 15, 49, 196 })
            foreach (int oc in new[] { 2, 8, 13, 16, 24, 29, 32, 40 })
                problems.Add(new(TensorType.Float32, 1, 1, pixels, rng.Next(1, 50), oc, 1, 1, 1, 1, Fb.Padding.VALID,
                    Fb.ActivationFunctionType.NONE, false, 100 + pixels * 100 + oc));
        foreach (var p in problems)
        {
            var model = BuildModel(p, rng, out var input);
            var fast = Run(model, input, reference: false);
            AssertSame(p.Type, Run(model, input, reference: true), fast, $"{p}");
            Assert.True(fast.AsSpan().SequenceEqual(Run(model, input, reference: false, threads: 2)), $"{p}: 2 threads differ");
            Assert.True(fast.AsSpan().SequenceEqual(Run(model, input, reference: false, maxLevel: EdgeLite.Simd.SimdLevel.Scalar)), $"{p}: scalar level differs");
            // the AVX2 and 128-bit in-place paths (4-row kernels and 1-row tails; 128-bit on x64 through the portable fallbacks)
            foreach (var level in new[] { EdgeLite.Simd.SimdLevel.Avx2, EdgeLite.Simd.SimdLevel.Neon })
                if (EdgeLite.Simd.GemmKernels.IsSupported(level))
                    Assert.True(fast.AsSpan().SequenceEqual(Run(model, input, reference: false, maxLevel: level)), $"{p}: {level} level differs");
        }
    }

    /// <summary>
    /// Float GEMM depths not a multiple of 4 (and some that are) at the 128-bit levels: bit for bit the scalar level and
    /// within 1e-5 of the reference. On arm64 the 4-row kernel takes 4 k per step by element and the last 1..3 by
    /// broadcast (checked under qemu: EdgeLite.Arm64Check runs the same problems); on x64 the portable fallback runs.
    /// </summary>
    [Theory]
    [InlineData((int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData((int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData((int)EdgeLite.Simd.SimdLevel.Avx2)]
    public void FloatDepthsNotAMultipleOf4MatchScalarAndReference(int levelNumber)
    {
        var rng = new Random(1357 + levelNumber);
        foreach (var p in FloatDepthRemainderConvProblems())
            AssertLevelMatchesScalarAndReference(p, rng, (EdgeLite.Simd.SimdLevel)levelNumber);
    }

    [Fact]
    public void ExtremeZeroPointsAndScalesStayExact()
    {
        var rng = new Random(77);
        foreach (var type in new[] { TensorType.UInt8, TensorType.Int8 })
            foreach (var (k, ic, oc) in new[] { (1, 64, 48), (3, 17, 33), (3, 3, 16) })
            {
                var p = new Problem(type, 1, 9, 7, ic, oc, k, k, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, true, 0);
                var model = BuildModel(p, rng, out var input);
                AssertSame(type, Run(model, input, true), Run(model, input, false), $"{p}");
            }
    }

    [Fact]
    public void InvalidFilterShapeIsAModelFormatError()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 4, 4, 3]);
        int w = b.Constant("w", TensorType.Float32, [2, 3, 3, 2], new float[36]); // 3 input channels, filter has 2
        int y = b.Output("y", TensorType.Float32, [1, 4, 4, 2]);
        b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, -1], [y], Fb.BuiltinOptions.Conv2DOptions,
            f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.SAME, 1, 1).Value);
        Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
    }

    /// <summary>A zero point outside the quantized type's range (a malformed model) is refused at Prepare: every kernel's
    /// int16 arithmetic relies on x - zp and w - zp fitting 9 bits.</summary>
    [Theory]
    [InlineData(TensorType.UInt8, "x", 256)]
    [InlineData(TensorType.UInt8, "w", -1)]
    [InlineData(TensorType.UInt8, "y", 70000)]
    [InlineData(TensorType.Int8, "x", 128)]
    [InlineData(TensorType.Int8, "w", -129)]
    public void ZeroPointOutsideTheTypeRangeIsAModelFormatError(TensorType type, string tensor, long zeroPoint)
    {
        var q = (string name) => Quant.PerTensor(0.5f, name == tensor ? zeroPoint : 0);
        foreach (bool depthwise in new[] { false, true })
        {
            var b = new OpModelBuilder();
            int x = b.Input("x", type, [1, 4, 4, 2], q("x"));
            int w = b.Constant("w", type, depthwise ? [1, 3, 3, 2] : [2, 3, 3, 2], new byte[depthwise ? 18 : 36], q("w"));
            int y = b.Output("y", type, [1, 4, 4, 2], q("y"));
            if (depthwise)
                b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, -1], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
                    f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.SAME, 1, 1, 1).Value);
            else
                b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, -1], [y], Fb.BuiltinOptions.Conv2DOptions,
                    f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.SAME, 1, 1).Value);
            var e = Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
            Assert.Contains("zero point", e.Message);
        }
    }
    /// <summary>
    /// An input resized after a first AllocateTensors re-prepares the convolutions: a path chosen for the first shape
    /// (the in-place tap path on a 24x24 map, the four-pixel depthwise kernels) must not carry over to a map too small
    /// for it, and back. Outputs equal the reference kernels at each shape.
    /// </summary>
    [Theory]
    [InlineData(TensorType.Float32, false)]
    [InlineData(TensorType.Float32, true)]
    [InlineData(TensorType.Int8, true)]
    [InlineData(TensorType.UInt8, true)]
    public void ResizingTheInputReplansTheFastPaths(TensorType type, bool depthwise)
    {
        var rng = new Random(5);
        var p = new Problem(type, 1, 24, 24, 4, depthwise ? 4 : 8, 3, 3, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, true, 0, depthwise);
        var model = BuildModel(p, rng, out _);
        using var m = EdgeLite.Model.FromBytes(model);
        using var fast = new Interpreter(m);
        fast.AllocateTensors();
        foreach (int size in new[] { 24, 3, 5, 24 })
        {
            int[] shape = [1, size, size, 4];
            var input = RandomBytes(rng, size * size * 4 * (type == TensorType.Float32 ? 4 : 1));
            if (type == TensorType.Float32)
                for (int i = 0; i < input.Length; i += 4) BitConverter.TryWriteBytes(input.AsSpan(i), (float)(rng.NextDouble() * 2 - 1));
            fast.ResizeInput(0, shape);
            fast.AllocateTensors();
            fast.GetInputTensor(0).CopyFromBytes(input);
            fast.Invoke();
            byte[] expected;
            EdgeLite.Kernels.Conv2D.ForceReference = EdgeLite.Kernels.DepthwiseConv2D.ForceReference = true;
            try
            {
                using var reference = new Interpreter(m);
                reference.ResizeInput(0, shape);
                reference.AllocateTensors();
                reference.GetInputTensor(0).CopyFromBytes(input);
                reference.Invoke();
                expected = reference.GetOutputTensor(0).AsBytes().ToArray();
            }
            finally { EdgeLite.Kernels.Conv2D.ForceReference = EdgeLite.Kernels.DepthwiseConv2D.ForceReference = false; }
            AssertSame(type, expected, fast.GetOutputTensor(0).AsBytes().ToArray(), $"{p} resized to {size}x{size}");
        }
    }
}
