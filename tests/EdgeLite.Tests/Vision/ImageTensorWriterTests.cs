using EdgeLite.Tests.Infrastructure;
using EdgeLite.Vision;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Vision;

public class ImageTensorWriterTests
{
    /// <summary>An interpreter whose input 0 has the given type/shape (a RESHAPE to itself).</summary>
    private static Interpreter WithInput(TensorType type, int[] shape, Quant? q = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("image", type, shape, q);
        int s = m.Constant("shape", TensorType.Int32, [shape.Length], shape);
        int y = m.Output("y", type, shape, q);
        m.Op(Fb.BuiltinOperator.RESHAPE, [x, s], [y]);
        return m.BuildInterpreter();
    }

    // 2x2 image: red, green / blue, (0, 51, 255)
    private static RgbImage Image() => new(2, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 51, 255]);

    [Fact]
    public void UInt8TakesThePixelsAsTheyAre()
    {
        using var it = WithInput(TensorType.UInt8, [1, 2, 2, 3], Quant.PerTensor(1f, 0));
        ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.MinusOneToOne);
        Assert.Equal(Image().Pixels, it.GetInputTensor(0).AsBytes().ToArray());
    }

    [Fact]
    public void FloatIsNormalised()
    {
        using var it = WithInput(TensorType.Float32, [1, 2, 2, 3]);
        ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.MinusOneToOne);
        var v = it.GetInputTensor(0).ToArray<float>();
        Assert.Equal(1f, v[0]); Assert.Equal(-1f, v[1]);
        Assert.Equal(-0.6f, v[10], 1e-6f); // (51 - 127.5) / 127.5
        using var z = WithInput(TensorType.Float32, [1, 2, 2, 3]);
        ImageTensorWriter.Fill(z.GetInputTensor(0), Image(), new InputNormalization([0f, 10f, 20f], [1f, 2f, 4f]));
        var w = z.GetInputTensor(0).ToArray<float>();
        Assert.Equal(new[] { 255f, -5f, -5f }, w[..3]); // per-channel mean/std
    }

    [Fact]
    public void NchwWritesChannelPlanes()
    {
        using var it = WithInput(TensorType.Float32, [1, 3, 2, 2]);
        ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.Raw);
        Assert.Equal(new float[] { 255, 0, 0, 0, 0, 255, 0, 51, 0, 0, 255, 255 }, it.GetInputTensor(0).ToArray<float>());
    }

    [Fact]
    public void GrayInputsGetTheLuminance()
    {
        using var it = WithInput(TensorType.UInt8, [1, 2, 2, 1], Quant.PerTensor(1f, 0));
        ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.Raw);
        // round(0.299 r + 0.587 g + 0.114 b): red 76, green 150, blue 29, (0,51,255) 59
        Assert.Equal(new byte[] { 76, 150, 29, 59 }, it.GetInputTensor(0).AsBytes().ToArray());
    }

    [Fact]
    public void Int8GoesThroughTheInputQuantization()
    {
        using var it = WithInput(TensorType.Int8, [1, 2, 2, 3], Quant.PerTensor(1 / 128f, 0));
        ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.MinusOneToOne);
        var v = it.GetInputTensor(0).ToArray<sbyte>();
        Assert.Equal(new sbyte[] { 127, -128, -128 }, v[..3]); // 1.0 → 128 clamps to 127; -1.0 → -128
        using var raw = WithInput(TensorType.Int8, [1, 2, 2, 3], Quant.PerTensor(1 / 128f, 0));
        ImageTensorWriter.Fill(raw.GetInputTensor(0), Image(), InputNormalization.Raw);
        Assert.Equal(new sbyte[] { 127, -128, -128 }, raw.GetInputTensor(0).ToArray<sbyte>()[..3]); // pixel - 128
    }

    [Fact]
    public void ResizesToTheInputSize()
    {
        using var it = WithInput(TensorType.UInt8, [1, 3, 5, 3], Quant.PerTensor(1f, 0));
        var big = new RgbImage(50, 30, Enumerable.Repeat((byte)9, 50 * 30 * 3).ToArray());
        ImageTensorWriter.Fill(it.GetInputTensor(0), big, InputNormalization.Raw);
        Assert.All(it.GetInputTensor(0).AsBytes().ToArray(), v => Assert.Equal(9, v));
    }

    [Fact]
    public void NonImageTensorsAreRefused()
    {
        using var it = WithInput(TensorType.Float32, [1, 10]);
        Assert.Throws<ArgumentException>(() => ImageTensorWriter.Fill(it.GetInputTensor(0), Image(), InputNormalization.Raw));
        using var five = WithInput(TensorType.Float32, [1, 4, 4, 5]);
        Assert.Throws<ArgumentException>(() => ImageTensorWriter.Fill(five.GetInputTensor(0), Image(), InputNormalization.Raw));
    }
}
