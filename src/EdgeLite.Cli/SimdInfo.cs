using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using EdgeLite.Simd;

namespace EdgeLite.Cli;

/// <summary>
/// Which SIMD level the kernels run at, and whether the CPU could do more than this build allows: a Native AOT binary
/// decides Avx2/Avx512/Dp.IsSupported when it is compiled (IlcInstructionSet), so a binary built for the default
/// target runs the scalar kernels on an AVX2 CPU. The CPU is asked directly (CPUID on x64, /proc/cpuinfo on arm64) so
/// that `edgelite bench` says so instead of being silently slow.
/// </summary>
internal static class SimdInfo
{
    /// <summary>The level the GEMM and depthwise kernels use in this process.</summary>
    public static SimdLevel Level => GemmKernels.Select();

    /// <summary>The best level the CPU itself has (independent of what the compiled code may use).</summary>
    public static SimdLevel CpuLevel()
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64 && X86Base.IsSupported)
        {
            var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
            var (_, ebx7, _, _) = X86Base.CpuId(7, 0);
            bool osAvx = (ecx1 & (1 << 27)) != 0 && (ecx1 & (1 << 28)) != 0; // OSXSAVE and AVX
            bool fma = (ecx1 & (1 << 12)) != 0, avx2 = (ebx7 & (1 << 5)) != 0;
            bool avx512 = (ebx7 & (1 << 16)) != 0 && (ebx7 & (1 << 30)) != 0;  // AVX-512 F and BW
            return osAvx && fma && avx512 ? SimdLevel.Avx512 : osAvx && fma && avx2 ? SimdLevel.Avx2 : Level;
        }
        if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            try
            {
                var features = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("Features", StringComparison.Ordinal)) ?? "";
                return features.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("asimddp") ? SimdLevel.NeonDot : SimdLevel.Neon;
            }
            catch (IOException) { return Level; }
            catch (UnauthorizedAccessException) { return Level; }
        }
        return Level;
    }

    /// <summary>A warning when the CPU has a better level than this build uses, else null.</summary>
    public static string? Warning()
    {
        // under the JIT the kernels use whatever the CPU and the OS enable (and DOTNET_EnableAVX2=0 etc. are deliberate)
        if (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled) return null;
        var cpu = CpuLevel();
        var used = Level;
        if (cpu <= used) return null;
        string fix = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? "publish with -p:IlcInstructionSet=armv8.2-a,dotprod for this CPU"
            : $"publish with -p:IlcInstructionSet={(cpu == SimdLevel.Avx512 ? "x86-64-v4" : "x86-64-v3")} (or native)";
        return $"this CPU has {cpu} but this build runs the {used} kernels (a Native AOT binary fixes its instruction set when compiled): {fix}";
    }
}
