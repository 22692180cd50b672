using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// The table and vector fast paths of the element-wise ops against their general paths: an 8-bit ADD/SUB/MUL with a
/// small constant operand (tabulated at Prepare) must give the bytes the same op gives when that operand is a graph
/// input (no table); vector loops (same-shape quantized MUL, CAST, DEQUANTIZE, unary float, DIV) must give the scalar
/// spec's values, over lengths with vector bodies and scalar tails.
/// </summary>
public class ElementwiseFastPathTests
{
    private static OpModelBuilder Binary(Fb.BuiltinOperator op, TensorType t, int[] xShape, int[] cShape, byte[]? constant, bool constantFirst,
        Quant qx, Quant qc, Quant qy, int[] yShape)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, xShape, qx);
        int c = constant != null ? m.Constant("c", t, cShape, constant, qc) : m.Input("c", t, cShape, qc);
        int y = m.Output("y", t, yShape, qy);
        int[] inputs = constantFirst ? [c, x] : [x, c];
        switch (op)
        {
            case Fb.BuiltinOperator.ADD: m.Op(op, inputs, [y], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f, Fb.ActivationFunctionType.NONE).Value); break;
            case Fb.BuiltinOperator.SUB: m.Op(op, inputs, [y], Fb.BuiltinOptions.SubOptions, f => Fb.SubOptions.CreateSubOptions(f, Fb.ActivationFunctionType.RELU6).Value); break;
            default: m.Op(op, inputs, [y], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f, Fb.ActivationFunctionType.NONE).Value); break;
        }
        return m;
    }

    [Theory]
    [InlineData((int)Fb.BuiltinOperator.SUB, TensorType.Int8, 3, false, 0.0078f)]   // MoveNet: image minus a per-channel constant
    [InlineData((int)Fb.BuiltinOperator.SUB, TensorType.UInt8, 3, true, 0.05f)]     // constant first: c - x
    [InlineData((int)Fb.BuiltinOperator.ADD, TensorType.Int8, 1, false, 0.02f)]     // scalar constant
    [InlineData((int)Fb.BuiltinOperator.ADD, TensorType.UInt8, 40, true, 0.00001f)] // constant scale far outside XNNPACK's range: builtin arithmetic
    [InlineData((int)Fb.BuiltinOperator.MUL, TensorType.Int8, 1, false, 0.03f)]
    [InlineData((int)Fb.BuiltinOperator.MUL, TensorType.UInt8, 17, true, 0.2f)]
    public void ConstantOperandTableMatchesTheGeneralPath(int opCode, TensorType t, int channels, bool constantFirst, float constantScale)
    {
        var op = (Fb.BuiltinOperator)opCode;
        var rng = new Random(channels * 31 + opCode);
        int[] xShape = [1, 5, 7, channels], cShape = channels == 1 ? [] : [1, 1, 1, channels];
        var x = new byte[5 * 7 * channels];
        rng.NextBytes(x);
        var c = new byte[channels];
        rng.NextBytes(c);
        x[0] = 0; x[1 % x.Length] = 255; x[2 % x.Length] = 128; x[3 % x.Length] = 127;
        var qx = Quant.PerTensor(0.05f, t == TensorType.UInt8 ? 120 : -3);
        var qc = Quant.PerTensor(constantScale, t == TensorType.UInt8 ? 7 : 2);
        var qy = Quant.PerTensor(0.06f, t == TensorType.UInt8 ? 100 : 5);
        using var table = OpRun.Invoke(Binary(op, t, xShape, cShape, c, constantFirst, qx, qc, qy, xShape), x);
        using var general = constantFirst
            ? OpRun.Invoke(Binary(op, t, xShape, cShape, null, constantFirst, qx, qc, qy, xShape), x, c)
            : OpRun.Invoke(Binary(op, t, xShape, cShape, null, constantFirst, qx, qc, qy, xShape), x, c);
        Assert.Equal(general.Output<byte>(), table.Output<byte>());
    }

    [Theory]
    [InlineData(TensorType.Int8)]
    [InlineData(TensorType.UInt8)]
    public void SameShapeQuantizedMulVectorLoopIsXnnpacksArithmetic(TensorType t)
    {
        var rng = new Random(5);
        const int n = 16 * 5 + 9;
        var a = new byte[n]; var b = new byte[n];
        rng.NextBytes(a); rng.NextBytes(b);
        a[0] = b[0] = (byte)(t == TensorType.Int8 ? 0x80 : 0); // extreme products
        int zpa = t == TensorType.Int8 ? -1 : 128, zpb = t == TensorType.Int8 ? 3 : 120, zpo = t == TensorType.Int8 ? -2 : 130;
        var qa = Quant.PerTensor(0.04f, zpa);
        var qb = Quant.PerTensor(0.03f, zpb);
        var qy = Quant.PerTensor(0.05f, zpo);
        var m = new OpModelBuilder();
        int x0 = m.Input("a", t, [n], qa), x1 = m.Input("b", t, [n], qb), y = m.Output("y", t, [n], qy);
        m.Op(Fb.BuiltinOperator.MUL, [x0, x1], [y], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f, Fb.ActivationFunctionType.NONE).Value);
        using var it = OpRun.Invoke(m, a, b);
        var actual = it.Output<byte>();
        float scale = 0.04f * 0.03f / 0.05f;
        var (lo, hi) = t == TensorType.Int8 ? (-128, 127) : (0, 255);
        for (int i = 0; i < n; i++)
        {
            int x1v = (t == TensorType.Int8 ? (sbyte)a[i] : a[i]) - zpa;
            int x2v = (t == TensorType.Int8 ? (sbyte)b[i] : b[i]) - zpb;
            int q = (int)MathF.Round(Math.Clamp(x1v * x2v * scale, lo - zpo, hi - zpo), MidpointRounding.ToEven) + zpo;
            Assert.Equal((byte)q, actual[i]);
        }
    }

    [Theory]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    [InlineData(TensorType.Int32)]
    public void CastToFloatVectorLoop(TensorType t)
    {
        const int n = 16 * 3 + 5;
        var rng = new Random(9);
        var m = new OpModelBuilder();
        int x = m.Input("x", t, [n]), y = m.Output("y", TensorType.Float32, [n]);
        m.Op(Fb.BuiltinOperator.CAST, [x], [y]);
        Array input; float[] expected;
        if (t == TensorType.Int32)
        {
            var v = Enumerable.Range(0, n).Select(_ => rng.Next(int.MinValue, int.MaxValue)).ToArray();
            v[0] = int.MaxValue; v[1] = int.MinValue; v[2] = (1 << 24) + 1;
            input = v; expected = v.Select(i => (float)i).ToArray();
        }
        else
        {
            var v = new byte[n]; rng.NextBytes(v);
            input = v; expected = v.Select(b => t == TensorType.Int8 ? (float)(sbyte)b : b).ToArray();
        }
        using var it = OpRun.Invoke(m, input);
        Assert.Equal(expected, it.Output<float>());
    }

    [Theory]
    [InlineData(TensorType.UInt8, 0.37f, 130)]
    [InlineData(TensorType.Int8, 0.011f, -9)]
    public void DequantizeTable(TensorType t, float scale, int zp)
    {
        var all = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        var m = new OpModelBuilder();
        int x = m.Input("x", t, [256], Quant.PerTensor(scale, zp)), y = m.Output("y", TensorType.Float32, [256]);
        m.Op(Fb.BuiltinOperator.DEQUANTIZE, [x], [y]);
        using var it = OpRun.Invoke(m, all);
        Assert.Equal(all.Select(b => scale * ((t == TensorType.Int8 ? (sbyte)b : b) - zp)).ToArray(), it.Output<float>());
    }

    [Theory]
    [InlineData((int)Fb.BuiltinOperator.SQRT)]
    [InlineData((int)Fb.BuiltinOperator.RSQRT)]
    [InlineData((int)Fb.BuiltinOperator.ABS)]
    [InlineData((int)Fb.BuiltinOperator.NEG)]
    [InlineData((int)Fb.BuiltinOperator.SQUARE)]
    public void UnaryVectorLoop(int opCode)
    {
        var op = (Fb.BuiltinOperator)opCode;
        const int n = 4 * 9 + 3;
        var rng = new Random(11);
        var v = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 50)).ToArray();
        v[0] = -0f; v[1] = float.PositiveInfinity; v[2] = float.NaN; v[3] = 1e-40f;
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [n]), y = m.Output("y", TensorType.Float32, [n]);
        m.Op(op, [x], [y]);
        using var it = OpRun.Invoke(m, v);
        Func<float, float> f = op switch
        {
            Fb.BuiltinOperator.SQRT => MathF.Sqrt,
            Fb.BuiltinOperator.RSQRT => a => 1f / MathF.Sqrt(a),
            Fb.BuiltinOperator.ABS => MathF.Abs,
            Fb.BuiltinOperator.NEG => a => -a,
            _ => a => a * a,
        };
        var expected = v.Select(f).ToArray();
        var actual = it.Output<float>();
        for (int i = 0; i < n; i++) Assert.Equal(expected[i], actual[i]); // NaN equals NaN here
    }

    [Fact]
    public void SameShapeFloatDivVectorLoop()
    {
        const int n = 4 * 7 + 2;
        var rng = new Random(13);
        var a = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        b[0] = 0; b[1] = -0f;
        var m = new OpModelBuilder();
        int x0 = m.Input("a", TensorType.Float32, [1, n]), x1 = m.Input("b", TensorType.Float32, [n]), y = m.Output("y", TensorType.Float32, [1, n]);
        m.Op(Fb.BuiltinOperator.DIV, [x0, x1], [y], Fb.BuiltinOptions.DivOptions, f => Fb.DivOptions.CreateDivOptions(f, Fb.ActivationFunctionType.RELU6).Value);
        using var it = OpRun.Invoke(m, a, b);
        Assert.Equal(a.Zip(b, (p, q) => Math.Clamp(p / q, 0f, 6f)).ToArray(), it.Output<float>());
    }
}
