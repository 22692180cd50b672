using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class GatherNdTests
{
    private static OpModelBuilder Gather(int[] pShape, int[] iShape, int[] outShape)
    {
        var m = new OpModelBuilder();
        int p = m.Input("params", TensorType.Float32, pShape);
        int i = m.Input("indices", TensorType.Int32, iShape);
        int y = m.Output("y", TensorType.Float32, outShape);
        m.Op(Fb.BuiltinOperator.GATHER_ND, [p, i], [y]);
        return m;
    }

    [Fact]
    public void GathersElementsAndSlices()
    {
        // params [2,3] = 0..5; indices [[1,2],[0,0]] → [5, 0]; indices [[1]] → row 1
        using var e = OpRun.Invoke(Gather([2, 3], [2, 2], [2]), new float[] { 0, 1, 2, 3, 4, 5 }, new[] { 1, 2, 0, 0 });
        Assert.Equal(new float[] { 5, 0 }, e.Output<float>());
        using var r = OpRun.Invoke(Gather([2, 3], [1, 1], [1, 3]), new float[] { 0, 1, 2, 3, 4, 5 }, new[] { 1 });
        Assert.Equal(new float[] { 3, 4, 5 }, r.Output<float>());
    }

    [Fact]
    public void OutOfRangeIndicesAreInterpreterErrors()
    {
        using var it = Gather([2, 3], [1, 2], [1]).BuildInterpreter();
        it.GetInputTensor(1).CopyFrom<int>([2, 0]);
        Assert.Throws<InterpreterException>(() => it.Invoke());
        it.GetInputTensor(1).CopyFrom<int>([0, -1]);
        Assert.Throws<InterpreterException>(() => it.Invoke());
    }
}
