using EdgeLite.Tests.Infrastructure;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class PackTests
{
    private static OpModelBuilder BuildPack(TensorType type, int[][] shapes, int axis, Quant?[]? quants = null, Quant? outQuant = null, int? valuesCount = null)
    {
        var b = new OpModelBuilder();
        var ins = shapes.Select((s, i) => b.Input($"x{i}", type, s, quants?[i])).ToArray();
        int y = b.Output("y", type, [1], outQuant);
        b.Op(Fb.BuiltinOperator.PACK, ins, [y], Fb.BuiltinOptions.PackOptions, f => Fb.PackOptions.CreatePackOptions(f, valuesCount ?? shapes.Length, axis).Value);
        return b;
    }

    private static OpModelBuilder BuildUnpack(TensorType type, int[] shape, int axis, int num, Quant? inQuant = null, Quant? outQuant = null)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape, inQuant);
        var outs = Enumerable.Range(0, num).Select(i => b.Output($"y{i}", type, [1], outQuant)).ToArray();
        b.Op(Fb.BuiltinOperator.UNPACK, [x], outs, Fb.BuiltinOptions.UnpackOptions, f => Fb.UnpackOptions.CreateUnpackOptions(f, num, axis).Value);
        return b;
    }

    // a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8, 9], [10, 11, 12]]
    public static TheoryData<int, int[], int[]> PackCases() => new()
    {
        { 0, [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
        { 1, [2, 2, 3], [1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12] },
        { 2, [2, 3, 2], [1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12] },
        { -1, [2, 3, 2], [1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12] },
        { -3, [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    };

    [Theory]
    [MemberData(nameof(PackCases))]
    public void PackAlongEachAxis(int axis, int[] shape, int[] expected)
    {
        using var it = Run(BuildPack(TensorType.Int32, [[2, 3], [2, 3]], axis), Bytes(1, 2, 3, 4, 5, 6), Bytes(7, 8, 9, 10, 11, 12));
        Assert.Equal(shape, Shape(it));
        Assert.Equal(expected, Out<int>(it));
    }

    [Fact]
    public void PackScalarsAndQuantizedInputs()
    {
        using var it = Run(BuildPack(TensorType.Float32, [[], [], []], 0), Bytes(1f), Bytes(2f), Bytes(3f));
        Assert.Equal([3], Shape(it));
        Assert.Equal(new float[] { 1, 2, 3 }, Out<float>(it));
        var q = Quant.PerTensor(0.5f, 3);
        using var s8 = Run(BuildPack(TensorType.Int8, [[2], [2]], 1, [q, q], q), [1, 2], [3, 4]);
        Assert.Equal(new sbyte[] { 1, 3, 2, 4 }, Out<sbyte>(s8));
    }

    [Fact]
    public void PackRejectsMismatches()
    {
        var q = Quant.PerTensor(0.5f, 3);
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.Int8, [[2], [2]], 0, [q, Quant.PerTensor(0.25f, 3)], q).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.UInt8, [[2], [2]], 0, [q, q], Quant.PerTensor(0.5f, 4)).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.Float32, [[2], [3]], 0).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.Float32, [[2], [2]], 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.Float32, [[2], [2]], -3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildPack(TensorType.Float32, [[2], [2]], 0, valuesCount: 3).BuildInterpreter());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void UnpackAlongEachAxis(int axis)
    {
        // iota [2, 3] … unpack axis 0 gives the rows, axis 1 / -1 the columns
        int num = axis == 0 ? 2 : 3;
        using var it = Run(BuildUnpack(TensorType.Int16, [2, 3], axis, num), Bytes<short>(0, 1, 2, 3, 4, 5));
        if (axis == 0)
        {
            Assert.Equal(new short[] { 0, 1, 2 }, Out<short>(it, 0));
            Assert.Equal(new short[] { 3, 4, 5 }, Out<short>(it, 1));
        }
        else
        {
            Assert.Equal([2], Shape(it, 2));
            Assert.Equal(new short[] { 0, 3 }, Out<short>(it, 0));
            Assert.Equal(new short[] { 1, 4 }, Out<short>(it, 1));
            Assert.Equal(new short[] { 2, 5 }, Out<short>(it, 2));
        }
    }

    [Fact]
    public void UnpackQuantizedAndRejectsMismatches()
    {
        var q = Quant.PerTensor(0.5f, -1);
        using var it = Run(BuildUnpack(TensorType.Int8, [1, 2, 2], 1, 2, q, q), [1, 2, 3, 4]);
        Assert.Equal([1, 2], Shape(it, 0));
        Assert.Equal(new sbyte[] { 3, 4 }, Out<sbyte>(it, 1));
        Assert.Throws<ModelFormatException>(() => BuildUnpack(TensorType.Int8, [1, 2, 2], 1, 2, q, Quant.PerTensor(0.5f, 0)).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildUnpack(TensorType.Float32, [2, 3], 1, 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildUnpack(TensorType.Float32, [2, 3], 2, 3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildUnpack(TensorType.Float32, [2, 3], -3, 2).BuildInterpreter());
    }
}
