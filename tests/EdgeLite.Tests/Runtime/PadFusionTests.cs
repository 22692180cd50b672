using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Runtime;

/// <summary>
/// A PAD feeding only a VALID convolution is run by the convolution (explicit padding, no padded copy): the outputs
/// must be the bytes of the same graph with the fusion prevented (the PAD's output also a graph output).
/// </summary>
public class PadFusionTests
{
    /// <summary>x → PAD(pads) → CONV_2D or DEPTHWISE_CONV_2D (VALID) → y; optionally the padded tensor as a second output.</summary>
    private static OpModelBuilder Graph(TensorType t, bool depthwise, int[] pads, int stride, int dilation, bool exposePadded, Random rng, out byte[] input)
    {
        const int n = 1, h = 13, w = 11, c = 20;
        int oc = depthwise ? c : 24, k = 3;
        int ph = h + pads[0] + pads[1], pw = w + pads[2] + pads[3];
        int eff = (k - 1) * dilation + 1;
        int oh = (ph - eff) / stride + 1, ow = (pw - eff) / stride + 1;
        var m = new OpModelBuilder();
        Quant? qx = null, qw = null, qb = null, qy = null;
        int zp = t == TensorType.UInt8 ? 131 : t == TensorType.Int8 ? -17 : 0;
        if (t != TensorType.Float32)
        {
            qx = Quant.PerTensor(0.05f, zp);
            qw = t == TensorType.UInt8 ? Quant.PerTensor(0.01f, 120) : new Quant(Enumerable.Range(0, oc).Select(i => 0.002f + i * 0.0005f).ToArray(), new long[oc], depthwise ? 3 : 0);
            qb = Quant.PerTensor(0.0005f, 0);
            qy = Quant.PerTensor(0.1f, t == TensorType.UInt8 ? 100 : 3);
        }
        int x = m.Input("x", t, [n, h, w, c], qx);
        int p = m.Constant("pads", TensorType.Int32, [4, 2], new[] { 0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0 });
        int padded = exposePadded ? m.Output("padded", t, [n, ph, pw, c], qx) : m.Intermediate("padded", t, [n, ph, pw, c], qx);
        m.Op(Fb.BuiltinOperator.PAD, [x, p], [padded]);
        int[] wShape = depthwise ? [1, k, k, oc] : [oc, k, k, c];
        int wCount = wShape.Aggregate(1, (a, b) => a * b);
        int wt, bt;
        if (t == TensorType.Float32)
        {
            wt = m.Constant("w", t, wShape, Enumerable.Range(0, wCount).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
            bt = m.Constant("b", t, [oc], Enumerable.Range(0, oc).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
        }
        else
        {
            var wb = new byte[wCount]; rng.NextBytes(wb);
            if (t == TensorType.Int8) for (int i = 0; i < wb.Length; i++) if (wb[i] == 0x80) wb[i] = 0x81;
            wt = m.Constant("w", t, wShape, wb, qw);
            bt = m.Constant("b", TensorType.Int32, [oc], Enumerable.Range(0, oc).Select(_ => rng.Next(-3000, 3000)).ToArray(), qb);
        }
        int y = m.Output("y", t, [n, oh, ow, oc], qy);
        if (depthwise)
            m.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [padded, wt, bt], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
                f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.VALID, stride, stride, 1, Fb.ActivationFunctionType.RELU6, dilation, dilation).Value);
        else
            m.Op(Fb.BuiltinOperator.CONV_2D, [padded, wt, bt], [y], Fb.BuiltinOptions.Conv2DOptions,
                f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.VALID, stride, stride, Fb.ActivationFunctionType.NONE, dilation, dilation).Value);
        int count = n * h * w * c;
        if (t == TensorType.Float32) input = System.Runtime.InteropServices.MemoryMarshal.AsBytes(Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray().AsSpan()).ToArray();
        else { input = new byte[count]; rng.NextBytes(input); }
        return m;
    }

    [Theory]
    [InlineData(TensorType.Float32, false, 1, 1)]
    [InlineData(TensorType.Float32, true, 2, 1)]
    [InlineData(TensorType.UInt8, false, 2, 1)]
    [InlineData(TensorType.UInt8, true, 1, 2)]
    [InlineData(TensorType.Int8, false, 1, 2)]
    [InlineData(TensorType.Int8, true, 2, 1)]
    public void FusedPadGivesTheBytesOfTheUnfusedGraph(TensorType t, bool depthwise, int stride, int dilation)
    {
        foreach (var pads in new[] { new[] { 1, 1, 1, 1 }, new[] { 0, 1, 0, 1 }, new[] { 2, 0, 3, 1 } })
            foreach (int threads in new[] { 1, 2 })
            {
                using var fused = Graph(t, depthwise, pads, stride, dilation, false, new Random(7), out var input).BuildInterpreter(threads);
                using var plain = Graph(t, depthwise, pads, stride, dilation, true, new Random(7), out _).BuildInterpreter(threads);
                fused.GetInputTensor(0).CopyFromBytes(input); fused.Invoke();
                plain.GetInputTensor(0).CopyFromBytes(input); plain.Invoke();
                Assert.Equal(plain.GetOutputTensor(1).AsBytes().ToArray(), fused.GetOutputTensor(0).AsBytes().ToArray());
                // the fused graph never materialises the padded tensor (and plans less memory)
                Assert.True(fused.ArenaBytes < plain.ArenaBytes, $"arena {fused.ArenaBytes} vs {plain.ArenaBytes}");
            }
    }

    [Fact]
    public void ThePaddedTensorOfAFusedPadIsNotReadable()
    {
        using var it = Graph(TensorType.Float32, false, [1, 1, 1, 1], 1, 1, false, new Random(3), out var input).BuildInterpreter();
        it.GetInputTensor(0).CopyFromBytes(input);
        it.Invoke();
        int padded = Enumerable.Range(0, it.TensorCount).First(i => it.GetTensor(i).Name == "padded");
        Assert.Throws<InterpreterException>(() => it.GetTensor(padded).AsBytes());
    }
}
