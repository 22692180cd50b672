using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

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
