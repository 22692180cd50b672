using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ReshapeTests
{
    private static OpModelBuilder Reshape(int[] inShape, int[] newShape, int[] outShape)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, inShape);
        int s = m.Constant("shape", TensorType.Int32, [newShape.Length], newShape);
        int y = m.Output("y", TensorType.Float32, outShape);
        m.Op(Fb.BuiltinOperator.RESHAPE, [x, s], [y]);
        return m;
    }

    [Fact]
    public void InfersOneMinusOneAndKeepsTheBytes()
    {
        using var it = OpRun.Invoke(Reshape([1, 2, 3], [3, -1], [3, 2]), new float[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal(new[] { 3, 2 }, it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, it.Output<float>());
    }

    [Fact]
    public void ShapeFromOptionsWhenThereIsNoShapeInput()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [4]);
        int y = m.Output("y", TensorType.Float32, [2, 2]);
        m.Op(Fb.BuiltinOperator.RESHAPE, [x], [y], Fb.BuiltinOptions.ReshapeOptions,
            f => Fb.ReshapeOptions.CreateReshapeOptions(f, Fb.ReshapeOptions.CreateNewShapeVector(f, [2, 2])).Value);
        using var it = OpRun.Invoke(m, new float[] { 1, 2, 3, 4 });
        Assert.Equal(new[] { 2, 2 }, it.GetOutputTensor(0).ShapeArray);
    }

    [Fact]
    public void WrongElementCountOrTwoUnknownsAreFormatErrors()
    {
        Assert.Throws<ModelFormatException>(() => Reshape([6], [4], [4]).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Reshape([6], [-1, -1], [2, 3]).BuildInterpreter());
    }

    [Fact]
    public void SqueezeDropsTheGivenUnitDimensions()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 2, 1, 3]);
        int y = m.Output("y", TensorType.Float32, [2, 1, 3]);
        m.Op(Fb.BuiltinOperator.SQUEEZE, [x], [y], Fb.BuiltinOptions.SqueezeOptions,
            f => Fb.SqueezeOptions.CreateSqueezeOptions(f, Fb.SqueezeOptions.CreateSqueezeDimsVector(f, [0])).Value);
        using var it = OpRun.Invoke(m, new float[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal(new[] { 2, 1, 3 }, it.GetOutputTensor(0).ShapeArray);

        var bad = new OpModelBuilder();
        int bx = bad.Input("x", TensorType.Float32, [1, 2]);
        int by = bad.Output("y", TensorType.Float32, [1]);
        bad.Op(Fb.BuiltinOperator.SQUEEZE, [bx], [by], Fb.BuiltinOptions.SqueezeOptions,
            f => Fb.SqueezeOptions.CreateSqueezeOptions(f, Fb.SqueezeOptions.CreateSqueezeDimsVector(f, [1])).Value);
        Assert.Throws<ModelFormatException>(() => bad.BuildInterpreter());
    }
}
