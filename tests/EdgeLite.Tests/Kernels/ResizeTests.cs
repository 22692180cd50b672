using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;

namespace EdgeLite.Tests.Kernels;

public class ResizeTests
{
    private static OpModelBuilder Resize(bool bilinear, TensorType t, int[] inShape, int h, int w, bool align, bool half, Quant? q = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, inShape, q);
        int s = m.Constant("size", TensorType.Int32, [2], new[] { h, w });
        int y = m.Output("y", t, [inShape[0], h, w, inShape[3]], q);
        if (bilinear)
            m.Op(Fb.BuiltinOperator.RESIZE_BILINEAR, [x, s], [y], Fb.BuiltinOptions.ResizeBilinearOptions,
                f => Fb.ResizeBilinearOptions.CreateResizeBilinearOptions(f, align, half).Value);
        else
            m.Op(Fb.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, s], [y], Fb.BuiltinOptions.ResizeNearestNeighborOptions,
                f => Fb.ResizeNearestNeighborOptions.CreateResizeNearestNeighborOptions(f, align, half).Value);
        return m;
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void FloatBilinearOverManyChannelsEqualsEachChannelAlone(bool align, bool half)
    {
        // 19 channels: two 8-wide vector steps and a scalar tail; each channel resized alone (scalar path) must give the
        // same bits
        const int c = 19;
        var rng = new Random(3);
        var input = new float[2 * 3 * 5 * c];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 200 - 100);
        using var all = OpRun.Invoke(Resize(true, TensorType.Float32, [2, 3, 5, c], 7, 4, align, half), input);
        var got = all.Output<float>();
        for (int k = 0; k < c; k++)
        {
            var one = new float[2 * 3 * 5];
            for (int i = 0; i < one.Length; i++) one[i] = input[i * c + k];
            using var single = OpRun.Invoke(Resize(true, TensorType.Float32, [2, 3, 5, 1], 7, 4, align, half), one);
            var expected = single.Output<float>();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(got[i * c + k]));
        }
    }

    [Fact]
    public void BilinearHalfPixelCentersClampAtTheBorders()
    {
        // 1x2 → 1x4: source x = i·0.5 - 0.25 clamped to [0, 1] → 0, 0.25, 0.75, 1 → 0, 2.5, 7.5, 10
        using var it = OpRun.Invoke(Resize(true, TensorType.Float32, [1, 1, 2, 1], 1, 4, false, true), new[] { 0f, 10f });
        Assert.Equal(new[] { 0f, 2.5f, 7.5f, 10f }, it.Output<float>());
    }

    [Fact]
    public void BilinearAlignCornersAndLegacyMode()
    {
        // align_corners 2 → 3: scale 1/2 → 0, 5, 10; legacy (neither flag) 2 → 4: scale 1/2, x = 0, .5, 1, 1.5 → 0, 5, 10, 10
        using var a = OpRun.Invoke(Resize(true, TensorType.Float32, [1, 1, 2, 1], 1, 3, true, false), new[] { 0f, 10f });
        Assert.Equal(new[] { 0f, 5f, 10f }, a.Output<float>());
        using var l = OpRun.Invoke(Resize(true, TensorType.Float32, [1, 1, 2, 1], 1, 4, false, false), new[] { 0f, 10f });
        Assert.Equal(new[] { 0f, 5f, 10f, 10f }, l.Output<float>());
    }

    [Fact]
    public void BilinearInTwoDimensionsAndChannels()
    {
        // 2x2 (two channels: v and 100 - v) → 3x3 align_corners: the centre is the mean of the four corners
        using var it = OpRun.Invoke(Resize(true, TensorType.Float32, [1, 2, 2, 2], 3, 3, true, false), new[] { 0f, 100f, 10f, 90f, 20f, 80f, 30f, 70f });
        var y = it.Output<float>();
        Assert.Equal(15f, y[(1 * 3 + 1) * 2]);
        Assert.Equal(85f, y[(1 * 3 + 1) * 2 + 1]);
        Assert.Equal(30f, y[(2 * 3 + 2) * 2]);
    }

    [Fact]
    public void QuantizedBilinearUsesElevenBitWeightsAndRoundsHalfUp()
    {
        // α = 0.25 → 512/2048: 10·0.25 = 2.5 → 3; α = 0.75 → 7.5 → 8
        var q = Quant.PerTensor(0.1f, 0);
        using var u8 = OpRun.Invoke(Resize(true, TensorType.UInt8, [1, 1, 2, 1], 1, 4, false, true, q), new byte[] { 0, 10 });
        Assert.Equal(new byte[] { 0, 3, 8, 10 }, u8.Output<byte>());
        using var i8 = OpRun.Invoke(Resize(true, TensorType.Int8, [1, 1, 2, 1], 1, 4, false, true, q), new sbyte[] { 0, -10 });
        Assert.Equal(new sbyte[] { 0, -2, -7, -10 }, i8.Output<sbyte>()); // -2.5 → -2, -7.5 → -7 (half up)
    }

    [Theory]
    [InlineData(TensorType.UInt8, 21, false, true)]  // 16-lane body and an overlapping last vector
    [InlineData(TensorType.Int8, 21, true, false)]
    [InlineData(TensorType.Int8, 11, false, false)]  // 8-lane body and an overlapping last vector
    [InlineData(TensorType.UInt8, 16, false, true)]
    public void QuantizedBilinearOverManyChannelsEqualsEachChannelAlone(TensorType t, int c, bool align, bool half)
    {
        var rng = new Random(c);
        var input = new byte[2 * 3 * 5 * c];
        rng.NextBytes(input);
        var q = Quant.PerTensor(0.1f, t == TensorType.UInt8 ? 128 : 0);
        using var all = OpRun.Invoke(Resize(true, t, [2, 3, 5, c], 9, 13, align, half, q), input);
        using var twoThreads = Resize(true, t, [2, 3, 5, c], 9, 13, align, half, q).BuildInterpreter(threads: 2);
        twoThreads.AllocateTensors();
        twoThreads.GetInputTensor(0).CopyFrom<byte>(input.AsSpan());
        twoThreads.Invoke();
        var got = all.Output<byte>();
        Assert.Equal(got, twoThreads.Output<byte>());
        for (int k = 0; k < c; k++)
        {
            var one = new byte[2 * 3 * 5];
            for (int i = 0; i < one.Length; i++) one[i] = input[i * c + k];
            using var single = OpRun.Invoke(Resize(true, t, [2, 3, 5, 1], 9, 13, align, half, q), one);
            var expected = single.Output<byte>();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i * c + k]);
        }
    }

    [Fact]
    public void QuantizedBilinearOverManyChannelsTakesTheVectorPath()
    {
        // 11 channels (8-lane body + scalar tail), channel k = k·10 on the left pixel and k·10 + 10 on the right
        const int c = 11;
        var x = new byte[2 * c];
        for (int k = 0; k < c; k++) { x[k] = (byte)(k * 10); x[c + k] = (byte)(k * 10 + 10); }
        using var it = OpRun.Invoke(Resize(true, TensorType.UInt8, [1, 1, 2, c], 1, 4, false, true, Quant.PerTensor(0.1f, 0)), x);
        var y = it.Output<byte>();
        for (int k = 0; k < c; k++)
            Assert.Equal(new[] { k * 10, k * 10 + 3, k * 10 + 8, k * 10 + 10 }, Enumerable.Range(0, 4).Select(i => (int)y[i * c + k]).ToArray());
    }

    [Fact]
    public void NearestNeighbor()
    {
        using var it = OpRun.Invoke(Resize(false, TensorType.Float32, [1, 1, 2, 1], 1, 4, false, false), new[] { 7f, 9f });
        Assert.Equal(new[] { 7f, 7f, 9f, 9f }, it.Output<float>());
        // half-pixel 3 → 2: (i + 0.5)·1.5 → 0.75, 2.25 → 0, 2
        using var h = OpRun.Invoke(Resize(false, TensorType.UInt8, [1, 1, 3, 1], 1, 2, false, true, Quant.PerTensor(1, 0)), new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 3 }, h.Output<byte>());
    }

    [Fact]
    public void NonConstantOrBadSizesAreRefused()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int s = m.Input("size", TensorType.Int32, [2]);
        int y = m.Output("y", TensorType.Float32, [1, 4, 4, 1]);
        m.Op(Fb.BuiltinOperator.RESIZE_BILINEAR, [x, s], [y], Fb.BuiltinOptions.ResizeBilinearOptions, f => Fb.ResizeBilinearOptions.CreateResizeBilinearOptions(f).Value);
        Assert.Throws<UnsupportedOperatorException>(() => m.BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Resize(true, TensorType.Float32, [1, 2, 2, 1], 0, 4, false, false).BuildInterpreter());
    }
}

/// <summary>Hand-computed edge cases per option and dtype (written independently of the kernel, first on a helper branch).</summary>
public class ResizeBilinearCaseTests
{
    private static OpModelBuilder Build(TensorType type, int[] inShape, int oh, int ow, bool align = false, bool half = false, Quant? q = null, bool constantSize = true)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, inShape, q);
        int s = constantSize ? b.Constant("size", TensorType.Int32, [2], new[] { oh, ow }) : b.Input("size", TensorType.Int32, [2]);
        int y = b.Output("y", type, [inShape[0], oh, ow, inShape[3]], q);
        b.Op(Fb.BuiltinOperator.RESIZE_BILINEAR, [x, s], [y], Fb.BuiltinOptions.ResizeBilinearOptions,
            f => Fb.ResizeBilinearOptions.CreateResizeBilinearOptions(f, align, half).Value);
        return b;
    }

    // input 2x2 [[0, 4], [8, 12]]
    public static TheoryData<TensorType, bool, bool, int, float[]> HandComputed() => new()
    {
        // legacy: source = i·0.5 → columns (0,α0) (0,α.5) (1,α0) (1,α.5 with the right neighbour clamped)
        { TensorType.Float32, false, false, 4, [0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12] },
        // align_corners 2→3: scale 1/2
        { TensorType.Float32, true, false, 3, [0, 2, 4, 4, 6, 8, 8, 10, 12] },
        // half_pixel_centers 2→4: source = clamp(i·0.5 - 0.25, 0, 1) → 0, 0.25, 0.75, 1
        { TensorType.Float32, false, true, 4, [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12] },
        { TensorType.UInt8, false, false, 4, [0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12] },
        { TensorType.UInt8, true, false, 3, [0, 2, 4, 4, 6, 8, 8, 10, 12] },
        { TensorType.UInt8, false, true, 4, [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12] },
        { TensorType.Int8, false, false, 4, [0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12] },
        { TensorType.Int8, true, false, 3, [0, 2, 4, 4, 6, 8, 8, 10, 12] },
        { TensorType.Int8, false, true, 4, [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12] },
        { TensorType.Int16, false, false, 4, [0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12] },
        { TensorType.Int16, true, false, 3, [0, 2, 4, 4, 6, 8, 8, 10, 12] },
        { TensorType.Int16, false, true, 4, [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12] },
    };

    [Theory]
    [MemberData(nameof(HandComputed))]
    public void HandComputedModes(TensorType type, bool align, bool half, int size, float[] expected)
    {
        var q = type == TensorType.Float32 ? null : Quant.PerTensor(0.5f, 0);
        using var it = Run(Build(type, [1, 2, 2, 1], size, size, align, half, q), type switch
        {
            TensorType.Float32 => Bytes(0f, 4f, 8f, 12f),
            TensorType.Int16 => Bytes<short>(0, 4, 8, 12),
            _ => [0, 4, 8, 12],
        });
        Assert.Equal([1, size, size, 1], Shape(it));
        float[] got = type switch
        {
            TensorType.Float32 => Out<float>(it),
            TensorType.UInt8 => Out<byte>(it).Select(v => (float)v).ToArray(),
            TensorType.Int8 => Out<sbyte>(it).Select(v => (float)v).ToArray(),
            _ => Out<short>(it).Select(v => (float)v).ToArray(),
        };
        Assert.Equal(expected, got);
    }

    [Fact]
    public void EightBitUsesXnnpackElevenBitWeightsAndRoundsHalfUp()
    {
        // 3 → 7 columns (legacy): column 1 sits at 3/7 = 0.42857 → weight round(0.42857·2048) = 878;
        // 255·878/2048 = 109.32 → 109; column 2 at 0.857 → w 1755 → 218.52 → 219; column 3 at 1.286 → w 585 →
        // 255·(2048-585)/2048 = 182.16 → 182; column 4 at 1.714 → w 1463 → 72.84 → 73; columns 5, 6 clamp to pixel 2
        using var it = Run(Build(TensorType.UInt8, [1, 1, 3, 1], 1, 7), [0, 255, 0]);
        Assert.Equal(new byte[] { 0, 109, 219, 182, 73, 0, 0 }, Out<byte>(it));
        // int8: -0.5 rounds up to 0 (XNNPACK adds 2^21 then shifts), TFLite's reference integer path would give -1
        using var s8 = Run(Build(TensorType.Int8, [1, 1, 2, 1], 1, 4), [0xFF, 0]);
        Assert.Equal(new sbyte[] { -1, 0, 0, 0 }, Out<sbyte>(s8));
    }

    [Fact]
    public void Int16UsesTfLiteReferenceIntegerRoundingAwayFromZero()
    {
        using var it = Run(Build(TensorType.Int16, [1, 1, 2, 1], 1, 4), Bytes<short>(-1, 0));
        Assert.Equal(new short[] { -1, -1, 0, 0 }, Out<short>(it));
        using var pos = Run(Build(TensorType.Int16, [1, 1, 2, 1], 1, 4), Bytes<short>(1, 0));
        Assert.Equal(new short[] { 1, 1, 0, 0 }, Out<short>(pos));
    }

    [Fact]
    public void BatchesChannelsAndDownscaling()
    {
        // 2 batches, 2 channels, 4x4 → 2x2 legacy: source rows/cols 0 and 2 exactly
        var input = Iota(2 * 4 * 4 * 2);
        using var it = Run(Build(TensorType.Float32, [2, 4, 4, 2], 2, 2), Bytes(input));
        var expected = new List<float>();
        for (int n = 0; n < 2; n++)
            foreach (var yy in new[] { 0, 2 })
                foreach (var xx in new[] { 0, 2 })
                    for (int c = 0; c < 2; c++) expected.Add(input[((n * 4 + yy) * 4 + xx) * 2 + c]);
        Assert.Equal(expected.ToArray(), Out<float>(it));
    }

    [Fact]
    public void OneByOneInputBroadcasts()
    {
        using var it = Run(Build(TensorType.UInt8, [1, 1, 1, 2], 3, 2, align: true), [7, 200]);
        Assert.Equal(Enumerable.Repeat(new byte[] { 7, 200 }, 6).SelectMany(v => v).ToArray(), Out<byte>(it));
    }

    [Fact]
    public void AlignCornersWithHalfPixelCentersIsInvalid() =>
        Assert.Throws<ModelFormatException>(() => Build(TensorType.Float32, [1, 2, 2, 1], 4, 4, true, true).BuildInterpreter());

    [Fact]
    public void NonConstantSizeIsUnsupported() =>
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => Build(TensorType.Float32, [1, 2, 2, 1], 4, 4, constantSize: false).BuildInterpreter()).Message);

    [Fact]
    public void QuantizedResizeWithDifferentOutputQuantizationIsUnsupported()
    {
        // real TFLite (XNNPACK) refuses this node; the builtin kernel would not rescale the values
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.UInt8, [1, 2, 2, 1], Quant.PerTensor(0.1f, 128));
        int s = b.Constant("size", TensorType.Int32, [2], new[] { 4, 4 });
        int y = b.Output("y", TensorType.UInt8, [1, 4, 4, 1], Quant.PerTensor(0.2f, 128));
        b.Op(Fb.BuiltinOperator.RESIZE_BILINEAR, [x, s], [y]);
        Assert.Throws<UnsupportedOperatorException>(() => b.BuildInterpreter());
    }

    [Fact]
    public void BadShapesAndTypes()
    {
        Assert.Throws<ModelFormatException>(() => Build(TensorType.Float32, [1, 2, 2, 1], 0, 4).BuildInterpreter());
        Assert.Throws<UnsupportedOperatorException>(() => Build(TensorType.Int32, [1, 2, 2, 1], 4, 4).BuildInterpreter());
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 2, 1]);
        int s = b.Constant("size", TensorType.Int32, [2], new[] { 4, 4 });
        int y = b.Output("y", TensorType.Float32, [4, 4, 1]);
        b.Op(Fb.BuiltinOperator.RESIZE_BILINEAR, [x, s], [y]);
        Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
    }
}

/// <summary>Hand-computed edge cases per option and dtype (written independently of the kernel, first on a helper branch).</summary>
public class ResizeNearestNeighborCaseTests
{
    private static OpModelBuilder Build(TensorType type, int[] inShape, int oh, int ow, bool align = false, bool half = false, bool constantSize = true)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, inShape);
        int s = constantSize ? b.Constant("size", TensorType.Int32, [2], new[] { oh, ow }) : b.Input("size", TensorType.Int32, [2]);
        int y = b.Output("y", type, [inShape[0], oh, ow, inShape[3]]);
        b.Op(Fb.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, s], [y], Fb.BuiltinOptions.ResizeNearestNeighborOptions,
            f => Fb.ResizeNearestNeighborOptions.CreateResizeNearestNeighborOptions(f, align, half).Value);
        return b;
    }

    // One row of 3 pixels [10, 20, 30] resized to the given width; expected source columns per mode.
    public static TheoryData<bool, bool, int, int[]> Columns() => new()
    {
        { false, false, 6, [0, 0, 1, 1, 2, 2] },   // floor(i·0.5)
        { false, false, 2, [0, 1] },               // floor(i·1.5)
        { true, false, 2, [0, 2] },                // round(i·2)
        { true, false, 5, [0, 1, 1, 2, 2] },       // round(i·0.5): 0.5 and 1.5 round away from zero
        { false, true, 2, [0, 2] },                // floor((i + 0.5)·1.5) = 0, 2
        { false, true, 6, [0, 0, 1, 1, 2, 2] },    // floor((i + 0.5)·0.5)
        { false, true, 4, [0, 1, 1, 2] },          // floor((i + 0.5)·0.75) = 0.375, 1.125, 1.875, 2.625
        { false, false, 1, [0] },
        { true, false, 1, [0] },                   // one output: scale in/out
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public void SourceColumnsPerMode(bool align, bool half, int width, int[] columns)
    {
        using var it = Run(Build(TensorType.Float32, [1, 1, 3, 1], 1, width, align, half), Bytes(10f, 20f, 30f));
        Assert.Equal(columns.Select(c => 10f * (c + 1)).ToArray(), Out<float>(it));
    }

    public static TheoryData<TensorType> Types() => [TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64, TensorType.Bool];

    [Theory]
    [MemberData(nameof(Types))]
    public void CopiesWholePixelsOfAnyType(TensorType type)
    {
        // [2 batches, 2x2, 2 channels] → 3x4 legacy: rows floor(i·2/3) = 0,0,1; cols floor(i·0.5) = 0,0,1,1
        int e = type.ElementSize();
        var input = new byte[16 * e];
        for (int i = 0; i < 16; i++) input[i * e] = (byte)(i + 1);
        using var it = Run(Build(type, [2, 2, 2, 2], 3, 4), input);
        Assert.Equal([2, 3, 4, 2], Shape(it));
        var got = it.GetOutputTensor(0).AsBytes().ToArray();
        int o = 0;
        for (int n = 0; n < 2; n++)
            foreach (var yy in new[] { 0, 0, 1 })
                foreach (var xx in new[] { 0, 0, 1, 1 })
                    for (int c = 0; c < 2; c++, o++)
                        Assert.Equal(input.AsSpan((((n * 2 + yy) * 2 + xx) * 2 + c) * e, e).ToArray(), got.AsSpan(o * e, e).ToArray());
    }

    [Fact]
    public void NonConstantSizeIsUnsupported() =>
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => Build(TensorType.UInt8, [1, 2, 2, 1], 4, 4, constantSize: false).BuildInterpreter()).Message);

    [Fact]
    public void BadSizeOrRankIsInvalid()
    {
        Assert.Throws<ModelFormatException>(() => Build(TensorType.UInt8, [1, 2, 2, 1], 4, -1).BuildInterpreter());
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.UInt8, [1, 2, 2, 1]);
        int s = b.Constant("size", TensorType.Int32, [3], new[] { 4, 4, 4 });
        int y = b.Output("y", TensorType.UInt8, [1, 4, 4, 1]);
        b.Op(Fb.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [x, s], [y]);
        Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
    }
}
