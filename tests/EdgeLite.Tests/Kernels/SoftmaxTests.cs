using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class SoftmaxTests
{
    private static OpModelBuilder Softmax(TensorType t, int[] shape, float beta, Quant? qin = null, Quant? qout = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, shape, qin), y = m.Output("y", t, shape, qout);
        m.Op(Fb.BuiltinOperator.SOFTMAX, [x], [y], Fb.BuiltinOptions.SoftmaxOptions, f => Fb.SoftmaxOptions.CreateSoftmaxOptions(f, beta).Value);
        return m;
    }

    [Fact]
    public void FloatRowsSumToOne()
    {
        using var it = OpRun.Invoke(Softmax(TensorType.Float32, [2, 3], 1f), new float[] { 1, 2, 3, 5, 5, 5 });
        var y = it.Output<float>();
        // e^-2, e^-1, 1 over their sum 1.5032147
        float[] expected = [0.09003057f, 0.24472847f, 0.66524096f, 1 / 3f, 1 / 3f, 1 / 3f];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], y[i], 1e-6f);
    }

    [Fact]
    public void BetaSharpens()
    {
        using var it = OpRun.Invoke(Softmax(TensorType.Float32, [1, 2], 2f), new float[] { 0, MathF.Log(2) });
        var y = it.Output<float>(); // exp(2·ln 2) = 4 → 1/5, 4/5
        Assert.Equal(0.2f, y[0], 1e-6f);
        Assert.Equal(0.8f, y[1], 1e-6f);
    }

    [Fact]
    public void UInt8OutputsProbabilitiesInSixtyFourthsOfTwoFiftySix()
    {
        // equal inputs → 0.25 each → 0.25·256 = 64; a dominant logit → 1.0 → 256 clamps to 255, the other ≈ 0
        using var it = OpRun.Invoke(Softmax(TensorType.UInt8, [2, 4], 1f, Quant.PerTensor(1f, 0), Quant.PerTensor(1 / 256f, 0)),
            new byte[] { 7, 7, 7, 7, 0, 0, 0, 255 });
        Assert.Equal(new byte[] { 64, 64, 64, 64, 0, 0, 0, 255 }, it.Output<byte>());
    }

    [Fact]
    public void Int8UsesTheMinus128ZeroPoint()
    {
        using var it = OpRun.Invoke(Softmax(TensorType.Int8, [1, 4], 1f, Quant.PerTensor(0.1f, 0), Quant.PerTensor(1 / 256f, -128)),
            new sbyte[] { -5, -5, -5, -5 });
        Assert.Equal(new sbyte[] { -64, -64, -64, -64 }, it.Output<sbyte>());
    }
}
