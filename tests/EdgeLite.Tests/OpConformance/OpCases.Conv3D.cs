using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.OpConformance;

/// <summary>CONV_3D (float32): SAME/VALID, strides, dilations, bias or none, fused activations.</summary>
internal static partial class OpCases
{
    private static Func<byte[]> Conv3DCase(int[] x, int[] f, int[] y, bool bias, Fb.Padding pad, int sd, int sh, int sw, int dd, int dh, int dw,
        Fb.ActivationFunctionType act, uint seed)
    {
        var g = new Gen(seed);
        var w = g.Floats(f.Aggregate(1, (p, d) => p * d), -0.5f, 0.5f);
        var bv = g.Floats(f[4], -0.3f, 0.3f);
        return OneOpWithConstants(Fb.BuiltinOperator.CONV_3D,
            bias ? [(TensorType.Float32, x, null, null), (TensorType.Float32, f, null, Raw(w)), (TensorType.Float32, [f[4]], null, Raw(bv))]
                 : [(TensorType.Float32, x, null, null), (TensorType.Float32, f, null, Raw(w))],
            [(TensorType.Float32, y, null)], Fb.BuiltinOptions.Conv3DOptions,
            fb => Fb.Conv3DOptions.CreateConv3DOptions(fb, pad, sd, sw, sh, act, dd, dw, dh).Value);
    }

    public static IEnumerable<OpCase> Conv3D()
    {
        yield return new("CONV_3D_float32_same", Conv3DCase([1, 4, 5, 5, 3], [3, 3, 3, 3, 4], [1, 4, 5, 5, 4], true, Fb.Padding.SAME, 1, 1, 1, 1, 1, 1,
            Fb.ActivationFunctionType.NONE, 71), OpInputs.Random(72), OpTolerance.Float);
        yield return new("CONV_3D_float32_valid_strided_relu6", Conv3DCase([2, 5, 6, 7, 2], [2, 3, 2, 2, 3], [2, 2, 2, 2, 3], true, Fb.Padding.VALID, 2, 2, 3, 1, 1, 1,
            Fb.ActivationFunctionType.RELU6, 73), OpInputs.Random(74, -2, 2), OpTolerance.Float);
        yield return new("CONV_3D_float32_dilated_no_bias", Conv3DCase([1, 6, 6, 6, 2], [2, 2, 2, 2, 5], [1, 6, 6, 6, 5], false, Fb.Padding.SAME, 1, 1, 1, 2, 3, 2,
            Fb.ActivationFunctionType.RELU, 75), OpInputs.Random(76), OpTolerance.Float);
        yield return new("CONV_3D_float32_same_stride2", Conv3DCase([1, 5, 4, 7, 3], [3, 2, 3, 3, 2], [1, 3, 2, 4, 2], true, Fb.Padding.SAME, 2, 2, 2, 1, 1, 1,
            Fb.ActivationFunctionType.NONE, 77), OpInputs.Random(78), OpTolerance.Float);
    }
}
