using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace EdgeLite.Benchmarks;

/// <summary>
/// The arithmetic peak reachable from .NET on this CPU, one core: 12 independent accumulators so latency is hidden.
/// Each benchmark's OperationsPerInvoke is its arithmetic operation count (a multiply-add = 2 operations), so the
/// reported time per operation in ns is 1 / (G operations per second). See docs/performance.md.
/// </summary>
public class PeakBenchmarks
{
    private const int Iterations = 1 << 16;
    private const int Accumulators = 12;

    /// <summary>FP32 FMA on Vector512: 16 lanes × 2 flops × 12 × iterations.</summary>
    [Benchmark(OperationsPerInvoke = Iterations * Accumulators * 16 * 2)]
    public float Fma512()
    {
        if (!Avx512F.IsSupported) return 0;
        var a = Vector512.Create(1.0001f); var b = Vector512.Create(0.9999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(a, b, c0); c1 = Avx512F.FusedMultiplyAdd(a, b, c1);
            c2 = Avx512F.FusedMultiplyAdd(a, b, c2); c3 = Avx512F.FusedMultiplyAdd(a, b, c3);
            c4 = Avx512F.FusedMultiplyAdd(a, b, c4); c5 = Avx512F.FusedMultiplyAdd(a, b, c5);
            c6 = Avx512F.FusedMultiplyAdd(a, b, c6); c7 = Avx512F.FusedMultiplyAdd(a, b, c7);
            c8 = Avx512F.FusedMultiplyAdd(a, b, c8); c9 = Avx512F.FusedMultiplyAdd(a, b, c9);
            c10 = Avx512F.FusedMultiplyAdd(a, b, c10); c11 = Avx512F.FusedMultiplyAdd(a, b, c11);
        }
        return Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    /// <summary>FP32 FMA on Vector256 (the portable x64 width).</summary>
    [Benchmark(OperationsPerInvoke = Iterations * Accumulators * 8 * 2)]
    public float Fma256()
    {
        if (!Fma.IsSupported) return 0;
        var a = Vector256.Create(1.0001f); var b = Vector256.Create(0.9999f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Fma.MultiplyAdd(a, b, c0); c1 = Fma.MultiplyAdd(a, b, c1); c2 = Fma.MultiplyAdd(a, b, c2);
            c3 = Fma.MultiplyAdd(a, b, c3); c4 = Fma.MultiplyAdd(a, b, c4); c5 = Fma.MultiplyAdd(a, b, c5);
            c6 = Fma.MultiplyAdd(a, b, c6); c7 = Fma.MultiplyAdd(a, b, c7); c8 = Fma.MultiplyAdd(a, b, c8);
            c9 = Fma.MultiplyAdd(a, b, c9); c10 = Fma.MultiplyAdd(a, b, c10); c11 = Fma.MultiplyAdd(a, b, c11);
        }
        return Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    /// <summary>
    /// Integer multiply-accumulate through vpmaddwd (int16 pairs → int32) + vpaddd on Vector512: 32 multiply-adds
    /// per instruction pair. .NET 10 exposes no AVX-512 VNNI (vpdpbusd) class, so this is the int8 path's ceiling here.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Iterations * Accumulators * 32 * 2)]
    public int MaddWd512()
    {
        if (!Avx512BW.IsSupported) return 0;
        var a = Vector512.Create((short)3); var b = Vector512.Create((short)-2);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < Iterations; i++)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(a, b); c1 += Avx512BW.MultiplyAddAdjacent(a, b);
            c2 += Avx512BW.MultiplyAddAdjacent(a, b); c3 += Avx512BW.MultiplyAddAdjacent(a, b);
            c4 += Avx512BW.MultiplyAddAdjacent(a, b); c5 += Avx512BW.MultiplyAddAdjacent(a, b);
            c6 += Avx512BW.MultiplyAddAdjacent(a, b); c7 += Avx512BW.MultiplyAddAdjacent(a, b);
            c8 += Avx512BW.MultiplyAddAdjacent(a, b); c9 += Avx512BW.MultiplyAddAdjacent(a, b);
            c10 += Avx512BW.MultiplyAddAdjacent(a, b); c11 += Avx512BW.MultiplyAddAdjacent(a, b);
            a += Vector512<short>.One; // keep the multiplies from being hoisted out of the loop
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Sum(Vector512<float> v) => Vector512.Sum(v);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Sum(Vector256<float> v) => v;
}
