using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

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
