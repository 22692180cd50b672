using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;

namespace EdgeLite.Tests.Kernels;

public class SliceTests
{
    private static OpModelBuilder Strided(int[] inShape, int[] begin, int[] end, int[] strides, int[] outShape,
        int beginMask = 0, int endMask = 0, int shrink = 0, bool offset = false)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, inShape);
        int b = m.Constant("b", TensorType.Int32, [begin.Length], begin);
        int e = m.Constant("e", TensorType.Int32, [end.Length], end);
        int s = m.Constant("s", TensorType.Int32, [strides.Length], strides);
        int y = m.Output("y", TensorType.Float32, outShape);
        m.Op(Fb.BuiltinOperator.STRIDED_SLICE, [x, b, e, s], [y], Fb.BuiltinOptions.StridedSliceOptions,
            f => Fb.StridedSliceOptions.CreateStridedSliceOptions(f, beginMask, endMask, 0, 0, shrink, offset).Value);
        return m;
    }

    private static readonly float[] M = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; // [3,4]

    [Fact]
    public void RowsAndStridedColumns()
    {
        using var it = OpRun.Invoke(Strided([3, 4], [1, 0], [3, 4], [1, 2], [2, 2]), M);
        Assert.Equal(new float[] { 4, 6, 8, 10 }, it.Output<float>());
    }

    [Fact]
    public void NegativeIndicesMasksAndReverse()
    {
        // begin_mask on axis 0, end -1 on axis 1 (up to the last), then a reversed row
        using var a = OpRun.Invoke(Strided([3, 4], [2, 1], [2, -1], [1, 1], [2, 2], beginMask: 1), M);
        Assert.Equal(new float[] { 1, 2, 5, 6 }, a.Output<float>());
        using var r = OpRun.Invoke(Strided([3, 4], [0, -1], [1, 0], [1, -1], [1, 3], endMask: 0), M);
        Assert.Equal(new float[] { 3, 2, 1 }, r.Output<float>());
        using var full = OpRun.Invoke(Strided([3, 4], [0, 3], [1, 0], [1, -1], [1, 4], endMask: 2), M);
        Assert.Equal(new float[] { 3, 2, 1, 0 }, full.Output<float>());
    }

    [Fact]
    public void ShrinkAxisDropsTheDimension()
    {
        using var it = OpRun.Invoke(Strided([3, 4], [1, 0], [2, 4], [1, 1], [4], shrink: 1), M);
        Assert.Equal(new[] { 4 }, it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, it.Output<float>());
    }

    [Fact]
    public void OffsetMeansEndIsASize()
    {
        using var it = OpRun.Invoke(Strided([3, 4], [0, 1], [1, 2], [1, 1], [1, 2], offset: true), M);
        Assert.Equal(new float[] { 1, 2 }, it.Output<float>());
    }

    [Fact]
    public void SliceWithMinusOneSize()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [3, 4]);
        int b = m.Constant("b", TensorType.Int32, [2], new[] { 1, 1 });
        int s = m.Constant("s", TensorType.Int32, [2], new[] { -1, 2 });
        int y = m.Output("y", TensorType.Float32, [2, 2]);
        m.Op(Fb.BuiltinOperator.SLICE, [x, b, s], [y]);
        using var it = OpRun.Invoke(m, M);
        Assert.Equal(new float[] { 5, 6, 9, 10 }, it.Output<float>());
    }

    [Fact]
    public void BadParametersAreRefused()
    {
        Assert.Throws<ModelFormatException>(() => Strided([3, 4], [0, 0], [1, 1], [1, 0], [1, 1]).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Strided([3, 4], [5, 0], [6, 4], [1, 1], [4], shrink: 1).BuildInterpreter());
    }

    [Fact]
    public void SplitAndSplitV()
    {
        var m = new OpModelBuilder();
        int a = m.Constant("axis", TensorType.Int32, [1], new[] { 1 });
        int x = m.Input("x", TensorType.Float32, [3, 4]);
        int y0 = m.Output("y0", TensorType.Float32, [3, 2]), y1 = m.Output("y1", TensorType.Float32, [3, 2]);
        m.Op(Fb.BuiltinOperator.SPLIT, [a, x], [y0, y1], Fb.BuiltinOptions.SplitOptions, f => Fb.SplitOptions.CreateSplitOptions(f, 2).Value);
        using var it = OpRun.Invoke(m, M);
        Assert.Equal(new float[] { 0, 1, 4, 5, 8, 9 }, it.Output<float>(0));
        Assert.Equal(new float[] { 2, 3, 6, 7, 10, 11 }, it.Output<float>(1));

        var v = new OpModelBuilder();
        int vx = v.Input("x", TensorType.Float32, [3, 4]);
        int sizes = v.Constant("sizes", TensorType.Int32, [2], new[] { -1, 1 });
        int va = v.Constant("axis", TensorType.Int32, [1], new[] { 0 });
        int v0 = v.Output("y0", TensorType.Float32, [2, 4]), v1 = v.Output("y1", TensorType.Float32, [1, 4]);
        v.Op(Fb.BuiltinOperator.SPLIT_V, [vx, sizes, va], [v0, v1], Fb.BuiltinOptions.SplitVOptions, f => Fb.SplitVOptions.CreateSplitVOptions(f, 2).Value);
        using var vit = OpRun.Invoke(v, M);
        Assert.Equal(new[] { 2, 4 }, vit.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 8, 9, 10, 11 }, vit.Output<float>(1));
    }

    [Fact]
    public void PackAndUnpack()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Int32, [2]), b = m.Input("b", TensorType.Int32, [2]);
        int y = m.Output("y", TensorType.Int32, [2, 2]);
        m.Op(Fb.BuiltinOperator.PACK, [a, b], [y], Fb.BuiltinOptions.PackOptions, f => Fb.PackOptions.CreatePackOptions(f, 2, 1).Value);
        using var it = OpRun.Invoke(m, new[] { 1, 2 }, new[] { 3, 4 });
        Assert.Equal(new[] { 1, 3, 2, 4 }, it.Output<int>());

        var u = new OpModelBuilder();
        int x = u.Input("x", TensorType.Int32, [2, 2]);
        int u0 = u.Output("u0", TensorType.Int32, [2]), u1 = u.Output("u1", TensorType.Int32, [2]);
        u.Op(Fb.BuiltinOperator.UNPACK, [x], [u0, u1], Fb.BuiltinOptions.UnpackOptions, f => Fb.UnpackOptions.CreateUnpackOptions(f, 2, 1).Value);
        using var ut = OpRun.Invoke(u, new[] { 1, 3, 2, 4 });
        Assert.Equal(new[] { 1, 2 }, ut.Output<int>(0));
        Assert.Equal(new[] { 3, 4 }, ut.Output<int>(1));
    }
}

/// <summary>Hand-computed edge cases per option and dtype (written independently of the kernel, first on a helper branch).</summary>
public class SliceCaseTests
{
    private static OpModelBuilder BuildSlice(TensorType type, int[] shape, Array begin, Array size, TensorType indexType = TensorType.Int32, bool constant = true)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape);
        int bi, si;
        if (!constant) { bi = b.Input("begin", indexType, [begin.Length]); si = b.Input("size", indexType, [size.Length]); }
        else if (indexType == TensorType.Int64)
        {
            bi = b.Constant("begin", indexType, [begin.Length], begin.Cast<int>().Select(v => (long)v).ToArray());
            si = b.Constant("size", indexType, [size.Length], size.Cast<int>().Select(v => (long)v).ToArray());
        }
        else { bi = b.Constant("begin", indexType, [begin.Length], (int[])begin); si = b.Constant("size", indexType, [size.Length], (int[])size); }
        int y = b.Output("y", type, [1]);
        b.Op(Fb.BuiltinOperator.SLICE, [x, bi, si], [y]);
        return b;
    }

    [Theory]
    [InlineData(TensorType.Int32)]
    [InlineData(TensorType.Int64)]
    public void SliceHandComputed(TensorType indexType)
    {
        // iota [3, 4]: begin [1, 1], size [2, -1] → rows 1..2, columns 1..3
        using var it = Run(BuildSlice(TensorType.Float32, [3, 4], new[] { 1, 1 }, new[] { 2, -1 }, indexType), Bytes(Iota(12)));
        Assert.Equal([2, 3], Shape(it));
        Assert.Equal(new float[] { 5, 6, 7, 9, 10, 11 }, Out<float>(it));
    }

    [Fact]
    public void SliceOfRank5AndEmptySlice()
    {
        using var it = Run(BuildSlice(TensorType.Int8, [2, 1, 2, 1, 3], new[] { 1, 0, 1, 0, 2 }, new[] { 1, 1, 1, 1, 1 }), Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
        Assert.Equal(new sbyte[] { 11 }, Out<sbyte>(it));
        using var empty = Run(BuildSlice(TensorType.Int8, [2, 3], new[] { 2, 0 }, new[] { 0, 3 }), new byte[6]);
        Assert.Equal([0, 3], Shape(empty));
    }

    [Fact]
    public void SliceRejectsOutOfRangeAndDynamicParameters()
    {
        Assert.Throws<ModelFormatException>(() => BuildSlice(TensorType.Float32, [3, 4], new[] { 2, 0 }, new[] { 2, 4 }).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSlice(TensorType.Float32, [3, 4], new[] { -1, 0 }, new[] { 1, 4 }).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSlice(TensorType.Float32, [3, 4], new[] { 0, 0 }, new[] { 1, -2 }).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildSlice(TensorType.Float32, [3, 4], new[] { 0 }, new[] { 1 }).BuildInterpreter());
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => BuildSlice(TensorType.Float32, [3, 4], new[] { 0, 0 }, new[] { 1, 1 }, constant: false).BuildInterpreter()).Message);
    }

    private static OpModelBuilder BuildStrided(TensorType type, int[] shape, int[] begin, int[] end, int[] strides,
        int beginMask = 0, int endMask = 0, int ellipsisMask = 0, int newAxisMask = 0, int shrinkMask = 0, bool offset = false, bool constant = true, TensorType? outType = null)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape);
        int bi = constant ? b.Constant("begin", TensorType.Int32, [begin.Length], begin) : b.Input("begin", TensorType.Int32, [begin.Length]);
        int ei = b.Constant("end", TensorType.Int32, [end.Length], end);
        int si = b.Constant("strides", TensorType.Int32, [strides.Length], strides);
        int y = b.Output("y", outType ?? type, [1]);
        b.Op(Fb.BuiltinOperator.STRIDED_SLICE, [x, bi, ei, si], [y], Fb.BuiltinOptions.StridedSliceOptions,
            f => Fb.StridedSliceOptions.CreateStridedSliceOptions(f, beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask, offset).Value);
        return b;
    }

    private static (int[] Shape, float[] Values) Strided(int[] shape, int[] begin, int[] end, int[] strides,
        int beginMask = 0, int endMask = 0, int ellipsisMask = 0, int newAxisMask = 0, int shrinkMask = 0, bool offset = false)
    {
        int n = shape.Aggregate(1, (a, d) => a * d);
        using var it = Run(BuildStrided(TensorType.Float32, shape, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask, offset), Bytes(Iota(n)));
        return (Shape(it), Out<float>(it));
    }

    [Fact]
    public void StridedSliceBasicAndStrides()
    {
        // iota [3, 4]: [1:3, 0:4:2]
        var (s, v) = Strided([3, 4], [1, 0], [3, 4], [1, 2]);
        Assert.Equal([2, 2], s); Assert.Equal(new float[] { 4, 6, 8, 10 }, v);
        // stride 3 on 0..7 of length 8 → 0, 3, 6
        (s, v) = Strided([8], [0], [8], [3]);
        Assert.Equal([3], s); Assert.Equal(new float[] { 0, 3, 6 }, v);
    }

    [Fact]
    public void StridedSliceNegativeIndicesAndStrides()
    {
        // [::-1] via both masks
        var (s, v) = Strided([6], [0], [0], [-1], beginMask: 1, endMask: 1);
        Assert.Equal([6], s); Assert.Equal(new float[] { 5, 4, 3, 2, 1, 0 }, v);
        // [-1:-4:-1] → 5, 4, 3
        (s, v) = Strided([6], [-1], [-4], [-1]);
        Assert.Equal(new float[] { 5, 4, 3 }, v);
        // [-2:] via end_mask, stride 1 → 4, 5
        (s, v) = Strided([6], [-2], [0], [1], endMask: 1);
        Assert.Equal(new float[] { 4, 5 }, v);
        // out-of-range indices clamp: [-10:10] → all; reversed [10:-10:-2] → 5, 3, 1
        (s, v) = Strided([6], [-10], [10], [1]);
        Assert.Equal(Iota(6), v);
        (s, v) = Strided([6], [10], [-10], [-2]);
        Assert.Equal(new float[] { 5, 3, 1 }, v);
        // empty: [4:2]
        (s, v) = Strided([6], [4], [2], [1]);
        Assert.Equal([0], s);
    }

    [Fact]
    public void StridedSliceBeginAndEndMasks()
    {
        // iota [3, 4]: begin_mask on dim 0, end_mask on dim 1: [:2, 1:]
        var (s, v) = Strided([3, 4], [2, 1], [2, 2], [1, 1], beginMask: 1, endMask: 2);
        Assert.Equal([2, 3], s); Assert.Equal(new float[] { 1, 2, 3, 5, 6, 7 }, v);
        // reversed rows with both masks, every second column: [::-1, ::2]
        (s, v) = Strided([3, 4], [0, 0], [0, 0], [-1, 2], beginMask: 3, endMask: 3);
        Assert.Equal(new float[] { 8, 10, 4, 6, 0, 2 }, v);
    }

    [Fact]
    public void StridedSliceShrinkAxis()
    {
        // x[1] on [3, 4] → row 1, rank 1
        var (s, v) = Strided([3, 4], [1, 0], [2, 4], [1, 1], shrinkMask: 1);
        Assert.Equal([4], s); Assert.Equal(new float[] { 4, 5, 6, 7 }, v);
        // x[-1, 2] → scalar 10 (end is ignored for shrunk axes)
        (s, v) = Strided([3, 4], [-1, 2], [0, 0], [1, 1], shrinkMask: 3);
        Assert.Empty(s); Assert.Equal(new float[] { 10 }, v);
        // x[:, -1] with a negative stride on the shrunk axis still takes one element
        (s, v) = Strided([3, 4], [0, -1], [3, 0], [1, -1], shrinkMask: 2);
        Assert.Equal([3], s); Assert.Equal(new float[] { 3, 7, 11 }, v);
    }

    [Fact]
    public void StridedSliceNewAxisEllipsisAndOffset()
    {
        // [newaxis, 0:3, 1:2] on [3, 4] → [1, 3, 1]
        var (s, v) = Strided([3, 4], [0, 0, 1], [0, 3, 2], [1, 1, 1], newAxisMask: 1);
        Assert.Equal([1, 3, 1], s); Assert.Equal(new float[] { 1, 5, 9 }, v);
        // [0:2, newaxis] on [3, 4] → [2, 1, 4] (the trailing dimension is taken whole)
        (s, v) = Strided([3, 4], [0, 0], [2, 0], [1, 1], newAxisMask: 2);
        Assert.Equal([2, 1, 4], s); Assert.Equal(Iota(8), v);
        // [..., 1] with shrink on [2, 3, 4] → x[:, :, 1], shape [2, 3]
        (s, v) = Strided([2, 3, 4], [0, 1], [0, 2], [1, 1], ellipsisMask: 1, shrinkMask: 2);
        Assert.Equal([2, 3], s); Assert.Equal(new float[] { 1, 5, 9, 13, 17, 21 }, v);
        // [1, ...] with shrink on [2, 3, 4] → x[1], shape [3, 4]
        (s, v) = Strided([2, 3, 4], [1, 0], [2, 0], [1, 1], ellipsisMask: 2, shrinkMask: 1);
        Assert.Equal([3, 4], s); Assert.Equal(Iota(24).Skip(12).ToArray(), v);
        // [..., newaxis] on [2, 3] → [2, 3, 1]
        (s, v) = Strided([2, 3], [0, 0], [0, 0], [1, 1], ellipsisMask: 1, newAxisMask: 2);
        Assert.Equal([2, 3, 1], s); Assert.Equal(Iota(6), v);
        // offset: end is relative to begin: begin 1, end 2 → [1:3]
        (s, v) = Strided([6], [1], [2], [1], offset: true);
        Assert.Equal(new float[] { 1, 2 }, v);
        // fewer entries than dimensions: [1:2] on [3, 4] → [1, 4]
        (s, v) = Strided([3, 4], [1], [2], [1]);
        Assert.Equal([1, 4], s); Assert.Equal(new float[] { 4, 5, 6, 7 }, v);
    }

    [Fact]
    public void StridedSliceRank5()
    {
        var (s, v) = Strided([2, 2, 2, 2, 3], [1, 0, 1, 0, 0], [2, 2, 2, 2, 3], [1, 2, 1, 1, -2], endMask: 16, beginMask: 16);
        Assert.Equal([1, 1, 1, 2, 2], s);
        // element (1, 0, 1, j, k) at 1·24 + 1·6 + j·3 + k; k = 2, 0
        Assert.Equal(new float[] { 32, 30, 35, 33 }, v);
    }

    public static TheoryData<TensorType> Types() => [TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64, TensorType.Bool, TensorType.Float16];

    [Theory]
    [MemberData(nameof(Types))]
    public void StridedSliceAndSliceCopyAnyElementType(TensorType type)
    {
        int e = type.ElementSize();
        var input = new byte[12 * e];
        for (int i = 0; i < 12; i++) for (int k = 0; k < e; k++) input[i * e + k] = (byte)(i * 16 + k);
        byte[] Pick(params int[] idx) => idx.SelectMany(i => input.AsSpan(i * e, e).ToArray()).ToArray();
        using (var it = Run(BuildStrided(type, [3, 4], [2, 3], [0, 0], [-2, -2]), input))
            Assert.Equal(Pick(11, 9), it.GetOutputTensor(0).AsBytes().ToArray());
        using (var it = Run(BuildSlice(type, [3, 4], new[] { 1, 2 }, new[] { 2, 2 }), input))
            Assert.Equal(Pick(6, 7, 10, 11), it.GetOutputTensor(0).AsBytes().ToArray());
    }

    [Fact]
    public void StridedSliceRejectsBadParameters()
    {
        Assert.Throws<ModelFormatException>(() => BuildStrided(TensorType.Float32, [3, 4], [0, 0], [3, 4], [1, 0]).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildStrided(TensorType.Float32, [3, 4], [3, 0], [4, 4], [1, 1], shrinkMask: 1).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildStrided(TensorType.Float32, [3, 4], [0, 0], [3, 4], [1, 1], outType: TensorType.Int32).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BuildStrided(TensorType.Float32, [3], [0, 0], [3, 4], [1, 1]).BuildInterpreter());
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => BuildStrided(TensorType.Float32, [3, 4], [0, 0], [3, 4], [1, 1], constant: false).BuildInterpreter()).Message);
    }
}
