using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ArgMinMaxTests
{
    private static OpModelBuilder Arg(bool max, TensorType t, int[] shape, int axis, TensorType outType, int[] outShape, Quant? q = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, shape, q);
        int a = m.Constant("axis", TensorType.Int32, [1], new[] { axis });
        int y = m.Output("y", outType, outShape);
        if (max) m.Op(Fb.BuiltinOperator.ARG_MAX, [x, a], [y], Fb.BuiltinOptions.ArgMaxOptions, f => Fb.ArgMaxOptions.CreateArgMaxOptions(f, (Fb.TensorType)(sbyte)outType).Value);
        else m.Op(Fb.BuiltinOperator.ARG_MIN, [x, a], [y], Fb.BuiltinOptions.ArgMinOptions, f => Fb.ArgMinOptions.CreateArgMinOptions(f, (Fb.TensorType)(sbyte)outType).Value);
        return m;
    }

    [Fact]
    public void ArgMaxOverTheLastAxisKeepsTheFirstTie()
    {
        using var it = OpRun.Invoke(Arg(true, TensorType.Float32, [2, 3], -1, TensorType.Int64, [2]), new[] { 1f, 5f, 5f, 9f, -1f, 2f });
        Assert.Equal(new long[] { 1, 0 }, it.Output<long>());
    }

    [Fact]
    public void ArgMinOverTheFirstAxisOnUInt8()
    {
        using var it = OpRun.Invoke(Arg(false, TensorType.UInt8, [2, 3], 0, TensorType.Int32, [3], Quant.PerTensor(1, 0)), new byte[] { 1, 5, 5, 0, 9, 5 });
        Assert.Equal(new[] { 1, 0, 0 }, it.Output<int>());
    }

    [Fact]
    public void ArgMaxOfSignedBytesAndInt32()
    {
        using var s8 = OpRun.Invoke(Arg(true, TensorType.Int8, [1, 4], 1, TensorType.Int32, [1], Quant.PerTensor(1, 0)), new sbyte[] { -5, -1, -128, -2 });
        Assert.Equal(new[] { 1 }, s8.Output<int>());
        using var i32 = OpRun.Invoke(Arg(true, TensorType.Int32, [3], 0, TensorType.Int32, []), new[] { 3, 100000000, 99999999 });
        Assert.Equal(new[] { 1 }, i32.Output<int>());
    }

    [Fact]
    public void OutOfRangeAxisIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Arg(true, TensorType.Float32, [2, 3], 2, TensorType.Int32, [2]).BuildInterpreter());
}
