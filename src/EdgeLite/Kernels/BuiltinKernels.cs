using EdgeLite.Schema;

namespace EdgeLite.Kernels;

/// <summary>The table of builtin kernels: one line per operator, kernels live in one file per family.</summary>
internal static class BuiltinKernels
{
    public static void Register(OpResolver r)
    {
        // KERNEL-REGISTRATIONS (keep sorted by operator name; one line each)
        r.AddBuiltin(BuiltinOperator.CONV_2D, static () => new Conv2D());
        r.AddBuiltin(BuiltinOperator.DEPTHWISE_CONV_2D, static () => new DepthwiseConv2D());
        r.AddCustom(DetectionPostProcess.CustomCode, static () => new DetectionPostProcess());
    }
}
