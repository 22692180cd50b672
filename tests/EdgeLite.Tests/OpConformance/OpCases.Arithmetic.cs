using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Cases for the arithmetic ops EdgeLite had before the conformance suite (ADD, SUB, MUL, DIV).</summary>
internal static partial class OpCases
{
    public static IEnumerable<OpCase> Arithmetic()
    {
        int[] a = [2, 3, 4], b = [3, 1];
        yield return new("ADD_float32_broadcast", OneOp(Fb.BuiltinOperator.ADD, [(TensorType.Float32, a, null), (TensorType.Float32, b, null)],
            (TensorType.Float32, BroadcastShape(a, b), null)), OpInputs.Random(1));
        yield return new("SUB_float32_relu6", OneOp(Fb.BuiltinOperator.SUB, [(TensorType.Float32, a, null), (TensorType.Float32, a, null)],
            (TensorType.Float32, a, null), Fb.BuiltinOptions.SubOptions,
            f => Fb.SubOptions.CreateSubOptions(f, Fb.ActivationFunctionType.RELU6).Value), OpInputs.Random(2, -8, 8));
        var q = Quant.PerTensor(0.05f, 3);
        yield return new("ADD_int8_broadcast", OneOp(Fb.BuiltinOperator.ADD, [(TensorType.Int8, a, q), (TensorType.Int8, b, Quant.PerTensor(0.03f, -2))],
            (TensorType.Int8, BroadcastShape(a, b), Quant.PerTensor(0.07f, 1))), OpInputs.Random(3));
    }
}
