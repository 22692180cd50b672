using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class BinaryElementwiseTests
{
    private static OpModelBuilder Binary(Fb.BuiltinOperator op, TensorType t, int[] a, int[] b, int[] y, TensorType? yt = null)
    {
        var m = new OpModelBuilder();
        int x0 = m.Input("a", t, a), x1 = m.Input("b", t, b), o = m.Output("y", yt ?? t, y);
        m.Op(op, [x0, x1], [o]);
        return m;
    }

    [Fact]
    public void ShapesThatDoNotBroadcastAreAModelError()
    {
        foreach (var op in new[] { Fb.BuiltinOperator.MAXIMUM, Fb.BuiltinOperator.POW, Fb.BuiltinOperator.FLOOR_MOD, Fb.BuiltinOperator.SQUARED_DIFFERENCE })
            Assert.IsType<ModelFormatException>(Prepared.Error(Binary(op, TensorType.Float32, [2, 3], [4], [2, 3])));
        Assert.IsType<ModelFormatException>(Prepared.Error(Binary(Fb.BuiltinOperator.EQUAL, TensorType.Float32, [2, 3], [4], [2, 3], TensorType.Bool)));
    }

    [Fact]
    public void MixedOrUnsupportedTypesAreRefusedNamingTheOperator()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Float32, [2]), b = m.Input("b", TensorType.Int32, [2]), y = m.Output("y", TensorType.Float32, [2]);
        m.Op(Fb.BuiltinOperator.MINIMUM, [a, b], [y]);
        Assert.Contains("MINIMUM", Assert.IsType<ModelFormatException>(Prepared.Error(m)).Message);
        Assert.Contains("BITWISE_XOR", Assert.IsType<UnsupportedOperatorException>(Prepared.Error(Binary(Fb.BuiltinOperator.BITWISE_XOR, TensorType.Float32, [2], [2], [2]))).Message);
        Assert.IsType<ModelFormatException>(Prepared.Error(Binary(Fb.BuiltinOperator.LESS, TensorType.Int32, [2], [2], [2], TensorType.Int32))); // output must be bool
    }

    [Fact]
    public void IntegerFloorModByZeroAndNegativeIntegerPowerAreInterpreterErrors()
    {
        using var fm = Binary(Fb.BuiltinOperator.FLOOR_MOD, TensorType.Int32, [2], [2], [2]).BuildInterpreter();
        fm.GetInputTensor(0).CopyFrom<int>([5, 6]); fm.GetInputTensor(1).CopyFrom<int>([2, 0]);
        Assert.Throws<InterpreterException>(() => fm.Invoke());
        using var pw = Binary(Fb.BuiltinOperator.POW, TensorType.Int32, [1], [1], [1]).BuildInterpreter();
        pw.GetInputTensor(0).CopyFrom<int>([2]); pw.GetInputTensor(1).CopyFrom<int>([-1]);
        Assert.Throws<InterpreterException>(() => pw.Invoke());
    }

    [Fact]
    public void FloorModAndShiftEdgeValues()
    {
        using var fm = OpRun.Invoke(Binary(Fb.BuiltinOperator.FLOOR_MOD, TensorType.Int32, [4], [4], [4]), new[] { int.MinValue, -7, 7, -7 }, new[] { -1, 3, -3, -3 });
        Assert.Equal(new[] { 0, 2, -2, -1 }, fm.Output<int>());
        using var rs = OpRun.Invoke(Binary(Fb.BuiltinOperator.RIGHT_SHIFT, TensorType.Int8, [4], [4], [4]), new sbyte[] { -128, -128, 64, 64 }, new sbyte[] { 9, -1, 3, 7 });
        Assert.Equal(new sbyte[] { -1, -128, 8, 0 }, rs.Output<sbyte>());
    }

    [Fact]
    public void QuantizedComparisonWithAScaleOfOneOrMoreIsRefused()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Int8, [2], Quant.PerTensor(1.5f, 0)), b = m.Input("b", TensorType.Int8, [2], Quant.PerTensor(0.5f, 0));
        int y = m.Output("y", TensorType.Bool, [2]);
        m.Op(Fb.BuiltinOperator.GREATER, [a, b], [y]);
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(m));
    }
}
