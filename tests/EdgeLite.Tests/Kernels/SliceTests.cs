using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

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
