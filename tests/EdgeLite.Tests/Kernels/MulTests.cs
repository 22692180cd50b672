using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class MulTests
{
    private static OpModelBuilder Mul(TensorType t, int[] a, int[] b, int[] y, Quant? qa = null, Quant? qb = null, Quant? qy = null,
        Fb.ActivationFunctionType act = Fb.ActivationFunctionType.NONE)
    {
        var m = new OpModelBuilder();
        int x0 = m.Input("a", t, a, qa), x1 = m.Input("b", t, b, qb), o = m.Output("y", t, y, qy);
        m.Op(Fb.BuiltinOperator.MUL, [x0, x1], [o], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f, act).Value);
        return m;
    }

    [Fact]
    public void FloatTimesBroadcastScalar()
    {
        using var it = OpRun.Invoke(Mul(TensorType.Float32, [2, 2], [1], [2, 2]), new float[] { 1, 2, 3, -4 }, new float[] { 3 });
        Assert.Equal(new float[] { 3, 6, 9, -12 }, it.Output<float>());
    }

    [Fact]
    public void FloatReluN1To1Clamps()
    {
        using var it = OpRun.Invoke(Mul(TensorType.Float32, [3], [3], [3], act: Fb.ActivationFunctionType.RELU_N1_TO_1),
            new float[] { 0.5f, 4, -4 }, new float[] { 0.5f, 1, 1 });
        Assert.Equal(new float[] { 0.25f, 1, -1 }, it.Output<float>());
    }

    [Fact]
    public void FloatPerChannelAndSameShapeOverManyElements()
    {
        // [2, 10] times a per-channel [10] (vector body + tail), then same shapes, then a scalar over 11 elements
        var a = Enumerable.Range(0, 20).Select(i => i - 7f).ToArray();
        var c = Enumerable.Range(0, 10).Select(i => 0.5f * i).ToArray();
        using var pc = OpRun.Invoke(Mul(TensorType.Float32, [2, 10], [10], [2, 10]), a, c);
        Assert.Equal(a.Select((v, i) => v * c[i % 10]).ToArray(), pc.Output<float>());
        using var same = OpRun.Invoke(Mul(TensorType.Float32, [20], [20], [20], act: Fb.ActivationFunctionType.RELU), a, a.Reverse().ToArray());
        Assert.Equal(a.Select((v, i) => Math.Max(0, v * a[19 - i])).ToArray(), same.Output<float>());
        var a11 = a[..11];
        using var sc = OpRun.Invoke(Mul(TensorType.Float32, [11], [1], [11]), a11, new[] { -2f });
        Assert.Equal(a11.Select(v => v * -2f).ToArray(), sc.Output<float>());
    }

    [Fact]
    public void Int32Multiplies()
    {
        using var it = OpRun.Invoke(Mul(TensorType.Int32, [2], [2], [2]), new[] { 2, -3 }, new[] { 4, 5 });
        Assert.Equal(new[] { 8, -15 }, it.Output<int>());
    }

    [Fact]
    public void UInt8RescalesProduct()
    {
        // (138-128)·0.1 = 1.0 times (148-128)·0.1 = 2.0 → 2.0 / 0.01 = 200; (118-128)·0.1 = -1.0 → -2.0 → clamps to 0
        using var it = OpRun.Invoke(Mul(TensorType.UInt8, [2], [2], [2], Quant.PerTensor(0.1f, 128), Quant.PerTensor(0.1f, 128), Quant.PerTensor(0.01f, 0)),
            new byte[] { 138, 118 }, new byte[] { 148, 148 });
        Assert.Equal(new byte[] { 200, 0 }, it.Output<byte>());
    }

    [Fact]
    public void Int8WithOutputZeroPoint()
    {
        // 20·0.05 = 1.0 times -40·0.05 = -2.0 → -2.0 / 0.1 + 10 = -10; 4·0.05·(10·0.05) = 0.1 → 1 + 10 = 11
        using var it = OpRun.Invoke(Mul(TensorType.Int8, [2], [2], [2], Quant.PerTensor(0.05f, 0), Quant.PerTensor(0.05f, 0), Quant.PerTensor(0.1f, 10)),
            new sbyte[] { 20, 4 }, new sbyte[] { -40, 10 });
        Assert.Equal(new sbyte[] { -10, 11 }, it.Output<sbyte>());
    }

    [Fact]
    public void Int8HalfwayProductsRoundToEvenAsXnnpack()
    {
        // (1·0.5)(3·1)/1 = 1.5 → 2 and (1·0.5)(5·1) = 2.5 → 2 (round to even; TFLite's builtin path would give 3)
        using var it = OpRun.Invoke(Mul(TensorType.Int8, [2], [2], [2], Quant.PerTensor(0.5f, 0), Quant.PerTensor(1f, 0), Quant.PerTensor(1f, 0)),
            new sbyte[] { 1, 1 }, new sbyte[] { 3, 5 });
        Assert.Equal(new sbyte[] { 2, 2 }, it.Output<sbyte>());
    }

    [Fact]
    public void IncompatibleShapesAreRefused() =>
        Assert.Throws<ModelFormatException>(() => Mul(TensorType.Float32, [3], [2], [3]).BuildInterpreter());
}
