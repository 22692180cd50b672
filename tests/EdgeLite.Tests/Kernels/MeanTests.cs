using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class MeanTests
{
    private static OpModelBuilder Mean(TensorType t, int[] inShape, int[] axes, int[] outShape, bool keepDims, Quant? qin = null, Quant? qout = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, inShape, qin);
        int a = m.Constant("axes", TensorType.Int32, [axes.Length], axes);
        int y = m.Output("y", t, outShape, qout);
        m.Op(Fb.BuiltinOperator.MEAN, [x, a], [y], Fb.BuiltinOptions.ReducerOptions, f => Fb.ReducerOptions.CreateReducerOptions(f, keepDims).Value);
        return m;
    }

    private static readonly float[] Values = [1, 2, 3, 4, 5, 6, 7, 8]; // [1,2,2,2]: channel 0 = 1,3,5,7; channel 1 = 2,4,6,8

    [Fact]
    public void FloatOverHeightAndWidth()
    {
        using var keep = OpRun.Invoke(Mean(TensorType.Float32, [1, 2, 2, 2], [1, 2], [1, 1, 1, 2], true), Values);
        Assert.Equal(new[] { 1, 1, 1, 2 }, keep.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new[] { 4f, 5f }, keep.Output<float>());
        using var drop = OpRun.Invoke(Mean(TensorType.Float32, [1, 2, 2, 2], [1, 2], [1, 2], false), Values);
        Assert.Equal(new[] { 1, 2 }, drop.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new[] { 4f, 5f }, drop.Output<float>());
    }

    [Fact]
    public void FloatNegativeAxis()
    {
        using var it = OpRun.Invoke(Mean(TensorType.Float32, [1, 2, 2, 2], [-1], [1, 2, 2], false), Values);
        Assert.Equal(new[] { 1.5f, 3.5f, 5.5f, 7.5f }, it.Output<float>());
    }

    [Fact]
    public void QuantizedMeanRoundsHalfAwayFromZero()
    {
        // H,W of [1,2,2,1] with keep_dims (the integer path): 1,2,2,2 → 1.75 → 2; with another output scale ×2: 0.875 → 1
        using var it = OpRun.Invoke(Mean(TensorType.UInt8, [1, 2, 2, 1], [1, 2], [1, 1, 1, 1], true, Quant.PerTensor(1f, 0), Quant.PerTensor(1f, 0)),
            new byte[] { 1, 2, 2, 2 });
        Assert.Equal(new byte[] { 2 }, it.Output<byte>());
        using var s2 = OpRun.Invoke(Mean(TensorType.Int8, [1, 2, 2, 1], [1, 2], [1, 1, 1, 1], true, Quant.PerTensor(1f, 0), Quant.PerTensor(2f, 0)),
            new sbyte[] { -1, -2, -2, -2 });
        Assert.Equal(new sbyte[] { -1 }, s2.Output<sbyte>()); // -1.75 / 2 = -0.875 → -1
    }

    [Fact]
    public void OutOfRangeAxisIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Mean(TensorType.Float32, [1, 2], [2], [1], false).BuildInterpreter());
}
