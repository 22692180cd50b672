using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.InfrastructureTests;

public class OpModelBuilderTests
{
    [Fact]
    public void BuiltModelPassesVerificationAndDescribesItself()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.UInt8, [1, 4, 4, 2], Quant.PerTensor(0.5f, 128));
        int w = b.Constant("w", TensorType.UInt8, [3, 1, 1, 2], new byte[6], Quant.PerTensor(0.25f, 3));
        int bias = b.Constant("b", TensorType.Int32, [3], new int[] { 1, 2, 3 }, Quant.PerTensor(0.125f, 0));
        int y = b.Output("y", TensorType.UInt8, [1, 4, 4, 3], Quant.PerTensor(1f, 0));
        b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, bias], [y], Fb.BuiltinOptions.Conv2DOptions,
            f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.SAME, 1, 1).Value);
        using var m = EdgeLite.Model.FromBytes(b.Build());
        var sg = m.Subgraphs[0];
        Assert.Equal(4, sg.Tensors.Count);
        Assert.Single(sg.Operators);
        Assert.Equal("CONV_2D", sg.Operators[0].OpName);
        Assert.Equal(12, sg.Tensors[bias].DataLength);
    }
}
