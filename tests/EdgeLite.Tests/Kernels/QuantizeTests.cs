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

    [Theory]
    [InlineData(TensorType.UInt8, 0.37f, 131)]
    [InlineData(TensorType.Int8, 0.05f, -7)]
    [InlineData(TensorType.Int16, 0.001f, 0)]
    public void FloatVectorPathMatchesTfLiteRounding(TensorType type, float scale, int zp)
    {
        // 16 at a time plus a scalar tail: exact ties (k + 0.5)·s both signs, values just off the ties, huge values,
        // infinities and NaN (→ the zero point). 8-bit outputs are XNNPACK's convert (x·(1/s), ties to even: real TFLite
        // gave exactly that on EdgeLite-quantized face_landmark and Objectron inputs, where x/s rounded half away from
        // zero differed in one element); int16 is TFLite's builtin kernel (x/s, half away from zero).
        var rng = new Random(7);
        var x = new float[4 * 16 + 7];
        for (int i = 0; i < x.Length; i++)
        {
            int k = rng.Next(-300, 300);
            x[i] = (i % 4) switch
            {
                0 => (k + 0.5f) * scale,
                1 => MathF.BitIncrement((k + 0.5f) * scale),
                2 => MathF.BitDecrement((k - 0.5f) * scale),
                _ => (float)(rng.NextDouble() - 0.5) * 700 * scale,
            };
        }
        x[5] = 1e30f; x[9] = -1e30f; x[13] = float.PositiveInfinity; x[17] = float.NegativeInfinity; x[21] = float.NaN;
        x[x.Length - 1] = float.NaN; x[x.Length - 2] = 3e9f;
        var (lo, hi) = type switch { TensorType.UInt8 => (0, 255), TensorType.Int8 => (-128, 127), _ => (-32768, 32767) };
        float inv = 1f / scale;
        var expected = x.Select(v => float.IsNaN(v) ? zp
            : type == TensorType.Int16 ? Math.Clamp(Math.Round((double)(v / scale), MidpointRounding.AwayFromZero) + zp, lo, hi)
            : Math.Clamp(Math.Round((double)(v * inv), MidpointRounding.ToEven) + zp, lo, hi)).Select(d => (int)d).ToArray();
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Float32, type, x.Length, null, Quant.PerTensor(scale, zp)), x);
        int[] actual = type switch
        {
            TensorType.UInt8 => it.Output<byte>().Select(v => (int)v).ToArray(),
            TensorType.Int8 => it.Output<sbyte>().Select(v => (int)v).ToArray(),
            _ => it.Output<short>().Select(v => (int)v).ToArray(),
        };
        Assert.Equal(expected, actual);
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
    public void EveryEightBitInputValueGoesThroughTheTable()
    {
        // all 256 values: int8 → uint8 (same scale, zero point -5 → 120) and uint8 → int16 (scale 0.4 → 0.1: ×4)
        var all = Enumerable.Range(0, 256).ToArray();
        using (var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Int8, TensorType.UInt8, 256, Quant.PerTensor(0.25f, -5), Quant.PerTensor(0.25f, 120)),
                   all.Select(v => (sbyte)(v - 128)).ToArray()))
            Assert.Equal(all.Select(v => (byte)Math.Clamp(v - 128 + 5 + 120, 0, 255)).ToArray(), it.Output<byte>());
        using (var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.UInt8, TensorType.Int16, 256, Quant.PerTensor(0.4f, 100), Quant.PerTensor(0.1f, 3)),
                   all.Select(v => (byte)v).ToArray()))
            Assert.Equal(all.Select(v => (short)((v - 100) * 4 + 3)).ToArray(), it.Output<short>());
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

    /// <summary>Every one of the 65536 float16 bit patterns (zeros, subnormals, normals, infinities, signalling and
    /// quiet NaNs with payloads) converts bit for bit as .NET's (float)Half, through the vector loop and the tail, and
    /// through DEQUANTIZE on a constant (folded at AllocateTensors).</summary>
    [Fact]
    public unsafe void Float16ConversionMatchesHalfOnEveryBitPattern()
    {
        var halves = new ushort[65536 + 3];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        var floats = new float[halves.Length];
        fixed (ushort* h = halves) fixed (float* f = floats) EdgeLite.Kernels.Elements.HalfToSingle(h, f, halves.Length);
        for (int i = 0; i < halves.Length; i++)
        {
            uint expected = BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(halves[i]));
            Assert.True(expected == BitConverter.SingleToUInt32Bits(floats[i]), $"half 0x{halves[i]:X4}: 0x{BitConverter.SingleToUInt32Bits(floats[i]):X8}, expected 0x{expected:X8}");
        }
        var m = new OpModelBuilder();
        int x = m.Constant("x", TensorType.Float16, [65536], halves.AsSpan(0, 65536).ToArray());
        int y = m.Output("y", TensorType.Float32, [65536]);
        m.Op(Fb.BuiltinOperator.DEQUANTIZE, [x], [y]);
        using var it = OpRun.Invoke(m);
        Assert.True(MemoryExtensions.SequenceEqual(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(it.Output<float>().AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan(0, 65536))));
    }

    [Fact]
    public void QuantizeWithoutOutputQuantizationIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Unary(Fb.BuiltinOperator.QUANTIZE, TensorType.Float32, TensorType.Int8, 2, null, null).BuildInterpreter());
}
