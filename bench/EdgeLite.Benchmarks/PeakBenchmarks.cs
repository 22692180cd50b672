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
    /// <summary>Longer loops for the two-core runs, so starting the second thread costs well under 1%.</summary>
    private const int LongIterations = 1 << 20;

    /// <summary>Runs <paramref name="loop"/> on the calling thread and on a second thread at the same time.</summary>
    private static T OnTwoCores<T>(Func<T> loop) where T : struct
    {
        T other = default;
        var thread = new Thread(() => other = loop());
        thread.Start();
        var mine = loop();
        thread.Join();
        return EqualityComparer<T>.Default.Equals(mine, other) ? mine : other;
    }

    /// <summary>FP32 FMA on Vector512: 16 lanes × 2 flops × 12 × iterations.</summary>
    [Benchmark(OperationsPerInvoke = Iterations * Accumulators * 16 * 2)]
    public float Fma512() => Fma512Loop(Iterations);

    /// <summary>FP32 FMA on Vector512 on both cores at once (two threads, each <see cref="Fma512"/>'s loop).</summary>
    [Benchmark(OperationsPerInvoke = 2 * LongIterations * Accumulators * 16 * 2)]
    public float Fma512TwoCores() => OnTwoCores(() => Fma512Loop(LongIterations));

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Fma512Loop(int iterations)
    {
        if (!Avx512F.IsSupported) return 0;
        var a = Vector512.Create(1.0001f); var b = Vector512.Create(0.9999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < iterations; i++)
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
    /// per instruction pair, the int8 path's ceiling here (.NET 10 exposes no AVX-512 VNNI `vpdpbusd`). Every
    /// accumulator multiplies a different weight vector: with one shared product the JIT computes the vpmaddwd once
    /// and only the 12 vpaddd remain (an earlier version of this benchmark measured exactly that: 333 "GOP/s").
    /// </summary>
    [Benchmark(OperationsPerInvoke = Iterations * Accumulators * 32 * 2)]
    public int MaddWd512() => MaddWd512Loop(Iterations);

    /// <summary>vpmaddwd + vpaddd on both cores at once (two threads, each <see cref="MaddWd512"/>'s loop).</summary>
    [Benchmark(OperationsPerInvoke = 2 * LongIterations * Accumulators * 32 * 2)]
    public int MaddWd512TwoCores() => OnTwoCores(() => MaddWd512Loop(LongIterations));

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int MaddWd512Loop(int iterations)
    {
        if (!Avx512BW.IsSupported) return 0;
        var a = Vector512.Create((short)3);
        Vector512<short> b0 = Vector512.Create((short)-2), b1 = Vector512.Create((short)-3), b2 = Vector512.Create((short)-4),
            b3 = Vector512.Create((short)5), b4 = Vector512.Create((short)6), b5 = Vector512.Create((short)7),
            b6 = Vector512.Create((short)8), b7 = Vector512.Create((short)9), b8 = Vector512.Create((short)10),
            b9 = Vector512.Create((short)11), b10 = Vector512.Create((short)12), b11 = Vector512.Create((short)13);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < iterations; i++)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(a, b0); c1 += Avx512BW.MultiplyAddAdjacent(a, b1);
            c2 += Avx512BW.MultiplyAddAdjacent(a, b2); c3 += Avx512BW.MultiplyAddAdjacent(a, b3);
            c4 += Avx512BW.MultiplyAddAdjacent(a, b4); c5 += Avx512BW.MultiplyAddAdjacent(a, b5);
            c6 += Avx512BW.MultiplyAddAdjacent(a, b6); c7 += Avx512BW.MultiplyAddAdjacent(a, b7);
            c8 += Avx512BW.MultiplyAddAdjacent(a, b8); c9 += Avx512BW.MultiplyAddAdjacent(a, b9);
            c10 += Avx512BW.MultiplyAddAdjacent(a, b10); c11 += Avx512BW.MultiplyAddAdjacent(a, b11);
            a += Vector512<short>.One; // keep the multiplies from being hoisted out of the loop
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Sum(Vector512<float> v) => Vector512.Sum(v);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Sum(Vector256<float> v) => v;
}
