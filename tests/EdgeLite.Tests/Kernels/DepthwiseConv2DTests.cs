using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ConvTestHelpers;

namespace EdgeLite.Tests.Kernels;

public class DepthwiseConv2DTests
{
    [Fact]
    public void HandComputedFloatWithDepthMultiplier2()
    {
        // 1x2x2x1 input, 2x2 filter with multiplier 2, VALID -> 1x1x1x2.
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 2, 2, 1]);
        int w = b.Constant("w", TensorType.Float32, [1, 2, 2, 2], new[] { 1f, 10f, 2f, 20f, 3f, 30f, 4f, 40f });
        int bias = b.Constant("b", TensorType.Float32, [2], new[] { 0.5f, -1f });
        int y = b.Output("y", TensorType.Float32, [1, 1, 1, 2]);
        b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
            f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.VALID, 1, 1, 2).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>([1, 2, 3, 4]);
        it.Invoke();
        Assert.Equal(new[] { 1 + 4 + 9 + 16 + 0.5f, 10 + 40 + 90 + 160 - 1f }, it.GetOutputTensor(0).ToArray<float>());
    }

    [Fact]
    public void HandComputedInt8PerChannelWithRelu()
    {
        // 1x1x1x2 input, 1x1 filter, per-channel scales 1 and 0.25; out scale 1, zp -10; RELU clamps at zp.
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Int8, [1, 1, 1, 2], Quant.PerTensor(1f, 2));
        int w = b.Constant("w", TensorType.Int8, [1, 1, 1, 2], new sbyte[] { 3, -4 }, new Quant([1f, 0.25f], [0, 0], 3));
        int bias = b.Constant("b", TensorType.Int32, [2], new[] { 1, 0 }, new Quant([1f, 0.25f], [0, 0]));
        int y = b.Output("y", TensorType.Int8, [1, 1, 1, 2], Quant.PerTensor(1f, -10));
        b.Op(Fb.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.DepthwiseConv2DOptions,
            f => Fb.DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(f, Fb.Padding.VALID, 1, 1, 1, Fb.ActivationFunctionType.RELU).Value);
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<sbyte>([7, 10]);
        it.Invoke();
        // ch0: (7-2)*3 + 1 = 16 -> *1 -> 16 - 10 = 6 ; ch1: (10-2)*-4 = -32 -> *0.25 = -8 -> -18 -> RELU clamps to -10
        Assert.Equal(new sbyte[] { 6, -10 }, it.GetOutputTensor(0).ToArray<sbyte>());
    }

    [Theory]
    [InlineData(TensorType.Float32)]
    [InlineData(TensorType.UInt8)]
    [InlineData(TensorType.Int8)]
    public void FastPathMatchesReferenceOnRandomShapes(TensorType type)
    {
        var rng = new Random(4321 + (int)type);
        for (int i = 0; i < 25; i++)
        {
            var p = RandomProblem(rng, type, depthwise: true, seed: i);
            var model = BuildModel(p, rng, out var input);
            var reference = Run(model, input, reference: true);
            AssertSame(type, reference, Run(model, input, reference: false), $"{p}");
            AssertSame(type, reference, Run(model, input, reference: false, threads: 2), $"{p} (2 threads)");
        }
    }
}
