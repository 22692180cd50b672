using EdgeLite.Tests.Infrastructure;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class SplitTests
{
    private static OpModelBuilder BuildSplit(TensorType type, int[] shape, int axis, int parts, bool constantAxis = true, int? numSplits = null)
    {
        var b = new OpModelBuilder();
        int a = constantAxis ? b.Constant("axis", TensorType.Int32, [], new[] { axis }) : b.Input("axis", TensorType.Int32, []);
        int x = b.Input("x", type, shape);
        var outs = Enumerable.Range(0, parts).Select(i => b.Output($"y{i}", type, [1])).ToArray();
        b.Op(Fb.BuiltinOperator.SPLIT, [a, x], outs, Fb.BuiltinOptions.SplitOptions, f => Fb.SplitOptions.CreateSplitOptions(f, numSplits ?? parts).Value);
        return b;
    }

    private static OpModelBuilder BuildSplitV(TensorType type, int[] shape, int[] sizes, int axis, bool constantSizes = true, TensorType sizeType = TensorType.Int32)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape);
        int s = !constantSizes ? b.Input("sizes", sizeType, [sizes.Length])
            : sizeType == TensorType.Int64 ? b.Constant("sizes", sizeType, [sizes.Length], sizes.Select(v => (long)v).ToArray())
            : b.Constant("sizes", sizeType, [sizes.Length], sizes);
        int a = b.Constant("axis", TensorType.Int32, [1], new[] { axis });
        var outs = Enumerable.Range(0, sizes.Length).Select(i => b.Output($"y{i}", type, [1])).ToArray();
        b.Op(Fb.BuiltinOperator.SPLIT_V, [x, s, a], outs, Fb.BuiltinOptions.SplitVOptions, f => Fb.SplitVOptions.CreateSplitVOptions(f, sizes.Length).Value);
        return b;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void SplitInnerAxis(int axis)
    {
        // iota [2, 6] into 3 along the columns
        using var it = Run(BuildSplit(TensorType.Float32, [2, 6], axis, 3), Bytes(Iota(12)));
        Assert.Equal([2, 2], Shape(it, 0));
        Assert.Equal(new float[] { 0, 1, 6, 7 }, Out<float>(it, 0));
        Assert.Equal(new float[] { 2, 3, 8, 9 }, Out<float>(it, 1));
        Assert.Equal(new float[] { 4, 5, 10, 11 }, Out<float>(it, 2));
    }

    [Fact]
    public void SplitOuterAxisOfBytesAndOnePart()
    {
        using var it = Run(BuildSplit(TensorType.UInt8, [4, 2], 0, 2), [0, 1, 2, 3, 4, 5, 6, 7]);
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, Out<byte>(it, 0));
        Assert.Equal(new byte[] { 4, 5, 6, 7 }, Out<byte>(it, 1));
        using var one = Run(BuildSplit(TensorType.Int64, [3], 0, 1), Bytes(7L, 8L, 9L));
        Assert.Equal(new long[] { 7, 8, 9 }, Out<long>(one));
    }

    [Theory]
    [InlineData(TensorType.Int32)]
    [InlineData(TensorType.Int64)]
    public void SplitVWithInferredSize(TensorType sizeType)
    {
        // iota [2, 7], sizes [2, -1, 1] along axis 1 → widths 2, 4, 1
        using var it = Run(BuildSplitV(TensorType.Float32, [2, 7], [2, -1, 1], 1, sizeType: sizeType), Bytes(Iota(14)));
        Assert.Equal([2, 4], Shape(it, 1));
        Assert.Equal(new float[] { 0, 1, 7, 8 }, Out<float>(it, 0));
        Assert.Equal(new float[] { 2, 3, 4, 5, 9, 10, 11, 12 }, Out<float>(it, 1));
        Assert.Equal(new float[] { 6, 13 }, Out<float>(it, 2));
    }

    [Fact]
    public void SplitVAllowsEmptyParts()
    {
        using var it = Run(BuildSplitV(TensorType.Int8, [3, 2], [0, 3], -2), [1, 2, 3, 4, 5, 6]);
        Assert.Equal([0, 2], Shape(it, 0));
        Assert.Equal(new sbyte[] { 1, 2, 3, 4, 5, 6 }, Out<sbyte>(it, 1));
    }

    [Fact]
    public void BadSplitsAreInvalid()
    {
        Assert.Throws<ModelFormatException>(() => BuildSplit(TensorType.Float32, [2, 5], 1, 3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplit(TensorType.Float32, [2, 6], 2, 3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplit(TensorType.Float32, [2, 6], -3, 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplit(TensorType.Float32, [2, 6], 1, 3, numSplits: 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplitV(TensorType.Float32, [2, 7], [2, 3, 1], 1).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplitV(TensorType.Float32, [2, 7], [-1, -1, 1], 1).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplitV(TensorType.Float32, [2, 7], [9, -1], 1).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSplitV(TensorType.Float32, [2, 7], [8, -2], 1).BuildInterpreter());
    }

    [Fact]
    public void DynamicParametersAreUnsupported()
    {
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => BuildSplit(TensorType.Float32, [2, 6], 1, 3, constantAxis: false).BuildInterpreter()).Message);
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => BuildSplitV(TensorType.Float32, [2, 7], [2, 5], 1, constantSizes: false).BuildInterpreter()).Message);
    }
}
