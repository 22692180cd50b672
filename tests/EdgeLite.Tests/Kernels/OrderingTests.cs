using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class OrderingTests
{
    private static OpModelBuilder TopK(int k, bool constK = true, TensorType indexType = TensorType.Int32)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [2, 4]);
        int kt = constK ? m.Constant("k", TensorType.Int32, [], new[] { k }) : m.Input("k", TensorType.Int32, []);
        int v = m.Output("v", TensorType.Float32, [2, Math.Max(k, 0)]), i = m.Output("i", indexType, [2, Math.Max(k, 0)]);
        m.Op(Fb.BuiltinOperator.TOPK_V2, [x, kt], [v, i]);
        return m;
    }

    [Fact]
    public void TopKBreaksTiesByTheSmallerIndex()
    {
        using var it = OpRun.Invoke(TopK(3), new[] { 1f, 3f, 3f, 2f, 0f, 0f, -1f, 0f });
        Assert.Equal(new[] { 3f, 3f, 2f, 0f, 0f, 0f }, it.Output<float>(0));
        Assert.Equal(new[] { 1, 2, 3, 0, 1, 3 }, it.Output<int>(1));
    }

    [Fact]
    public void TopKRefusesBadK()
    {
        Assert.IsType<ModelFormatException>(Prepared.Error(TopK(5)));
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(TopK(2, constK: false)));
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(TopK(2, indexType: TensorType.Int64)));
    }

    [Fact]
    public void CumSumAxisOutOfRangeIsAModelError()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [2, 3]), a = m.Constant("axis", TensorType.Int32, [], new[] { 2 }), y = m.Output("y", TensorType.Float32, [2, 3]);
        m.Op(Fb.BuiltinOperator.CUMSUM, [x, a], [y]);
        Assert.IsType<ModelFormatException>(Prepared.Error(m));
    }
}
