using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static EdgeLite.Simd.OutputStage;

namespace EdgeLite.Simd;

/// <summary>Instruction set a kernel's fast path runs on (chosen once, at Prepare).</summary>
internal enum SimdLevel
{
    /// <summary>Portable scalar loops (any CPU).</summary>
    Scalar,
    /// <summary>
    /// 128-bit vectors: arm64 AdvSimd (Neon), or any CPU with accelerated <see cref="System.Runtime.Intrinsics.Vector128"/>
    /// (the same code; tests run it on x64).
    /// </summary>
    Neon,
    /// <summary>
    /// <see cref="Neon"/> plus the arm64 dot-product extension (<c>sdot</c>/<c>udot</c>, Armv8.2 DotProd: Cortex-A76 /
    /// Raspberry Pi 5, not the Pi 4's A72): the quantized convolution runs <see cref="GemmKernels.QuantizedDot"/>, every
    /// other kernel as at <see cref="Neon"/>. Tests run it on x64 too (the dot product through a scalar stand-in).
    /// </summary>
    NeonDot,
    /// <summary>x64 AVX2 + FMA, 256-bit vectors.</summary>
    Avx2,
    /// <summary>x64 AVX-512 F/BW, 512-bit vectors.</summary>
    Avx512,
}

/// <summary>
/// Packed GEMM for conv-like ops: C[r, c] = Σ_k A[r, k] · B[k, c] with the output stage fused, for a run of rows of A
/// (im2col patches or FC inputs) against weights packed once at Prepare in panels of <see cref="Panel"/> output
/// channels.
/// <list type="bullet">
/// <item>Quantized: A and B hold zero-point-corrected values (|v| ≤ 255) as int16, paired along k, so each step
/// multiplies a broadcast pair of A by 16 pairs of B (vpmaddwd) into exact int32 sums. Panel layout
/// [panel][k/2][16 channels][2]; A rows are int32-packed pairs.</item>
/// <item>Float: panel layout [panel][k][16 channels], FMA with a broadcast A value, k in order.</item>
/// </list>
/// Micro-kernels: AVX-512 8 rows × 32 channels (16 accumulators) and 1 row × 32 for tails; AVX2 4 × 16; 128-bit
/// (arm64 AdvSimd, GemmKernels.Neon.cs) 2 × 16 quantized and 4 × 16 float; scalar.
/// Integer results are identical on every level; float results differ only by summation grouping (none: every level
/// accumulates k in order with fused multiply-add).
/// </summary>
internal static unsafe partial class GemmKernels
{
    /// <summary>Output channels per packed panel (one 512-bit vector of int32/float).</summary>
    public const int Panel = 16;

    /// <summary>Tests set this (per thread, read when a kernel is prepared) to cap the instruction set used.</summary>
    [ThreadStatic] internal static SimdLevel? MaxLevel;

    /// <summary>The best level this CPU supports, capped by <see cref="MaxLevel"/>.</summary>
    public static SimdLevel Select()
    {
        var best = IsSupported(SimdLevel.Avx512) ? SimdLevel.Avx512
            : IsSupported(SimdLevel.Avx2) ? SimdLevel.Avx2
            : System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported && IsSupported(SimdLevel.NeonDot) ? SimdLevel.NeonDot
            : IsSupported(SimdLevel.Neon) ? SimdLevel.Neon
            : SimdLevel.Scalar;
        var cap = MaxLevel ?? SimdLevel.Avx512;
        return best < cap ? best : cap;
    }

    /// <summary>
    /// Whether this CPU runs <paramref name="level"/>'s kernels (<see cref="SimdLevel.Neon"/>: arm64 AdvSimd, or x64
    /// with accelerated 128-bit vectors and FMA, where the same code runs through the portable fallbacks;
    /// <see cref="SimdLevel.NeonDot"/>: arm64 with the dot-product extension, or x64 as for Neon, for the tests).
    /// </summary>
    public static bool IsSupported(SimdLevel level) => level switch
    {
        SimdLevel.Scalar => true,
        SimdLevel.Neon => System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported || (Vector128.IsHardwareAccelerated && Fma.IsSupported),
        // arm64: only with the extension (no scalar stand-in there); x64: the stand-in, for the tests
        SimdLevel.NeonDot => System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported
            ? System.Runtime.Intrinsics.Arm.Dp.IsSupported
            : Vector128.IsHardwareAccelerated && Fma.IsSupported,
        SimdLevel.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        SimdLevel.Avx512 => Avx512BW.IsSupported && Avx512F.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>True for the 128-bit levels (<see cref="SimdLevel.Neon"/>, <see cref="SimdLevel.NeonDot"/>).</summary>
    public static bool Is128(SimdLevel level) => level is SimdLevel.Neon or SimdLevel.NeonDot;

    /// <summary>Number of panels for <paramref name="channels"/> output channels.</summary>
    public static int Panels(int channels) => (channels + Panel - 1) / Panel;

    /// <summary>Number of int16 pairs for depth <paramref name="k"/>.</summary>
    public static int Pairs(int k) => (k + 1) / 2;

    /// <summary>A weight matrix w(oc, k) read by the packers (a struct, so the per-weight read is inlined).</summary>
    public interface IWeights<T> { T this[int oc, int k] { get; } }

    /// <summary>
    /// Row-major 8-bit weights [oc][depth] as int, minus a zero point per output channel (null: the stored values, as
    /// the dot-product layout takes them).
    /// </summary>
    public readonly struct ByteRows(byte* w, int depth, bool unsigned, int[]? zeroPoints) : IWeights<int>
    {
        public int this[int oc, int k] =>
            (unsigned ? w[(long)oc * depth + k] : ((sbyte*)w)[(long)oc * depth + k]) - (zeroPoints is null ? 0 : zeroPoints[oc]);
    }

    /// <summary>Row-major float weights [oc][depth].</summary>
    public readonly struct FloatRows(float* w, int depth) : IWeights<float>
    {
        public float this[int oc, int k] => w[(long)oc * depth + k];
    }

    internal readonly struct FuncWeights<T>(Func<int, int, T> f) : IWeights<T>
    {
        public T this[int oc, int k] => f(oc, k);
    }

    /// <summary>Packs int weights w(oc, k) (already zero-point corrected) for the int16 kernels.</summary>
    public static short[] PackInt16(int outChannels, int depth, Func<int, int, int> weight, Func<int, short[]> allocate)
        => PackInt16(outChannels, depth, new FuncWeights<int>(weight), allocate);

    /// <summary>Packs int weights w(oc, k) (already zero-point corrected) for the int16 kernels.</summary>
    public static short[] PackInt16<TWeights>(int outChannels, int depth, TWeights weight, Func<int, short[]> allocate)
        where TWeights : struct, IWeights<int>
    {
        int panels = Panels(outChannels), pairs = Pairs(depth);
        var packed = allocate(panels * pairs * Panel * 2);
        for (int b = 0; b < panels; b++)
            for (int j = 0; j < Panel; j++)
            {
                int oc = b * Panel + j;
                if (oc >= outChannels) continue;
                for (int p = 0; p < pairs; p++)
                {
                    int baseIndex = ((b * pairs + p) * Panel + j) * 2;
                    packed[baseIndex] = (short)weight[oc, 2 * p];
                    packed[baseIndex + 1] = 2 * p + 1 < depth ? (short)weight[oc, 2 * p + 1] : (short)0;
                }
            }
        return packed;
    }

    /// <summary>Packs float weights w(oc, k) for the float kernels.</summary>
    public static float[] PackFloat(int outChannels, int depth, Func<int, int, float> weight, Func<int, float[]> allocate)
        => PackFloat(outChannels, depth, new FuncWeights<float>(weight), allocate);

    /// <summary>Packs float weights w(oc, k) for the float kernels.</summary>
    public static float[] PackFloat<TWeights>(int outChannels, int depth, TWeights weight, Func<int, float[]> allocate)
        where TWeights : struct, IWeights<float>
    {
        int panels = Panels(outChannels);
        var packed = allocate(panels * depth * Panel);
        for (int b = 0; b < panels; b++)
            for (int j = 0; j < Panel; j++)
            {
                int oc = b * Panel + j;
                if (oc >= outChannels) continue;
                for (int k = 0; k < depth; k++) packed[(b * depth + k) * Panel + j] = weight[oc, k];
            }
        return packed;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Quantized frame
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Rows [0, rows) of A (int32-packed int16 pairs, <paramref name="aStride"/> ints apart) times panels
    /// [panelStart, panelEnd) of <paramref name="packed"/>, requantized into <paramref name="output"/> (row r at
    /// output + r·outStride, channel c at byte c; channels ≥ <paramref name="channels"/> are not written).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Quantized(SimdLevel level, int* a, int aStride, int rows, int pairs, short* packed, int panelStart, int panelEnd,
        byte* output, int outStride, int channels, in QuantizedOutputStage s)
    {
        long panelShorts = (long)pairs * 2 * Panel;
        for (int p = panelStart; p < panelEnd;)
        {
            short* w = packed + p * panelShorts;
            int c0 = p * Panel;
            int nc = Math.Min(channels - c0, 2 * Panel);
            if (level == SimdLevel.Avx512)
            {
                bool two = p + 1 < panelEnd;
                int r = 0;
                if (two)
                {
                    for (; r + 8 <= rows; r += 8) Q512x8<True>(a + (long)r * aStride, aStride, pairs, w, w + panelShorts, output + (long)r * outStride + c0, outStride, c0, nc, s);
                    for (; r < rows; r++) Q512x1<True>(a + (long)r * aStride, pairs, w, w + panelShorts, output + (long)r * outStride + c0, c0, nc, s);
                }
                else
                {
                    for (; r + 8 <= rows; r += 8) Q512x8<False>(a + (long)r * aStride, aStride, pairs, w, w, output + (long)r * outStride + c0, outStride, c0, nc, s);
                    for (; r < rows; r++) Q512x1<False>(a + (long)r * aStride, pairs, w, w, output + (long)r * outStride + c0, c0, nc, s);
                }
                p += two ? 2 : 1;
                continue;
            }
            nc = Math.Min(nc, Panel);
            if (Is128(level))
            {
                int r = 0;
                for (; r + 2 <= rows; r += 2) Q128x2(a + (long)r * aStride, aStride, pairs, w, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) Q128x1(a + (long)r * aStride, pairs, w, output + (long)r * outStride + c0, c0, nc, s);
            }
            else if (level == SimdLevel.Avx2)
            {
                int r = 0;
                for (; r + 4 <= rows; r += 4) Q256x4(a + (long)r * aStride, aStride, pairs, w, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) QScalar(a + (long)r * aStride, pairs, w, output + (long)r * outStride + c0, c0, nc, s);
            }
            else
                for (int r = 0; r < rows; r++) QScalar(a + (long)r * aStride, pairs, w, output + (long)r * outStride + c0, c0, nc, s);
            p++;
        }
    }

    private interface IFlag { static abstract bool Value { get; } }
    private struct True : IFlag { public static bool Value => true; }
    private struct False : IFlag { public static bool Value => false; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Madd(int pair, Vector512<short> w, Vector512<int> acc)
        => acc + Avx512BW.MultiplyAddAdjacent(Vector512.Create(pair).AsInt16(), w);

    /// <summary>AVX-512: 8 rows × 16 or 32 channels (<typeparamref name="TTwo"/>), output stage fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Q512x8<TTwo>(int* a, int aStride, int pairs, short* w0, short* w1, byte* o, int oStride, int c0, int nc, in QuantizedOutputStage s)
        where TTwo : struct, IFlag
    {
        // Eight rows addressed from two moving pointers and two byte strides ([p], [p + s], [p + 2s], [p + 3s]): eight
        // row pointers plus an index did not fit the general registers and the JIT re-loaded spilled ones every step.
        byte* p0 = (byte*)a, p4 = (byte*)(a + 4 * aStride);
        nint sb = (nint)aStride * 4, s3 = 3 * sb;
        Vector512<int> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        Vector512<int> c01 = default, c11 = default, c21 = default, c31 = default, c41 = default, c51 = default, c61 = default, c71 = default;
        for (int p = 0; p < pairs; p++)
        {
            var x0 = Vector512.Create(*(int*)p0).AsInt16(); var x1 = Vector512.Create(*(int*)(p0 + sb)).AsInt16();
            var x2 = Vector512.Create(*(int*)(p0 + 2 * sb)).AsInt16(); var x3 = Vector512.Create(*(int*)(p0 + s3)).AsInt16();
            var x4 = Vector512.Create(*(int*)p4).AsInt16(); var x5 = Vector512.Create(*(int*)(p4 + sb)).AsInt16();
            var x6 = Vector512.Create(*(int*)(p4 + 2 * sb)).AsInt16(); var x7 = Vector512.Create(*(int*)(p4 + s3)).AsInt16();
            var v0 = Vector512.Load(w0).AsInt16();
            c00 += Avx512BW.MultiplyAddAdjacent(x0, v0); c10 += Avx512BW.MultiplyAddAdjacent(x1, v0);
            c20 += Avx512BW.MultiplyAddAdjacent(x2, v0); c30 += Avx512BW.MultiplyAddAdjacent(x3, v0);
            c40 += Avx512BW.MultiplyAddAdjacent(x4, v0); c50 += Avx512BW.MultiplyAddAdjacent(x5, v0);
            c60 += Avx512BW.MultiplyAddAdjacent(x6, v0); c70 += Avx512BW.MultiplyAddAdjacent(x7, v0);
            w0 += 2 * Panel;
            if (TTwo.Value)
            {
                var v1 = Vector512.Load(w1).AsInt16();
                c01 += Avx512BW.MultiplyAddAdjacent(x0, v1); c11 += Avx512BW.MultiplyAddAdjacent(x1, v1);
                c21 += Avx512BW.MultiplyAddAdjacent(x2, v1); c31 += Avx512BW.MultiplyAddAdjacent(x3, v1);
                c41 += Avx512BW.MultiplyAddAdjacent(x4, v1); c51 += Avx512BW.MultiplyAddAdjacent(x5, v1);
                c61 += Avx512BW.MultiplyAddAdjacent(x6, v1); c71 += Avx512BW.MultiplyAddAdjacent(x7, v1);
                w1 += 2 * Panel;
            }
            p0 += 4; p4 += 4;
        }
        Store4Rows(c00, c10, c20, c30, c0, o, oStride, nc, s);
        Store4Rows(c40, c50, c60, c70, c0, o + 4 * oStride, oStride, nc, s);
        if (TTwo.Value)
        {
            int c1 = c0 + Panel, n1 = nc - Panel;
            byte* q = o + Panel;
            Store4Rows(c01, c11, c21, c31, c1, q, oStride, n1, s);
            Store4Rows(c41, c51, c61, c71, c1, q + 4 * oStride, oStride, n1, s);
        }
    }

    /// <summary>AVX-512: one row × 16 or 32 channels (tails, FC with batch 1), two interleaved sums per panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Q512x1<TTwo>(int* a, int pairs, short* w0, short* w1, byte* o, int c0, int nc, in QuantizedOutputStage s)
        where TTwo : struct, IFlag
    {
        Vector512<int> x0 = default, y0 = default, x1 = default, y1 = default;
        int p = 0;
        for (; p + 2 <= pairs; p += 2)
        {
            x0 = Madd(a[p], Vector512.Load(w0).AsInt16(), x0);
            y0 = Madd(a[p + 1], Vector512.Load(w0 + 2 * Panel).AsInt16(), y0);
            w0 += 4 * Panel;
            if (TTwo.Value)
            {
                x1 = Madd(a[p], Vector512.Load(w1).AsInt16(), x1);
                y1 = Madd(a[p + 1], Vector512.Load(w1 + 2 * Panel).AsInt16(), y1);
                w1 += 4 * Panel;
            }
        }
        if (p < pairs)
        {
            x0 = Madd(a[p], Vector512.Load(w0).AsInt16(), x0);
            if (TTwo.Value) x1 = Madd(a[p], Vector512.Load(w1).AsInt16(), x1);
        }
        Store16(Requantize512(x0 + y0, c0, s), o, nc);
        if (TTwo.Value) Store16(Requantize512(x1 + y1, c0 + Panel, s), o + Panel, nc - Panel);
    }

    /// <summary>AVX2: 4 rows × 16 channels, output stage fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Q256x4(int* a, int aStride, int pairs, short* w, byte* o, int oStride, int c0, int nc, in QuantizedOutputStage s)
    {
        int* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < pairs; p++)
        {
            var v0 = Vector256.Load(w).AsInt16(); var v1 = Vector256.Load(w + 16).AsInt16();
            w += 2 * Panel;
            var x = Vector256.Create(a0[p]).AsInt16(); c00 += Avx2.MultiplyAddAdjacent(x, v0); c01 += Avx2.MultiplyAddAdjacent(x, v1);
            x = Vector256.Create(a1[p]).AsInt16(); c10 += Avx2.MultiplyAddAdjacent(x, v0); c11 += Avx2.MultiplyAddAdjacent(x, v1);
            x = Vector256.Create(a2[p]).AsInt16(); c20 += Avx2.MultiplyAddAdjacent(x, v0); c21 += Avx2.MultiplyAddAdjacent(x, v1);
            x = Vector256.Create(a3[p]).AsInt16(); c30 += Avx2.MultiplyAddAdjacent(x, v0); c31 += Avx2.MultiplyAddAdjacent(x, v1);
        }
        Store16x256(Requantize256(c00, c0, s), Requantize256(c01, c0 + 8, s), o, nc, s.Signed);
        Store16x256(Requantize256(c10, c0, s), Requantize256(c11, c0 + 8, s), o + oStride, nc, s.Signed);
        Store16x256(Requantize256(c20, c0, s), Requantize256(c21, c0 + 8, s), o + 2 * oStride, nc, s.Signed);
        Store16x256(Requantize256(c30, c0, s), Requantize256(c31, c0 + 8, s), o + 3 * oStride, nc, s.Signed);
    }

    /// <summary>
    /// Portable: one row × one panel, four channels per pass: each A pair is loaded once for four int32 sums kept in
    /// registers (eleven live integers in the loop, so it fits arm32's register file, where this is the kernel that runs).
    /// </summary>
    private static void QScalar(int* a, int pairs, short* w, byte* o, int c0, int nc, in QuantizedOutputStage s)
    {
        short* x = (short*)a;
        int j = 0;
        for (; j + 4 <= nc; j += 4)
        {
            int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            short* wp = w + 2 * j;
            for (int p = 0; p < pairs; p++, wp += 2 * Panel)
            {
                int x0 = x[2 * p], x1 = x[2 * p + 1];
                s0 += x0 * wp[0] + x1 * wp[1];
                s1 += x0 * wp[2] + x1 * wp[3];
                s2 += x0 * wp[4] + x1 * wp[5];
                s3 += x0 * wp[6] + x1 * wp[7];
            }
            o[j] = RequantizeScalar(s0, c0 + j, s);
            o[j + 1] = RequantizeScalar(s1, c0 + j + 1, s);
            o[j + 2] = RequantizeScalar(s2, c0 + j + 2, s);
            o[j + 3] = RequantizeScalar(s3, c0 + j + 3, s);
        }
        for (; j < nc; j++)
        {
            int acc = 0;
            for (int p = 0; p < pairs; p++)
                acc += x[2 * p] * w[(p * Panel + j) * 2] + x[2 * p + 1] * w[(p * Panel + j) * 2 + 1];
            o[j] = RequantizeScalar(acc, c0 + j, s);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Float frame
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Float twin of <see cref="Quantized"/>: rows of A are <paramref name="depth"/> floats, <paramref name="aStride"/> apart.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Float(SimdLevel level, float* a, int aStride, int rows, int depth, float* packed, int panelStart, int panelEnd,
        float* output, int outStride, int channels, in FloatOutputStage s)
        => FloatFrame<False>(level, a, aStride, rows, depth, null, packed, panelStart, panelEnd, output, outStride, channels, s);

    /// <summary>
    /// <see cref="Float"/> with A read in place through a tap table (<see cref="SimdLevel.Avx512"/> and the 128-bit
    /// levels, see <see cref="HasFloatTaps"/>): value k of row r is the float at byte offset
    /// r·<paramref name="rowStep"/>·4 + <paramref name="taps"/>[k] from <paramref name="a"/> — a convolution's interior
    /// output pixels along one row read straight from the input, without an im2col copy. Same sums (k in order, fused
    /// multiply-add) as <see cref="Float"/> on the im2col rows.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void FloatTaps(SimdLevel level, float* a, int rowStep, int rows, int depth, int* taps, float* packed, int panelStart, int panelEnd,
        float* output, int outStride, int channels, in FloatOutputStage s)
    {
        if (!HasFloatTaps(level)) throw new ArgumentOutOfRangeException(nameof(level), level, "no in-place float kernels at this level");
        FloatFrame<True>(level, a, rowStep, rows, depth, taps, packed, panelStart, panelEnd, output, outStride, channels, s);
    }

    /// <summary>Whether <see cref="FloatTaps"/> runs at <paramref name="level"/> (every vector level).</summary>
    public static bool HasFloatTaps(SimdLevel level) => level is SimdLevel.Avx512 or SimdLevel.Avx2 || Is128(level);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void FloatFrame<TTaps>(SimdLevel level, float* a, int aStride, int rows, int depth, int* taps, float* packed, int panelStart, int panelEnd,
        float* output, int outStride, int channels, in FloatOutputStage s)
        where TTaps : struct, IFlag
    {
        long panelFloats = (long)depth * Panel;
        // arm64 4-row kernel: a tap table of contiguous groups of 4 takes the by-element steps
        bool quads = TTaps.Value && System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported && Is128(level) && TapQuads(taps, depth);
        for (int p = panelStart; p < panelEnd;)
        {
            float* w = packed + p * panelFloats;
            int c0 = p * Panel;
            int nc = Math.Min(channels - c0, 2 * Panel);
            if (level == SimdLevel.Avx512)
            {
                bool two = p + 1 < panelEnd;
                float* w1 = w + panelFloats;
                // a panel with at most 8 live channels runs 256-bit: half the FMA work of a half-empty 512-bit panel
                if (two && nc > Panel + 8) Rows512<Two, TTaps>(a, aStride, rows, depth, taps, w, w1, output + c0, outStride, c0, nc, s);
                else if (two) Rows512<OneAndHalf, TTaps>(a, aStride, rows, depth, taps, w, w1, output + c0, outStride, c0, nc, s);
                else if (nc > 8) Rows512<One, TTaps>(a, aStride, rows, depth, taps, w, w, output + c0, outStride, c0, nc, s);
                else Rows512<Half, TTaps>(a, aStride, rows, depth, taps, w, w, output + c0, outStride, c0, nc, s);
                p += two ? 2 : 1;
                continue;
            }
            nc = Math.Min(nc, Panel);
            if (Is128(level))
            {
                int r = 0;
                // with taps, aStride is the row step and the rows start aStride floats apart (values at byte taps[k])
                for (; r + 4 <= rows; r += 4) F128x4<TTaps>(a + (long)r * aStride, aStride, depth, taps, quads, w, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) F128x1<TTaps>(a + (long)r * aStride, depth, taps, w, output + (long)r * outStride + c0, c0, nc, s);
            }
            else if (level == SimdLevel.Avx2)
            {
                int r = 0;
                for (; r + 4 <= rows; r += 4) F256x4<TTaps>(a + (long)r * aStride, aStride, depth, taps, w, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) F256x1<TTaps>(a + (long)r * aStride, depth, taps, w, output + (long)r * outStride + c0, c0, nc, s);
            }
            else
                for (int r = 0; r < rows; r++) FScalar(a + (long)r * aStride, depth, w, output + (long)r * outStride + c0, c0, nc, s);
            p++;
        }
    }

    /// <summary>
    /// AVX-512 rows of one panel or pair of panels: 8 at a time, then the last ones (fewer than 8) by 4-row calls
    /// where they beat the latency-bound 1-row kernel (the 4-row call may overlap rows already done, and with 8 or
    /// fewer channels one more 8-row call over the last 8 rows does), the rest one at a time. Rows computed twice get
    /// the same sums (k in order, fused multiply-add, in every kernel), so the values written are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows512<TWidth, TTaps>(float* a, int aStride, int rows, int depth, int* taps, float* w0, float* w1, float* o, int oStride,
        int c0, int nc, in FloatOutputStage s)
        where TWidth : struct, IWidth where TTaps : struct, IFlag
    {
        nint rowBytes = (nint)aStride * 4;
        int r = 0;
        for (; r + 8 <= rows; r += 8) F512x8<TWidth, TTaps, False>(a + (long)r * aStride, rowBytes, depth, taps, w0, w1, o + (long)r * oStride, oStride, c0, nc, s);
        if (r == rows) return;
        if (TWidth.Value == 3 && rows >= 8)
        {
            // 8 rows × 8 channels cost what 4 or 1 rows do (the 256-bit FMA chains are latency-bound below 8)
            F512x8<TWidth, TTaps, False>(a + (long)(rows - 8) * aStride, rowBytes, depth, taps, w0, w1, o + (long)(rows - 8) * oStride, oStride, c0, nc, s);
            return;
        }
        // from this many rows on a 4-row call is cheaper than 1-row calls, whose FMA chains are latency-bound (4 cycles
        // a step): 32 channels, 8 zmm FMAs a step vs 2 per row; fewer channels, at most 6 cycles vs 4 per row (at the
        // break-even count the 1-row kernel measured a little faster)
        int min4 = TWidth.Value == 1 ? 3 : 2;
        while (rows - r >= min4 && rows >= 4)
        {
            int r4 = Math.Min(r, rows - 4);
            F512x8<TWidth, TTaps, True>(a + (long)r4 * aStride, rowBytes, depth, taps, w0, w1, o + (long)r4 * oStride, oStride, c0, nc, s);
            r = r4 + 4;
        }
        for (; r < rows; r++)
            if (TWidth.Value is 1 or 2) F512x1<True, TTaps>(a + (long)r * aStride, depth, taps, w0, w1, o + (long)r * oStride, c0, nc, s);
            else F512x1<False, TTaps>(a + (long)r * aStride, depth, taps, w0, w1, o + (long)r * oStride, c0, nc, s);
    }

    // Channel layouts of the float 8-row kernel: which accumulators exist (JIT-time constants, dead ones vanish).
    private interface IWidth { static abstract int Value { get; } }
    private struct One : IWidth { public static int Value => 0; }         // one panel: 8 × 16 (zmm)
    private struct Two : IWidth { public static int Value => 1; }         // two panels: 8 × 32 (zmm, zmm)
    private struct OneAndHalf : IWidth { public static int Value => 2; }  // a panel and ≤ 8 channels of the next: zmm + ymm
    private struct Half : IWidth { public static int Value => 3; }        // ≤ 8 channels: ymm

    /// <summary>
    /// AVX-512: 8 rows (4 when <typeparamref name="TFour"/>) × up to 32 channels of float FMA
    /// (<typeparamref name="TWidth"/>), bias and clamp fused. Row r's
    /// value k is the float at byte r·<paramref name="rowBytes"/> + k·4 from <paramref name="a"/>, or + taps[k] when
    /// <typeparamref name="TTaps"/> (see <see cref="FloatTaps"/>). Rows are addressed from one pointer and four byte
    /// strides so the kernel needs few general registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void F512x8<TWidth, TTaps, TFour>(float* a, nint rowBytes, int depth, int* taps, float* w0, float* w1, float* o, int oStride, int c0, int nc, in FloatOutputStage s)
        where TWidth : struct, IWidth where TTaps : struct, IFlag where TFour : struct, IFlag
    {
        byte* q0 = (byte*)a;
        nint s1 = rowBytes, s3 = 3 * rowBytes, s5 = 5 * rowBytes, s7 = 7 * rowBytes;
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        Vector512<float> c01 = default, c11 = default, c21 = default, c31 = default, c41 = default, c51 = default, c61 = default, c71 = default;
        Vector256<float> h00 = default, h10 = default, h20 = default, h30 = default, h40 = default, h50 = default, h60 = default, h70 = default;
        for (int k = 0; k < depth; k++)
        {
            byte* q = TTaps.Value ? q0 + taps[k] : q0;
            if (TWidth.Value == 3)
            {
                var v = Vector256.Load(w0);
                h00 = Fma.MultiplyAdd(Vector256.Create(*(float*)q), v, h00); h10 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + s1)), v, h10);
                h20 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + 2 * s1)), v, h20); h30 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + s3)), v, h30);
                if (!TFour.Value)
                {
                    h40 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + 4 * s1)), v, h40); h50 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + s5)), v, h50);
                    h60 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + 2 * s3)), v, h60); h70 = Fma.MultiplyAdd(Vector256.Create(*(float*)(q + s7)), v, h70);
                }
            }
            else
            {
                var v0 = Vector512.Load(w0);
                var x0 = Vector512.Create(*(float*)q); var x1 = Vector512.Create(*(float*)(q + s1));
                var x2 = Vector512.Create(*(float*)(q + 2 * s1)); var x3 = Vector512.Create(*(float*)(q + s3));
                c00 = Avx512F.FusedMultiplyAdd(x0, v0, c00); c10 = Avx512F.FusedMultiplyAdd(x1, v0, c10);
                c20 = Avx512F.FusedMultiplyAdd(x2, v0, c20); c30 = Avx512F.FusedMultiplyAdd(x3, v0, c30);
                if (TWidth.Value == 1)
                {
                    var v1 = Vector512.Load(w1);
                    c01 = Avx512F.FusedMultiplyAdd(x0, v1, c01); c11 = Avx512F.FusedMultiplyAdd(x1, v1, c11);
                    c21 = Avx512F.FusedMultiplyAdd(x2, v1, c21); c31 = Avx512F.FusedMultiplyAdd(x3, v1, c31);
                }
                else if (TWidth.Value == 2)
                {
                    var v1 = Vector256.Load(w1);
                    h00 = Fma.MultiplyAdd(x0.GetLower(), v1, h00); h10 = Fma.MultiplyAdd(x1.GetLower(), v1, h10);
                    h20 = Fma.MultiplyAdd(x2.GetLower(), v1, h20); h30 = Fma.MultiplyAdd(x3.GetLower(), v1, h30);
                }
                if (!TFour.Value)
                {
                    x0 = Vector512.Create(*(float*)(q + 4 * s1)); x1 = Vector512.Create(*(float*)(q + s5));
                    x2 = Vector512.Create(*(float*)(q + 2 * s3)); x3 = Vector512.Create(*(float*)(q + s7));
                    c40 = Avx512F.FusedMultiplyAdd(x0, v0, c40); c50 = Avx512F.FusedMultiplyAdd(x1, v0, c50);
                    c60 = Avx512F.FusedMultiplyAdd(x2, v0, c60); c70 = Avx512F.FusedMultiplyAdd(x3, v0, c70);
                    if (TWidth.Value == 1)
                    {
                        var v1 = Vector512.Load(w1);
                        c41 = Avx512F.FusedMultiplyAdd(x0, v1, c41); c51 = Avx512F.FusedMultiplyAdd(x1, v1, c51);
                        c61 = Avx512F.FusedMultiplyAdd(x2, v1, c61); c71 = Avx512F.FusedMultiplyAdd(x3, v1, c71);
                    }
                    else if (TWidth.Value == 2)
                    {
                        var v1 = Vector256.Load(w1);
                        h40 = Fma.MultiplyAdd(x0.GetLower(), v1, h40); h50 = Fma.MultiplyAdd(x1.GetLower(), v1, h50);
                        h60 = Fma.MultiplyAdd(x2.GetLower(), v1, h60); h70 = Fma.MultiplyAdd(x3.GetLower(), v1, h70);
                    }
                }
            }
            w0 += Panel;
            if (TWidth.Value is 1 or 2) w1 += Panel;
            if (!TTaps.Value) q0 += 4;
        }
        if (TWidth.Value == 3)
        {
            StoreF256(h00, c0, o, nc, s); StoreF256(h10, c0, o + oStride, nc, s);
            StoreF256(h20, c0, o + 2 * oStride, nc, s); StoreF256(h30, c0, o + 3 * oStride, nc, s);
            if (TFour.Value) return;
            StoreF256(h40, c0, o + 4 * oStride, nc, s); StoreF256(h50, c0, o + 5 * oStride, nc, s);
            StoreF256(h60, c0, o + 6 * oStride, nc, s); StoreF256(h70, c0, o + 7 * oStride, nc, s);
            return;
        }
        StoreF512(c00, c0, o, nc, s); StoreF512(c10, c0, o + oStride, nc, s);
        StoreF512(c20, c0, o + 2 * oStride, nc, s); StoreF512(c30, c0, o + 3 * oStride, nc, s);
        if (!TFour.Value)
        {
            StoreF512(c40, c0, o + 4 * oStride, nc, s); StoreF512(c50, c0, o + 5 * oStride, nc, s);
            StoreF512(c60, c0, o + 6 * oStride, nc, s); StoreF512(c70, c0, o + 7 * oStride, nc, s);
        }
        int c1 = c0 + Panel, n1 = nc - Panel;
        float* q1 = o + Panel;
        if (TWidth.Value == 1)
        {
            StoreF512(c01, c1, q1, n1, s); StoreF512(c11, c1, q1 + oStride, n1, s);
            StoreF512(c21, c1, q1 + 2 * oStride, n1, s); StoreF512(c31, c1, q1 + 3 * oStride, n1, s);
            if (TFour.Value) return;
            StoreF512(c41, c1, q1 + 4 * oStride, n1, s); StoreF512(c51, c1, q1 + 5 * oStride, n1, s);
            StoreF512(c61, c1, q1 + 6 * oStride, n1, s); StoreF512(c71, c1, q1 + 7 * oStride, n1, s);
        }
        else if (TWidth.Value == 2)
        {
            StoreF256(h00, c1, q1, n1, s); StoreF256(h10, c1, q1 + oStride, n1, s);
            StoreF256(h20, c1, q1 + 2 * oStride, n1, s); StoreF256(h30, c1, q1 + 3 * oStride, n1, s);
            if (TFour.Value) return;
            StoreF256(h40, c1, q1 + 4 * oStride, n1, s); StoreF256(h50, c1, q1 + 5 * oStride, n1, s);
            StoreF256(h60, c1, q1 + 6 * oStride, n1, s); StoreF256(h70, c1, q1 + 7 * oStride, n1, s);
        }
    }

    /// <summary>AVX-512: one row × 16 or 32 channels of float FMA (k in order, as every other level); A as in <see cref="F512x8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void F512x1<TTwo, TTaps>(float* a, int depth, int* taps, float* w0, float* w1, float* o, int c0, int nc, in FloatOutputStage s)
        where TTwo : struct, IFlag where TTaps : struct, IFlag
    {
        Vector512<float> x0 = default, x1 = default;
        byte* q0 = (byte*)a;
        for (int k = 0; k < depth; k++)
        {
            var x = Vector512.Create(TTaps.Value ? *(float*)(q0 + taps[k]) : a[k]);
            x0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w0), x0);
            w0 += Panel;
            if (TTwo.Value) { x1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w1), x1); w1 += Panel; }
        }
        StoreF512(x0, c0, o, nc, s);
        if (TTwo.Value) StoreF512(x1, c0 + Panel, o + Panel, nc - Panel, s);
    }

    /// <summary>AVX2: 4 rows × 16 channels of float FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void F256x4<TTaps>(float* a, int aStride, int depth, int* taps, float* w, float* o, int oStride, int c0, int nc, in FloatOutputStage s)
        where TTaps : struct, IFlag
    {
        float* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        nint rb = (nint)aStride * sizeof(float);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int k = 0; k < depth; k++)
        {
            var v0 = Vector256.Load(w); var v1 = Vector256.Load(w + 8);
            w += Panel;
            // with taps, value k of row r is at byte taps[k] + r·rb from a (the input read in place)
            float* q0 = TTaps.Value ? (float*)((byte*)a + taps[k]) : a0 + k;
            float* q1 = TTaps.Value ? (float*)((byte*)q0 + rb) : a1 + k;
            float* q2 = TTaps.Value ? (float*)((byte*)q0 + 2 * rb) : a2 + k;
            float* q3 = TTaps.Value ? (float*)((byte*)q0 + 3 * rb) : a3 + k;
            var x = Vector256.Create(*q0); c00 = Fma.MultiplyAdd(x, v0, c00); c01 = Fma.MultiplyAdd(x, v1, c01);
            x = Vector256.Create(*q1); c10 = Fma.MultiplyAdd(x, v0, c10); c11 = Fma.MultiplyAdd(x, v1, c11);
            x = Vector256.Create(*q2); c20 = Fma.MultiplyAdd(x, v0, c20); c21 = Fma.MultiplyAdd(x, v1, c21);
            x = Vector256.Create(*q3); c30 = Fma.MultiplyAdd(x, v0, c30); c31 = Fma.MultiplyAdd(x, v1, c31);
        }
        StoreF256x2(c00, c01, c0, o, nc, s); StoreF256x2(c10, c11, c0, o + oStride, nc, s);
        StoreF256x2(c20, c21, c0, o + 2 * oStride, nc, s); StoreF256x2(c30, c31, c0, o + 3 * oStride, nc, s);
    }

    /// <summary>AVX2 one row × one panel (the rows past the last multiple of 4), with or without a tap table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void F256x1<TTaps>(float* a, int depth, int* taps, float* w, float* o, int c0, int nc, in FloatOutputStage s)
        where TTaps : struct, IFlag
    {
        Vector256<float> c0v = default, c1v = default;
        for (int k = 0; k < depth; k++)
        {
            var x = Vector256.Create(TTaps.Value ? *(float*)((byte*)a + taps[k]) : a[k]);
            c0v = Fma.MultiplyAdd(x, Vector256.Load(w), c0v); c1v = Fma.MultiplyAdd(x, Vector256.Load(w + 8), c1v);
            w += Panel;
        }
        StoreF256x2(c0v, c1v, c0, o, nc, s);
    }

    /// <summary>
    /// Portable: one row × one panel, four channels per pass (each A value loaded once for four sums), k in order with
    /// <see cref="MulAdd"/>.
    /// </summary>
    private static void FScalar(float* a, int depth, float* w, float* o, int c0, int nc, in FloatOutputStage s)
    {
        int j = 0;
        for (; j + 4 <= nc; j += 4)
        {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            float* wp = w + j;
            for (int k = 0; k < depth; k++, wp += Panel)
            {
                float x = a[k];
                s0 = MulAdd(x, wp[0], s0); s1 = MulAdd(x, wp[1], s1);
                s2 = MulAdd(x, wp[2], s2); s3 = MulAdd(x, wp[3], s3);
            }
            o[j] = ClampScalar(s0 + s.Bias[c0 + j], s); o[j + 1] = ClampScalar(s1 + s.Bias[c0 + j + 1], s);
            o[j + 2] = ClampScalar(s2 + s.Bias[c0 + j + 2], s); o[j + 3] = ClampScalar(s3 + s.Bias[c0 + j + 3], s);
        }
        for (; j < nc; j++)
        {
            float acc = 0;
            for (int k = 0; k < depth; k++) acc = MulAdd(a[k], w[k * Panel + j], acc);
            o[j] = ClampScalar(acc + s.Bias[c0 + j], s);
        }
    }

    /// <summary>v clamped to the stage's activation range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ClampScalar(float v, in FloatOutputStage s) => v < s.Min ? s.Min : v > s.Max ? s.Max : v;

    /// <summary>
    /// a·b + c for the scalar loops: fused (one rounding, as every vector kernel, so all levels agree bit for bit) where
    /// fused multiply-add is an instruction the JIT emits (x64 FMA3, arm64); otherwise a multiply and an add. That is
    /// arm32, whose .NET has no hardware intrinsics: <see cref="MathF.FusedMultiplyAdd"/> there is a call into the C
    /// library's fmaf, emulated in software on armhf (its baseline FPU, VFPv3-D16, has no fused multiply-add).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    // ------------------------------------------------------------------------------------------------------------
    // Packing A
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>dst[i] = src[i] - zeroPoint as int16, for uint8 sources.</summary>
    public static void WidenSubtract(byte* src, short* dst, int n, int zeroPoint)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var zp = Vector512.Create((short)zeroPoint);
            for (; i + 32 <= n; i += 32)
                (Vector512.WidenLower(Vector256.Load(src + i).ToVector512Unsafe()).AsInt16() - zp).Store(dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
                (Vector256.WidenLower(Vector128.Load(src + i).ToVector256Unsafe()).AsInt16() - zp).Store(dst + i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // arm64 (uxtl/uxtl2): where 256-bit vectors are software-emulated
            var zp = Vector128.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.Load(src + i));
                (lo.AsInt16() - zp).Store(dst + i);
                (hi.AsInt16() - zp).Store(dst + i + 8);
            }
        }
        for (; i < n; i++) dst[i] = (short)(src[i] - zeroPoint);
    }

    /// <summary>dst[i] = src[i] - zeroPoint as int16, for int8 sources.</summary>
    public static void WidenSubtract(sbyte* src, short* dst, int n, int zeroPoint)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var zp = Vector512.Create((short)zeroPoint);
            for (; i + 32 <= n; i += 32)
                (Vector512.WidenLower(Vector256.Load(src + i).ToVector512Unsafe()) - zp).Store(dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
                (Vector256.WidenLower(Vector128.Load(src + i).ToVector256Unsafe()) - zp).Store(dst + i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var zp = Vector128.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.Load(src + i));
                (lo - zp).Store(dst + i);
                (hi - zp).Store(dst + i + 8);
            }
        }
        for (; i < n; i++) dst[i] = (short)(src[i] - zeroPoint);
    }
}
