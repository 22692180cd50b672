using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Float TRANSPOSE_CONV (the scatter path's 32/8-channel blocks and scalar tail, and the few-channel gather path).</summary>
internal static partial class OpCases
{
    public static IEnumerable<OpCase> TransposeConvCases()
    {
        foreach (var (outC, inC, pad, stride, k) in new[] { (44, 6, Fb.Padding.SAME, 2, 3), (13, 9, Fb.Padding.VALID, 2, 2), (1, 16, Fb.Padding.SAME, 2, 4), (35, 3, Fb.Padding.VALID, 1, 3) })
        {
            int inH = 5, inW = 4;
            int outH = pad == Fb.Padding.SAME ? inH * stride : (inH - 1) * stride + k, outW = pad == Fb.Padding.SAME ? inW * stride : (inW - 1) * stride + k;
            var g = new Gen((uint)(300 + outC));
            var w = g.Floats(outC * k * k * inC, -0.5f, 0.5f);
            var bias = g.Floats(outC, -0.5f, 0.5f);
            Func<byte[]> build = () =>
            {
                var m = new OpModelBuilder();
                int shape = m.Constant("shape", TensorType.Int32, [4], new[] { 1, outH, outW, outC });
                int wt = m.Constant("w", TensorType.Float32, [outC, k, k, inC], w);
                int x = m.Input("x", TensorType.Float32, [1, inH, inW, inC]);
                int b = m.Constant("b", TensorType.Float32, [outC], bias);
                int y = m.Output("y", TensorType.Float32, [1, outH, outW, outC]);
                m.Op(Op.TRANSPOSE_CONV, [shape, wt, x, b], [y], Fb.BuiltinOptions.TransposeConvOptions,
                    f => Fb.TransposeConvOptions.CreateTransposeConvOptions(f, pad, stride, stride).Value, version: 3);
                return m.Build();
            };
            yield return new($"TRANSPOSE_CONV_float32_oc{outC}_ic{inC}_{pad.ToString().ToLowerInvariant()}_s{stride}_k{k}", build, OpInputs.Random((uint)(310 + outC)), OpTolerance.Float);
        }
    }
}
