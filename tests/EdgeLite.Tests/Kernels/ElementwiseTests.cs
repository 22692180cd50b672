using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ElementwiseTests
{
    private static OpModelBuilder Binary(Fb.BuiltinOperator op, TensorType t, int[] a, int[] b, int[] y)
    {
        var m = new OpModelBuilder();
        int x0 = m.Input("a", t, a), x1 = m.Input("b", t, b), o = m.Output("y", t, y);
        m.Op(op, [x0, x1], [o]);
        return m;
    }

    [Fact]
    public void FloorDivRoundsTowardMinusInfinity()
    {
        using var it = OpRun.Invoke(Binary(Fb.BuiltinOperator.FLOOR_DIV, TensorType.Int32, [4], [1], [4]), new[] { 7, -7, 6, -6 }, new[] { 2 });
        Assert.Equal(new[] { 3, -4, 3, -3 }, it.Output<int>());
        using var f = OpRun.Invoke(Binary(Fb.BuiltinOperator.FLOOR_DIV, TensorType.Float32, [2], [2], [2]), new[] { 7f, -7f }, new[] { 2f, 2f });
        Assert.Equal(new[] { 3f, -4f }, f.Output<float>());
    }

    [Fact]
    public void DivTruncatesIntegersAndDividesFloats()
    {
        using var i = OpRun.Invoke(Binary(Fb.BuiltinOperator.DIV, TensorType.Int32, [2], [2], [2]), new[] { 7, -7 }, new[] { 2, 2 });
        Assert.Equal(new[] { 3, -3 }, i.Output<int>());
        using var f = OpRun.Invoke(Binary(Fb.BuiltinOperator.DIV, TensorType.Float32, [2, 2], [2], [2, 2]), new[] { 1f, 2f, 3f, 4f }, new[] { 2f, 4f });
        Assert.Equal(new[] { 0.5f, 0.5f, 1.5f, 1f }, f.Output<float>());
    }

    [Fact]
    public void IntegerDivisionByZeroIsAnInterpreterError()
    {
        using var it = Binary(Fb.BuiltinOperator.FLOOR_DIV, TensorType.Int32, [1], [1], [1]).BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<int>([5]);
        it.GetInputTensor(1).CopyFrom<int>([0]);
        Assert.Throws<InterpreterException>(() => it.Invoke());
    }

    [Fact]
    public void UnaryFunctions()
    {
        foreach (var (op, x, e) in new (Fb.BuiltinOperator, float, float)[]
        {
            (Fb.BuiltinOperator.SQRT, 9f, 3f), (Fb.BuiltinOperator.RSQRT, 4f, 0.5f), (Fb.BuiltinOperator.ABS, -2f, 2f),
            (Fb.BuiltinOperator.NEG, 2f, -2f), (Fb.BuiltinOperator.EXP, 0f, 1f), (Fb.BuiltinOperator.LOG, 1f, 0f), (Fb.BuiltinOperator.SQUARE, -3f, 9f),
        })
        {
            var m = new OpModelBuilder();
            int a = m.Input("x", TensorType.Float32, [1]), y = m.Output("y", TensorType.Float32, [1]);
            m.Op(op, [a], [y]);
            using var it = OpRun.Invoke(m, new[] { x });
            Assert.Equal(e, it.Output<float>()[0]);
        }
    }

    [Fact]
    public void CastTruncatesTowardZero()
    {
        var m = new OpModelBuilder();
        int a = m.Input("x", TensorType.Float32, [4]), y = m.Output("y", TensorType.Int32, [4]);
        m.Op(Fb.BuiltinOperator.CAST, [a], [y]);
        using var it = OpRun.Invoke(m, new[] { 1.9f, -1.9f, 0f, 300.5f });
        Assert.Equal(new[] { 1, -1, 0, 300 }, it.Output<int>());

        var u = new OpModelBuilder();
        int ua = u.Input("x", TensorType.UInt8, [2], Quant.PerTensor(1, 0)), uy = u.Output("y", TensorType.Float32, [2]);
        u.Op(Fb.BuiltinOperator.CAST, [ua], [uy]);
        using var ut = OpRun.Invoke(u, new byte[] { 0, 255 });
        Assert.Equal(new[] { 0f, 255f }, ut.Output<float>());
    }
}
