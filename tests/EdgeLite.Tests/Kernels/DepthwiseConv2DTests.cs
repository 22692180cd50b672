using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ConvTestHelpers;

namespace EdgeLite.Tests.Kernels;

public class DepthwiseConv2DTests
{
    [Fact]
    public void HandComputedFloatWithDepthMultiplier2()
    {
        // 1x2x2x1 input, 2x2 filter with multiplier 2, VALID -> 1x1x1x2.
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int w = b.Constant("w", TensorType.Float32, [1, 2, 2, 2], new[] { 1f, 10f, 2f, 20f, 3f, 30f, 4f, 40f });
        int bias = b.Constant("b", TensorType.Float32, [2], new[] { 0.5f, -1f });
        int y = b.Output("y", TensorType.Float32, [1, 1, 1, 2]);
        b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
            f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.VALID, 1, 1, 2).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>([1, 2, 3, 4]);
        it.Invoke();
        Assert.Equal(new[] { 1 + 4 + 9 + 16 + 0.5f, 10 + 40 + 90 + 160 - 1f }, it.GetOutputTensor(0).ToArray<float>());
    }

    [Fact]
    public void HandComputedInt8PerChannelWithRelu()
    {
        // 1x1x1x2 input, 1x1 filter, per-channel scales 1 and 0.25; out scale 1, zp -10; RELU clamps at zp.
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Int8, [1, 1, 1, 2], Quant.PerTensor(1f, 2));
        int w = b.Constant("w", TensorType.Int8, [1, 1, 1, 2], new sbyte[] { 3, -4 }, new Quant([1f, 0.25f], [0, 0], 3));
        int bias = b.Constant("b", TensorType.Int32, [2], new[] { 1, 0 }, new Quant([1f, 0.25f], [0, 0]));
        int y = b.Output("y", TensorType.Int8, [1, 1, 1, 2], Quant.PerTensor(1f, -10));
        b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
            f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.VALID, 1, 1, 1, Fb.ActivationFunctionType.RELU).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<sbyte>([7, 10]);
        it.Invoke();
        // ch0: (7-2)*3 + 1 = 16 -> *1 -> 16 - 10 = 6 ; ch1: (10-2)*-4 = -32 -> *0.25 = -8 -> -18 -> RELU clamps to -10
        Assert.Equal(new sbyte[] { 6, -10 }, it.GetOutputTensor(0).ToArray<sbyte>());
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void FastPathMatchesReferenceOnRandomShapes(TensorType type)
    {
        var rng = new Random(4321 + (int)type);
        for (int i = 0; i < 25; i++)
        {
            var p = RandomProblem(rng, type, depthwise: true, seed: i);
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
    public void LowerInstructionSetsMatchReference(TensorType type, int levelNumber)
    {
        AssertRandomProblemsMatchAtLevel(type, true, (EdgeLite.Simd.SimdLevel)levelNumber, 55 + (int)type * 5 + levelNumber);
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void MobileNetSizedLayers(TensorType type)
    {
        // 3x3 stride 1 and 2 over many channels (16-lane body, 8-lane and scalar tails: 144 = 9·16, 40 = 2·16 + 8, 21)
        var rng = new Random(8 + (int)type);
        AssertProblemsMatchAcrossThreads(rng, new[]
        {
            new Problem(type, 1, 28, 28, 144, 144, 3, 3, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 0, true),
            new Problem(type, 1, 29, 29, 40, 40, 3, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 1, true),
            new Problem(type, 2, 9, 11, 21, 21, 5, 5, 2, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.NONE, true, 2, true),
            // tap-pair kernel (AVX-512, blocks of 32 channels): 96 = 3·32 with an odd 5x5 tap count and dilation 2,
            // an even 1x2 filter, 80 = 2·32 + 16 (the last 16 through the one-tap kernel)
            new Problem(type, 1, 17, 19, 96, 96, 5, 5, 1, 2, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU, true, 3, true),
            new Problem(type, 1, 6, 13, 80, 80, 1, 2, 1, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.NONE, true, 4, true),
        });
    }

    [Fact]
    public void FewFloatChannelsPackSeveralPixelsPerVector()
    {
        // C = 8, 4, 2, 1 at stride 1 (16 / C pixels per vector, 4 vectors per call: runs of 8..64 pixels), widths with
        // and without whole runs, dilation, SAME and VALID; stride 2 keeps the one-pixel kernels
        var rng = new Random(33);
        AssertProblemsMatchAcrossThreads(rng, new[]
        {
            new Problem(TensorType.Float32, 1, 9, 37, 8, 8, 3, 3, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 0, true),
            new Problem(TensorType.Float32, 2, 5, 45, 4, 4, 3, 3, 1, 2, Fb.Padding.VALID, Fb.ActivationFunctionType.NONE, true, 1, true),
            new Problem(TensorType.Float32, 1, 4, 70, 2, 2, 5, 5, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU, true, 2, true),
            new Problem(TensorType.Float32, 1, 3, 150, 1, 1, 3, 3, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, true, 3, true),
            new Problem(TensorType.Float32, 1, 9, 37, 8, 8, 3, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.NONE, true, 4, true),
        });
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void OneInputChannelWithDepthMultiplier(TensorType type)
    {
        // micro_speech's layer: 1 input channel, multiplier 8, a 10x8 filter, stride 2, SAME; also 24 outputs (16 + 8 lanes)
        var rng = new Random(21 + (int)type);
        foreach (var p in new[]
        {
            new Problem(type, 1, 49, 40, 1, 8, 10, 8, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU, true, 0, true, 8),
            new Problem(type, 1, 9, 7, 1, 24, 3, 3, 1, 1, Fb.Padding.VALID, Fb.ActivationFunctionType.NONE, true, 1, true, 24),
            // 16 + 8 + 4 + 1 outputs: every vector width's loop and the scalar tail
            new Problem(type, 1, 8, 9, 1, 29, 3, 3, 2, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, true, 2, true, 29),
        })
        {
            var model = BuildModel(p, rng, out var input);
            var reference = Run(model, input, reference: true);
            AssertSame(type, reference, Run(model, input, reference: false), $"{p}");
            AssertSame(type, reference, Run(model, input, reference: false, threads: 2), $"{p} (2 threads)");
            var scalar = Run(model, input, reference: false, maxLevel: EdgeLite.Simd.SimdLevel.Scalar);
            AssertSame(type, reference, scalar, $"{p} (scalar)");
            // every vector level sums the taps in the same order: identical to the scalar level, float bits included
            foreach (var level in new[] { EdgeLite.Simd.SimdLevel.Neon, EdgeLite.Simd.SimdLevel.Avx2, EdgeLite.Simd.SimdLevel.Avx512 })
                if (EdgeLite.Simd.GemmKernels.IsSupported(level))
                    Assert.True(scalar.AsSpan().SequenceEqual(Run(model, input, reference: false, maxLevel: level)), $"{p}: {level} differs from scalar");
        }
    }

    /// <summary>
    /// Four-pixel interior kernels at each level that has them (the 128-bit ones on x64 through the portable fallbacks,
    /// under qemu in EdgeLite.Arm64Check with AdvSimd): bit for bit the scalar level and the reference (float within
    /// 1e-5), over strides, dilations, paddings, filter sizes and channel counts hitting every channel step and tail.
    /// </summary>
    [Theory]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Avx512)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Avx512)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Avx512)]
    public void FourPixelKernelsMatchScalarAndReference(TensorType type, int levelNumber)
    {
        var rng = new Random(77 + (int)type);
        foreach (var p in FourPixelDepthwiseProblems(type))
            AssertLevelMatchesScalarAndReference(p, rng, (EdgeLite.Simd.SimdLevel)levelNumber);
    }

    /// <summary>
    /// Small maps (nearly every pixel a border pixel) and interior pixels outside the four-pixel runs: at the 128-bit
    /// levels the quantized ones go through the one-pixel int16-weight kernel (Quantized1x128; on x64 its portable
    /// fallbacks, under qemu with AdvSimd). Bit for bit the scalar level and the reference, channel counts 1..44.
    /// </summary>
    [Theory]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.Float32, (int)EdgeLite.Simd.SimdLevel.Neon)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.NeonDot)]
    [InlineData(TensorType.UInt8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    [InlineData(TensorType.Int8, (int)EdgeLite.Simd.SimdLevel.Avx2)]
    public void SmallMapsMatchScalarAndReference(TensorType type, int levelNumber)
    {
        var rng = new Random(313 + (int)type);
        foreach (var p in SmallMapDepthwiseProblems(type))
            AssertLevelMatchesScalarAndReference(p, rng, (EdgeLite.Simd.SimdLevel)levelNumber);
    }

    /// <summary>The 128-bit four- and one-pixel paths allocate nothing per Invoke (their int16 weights are made at Prepare).</summary>
    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void FourPixelKernelsAt128BitAllocateNothingPerInvoke(TensorType type)
    {
        if (!EdgeLite.Simd.GemmKernels.IsSupported(EdgeLite.Simd.SimdLevel.Neon)) return;
        EdgeLite.Simd.GemmKernels.MaxLevel = EdgeLite.Simd.SimdLevel.Neon;
        try
        {
            // the second: a 7x7 map under a 5x5 filter (every pixel through the one-pixel kernels)
            foreach (var p in new[] { FourPixelDepthwiseProblems(type)[^1], SmallMapDepthwiseProblems(type)[^8] })
            foreach (int threads in new[] { 1, 2 })
            {
                var model = BuildModel(p, new Random(5), out var input);
                using var m = EdgeLite.Model.FromBytes(model);
                using var it = new Interpreter(m, new InterpreterOptions { Threads = threads });
                it.AllocateTensors();
                it.GetInputTensor(0).CopyFromBytes(input);
                it.Invoke();
                Assert.Equal(0, Allocations.OfInvoke(it, 3));
            }
        }
        finally { EdgeLite.Simd.GemmKernels.MaxLevel = null; }
    }

    /// <summary>
    /// Float maps with many channels and windows mostly in the padding (5x5 over 7x7: every pixel goes through the
    /// one-pixel kernel, 64 channels at a time then 16, then the rest): within 1e-5 of the reference and bit for bit the
    /// scalar level's sums (taps in order with fused multiply-add in every lane).
    /// </summary>
    [Fact]
    public void FloatOnePixelKernelOverManyChannelsMatchesReferenceAndScalar()
    {
        var rng = new Random(91);
        foreach (var (h, c, k) in new[] { (7, 1152, 5), (7, 200, 5), (14, 672, 5), (9, 64, 3), (5, 79, 3), (7, 143, 5) })
        {
            var p = new Problem(TensorType.Float32, 1, h, h, c, c, k, k, 1, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, false, c,
                Depthwise: true);
            var model = BuildModel(p, rng, out var input);
            var fast = Run(model, input, reference: false);
            AssertSame(p.Type, Run(model, input, reference: true), fast, $"{p}");
            Assert.True(fast.AsSpan().SequenceEqual(Run(model, input, reference: false, maxLevel: EdgeLite.Simd.SimdLevel.Scalar)), $"{p}: scalar level differs");
            Assert.True(fast.AsSpan().SequenceEqual(Run(model, input, reference: false, threads: 2)), $"{p}: 2 threads differ");
        }
    }
}
