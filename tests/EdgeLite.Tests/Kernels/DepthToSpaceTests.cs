using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;

namespace EdgeLite.Tests.Kernels;

public class DepthToSpaceTests
{
    [Fact]
    public void DepthToSpaceAndBack()
    {
        // [1,1,2,4] block 2 → [1,2,4,1]: pixel 0 channels 1..4 become a 2x2 block, pixel 1 channels 5..8 the next
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 1, 2, 4]);
        int y = m.Output("y", TensorType.Float32, [1, 2, 4, 1]);
        m.Op(Fb.BuiltinOperator.DEPTH_TO_SPACE, [x], [y], Fb.BuiltinOptions.DepthToSpaceOptions, f => Fb.DepthToSpaceOptions.CreateDepthToSpaceOptions(f, 2).Value);
        using var it = OpRun.Invoke(m, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        Assert.Equal(new[] { 1, 2, 4, 1 }, it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 1, 2, 5, 6, 3, 4, 7, 8 }, it.Output<float>());

        var back = new OpModelBuilder();
        int bx = back.Input("x", TensorType.Float32, [1, 2, 4, 1]);
        int by = back.Output("y", TensorType.Float32, [1, 1, 2, 4]);
        back.Op(Fb.BuiltinOperator.SPACE_TO_DEPTH, [bx], [by], Fb.BuiltinOptions.SpaceToDepthOptions, f => Fb.SpaceToDepthOptions.CreateSpaceToDepthOptions(f, 2).Value);
        using var b2 = OpRun.Invoke(back, new float[] { 1, 2, 5, 6, 3, 4, 7, 8 });
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, b2.Output<float>());
    }

    [Fact]
    public void ChannelsNotDivisibleByTheBlockAreAFormatError()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 1, 1, 6]);
        int y = m.Output("y", TensorType.Float32, [1, 2, 2, 1]);
        m.Op(Fb.BuiltinOperator.DEPTH_TO_SPACE, [x], [y], Fb.BuiltinOptions.DepthToSpaceOptions, f => Fb.DepthToSpaceOptions.CreateDepthToSpaceOptions(f, 2).Value);
        Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
    }
}

/// <summary>Hand-computed edge cases per option and dtype (written independently of the kernel, first on a helper branch).</summary>
public class DepthToSpaceCaseTests
{
    private static OpModelBuilder Build(bool toSpace, TensorType type, int[] shape, int block)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape);
        int y = b.Output("y", type, [1]);
        if (toSpace) b.Op(Fb.BuiltinOperator.DEPTH_TO_SPACE, [x], [y], Fb.BuiltinOptions.DepthToSpaceOptions, f => Fb.DepthToSpaceOptions.CreateDepthToSpaceOptions(f, block).Value);
        else b.Op(Fb.BuiltinOperator.SPACE_TO_DEPTH, [x], [y], Fb.BuiltinOptions.SpaceToDepthOptions, f => Fb.SpaceToDepthOptions.CreateSpaceToDepthOptions(f, block).Value);
        return b;
    }

    [Fact]
    public void DepthToSpaceHandComputed()
    {
        // one pixel with 8 channels, block 2 → 2x2 pixels of 2 channels: pixel (by, bx) takes channels (by·2 + bx)·2 + c
        using var it = Run(Build(true, TensorType.Float32, [1, 1, 1, 8], 2), Bytes(Iota(8)));
        Assert.Equal([1, 2, 2, 2], Shape(it));
        Assert.Equal(Iota(8), Out<float>(it));
        // 1x2 pixels with 4 channels, block 2 → 2x4 of 1 channel: row 0 = [p0c0, p0c1, p1c0, p1c1], row 1 = [p0c2, p0c3, p1c2, p1c3]
        using var wide = Run(Build(true, TensorType.UInt8, [1, 1, 2, 4], 2), [0, 1, 2, 3, 4, 5, 6, 7]);
        Assert.Equal([1, 2, 4, 1], Shape(wide));
        Assert.Equal(new byte[] { 0, 1, 4, 5, 2, 3, 6, 7 }, Out<byte>(wide));
    }

    [Fact]
    public void SpaceToDepthHandComputed()
    {
        // 2x4 of 1 channel, block 2 → 1x2 pixels of 4 channels (the inverse of the case above)
        using var it = Run(Build(false, TensorType.UInt8, [1, 2, 4, 1], 2), [0, 1, 4, 5, 2, 3, 6, 7]);
        Assert.Equal([1, 1, 2, 4], Shape(it));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7 }, Out<byte>(it));
    }

    public static TheoryData<TensorType, int> RoundTrips()
    {
        var d = new TheoryData<TensorType, int>();
        foreach (var t in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64 })
            foreach (var block in new[] { 1, 2, 3 }) d.Add(t, block);
        return d;
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void SpaceToDepthInvertsDepthToSpace(TensorType type, int block)
    {
        int[] shape = [2, 2, 3, 2 * block * block];
        int n = shape.Aggregate(1, (a, d) => a * d) * type.ElementSize();
        var input = Enumerable.Range(0, n).Select(i => (byte)(i * 7 + 3)).ToArray();
        using var d2s = Run(Build(true, type, shape, block), input);
        Assert.Equal([2, 2 * block, 3 * block, 2], Shape(d2s));
        var space = d2s.GetOutputTensor(0).AsBytes().ToArray();
        using var s2d = Run(Build(false, type, Shape(d2s), block), space);
        Assert.Equal(shape, Shape(s2d));
        Assert.Equal(input, s2d.GetOutputTensor(0).AsBytes().ToArray());
        // spot check: space pixel (n=1, h=1, w=block+1 … clipped to the block grid) reads depth (1, 1/b, (b+1)/b, (by·b + bx)·C + c)
        int e = type.ElementSize(), b = block, sh = 1, sw = Math.Min(block + 1, 3 * block - 1), c = 1;
        int depthIndex = ((1 * 2 + sh / b) * 3 + sw / b) * (2 * b * b) + ((sh % b) * b + sw % b) * 2 + c;
        int spaceIndex = ((1 * 2 * b + sh) * 3 * b + sw) * 2 + c;
        Assert.Equal(input.AsSpan(depthIndex * e, e).ToArray(), space.AsSpan(spaceIndex * e, e).ToArray());
    }

    [Fact]
    public void BadBlocksAreInvalid()
    {
        Assert.Throws<ModelFormatException>(() => Build(true, TensorType.Float32, [1, 1, 1, 6], 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(true, TensorType.Float32, [1, 1, 1, 4], 0).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(false, TensorType.Float32, [1, 3, 4, 1], 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(false, TensorType.Float32, [2, 4, 1], 2).BuildInterpreter());
    }
}
