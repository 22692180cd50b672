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

    [Theory]
    [InlineData(new[] { 1, 3, 5, 7 }, new[] { 0, 2, 3, 1 })] // NCHW → NHWC: 3 channels, walked along the columns
    [InlineData(new[] { 1, 5, 7, 3 }, new[] { 0, 3, 1, 2 })] // NHWC → NCHW
    [InlineData(new[] { 2, 3, 4, 5, 6 }, new[] { 4, 2, 0, 3, 1 })]
    [InlineData(new[] { 2, 1, 3, 2, 2, 3 }, new[] { 5, 3, 1, 4, 0, 2 })]
    [InlineData(new[] { 9, 2 }, new[] { 1, 0 })]
    public void MatchesIndexArithmeticForEveryElementSize(int[] shape, int[] perm)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var outShape = perm.Select(p => shape[p]).ToArray();
        var inStrides = new int[shape.Length];
        for (int i = shape.Length - 1, s = 1; i >= 0; s *= shape[i], i--) inStrides[i] = s;
        // expected[o] = input index of output element o
        var source = new int[n];
        for (int o = 0; o < n; o++)
        {
            int rest = o, src = 0;
            for (int d = outShape.Length - 1; d >= 0; d--) { src += rest % outShape[d] * inStrides[perm[d]]; rest /= outShape[d]; }
            source[o] = src;
        }
        var values = Enumerable.Range(0, n).Select(v => v * 7919L + 13).ToArray();
        using (var it = OpRun.Invoke(Transpose(TensorType.UInt8, shape, perm, outShape), values.Select(v => (byte)v).ToArray()))
            Assert.Equal(source.Select(s => (byte)values[s]).ToArray(), it.Output<byte>());
        using (var it = OpRun.Invoke(Transpose(TensorType.Int16, shape, perm, outShape), values.Select(v => (short)v).ToArray()))
            Assert.Equal(source.Select(s => (short)values[s]).ToArray(), it.Output<short>());
        using (var it = OpRun.Invoke(Transpose(TensorType.Float32, shape, perm, outShape), values.Select(v => (float)v).ToArray()))
            Assert.Equal(source.Select(s => (float)values[s]).ToArray(), it.Output<float>());
        using (var it = OpRun.Invoke(Transpose(TensorType.Int64, shape, perm, outShape), values))
            Assert.Equal(source.Select(s => values[s]).ToArray(), it.Output<long>());
    }

    [Fact]
    public void InvalidPermutationsAreFormatErrors()
    {
        Assert.Throws<ModelFormatException>(() => Transpose(TensorType.Float32, [2, 3], [0, 0], [2, 3]).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Transpose(TensorType.Float32, [2, 3], [0, 2], [2, 3]).BuildInterpreter());
    }
}
