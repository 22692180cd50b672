using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeLite.Tests.Runtime;

/// <summary>A fact that runs only where arm64 binaries can be emulated (qemu-user and the arm64 C library installed).</summary>
public sealed class QemuArm64FactAttribute : FactAttribute
{
    public const string Qemu = "/usr/bin/qemu-aarch64-static";
    public const string ArmLoader = "/lib/ld-linux-aarch64.so.1";
    /// <summary>The .NET host, coreclr and the JIT link libstdc++ and libgcc_s (not pulled in by libc6:arm64).</summary>
    public static readonly string[] ArmLibraries = ["/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libgcc_s.so.1"];

    public QemuArm64FactAttribute()
    {
        if (Environment.GetEnvironmentVariable("EDGELITE_SKIP_ARM64") == "1") Skip = "EDGELITE_SKIP_ARM64=1";
        else if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Skip = "emulated arm64 checks run on linux-x64 hosts";
        else if (!File.Exists(Qemu) || !File.Exists(ArmLoader))
            Skip = $"no arm64 emulation here ({Qemu} and {ArmLoader} needed: apt-get install qemu-user-static libc6:arm64, as .ci/run does)";
        else if (ArmLibraries.FirstOrDefault(l => !File.Exists(l)) is { } missing)
            Skip = $"arm64 C++ runtime missing ({missing}): apt-get install libstdc++6:arm64 libgcc-s1:arm64, as .ci/run does";
    }
}

/// <summary>
/// The arm64 build of EdgeLite, run under qemu-user: tests/EdgeLite.Arm64Check is published self-contained for
/// linux-arm64 and run on an emulated Cortex-A72 (Raspberry Pi 4: AdvSimd, no dot product) and on qemu's "max" CPU
/// (dot product too). On each, thirteen zoo models run at the CPU's best SIMD level (the 128-bit AdvSimd kernels) and
/// at the scalar level: quantized outputs must be identical, float ones within 1e-5 relative, and both must match the
/// real-TFLite conformance vectors.
/// </summary>
[Trait("Category", "Arm64Emulated")]
public class Arm64EmulatedTests
{
    private static readonly string[] Models =
    [
        "mobilenet_v1_0.25_128_quant", "mobilenet_v2_1.0_224_quant", "tf2_mobilenet_v2_1.0_224_ptq", "vww_96_int8", "kws_ref_model",
        "micro_speech_quantized", "movenet_single_pose_lightning_ptq", "pretrainedResnet", "face_detection_short_range", "hand_recrop",
        "selfie_segmentation", "pose_detection",
        // quantized RESIZE_BILINEAR (its 128-bit path runs only where 256-bit vectors are not accelerated) and ARG_MAX
        "deeplabv3_mnv2_dm05_pascal_quant",
    ];

    private static readonly Lazy<string> Published = new(Publish);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeLite.slnx"))) return dir.FullName;
        throw new InvalidOperationException("EdgeLite.slnx not found above the test binary");
    }

    private static string Publish()
    {
        string root = RepoRoot();
        // one folder per checkout: several worktrees on one machine must not publish over each other's running check
        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(root)))[..12];
        string work = Path.Combine(Path.GetTempPath(), $"edgelite-arm64-check-{key}");
        string output = Path.Combine(work, "out");
        var (code, log) = Exec("dotnet", ["publish", Path.Combine(root, "tests", "EdgeLite.Arm64Check", "EdgeLite.Arm64Check.csproj"),
            "-c", "Release", "-r", "linux-arm64", "--self-contained", "--artifacts-path", Path.Combine(work, "artifacts"), "-o", output, "-nologo"], root, 600);
        Assert.True(code == 0, $"dotnet publish for linux-arm64 failed ({code}):\n{log}");
        return Path.Combine(output, "EdgeLite.Arm64Check");
    }

    private static (int Code, string Output) Exec(string file, string[] args, string dir, int timeoutSeconds, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // the test host's MSBuild variables would point a nested dotnet at the wrong SDK pieces
        foreach (var k in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "DOTNET_HOST_PATH" })
            psi.Environment.Remove(k);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); return (-1, $"timed out after {timeoutSeconds} s\n{stdout.Result}{stderr.Result}"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static void RunOn(string cpu, string level)
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
            // .NET's W^X double mapping of JIT code crashes at random under qemu-user (seen here: segfaults and heap
            // corruption in unrelated places, none with this off); it is a JIT hardening, not part of what is tested
            ["DOTNET_EnableWriteXorExecute"] = "0",
        };
        var (code, output) = Exec(QemuArm64FactAttribute.Qemu, ["-L", "/", "-cpu", cpu, Published.Value, SharedData.Root, .. Models], RepoRoot(), 600, env);
        Assert.True(code == 0, $"arm64 ({cpu}) checks failed ({code}):\n{output}");
        Assert.Contains("Arm64 AdvSimd=True", output);
        Assert.Contains($"-> kernels {level}\n", output.ReplaceLineEndings("\n"));
        Assert.Contains("all passed", output);
    }

    [QemuArm64Fact]
    public void CortexA72LikeARaspberryPi4() => RunOn("cortex-a72", "Neon");

    [QemuArm64Fact]
    public void QemuMaxCpuWithDotProduct() => RunOn("max", "NeonDot");
}
