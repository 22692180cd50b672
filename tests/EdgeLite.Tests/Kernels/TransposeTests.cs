using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class TransposeTests
{
    private static OpModelBuilder Transpose(TensorType t, int[] inShape, int[] perm, int[] outShape)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, inShape);
        int p = m.Constant("perm", TensorType.Int32, [perm.Length], perm);
        int y = m.Output("y", t, outShape);
        m.Op(Fb.BuiltinOperator.TRANSPOSE, [x, p], [y]);
        return m;
    }

    [Fact]
    public void MatrixTranspose()
    {
        using var it = OpRun.Invoke(Transpose(TensorType.Float32, [2, 3], [1, 0], [3, 2]), new float[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal(new[] { 3, 2 }, it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, it.Output<float>());
    }

    [Fact]
    public void NhwcToNchwOnBytes()
    {
        // [1,2,2,2] NHWC: pixel p channel c = 10p + c → NCHW: channel 0 = 0,10,20,30; channel 1 = 1,11,21,31
        using var it = OpRun.Invoke(Transpose(TensorType.Int8, [1, 2, 2, 2], [0, 3, 1, 2], [1, 2, 2, 2]),
            new sbyte[] { 0, 1, 10, 11, 20, 21, 30, 31 });
        Assert.Equal(new sbyte[] { 0, 10, 20, 30, 1, 11, 21, 31 }, it.Output<sbyte>());
    }

    [Fact]
    public void InvalidPermutationsAreFormatErrors()
    {
        Assert.Throws<ModelFormatException>(() => Transpose(TensorType.Float32, [2, 3], [0, 0], [2, 3]).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Transpose(TensorType.Float32, [2, 3], [0, 2], [2, 3]).BuildInterpreter());
    }
}
