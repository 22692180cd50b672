using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ReduceTests
{
    private static OpModelBuilder Build(Fb.BuiltinOperator op, int[] axes, bool constAxes = true, bool keep = false, int[]? outShape = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [2, 3]);
        int a = constAxes ? m.Constant("axes", TensorType.Int32, [axes.Length], axes) : m.Input("axes", TensorType.Int32, [axes.Length]);
        int y = m.Output("y", TensorType.Float32, outShape ?? [2]);
        m.Op(op, [x, a], [y], Fb.BuiltinOptions.ReducerOptions, f => Fb.ReducerOptions.CreateReducerOptions(f, keep).Value);
        return m;
    }

    [Fact]
    public void DuplicateAndNegativeAxesReduceOnce()
    {
        using var it = OpRun.Invoke(Build(Fb.BuiltinOperator.SUM, [1, -1]), new[] { 1f, 2f, 3f, 4f, 5f, 6f });
        Assert.Equal(new[] { 6f, 15f }, it.Output<float>());
        using var mx = OpRun.Invoke(Build(Fb.BuiltinOperator.REDUCE_MAX, [0], keep: true, outShape: [1, 3]), new[] { 1f, -2f, 3f, 4f, -5f, 0f });
        Assert.Equal(new[] { 4f, -2f, 3f }, mx.Output<float>());
        Assert.Equal(new[] { 1, 3 }, mx.GetOutputTensor(0).ShapeArray);
    }

    [Fact]
    public void BadAxesAreTypedErrors()
    {
        Assert.IsType<ModelFormatException>(Prepared.Error(Build(Fb.BuiltinOperator.REDUCE_MIN, [2])));
        Assert.IsType<ModelFormatException>(Prepared.Error(Build(Fb.BuiltinOperator.REDUCE_PROD, [-3])));
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(Build(Fb.BuiltinOperator.SUM, [1], constAxes: false)));
    }

    [Fact]
    public void QuantizedMaxWithDifferentOutputQuantizationIsRefused()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Int8, [2, 3], Quant.PerTensor(0.1f, 0)), a = m.Constant("axes", TensorType.Int32, [1], new[] { 1 });
        int y = m.Output("y", TensorType.Int8, [2], Quant.PerTensor(0.2f, 0));
        m.Op(Fb.BuiltinOperator.REDUCE_MAX, [x, a], [y], Fb.BuiltinOptions.ReducerOptions, f => Fb.ReducerOptions.CreateReducerOptions(f, false).Value);
        Assert.IsType<ModelFormatException>(Prepared.Error(m));
    }
}
