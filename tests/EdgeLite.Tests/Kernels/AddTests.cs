using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class AddTests
{
    private static OpModelBuilder Binary(Fb.BuiltinOperator op, TensorType t, int[] a, int[] b, int[] y, Quant? qa = null, Quant? qb = null, Quant? qy = null,
        Fb.ActivationFunctionType act = Fb.ActivationFunctionType.NONE)
    {
        var m = new OpModelBuilder();
        int x0 = m.Input("a", t, a, qa), x1 = m.Input("b", t, b, qb), o = m.Output("y", t, y, qy);
        if (op == Fb.BuiltinOperator.ADD)
            m.Op(op, [x0, x1], [o], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f, act).Value);
        else
            m.Op(op, [x0, x1], [o], Fb.BuiltinOptions.SubOptions, f => Fb.SubOptions.CreateSubOptions(f, act).Value);
        return m;
    }

    [Fact]
    public void FloatAddBroadcastsTheLastDimension()
    {
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.Float32, [2, 3], [3], [2, 3]),
            new float[] { 1, 2, 3, 4, 5, 6 }, new float[] { 10, 20, 30 });
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, it.Output<float>());
    }

    [Fact]
    public void FloatSubWithReluClampsNegatives()
    {
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.SUB, TensorType.Float32, [2], [2], [2], act: Fb.ActivationFunctionType.RELU),
            new float[] { 5, 1 }, new float[] { 2, 3 });
        Assert.Equal(new float[] { 3, 0 }, it.Output<float>());
    }

    [Fact]
    public void Int32BroadcastsBothWays()
    {
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.Int32, [2, 1], [1, 3], [2, 3]),
            new[] { 1, 2 }, new[] { 10, 20, 30 });
        Assert.Equal(new[] { 11, 21, 31, 12, 22, 32 }, it.Output<int>());
    }

    [Fact]
    public void UInt8RescalesThroughZeroPoints()
    {
        // a: (q - 10)·0.5 → 0, 45; b: (q - 20)·0.5 → 0, 20; sum 0, 65 → /0.5 + 5 → 5, 135; third element clamps to 255
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.UInt8, [3], [3], [3],
                Quant.PerTensor(0.5f, 10), Quant.PerTensor(0.5f, 20), Quant.PerTensor(0.5f, 5)),
            new byte[] { 10, 100, 250 }, new byte[] { 20, 60, 250 });
        Assert.Equal(new byte[] { 5, 135, 255 }, it.Output<byte>());
    }

    [Fact]
    public void Int8HalfwayRoundsUpAsXnnpack()
    {
        // -3·0.5 + 0 = -1.5 at output scale 1: XNNPACK's (acc + 2^(s-1)) >> s rounds half up → -1 (TFLite's builtin
        // kernel would give -2; real TFLite runs XNNPACK); 3·0.5 = 1.5 → 2
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.Int8, [2], [2], [2],
                Quant.PerTensor(0.5f, 0), Quant.PerTensor(0.5f, 0), Quant.PerTensor(1f, 0)),
            new sbyte[] { -3, 3 }, new sbyte[] { 0, 0 });
        Assert.Equal(new sbyte[] { -1, 2 }, it.Output<sbyte>());
    }

    [Fact]
    public void Int8SubAndRelu6()
    {
        // scale 0.1: a = 5.0, 1.0; b = 1.0, 3.0 → 4.0, -2.0; RELU6 at out scale 0.1, zp -128 → 4.0 → -88, -2.0 → 0.0 → -128
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.SUB, TensorType.Int8, [2], [2], [2],
                Quant.PerTensor(0.1f, 0), Quant.PerTensor(0.1f, 0), Quant.PerTensor(0.1f, -128), Fb.ActivationFunctionType.RELU6),
            new sbyte[] { 50, 10 }, new sbyte[] { 10, 30 });
        Assert.Equal(new sbyte[] { -88, -128 }, it.Output<sbyte>());
    }

    [Fact]
    public void Int8SubRoundsLikeXnnpackWhenTheScalesAreInItsRange()
    {
        // 3·0.5 - 6·0.5 = -1.5 at output scale 1: XNNPACK's subtract (the add kernel with a negated multiplier) rounds
        // half up → -1 (TFLite's builtin SUB would give -2); MoveNet only matches real TFLite this way
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.SUB, TensorType.Int8, [2], [2], [2],
                Quant.PerTensor(0.5f, 0), Quant.PerTensor(0.5f, 0), Quant.PerTensor(1f, 0)),
            new sbyte[] { 3, 9 }, new sbyte[] { 6, 6 });
        Assert.Equal(new sbyte[] { -1, 2 }, it.Output<sbyte>());
    }

    [Fact]
    public void AddOutsideXnnpacksScaleRangeUsesTflitesBuiltinRounding()
    {
        // input/output scale ratio 512 (≥ 2^8): XNNPACK does not take the op, TFLite's builtin ADD runs it (traffic_model
        // has such ADDs): 1·1.0 at output scale 1/512 = 512 quanta → saturates at 127
        using var sat = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.Int8, [2], [2], [2],
                Quant.PerTensor(1f, 0), Quant.PerTensor(1f, 0), Quant.PerTensor(1f / 512, 0)),
            new sbyte[] { 1, 0 }, new sbyte[] { 0, 0 });
        Assert.Equal(new sbyte[] { 127, 0 }, sat.Output<sbyte>());
        // b's ratio 1/4096 (< 2^-10): builtin again. a = -48/32 = -1.5 at output scale 1: the builtin's rounding
        // divide goes away from zero → -2 (XNNPACK's round-half-up would give -1); 1.5 → 2
        using var half = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, TensorType.Int8, [2], [2], [2],
                Quant.PerTensor(1f / 32, 0), Quant.PerTensor(1f / 4096, 0), Quant.PerTensor(1f, 0)),
            new sbyte[] { -48, 48 }, new sbyte[] { 0, 0 });
        Assert.Equal(new sbyte[] { -2, 2 }, half.Output<sbyte>());
    }

    [Fact]
    public void IncompatibleShapesAreRefused()
    {
        Assert.Throws<ModelFormatException>(() => Binary(Fb.BuiltinOperator.ADD, TensorType.Float32, [2, 3], [2], [2, 3]).BuildInterpreter());
    }

    [Fact]
    public void MixedTypesAreRefused()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Float32, [2]), b = m.Input("b", TensorType.Int32, [2]), y = m.Output("y", TensorType.Float32, [2]);
        m.Op(Fb.BuiltinOperator.ADD, [a, b], [y], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value);
        var e = Record.Exception(() => m.BuildInterpreter());
        Assert.True(e is ModelFormatException or UnsupportedOperatorException, e?.ToString());
    }

    [Theory]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void LongSameShapeQuantizedAddIsWithinOneQuantumOfTheRealSum(TensorType t)
    {
        // 1000 elements: the vectorised path (16 at a time) and the scalar tail
        var rng = new Random(11);
        bool u8 = t == TensorType.UInt8;
        int zpa = u8 ? 120 : -7, zpb = u8 ? 30 : 12, zpy = u8 ? 100 : -20;
        float sa = 0.07f, sb = 0.031f, sy = 0.09f;
        var a = new byte[1000]; var b = new byte[1000]; rng.NextBytes(a); rng.NextBytes(b);
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.ADD, t, [1000], [1000], [1000],
            Quant.PerTensor(sa, zpa), Quant.PerTensor(sb, zpb), Quant.PerTensor(sy, zpy)), a, b);
        var y = it.GetOutputTensor(0).AsBytes().ToArray();
        for (int i = 0; i < 1000; i++)
        {
            int qa = u8 ? a[i] : (sbyte)a[i], qb = u8 ? b[i] : (sbyte)b[i], qy = u8 ? y[i] : (sbyte)y[i];
            double real = (qa - zpa) * sa + (qb - zpb) * sb;
            double expected = Math.Clamp(Math.Round(real / sy) + zpy, u8 ? 0 : -128, u8 ? 255 : 127);
            Assert.True(Math.Abs(qy - expected) <= 1, $"element {i}: {qy} vs {expected}");
        }
    }
}
