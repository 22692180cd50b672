using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ActivationsTests
{
    private static OpModelBuilder Unary(Fb.BuiltinOperator op, TensorType t, int n, Quant? qin = null, Quant? qout = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, [n], qin), y = m.Output("y", t, [n], qout);
        if (op == Fb.BuiltinOperator.LEAKY_RELU)
            m.Op(op, [x], [y], Fb.BuiltinOptions.LeakyReluOptions, f => Fb.LeakyReluOptions.CreateLeakyReluOptions(f, 0.1f).Value);
        else m.Op(op, [x], [y]);
        return m;
    }

    private static readonly float[] X = [-8f, -3f, -1.5f, -0.5f, 0f, 0.5f, 1.5f, 3f, 6.5f, 100f];

    [Theory]
    [InlineData("RELU")]
    [InlineData("RELU6")]
    [InlineData("RELU_N1_TO_1")]
    [InlineData("RELU_0_TO_1")]
    [InlineData("LOGISTIC")]
    [InlineData("TANH")]
    [InlineData("HARD_SWISH")]
    [InlineData("LEAKY_RELU")]
    public void FloatMatchesTheFormula(string name)
    {
        var op = Enum.Parse<Fb.BuiltinOperator>(name);
        // 10 elements: the 8-wide vector body and the scalar tail
        using var it = OpRun.Invoke(Unary(op, TensorType.Float32, X.Length), X);
        var y = it.Output<float>();
        for (int i = 0; i < X.Length; i++)
        {
            float x = X[i];
            float e = op switch
            {
                Fb.BuiltinOperator.RELU => Math.Max(0, x),
                Fb.BuiltinOperator.RELU6 => Math.Clamp(x, 0, 6),
                Fb.BuiltinOperator.RELU_N1_TO_1 => Math.Clamp(x, -1, 1),
                Fb.BuiltinOperator.RELU_0_TO_1 => Math.Clamp(x, 0, 1),
                Fb.BuiltinOperator.LOGISTIC => (float)(1 / (1 + Math.Exp(-x))),
                Fb.BuiltinOperator.TANH => (float)Math.Tanh(x),
                Fb.BuiltinOperator.HARD_SWISH => x * Math.Clamp(x + 3, 0, 6) / 6,
                _ => x >= 0 ? x : 0.1f * x,
            };
            Assert.True(Math.Abs(e - y[i]) <= 1e-6 * Math.Max(1, Math.Abs(e)), $"{op}({x}) = {y[i]}, expected {e}");
        }
    }

    [Fact]
    public void QuantizedReluWithEqualQuantizationClampsAtTheZeroPoint()
    {
        var q = Quant.PerTensor(0.5f, 10);
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.RELU6, TensorType.UInt8, 4, q, q), new byte[] { 0, 9, 15, 40 });
        Assert.Equal(new byte[] { 10, 10, 15, 22 }, it.Output<byte>()); // 6.0 / 0.5 + 10 = 22
    }

    [Fact]
    public void FloatLogisticVectorLoopStaysWithinAFewUlpsOfTheScalarFormula()
    {
        // 8-wide vector body (the runtime's vector exponential) and a scalar tail; saturating, tiny and NaN inputs
        var x = Enumerable.Range(0, 8 * 40 + 5).Select(i => -100f + i * 0.61f).ToArray();
        x[0] = float.NegativeInfinity; x[1] = float.PositiveInfinity; x[2] = float.NaN; x[3] = -88.5f; x[4] = 88.5f; x[5] = -1e-30f;
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.LOGISTIC, TensorType.Float32, x.Length), x);
        var y = it.Output<float>();
        for (int i = 0; i < x.Length; i++)
        {
            float expected = 1f / (1f + MathF.Exp(-x[i]));
            if (float.IsNaN(expected)) { Assert.True(float.IsNaN(y[i])); continue; }
            Assert.True(Math.Abs(y[i] - expected) <= 5e-7f * Math.Abs(expected) + 1e-38f, $"x = {x[i]}: {y[i]} vs {expected}");
        }
    }

    [Fact]
    public void QuantizedLogisticUsesTheTable()
    {
        // int8 in scale 0.1 zp 0; out scale 1/256 zp -128 (TFLite's required output quantization)
        using var it = OpRun.Invoke(Unary(Fb.BuiltinOperator.LOGISTIC, TensorType.Int8, 4, Quant.PerTensor(0.1f, 0), Quant.PerTensor(1 / 256f, -128)),
            new sbyte[] { 0, 127, -128, 10 });
        // σ(0) = 0.5 → 128 - 128 = 0; σ(12.7) ≈ 1 → 256 clamps to 127; σ(-12.8) ≈ 0 → -128; σ(1) = 0.7311 → 187.2 → 187 - 128 = 59
        Assert.Equal(new sbyte[] { 0, 127, -128, 59 }, it.Output<sbyte>());
    }

    [Fact]
    public void EveryQuantizedInputIsWithinOneQuantumOfTheFloatFunction()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        foreach (var op in new[] { Fb.BuiltinOperator.LOGISTIC, Fb.BuiltinOperator.TANH, Fb.BuiltinOperator.HARD_SWISH })
        {
            float si = 0.05f, so = op == Fb.BuiltinOperator.TANH ? 1 / 128f : op == Fb.BuiltinOperator.LOGISTIC ? 1 / 256f : 0.04f;
            int zi = 100, zo = op == Fb.BuiltinOperator.TANH ? 128 : op == Fb.BuiltinOperator.LOGISTIC ? 0 : 20;
            using var it = OpRun.Invoke(Unary(op, TensorType.UInt8, 256, Quant.PerTensor(si, zi), Quant.PerTensor(so, zo)), all);
            var y = it.Output<byte>();
            for (int q = 0; q < 256; q++)
            {
                double x = (q - zi) * si;
                double f = op == Fb.BuiltinOperator.LOGISTIC ? 1 / (1 + Math.Exp(-x)) : op == Fb.BuiltinOperator.TANH ? Math.Tanh(x) : x * Math.Clamp(x + 3, 0, 6) / 6;
                double e = Math.Clamp(Math.Round(f / so) + zo, 0, 255);
                Assert.True(Math.Abs(y[q] - e) <= 1, $"{op} q={q}: {y[q]} vs {e}");
            }
        }
    }

    [Fact]
    public void PReluBroadcastsOneSlopePerChannel()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 2, 2]);
        int a = m.Constant("alpha", TensorType.Float32, [1, 1, 2], new[] { 0.5f, 2f });
        int y = m.Output("y", TensorType.Float32, [1, 2, 2]);
        m.Op(Fb.BuiltinOperator.PRELU, [x, a], [y]);
        using var it = OpRun.Invoke(m, new[] { -2f, -2f, 3f, -1f });
        Assert.Equal(new[] { -1f, -4f, 3f, -2f }, it.Output<float>());
    }

    [Fact]
    public void PReluWithManyChannelsAndAScalarSlope()
    {
        var rng = new Random(2);
        var xs = Enumerable.Range(0, 3 * 20).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var alpha = Enumerable.Range(0, 20).Select(i => 0.05f * i).ToArray();
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 3, 20]);
        int a = m.Constant("alpha", TensorType.Float32, [20], alpha);
        int y = m.Output("y", TensorType.Float32, [1, 3, 20]);
        m.Op(Fb.BuiltinOperator.PRELU, [x, a], [y]);
        using var it = OpRun.Invoke(m, xs);
        var ys = it.Output<float>();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] >= 0 ? xs[i] : xs[i] * alpha[i % 20], ys[i]);

        var s = new OpModelBuilder();
        int sx = s.Input("x", TensorType.Float32, [4]);
        int sa = s.Constant("alpha", TensorType.Float32, [1], new[] { 0.5f });
        int sy = s.Output("y", TensorType.Float32, [4]);
        s.Op(Fb.BuiltinOperator.PRELU, [sx, sa], [sy]);
        using var st = OpRun.Invoke(s, new[] { -2f, 2f, -4f, 0f });
        Assert.Equal(new[] { -1f, 2f, -2f, 0f }, st.Output<float>());
    }

    [Fact]
    public void MismatchedTypesAreRefused()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [2]), y = m.Output("y", TensorType.Int8, [2], Quant.PerTensor(1, 0));
        m.Op(Fb.BuiltinOperator.RELU, [x], [y]);
        Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
    }
}
