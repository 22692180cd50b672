using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class SelectTests
{
    private static OpModelBuilder Build(bool v2, int[] c, int[] x, int[] y, int[] o, Quant? qx = null, Quant? qy = null, TensorType t = TensorType.Float32)
    {
        var m = new OpModelBuilder();
        int ic = m.Input("c", TensorType.Bool, c), ix = m.Input("x", t, x, qx), iy = m.Input("y", t, y, qy), io = m.Output("o", t, o, qx);
        m.Op(v2 ? Fb.BuiltinOperator.SELECT_V2 : Fb.BuiltinOperator.SELECT, [ic, ix, iy], [io]);
        return m;
    }

    [Fact]
    public void RankOneConditionChoosesWholeRows()
    {
        using var it = OpRun.Invoke(Build(false, [2], [2, 2], [2, 2], [2, 2]), new[] { false, true }, new[] { 1f, 2f, 3f, 4f }, new[] { 5f, 6f, 7f, 8f });
        Assert.Equal(new[] { 5f, 6f, 3f, 4f }, it.Output<float>());
    }

    [Fact]
    public void InvalidShapesAndMismatchedQuantizationAreRefused()
    {
        Assert.IsType<ModelFormatException>(Prepared.Error(Build(false, [3], [2, 2], [2, 2], [2, 2])));     // v1: rank-1 condition must match dim 0
        Assert.IsType<ModelFormatException>(Prepared.Error(Build(false, [2, 2], [2, 2], [2], [2, 2])));  // v1: x and y must agree
        Assert.IsType<ModelFormatException>(Prepared.Error(Build(true, [3], [2, 2], [2], [2, 2])));      // v2: no broadcast
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(Build(true, [2], [2], [2], [2], Quant.PerTensor(0.1f, 0), Quant.PerTensor(0.2f, 0), TensorType.Int8)));
    }
}

public class SelectFastPathTests
{
    /// <summary>The vector blend (equal shapes, 4-byte values) against the element rule, condition bytes other than 0/1 included.</summary>
    [Theory]
    [InlineData(37)]
    [InlineData(16)]
    [InlineData(5)]
    public void BlendMatchesTheElementRule(int n)
    {
        var m = new OpModelBuilder();
        int c = m.Input("c", TensorType.Bool, [n]), x = m.Input("x", TensorType.Int32, [n]), y = m.Input("y", TensorType.Int32, [n]), o = m.Output("o", TensorType.Int32, [n]);
        m.Op(Fb.BuiltinOperator.SELECT_V2, [c, x, y], [o]);
        using var it = m.BuildInterpreter();
        var cond = Enumerable.Range(0, n).Select(i => (byte)(i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 7)).ToArray();
        var xs = Enumerable.Range(0, n).Select(i => i + 1000).ToArray(); var ys = Enumerable.Range(0, n).Select(i => -i).ToArray();
        it.GetInputTensor(0).CopyFromBytes(cond); it.GetInputTensor(1).CopyFrom<int>(xs); it.GetInputTensor(2).CopyFrom<int>(ys);
        it.Invoke();
        Assert.Equal(Enumerable.Range(0, n).Select(i => cond[i] != 0 ? xs[i] : ys[i]).ToArray(), it.Output<int>());
    }
}
