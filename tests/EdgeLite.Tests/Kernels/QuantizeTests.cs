using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class QuantizeTests
{
    private static OpModelBuilder Unary(Fb.BuiltinOperator op, TensorType tin, TensorType tout, int n, Quant? qin, Quant? qout)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", tin, [n], qin), y = m.Output("y", tout, [n], qout);
        m.Op(op, [x], [y]);
        return m;
    }

    [Fact]
    public void FloatToUInt8RoundsAndClamps()
    {
        // round(x / 0.5) + 10: 0 → 10, 1 → 12, -2.5 → 5, 1000 → 255, 0.3 → 11, -100 → 0
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Float32, TensorType.UInt8, 6, null, Quant.PerTensor(0.5f, 10)),
            new[] { 0f, 1f, -2.5f, 1000f, 0.3f, -100f });
        Assert.Equal(new byte[] { 10, 12, 5, 255, 11, 0 }, it.Output<byte>());
    }

    [Fact]
    public void FloatToInt8()
    {
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Float32, TensorType.Int8, 3, null, Quant.PerTensor(0.1f, -3)),
            new[] { 1f, -1f, 50f });
        Assert.Equal(new sbyte[] { 7, -13, 127 }, it.Output<sbyte>());
    }

    [Fact]
    public void UInt8ToInt8RequantizesTheZeroPoint()
    {
        // same scale, zero point 128 → 0: q - 128
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.UInt8, TensorType.Int8, 3, Quant.PerTensor(0.2f, 128), Quant.PerTensor(0.2f, 0)),
            new byte[] { 200, 0, 128 });
        Assert.Equal(new sbyte[] { 72, -128, 0 }, it.Output<sbyte>());
    }

    [Fact]
    public void SameTypeRequantizationUsesXnnpacksEightBitMultiplier()
    {
        // DeepLab's uint8 → uint8 QUANTIZE, ratio 0.0124224/0.0352094 = 0.35282: m = round(256 · 0.35282) = 90, so
        // out = (90·x + 128) >> 8; x = 200 → 70 where the exact 70.56 would round to 71
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.UInt8, TensorType.UInt8, 3, Quant.PerTensor(0.0124224f, 0), Quant.PerTensor(0.0352094f, 0)),
            new byte[] { 200, 3, 255 });
        Assert.Equal(new byte[] { 70, 1, 90 }, it.Output<byte>());
    }

    [Fact]
    public void RequantizationToACoarserScale()
    {
        // int8 scale 0.1 → scale 0.4: 40·0.1 = 4.0 → 10; -8·0.1 = -0.8 → -2
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Int8, TensorType.Int8, 2, Quant.PerTensor(0.1f, 0), Quant.PerTensor(0.4f, 0)),
            new sbyte[] { 40, -8 });
        Assert.Equal(new sbyte[] { 10, -2 }, it.Output<sbyte>());
    }

    [Fact]
    public void DequantizeInt8AndPerChannel()
    {
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.DEQUANTIZE, TensorType.Int8, TensorType.Float32, 3, Quant.PerTensor(0.5f, 1), null),
            new sbyte[] { -3, 1, 127 });
        Assert.Equal(new[] { -2f, 0f, 63f }, it.Output<float>());

        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Int8, [2, 2], new Quant([0.5f, 2f], [0, 0], 1));
        int y = m.Output("y", TensorType.Float32, [2, 2]);
        m.Op(Fb.BuiltinOperator.DEQUANTIZE, [x], [y]);
        using var pc = OpRun.Invoke(m, new sbyte[] { 2, 2, -4, 3 });
        Assert.Equal(new[] { 1f, 4f, -2f, 6f }, pc.Output<float>());
    }

    [Fact]
    public void DequantizeFloat16()
    {
        var m = new OpModelBuilder();
        int x = m.Constant("x", TensorType.Float16, [3], new[] { (Half)1.5f, (Half)(-2f), (Half)65504f });
        int y = m.Output("y", TensorType.Float32, [3]);
        m.Op(Fb.BuiltinOperator.DEQUANTIZE, [x], [y]);
        using var it = OpRun.Invoke(m);
        Assert.Equal(new[] { 1.5f, -2f, 65504f }, it.Output<float>());
    }

    [Fact]
    public void QuantizeWithoutOutputQuantizationIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Float32, TensorType.Int8, 2, null, null).BuildInterpreter());
}
