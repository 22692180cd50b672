using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class PoolingTests
{
    private static OpModelBuilder Pool(bool max, TensorType t, int[] inShape, int[] outShape, Fb.Padding pad, int stride, int fh, int fw,
        Quant? q = null, Fb.ActivationFunctionType act = Fb.ActivationFunctionType.NONE)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, inShape, q), y = m.Output("y", t, outShape, q);
        m.Op(max ? Fb.BuiltinOperator.MAX_POOL_2D : Fb.BuiltinOperator.AVERAGE_POOL_2D, [x], [y], Fb.BuiltinOptions.Pool2DOptions,
            f => Fb.Pool2DOptions.CreatePool2DOptions(f, pad, stride, stride, fw, fh, act).Value);
        return m;
    }

    private static float[] OneToN(int n) => Enumerable.Range(1, n).Select(i => (float)i).ToArray();

    [Fact]
    public void AverageValid2x2()
    {
        using var it = OpRun.Invoke(Pool(false, TensorType.Float32, [1, 4, 4, 1], [1, 2, 2, 1], Fb.Padding.VALID, 2, 2, 2), OneToN(16));
        Assert.Equal(new[] { 3.5f, 5.5f, 11.5f, 13.5f }, it.Output<float>());
    }

    [Fact]
    public void SamePaddingClipsTheWindowAndDoesNotCountPadding()
    {
        // 3x3 input 1..9, 2x2 windows stride 2, SAME: padding only after → windows {1,2,4,5} {3,6} {7,8} {9}
        using var avg = OpRun.Invoke(Pool(false, TensorType.Float32, [1, 3, 3, 1], [1, 2, 2, 1], Fb.Padding.SAME, 2, 2, 2), OneToN(9));
        Assert.Equal(new[] { 3f, 4.5f, 7.5f, 9f }, avg.Output<float>());
        using var max = OpRun.Invoke(Pool(true, TensorType.Float32, [1, 3, 3, 1], [1, 2, 2, 1], Fb.Padding.SAME, 2, 2, 2), OneToN(9));
        Assert.Equal(new[] { 5f, 6f, 8f, 9f }, max.Output<float>());
    }

    [Fact]
    public void MaxWithRelu6AndChannels()
    {
        // two channels interleaved: c0 = 1..4, c1 = 10,20,-1,-2 → max c0 4, c1 20 → relu6 → 4, 6
        using var it = OpRun.Invoke(Pool(true, TensorType.Float32, [1, 2, 2, 2], [1, 1, 1, 2], Fb.Padding.VALID, 1, 2, 2, act: Fb.ActivationFunctionType.RELU6),
            new float[] { 1, 10, 2, 20, 3, -1, 4, -2 });
        Assert.Equal(new[] { 4f, 6f }, it.Output<float>());
    }

    [Fact]
    public void QuantizedAverageRoundsHalfAwayFromZero()
    {
        using var u8 = OpRun.Invoke(Pool(false, TensorType.UInt8, [1, 1, 4, 1], [1, 1, 2, 1], Fb.Padding.VALID, 2, 1, 2, Quant.PerTensor(0.5f, 3)),
            new byte[] { 1, 2, 200, 202 });
        Assert.Equal(new byte[] { 2, 201 }, u8.Output<byte>()); // 1.5 → 2, 201
        using var i8 = OpRun.Invoke(Pool(false, TensorType.Int8, [1, 1, 4, 1], [1, 1, 2, 1], Fb.Padding.VALID, 2, 1, 2, Quant.PerTensor(0.5f, 0)),
            new sbyte[] { -1, -2, 1, 2 });
        Assert.Equal(new sbyte[] { -2, 2 }, i8.Output<sbyte>()); // -1.5 → -2, 1.5 → 2
    }

    [Fact]
    public void QuantizedMax()
    {
        using var it = OpRun.Invoke(Pool(true, TensorType.Int8, [1, 2, 2, 1], [1, 1, 1, 1], Fb.Padding.VALID, 2, 2, 2, Quant.PerTensor(0.5f, -10)),
            new sbyte[] { -128, 5, -3, 4 });
        Assert.Equal(new sbyte[] { 5 }, it.Output<sbyte>());
    }

    [Fact]
    public void ZeroStrideIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Pool(true, TensorType.Float32, [1, 2, 2, 1], [1, 1, 1, 1], Fb.Padding.VALID, 0, 2, 2).BuildInterpreter());

    [Theory]
    [InlineData(true, TensorType.Float32)]
    [InlineData(false, TensorType.Float32)]
    [InlineData(true, TensorType.UInt8)]
    [InlineData(true, TensorType.Int8)]
    [InlineData(false, TensorType.UInt8)]
    [InlineData(false, TensorType.Int8)]
    public void ManyChannelsTakeTheVectorPathWithTheSameResults(bool max, TensorType t)
    {
        // 35 channels: vector body (8 float / 16 byte lanes) and scalar tail; quantized averages sum 16 channels at a time; 5x5 input, 3x3 windows, stride 2, SAME
        const int c = 35;
        var rng = new Random(3);
        var q = t == TensorType.Float32 ? null : Quant.PerTensor(0.1f, t == TensorType.UInt8 ? 128 : 0);
        var m = Pool(max, t, [1, 5, 5, c], [1, 3, 3, c], Fb.Padding.SAME, 2, 3, 3, q);
        float[] xf = Enumerable.Range(0, 25 * c).Select(_ => (float)(rng.NextDouble() * 10 - 5)).ToArray();
        byte[] xb = Enumerable.Range(0, 25 * c).Select(_ => (byte)rng.Next(256)).ToArray();
        using var it = t == TensorType.Float32 ? OpRun.Invoke(m, xf) : OpRun.Invoke(m, xb);
        var yb = it.GetOutputTensor(0).AsBytes().ToArray();
        var yf = t == TensorType.Float32 ? it.Output<float>() : null;
        for (int oy = 0; oy < 3; oy++)
            for (int ox = 0; ox < 3; ox++)
                for (int ch = 0; ch < c; ch++)
                {
                    // SAME, in 5, filter 3, stride 2: pad 1 before; windows clipped to the image
                    double acc = max ? double.MinValue : 0; int n = 0;
                    for (int fy = 0; fy < 3; fy++)
                        for (int fx = 0; fx < 3; fx++)
                        {
                            int iy = oy * 2 - 1 + fy, ix = ox * 2 - 1 + fx;
                            if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
                            int i = (iy * 5 + ix) * c + ch;
                            double v = t == TensorType.Float32 ? xf[i] : t == TensorType.UInt8 ? xb[i] : (sbyte)xb[i];
                            acc = max ? Math.Max(acc, v) : acc + v; n++;
                        }
                    int o = (oy * 3 + ox) * c + ch;
                    if (t == TensorType.Float32) Assert.Equal(max ? acc : acc / n, yf![o], 4);
                    else
                    {
                        int sum = (int)acc, expected = max ? sum : sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
                        Assert.Equal(expected, t == TensorType.UInt8 ? yb[o] : (sbyte)yb[o]);
                    }
                }
    }
}
