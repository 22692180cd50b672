using EdgeLite.Tests.Infrastructure;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class GatherTests
{
    private static OpModelBuilder BuildGather(TensorType type, int[] pshape, int[] ishape, long[]? constIndices, int axis, int batchDims = 0, TensorType indexType = TensorType.Int32)
    {
        var b = new OpModelBuilder();
        int p = b.Input("params", type, pshape);
        int i = constIndices == null ? b.Input("indices", indexType, ishape)
            : indexType == TensorType.Int64 ? b.Constant("indices", indexType, ishape, constIndices)
            : b.Constant("indices", indexType, ishape, constIndices.Select(v => (int)v).ToArray());
        int y = b.Output("y", type, [1]);
        b.Op(Fb.BuiltinOperator.GATHER, [p, i], [y], Fb.BuiltinOptions.GatherOptions, f => Fb.GatherOptions.CreateGatherOptions(f, axis, batchDims).Value);
        return b;
    }

    private static OpModelBuilder BuildGatherNd(TensorType type, int[] pshape, int[] ishape, TensorType indexType = TensorType.Int32)
    {
        var b = new OpModelBuilder();
        int p = b.Input("params", type, pshape);
        int i = b.Input("indices", indexType, ishape);
        int y = b.Output("y", type, [1]);
        b.Op(Fb.BuiltinOperator.GATHER_ND, [p, i], [y]);
        return b;
    }

    [Theory]
    [InlineData(TensorType.Int32)]
    [InlineData(TensorType.Int64)]
    public void GatherRowsAndColumns(TensorType indexType)
    {
        // params iota [3, 2]; axis 0 indices [[2, 0], [1, 1]] → shape [2, 2, 2]
        using var rows = Run(BuildGather(TensorType.Float32, [3, 2], [2, 2], [2, 0, 1, 1], 0, indexType: indexType), Bytes(Iota(6)));
        Assert.Equal([2, 2, 2], Shape(rows));
        Assert.Equal(new float[] { 4, 5, 0, 1, 2, 3, 2, 3 }, Out<float>(rows));
        // axis 1 (and -1) of iota [2, 3]: indices [2, 0] → [[2, 0], [5, 3]]
        foreach (var axis in new[] { 1, -1 })
        {
            using var cols = Run(BuildGather(TensorType.Float32, [2, 3], [2], [2, 0], axis, indexType: indexType), Bytes(Iota(6)));
            Assert.Equal([2, 2], Shape(cols));
            Assert.Equal(new float[] { 2, 0, 5, 3 }, Out<float>(cols));
        }
    }

    [Fact]
    public void GatherScalarIndexDropsTheAxis()
    {
        using var it = Run(BuildGather(TensorType.UInt8, [3, 2], [], [1], 0), [0, 1, 2, 3, 4, 5]);
        Assert.Equal([2], Shape(it));
        Assert.Equal(new byte[] { 2, 3 }, Out<byte>(it));
    }

    [Fact]
    public void GatherWithBatchDims()
    {
        // params iota [2, 3, 2], indices [[2, 0], [1, 1]], axis 1, batch_dims 1 → out[b, i, :] = params[b, idx[b, i], :]
        using var it = Run(BuildGather(TensorType.Int32, [2, 3, 2], [2, 2], [2, 0, 1, 1], 1, 1), Bytes(Enumerable.Range(0, 12).ToArray()));
        Assert.Equal([2, 2, 2], Shape(it));
        Assert.Equal(new[] { 4, 5, 0, 1, 8, 9, 8, 9 }, Out<int>(it));
        // batch_dims -1 with 2-D indices means 1
        using var neg = Run(BuildGather(TensorType.Int32, [2, 3, 2], [2, 2], [2, 0, 1, 1], 1, -1), Bytes(Enumerable.Range(0, 12).ToArray()));
        Assert.Equal(Out<int>(it), Out<int>(neg));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void GatherOutOfRangeIndexFailsTheInvoke(int bad)
    {
        using var it = BuildGather(TensorType.Float32, [3, 2], [2], null, 0).BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>(Iota(6));
        it.GetInputTensor(1).CopyFrom<int>(new[] { 0, bad });
        var e = Assert.Throws<InterpreterException>(() => it.Invoke());
        Assert.Contains("out of range", e.Message);
        it.GetInputTensor(1).CopyFrom<int>(new[] { 2, 1 });
        it.Invoke();
        Assert.Equal(new float[] { 4, 5, 2, 3 }, Out<float>(it));
    }

    [Fact]
    public void GatherRejectsBadOptions()
    {
        Assert.Throws<ModelFormatException>(() => BuildGather(TensorType.Float32, [3, 2], [2], [0, 1], 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildGather(TensorType.Float32, [3, 2], [2], [0, 1], -3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildGather(TensorType.Float32, [3, 2], [3, 2], [0, 1, 0, 1, 0, 1], 1, 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildGather(TensorType.Float32, [2, 3, 2], [3, 2], [0, 1, 0, 1, 0, 1], 1, 1).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildGather(TensorType.Float32, [3, 2], [2], [0, 1], 0, indexType: TensorType.Float32).BuildInterpreter());
    }

    [Theory]
    [InlineData(TensorType.Int32)]
    [InlineData(TensorType.Int64)]
    public void GatherNdFullAndPartialDepth(TensorType indexType)
    {
        byte[] Idx(params int[] v) => indexType == TensorType.Int64 ? Bytes(v.Select(x => (long)x).ToArray()) : Bytes(v);
        // params iota [2, 3, 2]; depth 3 indices [[1, 2, 0], [0, 1, 1]] → scalars 10, 3
        using var full = Run(BuildGatherNd(TensorType.Float32, [2, 3, 2], [2, 3], indexType), Bytes(Iota(12)), Idx(1, 2, 0, 0, 1, 1));
        Assert.Equal([2], Shape(full));
        Assert.Equal(new float[] { 10, 3 }, Out<float>(full));
        // depth 2 indices [[[1, 0]], [[0, 2]]] → shape [2, 1, 2], slices params[1, 0, :] and params[0, 2, :]
        using var part = Run(BuildGatherNd(TensorType.Float32, [2, 3, 2], [2, 1, 2], indexType), Bytes(Iota(12)), Idx(1, 0, 0, 2));
        Assert.Equal([2, 1, 2], Shape(part));
        Assert.Equal(new float[] { 6, 7, 4, 5 }, Out<float>(part));
        // depth 1 on int8 → whole rows
        using var rows = Run(BuildGatherNd(TensorType.Int8, [3, 2], [2, 1], indexType), [0, 1, 2, 3, 4, 5], Idx(2, 0));
        Assert.Equal(new sbyte[] { 4, 5, 0, 1 }, Out<sbyte>(rows));
    }

    [Fact]
    public void GatherNdChecksEveryIndexAgainstItsDimension()
    {
        // [0, 3] would be in bounds as a flat offset (0·3 + 3 = 3 < 6) but column 3 does not exist
        using var it = BuildGatherNd(TensorType.Float32, [2, 3], [1, 2]).BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>(Iota(6));
        it.GetInputTensor(1).CopyFrom<int>(new[] { 0, 3 });
        Assert.Throws<InterpreterException>(() => it.Invoke());
        it.GetInputTensor(1).CopyFrom<int>(new[] { -1, 0 });
        Assert.Throws<InterpreterException>(() => it.Invoke());
    }

    [Fact]
    public void GatherNdRejectsTooDeepIndices() =>
        Assert.Throws<ModelFormatException>(() => BuildGatherNd(TensorType.Float32, [2, 3], [1, 3]).BuildInterpreter());
}
