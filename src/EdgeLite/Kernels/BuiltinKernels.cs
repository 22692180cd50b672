using EdgeLite.Schema;

namespace EdgeLite.Kernels;

/// <summary>The table of builtin kernels: one line per operator, kernels live in one file per family.</summary>
internal static class BuiltinKernels
{
    public static void Register(OpResolver r)
    {
        // KERNEL-REGISTRATIONS (keep sorted by operator name; one line each)
        r.AddCustom(DetectionPostProcess.CustomCode, static () => new DetectionPostProcess());
    }
}
