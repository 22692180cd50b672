using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class PadTests
{
    [Fact]
    public void FloatPadsWithZeros()
    {
        // [1,2,2,1] = 1 2 / 3 4, one row before, one column after → [1,3,3,1]
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int p = m.Constant("p", TensorType.Int32, [4, 2], new[] { 0, 0, 1, 0, 0, 1, 0, 0 });
        int y = m.Output("y", TensorType.Float32, [1, 3, 3, 1]);
        m.Op(Fb.BuiltinOperator.PAD, [x, p], [y]);
        using var it = OpRun.Invoke(m, new float[] { 1, 2, 3, 4 });
        Assert.Equal(new[] { 1, 3, 3, 1 }, it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(new float[] { 0, 0, 0, 1, 2, 0, 3, 4, 0 }, it.Output<float>());
    }

    [Fact]
    public void QuantizedPadsWithTheZeroPointAndInt64Paddings()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.UInt8, [1, 2], Quant.PerTensor(0.5f, 7));
        int p = m.Constant("p", TensorType.Int64, [2, 2], new long[] { 0, 0, 2, 1 });
        int y = m.Output("y", TensorType.UInt8, [1, 5], Quant.PerTensor(0.5f, 7));
        m.Op(Fb.BuiltinOperator.PAD, [x, p], [y]);
        using var it = OpRun.Invoke(m, new byte[] { 100, 200 });
        Assert.Equal(new byte[] { 7, 7, 100, 200, 7 }, it.Output<byte>());
    }

    [Fact]
    public void PadV2UsesTheConstantValue()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Int8, [2], Quant.PerTensor(1f, 0));
        int p = m.Constant("p", TensorType.Int32, [1, 2], new[] { 1, 2 });
        int c = m.Constant("c", TensorType.Int8, [1], new sbyte[] { -5 }, Quant.PerTensor(1f, 0));
        int y = m.Output("y", TensorType.Int8, [5], Quant.PerTensor(1f, 0));
        m.Op(Fb.BuiltinOperator.PADV2, [x, p, c], [y]);
        using var it = OpRun.Invoke(m, new sbyte[] { 1, 2 });
        Assert.Equal(new sbyte[] { -5, 1, 2, -5, -5 }, it.Output<sbyte>());
    }

    [Theory]
    [InlineData(0, 1, 0, 1, 0, 0)]  // spatial only: runs of W·C
    [InlineData(1, 0, 0, 1, 1, 1)]  // channels too: runs of C
    [InlineData(0, 0, 0, 0, 0, 0)]  // nothing: one run
    [InlineData(0, 0, 0, 0, 0, 4)]  // channels only (BlazeFace): per-pixel copy and pad tail
    [InlineData(0, 0, 0, 0, 2, 3)]
    public void PaddingAnyDimensionsMatchesAnElementwiseCopy(int top, int bottom, int left, int right, int cBefore, int cAfter)
    {
        int[] inShape = [2, 3, 4, 5];
        int[] outShape = [2, 3 + top + bottom, 4 + left + right, 5 + cBefore + cAfter];
        var x = Enumerable.Range(1, 120).Select(i => (float)i).ToArray();
        var m = new OpModelBuilder();
        int xi = m.Input("x", TensorType.Float32, inShape);
        int p = m.Constant("p", TensorType.Int32, [4, 2], new[] { 0, 0, top, bottom, left, right, cBefore, cAfter });
        int y = m.Output("y", TensorType.Float32, outShape);
        m.Op(Fb.BuiltinOperator.PAD, [xi, p], [y]);
        using var it = OpRun.Invoke(m, x);
        var got = it.Output<float>();
        var expected = new float[outShape.Aggregate(1, (a, b) => a * b)];
        for (int n = 0; n < 2; n++) for (int h = 0; h < 3; h++) for (int w = 0; w < 4; w++) for (int c = 0; c < 5; c++)
            expected[((n * outShape[1] + h + top) * outShape[2] + w + left) * outShape[3] + c + cBefore] = x[((n * 3 + h) * 4 + w) * 5 + c];
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int16)]
    [InlineData(TensorType.Float32)]
    public void ChannelOnlyPaddingOfEveryElementSize(TensorType t)
    {
        // 40 channels widened to 47 (3 before, 4 after): runs longer than one vector, pad values per element size
        const int pixels = 6, inC = 40, outC = 47;
        var q = t == TensorType.Float32 ? null : Quant.PerTensor(0.1f, t == TensorType.UInt8 ? 9 : -3);
        var m = new OpModelBuilder();
        int xi = m.Input("x", t, [1, 2, 3, inC], q);
        int p = m.Constant("p", TensorType.Int32, [4, 2], new[] { 0, 0, 0, 0, 0, 0, 3, 4 });
        int y = m.Output("y", t, [1, 2, 3, outC], q);
        m.Op(Fb.BuiltinOperator.PAD, [xi, p], [y]);
        int size = t == TensorType.UInt8 ? 1 : t == TensorType.Int16 ? 2 : 4;
        var x = new byte[pixels * inC * size];
        new Random(1).NextBytes(x);
        using var it = OpRun.Invoke(m, x);
        var got = it.GetOutputTensor(0).AsBytes().ToArray();
        byte[] pad = t == TensorType.UInt8 ? [9] : t == TensorType.Int16 ? BitConverter.GetBytes((short)-3) : new byte[4];
        for (int px = 0; px < pixels; px++)
            for (int c = 0; c < outC; c++)
                for (int b = 0; b < size; b++)
                {
                    byte expected = c < 3 || c >= 3 + inC ? pad[b] : x[(px * inC + c - 3) * size + b];
                    Assert.Equal(expected, got[(px * outC + c) * size + b]);
                }
    }

    [Fact]
    public void NegativeOrMisshapenPaddingsAreFormatErrors()
    {
        foreach (var (shape, values) in new (int[], int[])[] { ([1, 2], [-1, 0]), ([2, 2], [0, 0, 0, 0]) })
        {
            var m = new OpModelBuilder();
            int x = m.Input("x", TensorType.Float32, [3]);
            int p = m.Constant("p", TensorType.Int32, shape, values);
            int y = m.Output("y", TensorType.Float32, [3]);
            m.Op(Fb.BuiltinOperator.PAD, [x, p], [y]);
            Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
        }
    }
}
