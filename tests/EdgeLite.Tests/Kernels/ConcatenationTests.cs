using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class ConcatenationTests
{
    [Fact]
    public void FloatAlongLastAxisWithNegativeIndex()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Float32, [2, 1]), b = m.Input("b", TensorType.Float32, [2, 2]);
        int y = m.Output("y", TensorType.Float32, [2, 3]);
        m.Op(Fb.BuiltinOperator.CONCATENATION, [a, b], [y], Fb.BuiltinOptions.ConcatenationOptions, f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, -1).Value);
        using var it = OpRun.Invoke(m, new float[] { 1, 2 }, new float[] { 10, 11, 20, 21 });
        Assert.Equal(new float[] { 1, 10, 11, 2, 20, 21 }, it.Output<float>());
    }

    [Fact]
    public void QuantizedInputsWithOtherScalesAreRequantized()
    {
        // a: scale 1 → 10; b: scale 2, zp 1 → (10 - 1)·2 = 18; output scale 1 zp 0
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.UInt8, [1, 1], Quant.PerTensor(1f, 0)), b = m.Input("b", TensorType.UInt8, [1, 2], Quant.PerTensor(2f, 1));
        int y = m.Output("y", TensorType.UInt8, [1, 3], Quant.PerTensor(1f, 0));
        m.Op(Fb.BuiltinOperator.CONCATENATION, [a, b], [y], Fb.BuiltinOptions.ConcatenationOptions, f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 1).Value);
        using var it = OpRun.Invoke(m, new byte[] { 10 }, new byte[] { 10, 200 });
        Assert.Equal(new byte[] { 10, 18, 255 }, it.Output<byte>());
    }

    [Fact]
    public void AlongTheFirstAxis()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Int32, [1, 2]), b = m.Input("b", TensorType.Int32, [2, 2]);
        int y = m.Output("y", TensorType.Int32, [3, 2]);
        m.Op(Fb.BuiltinOperator.CONCATENATION, [a, b], [y], Fb.BuiltinOptions.ConcatenationOptions, f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 0).Value);
        using var it = OpRun.Invoke(m, new[] { 1, 2 }, new[] { 3, 4, 5, 6 });
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, it.Output<int>());
    }

    [Fact]
    public void MismatchedOtherDimensionsAreFormatErrors()
    {
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Float32, [2, 1]), b = m.Input("b", TensorType.Float32, [3, 1]);
        int y = m.Output("y", TensorType.Float32, [2, 2]);
        m.Op(Fb.BuiltinOperator.CONCATENATION, [a, b], [y], Fb.BuiltinOptions.ConcatenationOptions, f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 1).Value);
        Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
    }
}
