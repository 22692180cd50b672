using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class TransposeConvTests
{
    // input 2x2 = 1 2 / 3 4, weights 2x2 = 1 2 / 3 4, stride 2: every input pixel becomes the 2x2 block x·w
    private static readonly float[] Expected = [1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16];

    [Fact]
    public void BuiltinTransposeConvScattersEachPixel()
    {
        var m = new OpModelBuilder();
        int shape = m.Constant("shape", TensorType.Int32, [4], new[] { 1, 4, 4, 1 });
        int w = m.Constant("w", TensorType.Float32, [1, 2, 2, 1], new[] { 1f, 2f, 3f, 4f });
        int x = m.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int y = m.Output("y", TensorType.Float32, [1, 4, 4, 1]);
        m.Op(Fb.BuiltinOperator.TRANSPOSE_CONV, [shape, w, x], [y], Fb.BuiltinOptions.TransposeConvOptions,
            f => Fb.TransposeConvOptions.CreateTransposeConvOptions(f, Fb.Padding.VALID, 2, 2).Value);
        using var it = OpRun.Invoke(m, new[] { 1f, 2f, 3f, 4f });
        Assert.Equal(Expected, it.Output<float>());
    }

    [Fact]
    public void MediaPipeVariantAddsBiasAndOverlapsSum()
    {
        // SAME, stride 2, 2x2 kernel on 2x2 → 4x4 (no overlap) plus bias 0.5
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int w = m.Constant("w", TensorType.Float32, [1, 2, 2, 1], new[] { 1f, 2f, 3f, 4f });
        int b = m.Constant("b", TensorType.Float32, [1], new[] { 0.5f });
        int y = m.Output("y", TensorType.Float32, [1, 4, 4, 1]);
        var options = new byte[12];
        BitConverter.GetBytes(1).CopyTo(options, 0); BitConverter.GetBytes(2).CopyTo(options, 4); BitConverter.GetBytes(2).CopyTo(options, 8);
        m.Custom("Convolution2DTransposeBias", [x, w, b], [y], options);
        using var it = OpRun.Invoke(m, new[] { 1f, 2f, 3f, 4f });
        Assert.Equal(Expected.Select(v => v + 0.5f).ToArray(), it.Output<float>());

        // stride 1 with a 2x2 kernel, VALID: 1x1 → 2x2, 2x1 → 3x2 where the middle row sums two contributions
        var o = new OpModelBuilder();
        int ox = o.Input("x", TensorType.Float32, [1, 2, 1, 1]);
        int ow = o.Constant("w", TensorType.Float32, [1, 2, 2, 1], new[] { 1f, 2f, 3f, 4f });
        int ob = o.Constant("b", TensorType.Float32, [1], new[] { 0f });
        int oy = o.Output("y", TensorType.Float32, [1, 3, 2, 1]);
        var opt2 = new byte[12];
        BitConverter.GetBytes(2).CopyTo(opt2, 0); BitConverter.GetBytes(1).CopyTo(opt2, 4); BitConverter.GetBytes(1).CopyTo(opt2, 8);
        o.Custom("Convolution2DTransposeBias", [ox, ow, ob], [oy], opt2);
        using var it2 = OpRun.Invoke(o, new[] { 1f, 10f });
        Assert.Equal(new float[] { 1, 2, 3 + 10, 4 + 20, 30, 40 }, it2.Output<float>());
    }

    [Fact]
    public void ManyOutputChannelsMatchADirectComputation()
    {
        // 9 output channels (vectorised over them), 3 input channels, 3x3 kernel, stride 2, SAME, 3x3 → 6x6
        var rng = new Random(4);
        const int ic = 3, oc = 9, k = 3;
        var w = Enumerable.Range(0, oc * k * k * ic).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var x = Enumerable.Range(0, 9 * ic).Select(_ => (float)rng.NextDouble()).ToArray();
        var m = new OpModelBuilder();
        int shape = m.Constant("shape", TensorType.Int32, [4], new[] { 1, 6, 6, oc });
        int wt = m.Constant("w", TensorType.Float32, [oc, k, k, ic], w);
        int xi = m.Input("x", TensorType.Float32, [1, 3, 3, ic]);
        int y = m.Output("y", TensorType.Float32, [1, 6, 6, oc]);
        m.Op(Fb.BuiltinOperator.TRANSPOSE_CONV, [shape, wt, xi], [y], Fb.BuiltinOptions.TransposeConvOptions,
            f => Fb.TransposeConvOptions.CreateTransposeConvOptions(f, Fb.Padding.SAME, 2, 2).Value);
        using var it = OpRun.Invoke(m, x);
        var got = it.Output<float>();
        var expected = new float[36 * oc];
        // SAME, forward 6 → 3 with k 3 s 2: total padding (3-1)·2 + 3 - 6 = 1 → 0 before
        for (int iy = 0; iy < 3; iy++) for (int ix = 0; ix < 3; ix++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++)
        {
            int oy = iy * 2 + ky, ox = ix * 2 + kx;
            if (oy >= 6 || ox >= 6) continue;
            for (int o = 0; o < oc; o++) for (int i = 0; i < ic; i++)
                expected[(oy * 6 + ox) * oc + o] += x[(iy * 3 + ix) * ic + i] * w[((o * k + ky) * k + kx) * ic + i];
        }
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void MismatchedShapesAreFormatErrors()
    {
        var m = new OpModelBuilder();
        int shape = m.Constant("shape", TensorType.Int32, [4], new[] { 1, 7, 7, 1 });
        int w = m.Constant("w", TensorType.Float32, [1, 2, 2, 1], new[] { 1f, 2f, 3f, 4f });
        int x = m.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int y = m.Output("y", TensorType.Float32, [1, 7, 7, 1]);
        m.Op(Fb.BuiltinOperator.TRANSPOSE_CONV, [shape, w, x], [y], Fb.BuiltinOptions.TransposeConvOptions,
            f => Fb.TransposeConvOptions.CreateTransposeConvOptions(f, Fb.Padding.VALID, 2, 2).Value);
        Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
    }

    /// <summary>The scatter's 256-bit and 128-bit (arm64) channel blocks give the same bits (same per-channel order).</summary>
    [Fact]
    public void ScatterVectorWidthsAgreeBitForBit()
    {
        float[] Run()
        {
            var m = new OpModelBuilder();
            var g = new EdgeLite.Tests.OpConformance.OpCases.Gen(9);
            int shape = m.Constant("shape", TensorType.Int32, [4], new[] { 1, 8, 6, 45 });
            int w = m.Constant("w", TensorType.Float32, [45, 3, 3, 7], g.Floats(45 * 9 * 7, -1, 1));
            int x = m.Input("x", TensorType.Float32, [1, 4, 3, 7]);
            int y = m.Output("y", TensorType.Float32, [1, 8, 6, 45]);
            m.Op(Fb.BuiltinOperator.TRANSPOSE_CONV, [shape, w, x], [y], Fb.BuiltinOptions.TransposeConvOptions,
                f => Fb.TransposeConvOptions.CreateTransposeConvOptions(f, Fb.Padding.SAME, 2, 2).Value);
            using var it = OpRun.Invoke(m, new EdgeLite.Tests.OpConformance.OpCases.Gen(10).Floats(4 * 3 * 7, -1, 1));
            return it.Output<float>();
        }
        var wide = Run();
        EdgeLite.Kernels.Common.FloatBinary.Allow256 = false;
        float[] narrow;
        try { narrow = Run(); } finally { EdgeLite.Kernels.Common.FloatBinary.Allow256 = true; }
        Assert.Equal(wide.Select(BitConverter.SingleToInt32Bits), narrow.Select(BitConverter.SingleToInt32Bits));
    }
}
