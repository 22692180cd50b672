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
