using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeLite.Simd;

/// <summary>
/// GEMM micro-kernels for conv-like ops: C[r, n] = Σ_k A[r, k] · B[k, n] for up to <see cref="Rows"/> rows of A
/// (im2col patches) against weights packed once at Prepare in blocks of <see cref="Block"/> output channels.
/// <list type="bullet">
/// <item>int16 path (quantized ops): A and B hold zero-point-corrected values (|v| ≤ 255) as int16 pairs along k;
/// each step multiplies a broadcast pair of A with 16 pairs of B (vpmaddwd) into int32 — exact, no saturation.
/// Packed B layout: [block][k/2][16 channels][2].</item>
/// <item>float path: packed B layout [block][k][16 channels], FMA with a broadcast A value.</item>
/// </list>
/// AVX-512 kernels when the CPU has them, a portable scalar fallback otherwise (same results: integer sums are exact;
/// float sums are accumulated in the same k order).
/// </summary>
internal static unsafe class GemmKernels
{
    /// <summary>Output channels per packed block (one 512-bit vector of int32/float).</summary>
    public const int Block = 16;
    /// <summary>Rows (output pixels) per micro-kernel call.</summary>
    public const int Rows = 4;

    public static bool UseAvx512 { get; } = Avx512BW.IsSupported && Avx512F.IsSupported;

    /// <summary>Number of int16 pairs for depth <paramref name="k"/>.</summary>
    public static int Pairs(int k) => (k + 1) / 2;

    /// <summary>Packs int weights w(oc, k) (already zero-point corrected) for the int16 kernel.</summary>
    public static short[] PackInt16(int outChannels, int depth, Func<int, int, int> weight, Func<int, short[]> allocate)
    {
        int blocks = (outChannels + Block - 1) / Block, pairs = Pairs(depth);
        var packed = allocate(blocks * pairs * Block * 2);
        for (int b = 0; b < blocks; b++)
            for (int p = 0; p < pairs; p++)
                for (int j = 0; j < Block; j++)
                {
                    int oc = b * Block + j;
                    if (oc >= outChannels) continue;
                    int baseIndex = ((b * pairs + p) * Block + j) * 2;
                    int k0 = 2 * p, k1 = 2 * p + 1;
                    packed[baseIndex] = (short)weight(oc, k0);
                    packed[baseIndex + 1] = k1 < depth ? (short)weight(oc, k1) : (short)0;
                }
        return packed;
    }

    /// <summary>Packs float weights w(oc, k) for the float kernel.</summary>
    public static float[] PackFloat(int outChannels, int depth, Func<int, int, float> weight, Func<int, float[]> allocate)
    {
        int blocks = (outChannels + Block - 1) / Block;
        var packed = allocate(blocks * depth * Block);
        for (int b = 0; b < blocks; b++)
            for (int k = 0; k < depth; k++)
                for (int j = 0; j < Block; j++)
                {
                    int oc = b * Block + j;
                    packed[(b * depth + k) * Block + j] = oc < outChannels ? weight(oc, k) : 0f;
                }
        return packed;
    }

    /// <summary>
    /// acc[r * 2 * Block + n] = Σ_p pairs(A_r[p]) · B[p, n] for 4 rows and two blocks (32 channels);
    /// <paramref name="a"/> points to 4 rows of <paramref name="pairs"/> int32-packed int16 pairs, <paramref name="aStride"/> ints apart.
    /// <paramref name="b1"/> may equal <paramref name="b0"/> when only one block is left (its results are then ignored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Int16x4x32(int* a, int aStride, int pairs, short* b0, short* b1, int* acc)
    {
        if (UseAvx512)
        {
            Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default,
                c20 = default, c21 = default, c30 = default, c31 = default;
            int* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
            for (int p = 0; p < pairs; p++)
            {
                var w0 = Vector512.Load(b0 + p * 2 * Block);
                var w1 = Vector512.Load(b1 + p * 2 * Block);
                var x0 = Vector512.Create(a0[p]).AsInt16();
                var x1 = Vector512.Create(a1[p]).AsInt16();
                var x2 = Vector512.Create(a2[p]).AsInt16();
                var x3 = Vector512.Create(a3[p]).AsInt16();
                c00 += Avx512BW.MultiplyAddAdjacent(x0, w0); c01 += Avx512BW.MultiplyAddAdjacent(x0, w1);
                c10 += Avx512BW.MultiplyAddAdjacent(x1, w0); c11 += Avx512BW.MultiplyAddAdjacent(x1, w1);
                c20 += Avx512BW.MultiplyAddAdjacent(x2, w0); c21 += Avx512BW.MultiplyAddAdjacent(x2, w1);
                c30 += Avx512BW.MultiplyAddAdjacent(x3, w0); c31 += Avx512BW.MultiplyAddAdjacent(x3, w1);
            }
            c00.Store(acc); c01.Store(acc + 16); c10.Store(acc + 32); c11.Store(acc + 48);
            c20.Store(acc + 64); c21.Store(acc + 80); c30.Store(acc + 96); c31.Store(acc + 112);
            return;
        }
        for (int r = 0; r < Rows; r++)
        {
            short* ar = (short*)(a + r * aStride);
            for (int half = 0; half < 2; half++)
            {
                short* bb = half == 0 ? b0 : b1;
                for (int j = 0; j < Block; j++)
                {
                    int s = 0;
                    for (int p = 0; p < pairs; p++)
                        s += ar[2 * p] * bb[(p * Block + j) * 2] + ar[2 * p + 1] * bb[(p * Block + j) * 2 + 1];
                    acc[r * 2 * Block + half * Block + j] = s;
                }
            }
        }
    }

    /// <summary>Float twin of <see cref="Int16x4x32"/>: 4 rows of <paramref name="depth"/> floats, two blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Floatx4x32(float* a, int aStride, int depth, float* b0, float* b1, float* acc)
    {
        if (UseAvx512)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
                c20 = default, c21 = default, c30 = default, c31 = default;
            float* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
            for (int k = 0; k < depth; k++)
            {
                var w0 = Vector512.Load(b0 + k * Block);
                var w1 = Vector512.Load(b1 + k * Block);
                var x0 = Vector512.Create(a0[k]);
                var x1 = Vector512.Create(a1[k]);
                var x2 = Vector512.Create(a2[k]);
                var x3 = Vector512.Create(a3[k]);
                c00 = Avx512F.FusedMultiplyAdd(x0, w0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, w1, c01);
                c10 = Avx512F.FusedMultiplyAdd(x1, w0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, w1, c11);
                c20 = Avx512F.FusedMultiplyAdd(x2, w0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, w1, c21);
                c30 = Avx512F.FusedMultiplyAdd(x3, w0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, w1, c31);
            }
            c00.Store(acc); c01.Store(acc + 16); c10.Store(acc + 32); c11.Store(acc + 48);
            c20.Store(acc + 64); c21.Store(acc + 80); c30.Store(acc + 96); c31.Store(acc + 112);
            return;
        }
        for (int r = 0; r < Rows; r++)
        {
            float* ar = a + r * aStride;
            for (int half = 0; half < 2; half++)
            {
                float* bb = half == 0 ? b0 : b1;
                for (int j = 0; j < Block; j++)
                {
                    float s = 0;
                    for (int k = 0; k < depth; k++) s = MathF.FusedMultiplyAdd(ar[k], bb[k * Block + j], s);
                    acc[r * 2 * Block + half * Block + j] = s;
                }
            }
        }
    }

    /// <summary>dst[i] = src[i] - zeroPoint as int16, for uint8 sources.</summary>
    public static void WidenSubtract(byte* src, short* dst, int n, int zeroPoint)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector128.Load(src + i);
                (Vector256.WidenLower(v.ToVector256Unsafe()).AsInt16() - zp).Store(dst + i);
            }
        }
        for (; i < n; i++) dst[i] = (short)(src[i] - zeroPoint);
    }

    /// <summary>dst[i] = src[i] - zeroPoint as int16, for int8 sources.</summary>
    public static void WidenSubtract(sbyte* src, short* dst, int n, int zeroPoint)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create((short)zeroPoint);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector128.Load(src + i);
                (Vector256.WidenLower(v.ToVector256Unsafe()) - zp).Store(dst + i);
            }
        }
        for (; i < n; i++) dst[i] = (short)(src[i] - zeroPoint);
    }
}
