using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeLite.Simd;

/// <summary>
/// The 8-bit dot-product GEMM (<see cref="SimdLevel.NeonDot"/>: arm64 <c>sdot</c>/<c>udot</c>, 16 multiply-adds per
/// instruction against 4 for <c>smlal</c>). Operands stay raw bytes (uint8 or int8, as stored), so the zero points are
/// taken out afterwards, exactly:
/// <code>
/// Σ_k (x_k − x_zp)(w_k − w_zp) = Σ x·w − w_zp·Σx − x_zp·Σw + K·x_zp·w_zp
/// </code>
/// Σw per channel is summed when the weights are packed and folded, with K·x_zp·w_zp, into the bias; −w_zp·Σx is
/// one int32 per A row, summed when the row is built (im2col). int32 arithmetic wraps, so the sum is exact whenever
/// the true one fits in int32 (the int16 path's condition too): results are byte-identical to every other level.
/// <list type="bullet">
/// <item>Weights: panel layout [panel][k/4][16 channels][4 consecutive k], depth zero-padded to
/// <see cref="DotDepth"/> (a multiple of 16).</item>
/// <item>A: rows of <see cref="DotDepth"/> bytes; taps in the padding hold x_zp (they then add 0), the depth tail
/// holds 0 (its weights are 0).</item>
/// <item>Micro-kernel: 4 rows × 16 channels, 16 int32 accumulators; per 16 k one 16-byte load per row and 16 of
/// weights, each weight vector multiplied by one 4-byte group of a row's vector (<c>sdot v.4s, w.16b, a.4b[i]</c>):
/// 16 + 4 + 4 = 24 of the 32 vector registers. On CPUs without the extension (x64 test runs) a scalar stand-in
/// computes the same lanes.</item>
/// </list>
/// </summary>
internal static unsafe partial class GemmKernels
{
    /// <summary>Depth of the dot-product layout: <paramref name="depth"/> rounded up to a multiple of 16.</summary>
    public static int DotDepth(int depth) => (depth + 15) & ~15;

    /// <summary>
    /// Packs raw 8-bit weights w(oc, k) (the stored byte values, 0..255 or −128..127) for <see cref="QuantizedDot"/>;
    /// <paramref name="sums"/>[oc] receives Σ_k w(oc, k).
    /// </summary>
    public static byte[] PackDot(int outChannels, int depth, Func<int, int, int> weight, int[] sums, Func<int, byte[]> allocate)
        => PackDot(outChannels, depth, new FuncWeights<int>(weight), sums, allocate);

    /// <inheritdoc cref="PackDot(int, int, Func{int, int, int}, int[], Func{int, byte[]})"/>
    public static byte[] PackDot<TWeights>(int outChannels, int depth, TWeights weight, int[] sums, Func<int, byte[]> allocate)
        where TWeights : struct, IWeights<int>
    {
        int panels = Panels(outChannels), groups = DotDepth(depth) / 4;
        var packed = allocate(panels * groups * Panel * 4);
        for (int b = 0; b < panels; b++)
            for (int j = 0; j < Panel; j++)
            {
                int oc = b * Panel + j;
                if (oc >= outChannels) continue;
                int sum = 0;
                for (int k = 0; k < depth; k++)
                {
                    int v = weight[oc, k];
                    sum += v;
                    packed[((b * groups + k / 4) * Panel + j) * 4 + (k & 3)] = (byte)v;
                }
                sums[oc] = sum;
            }
        return packed;
    }

    /// <summary>Σ of a row's <paramref name="n"/> bytes (a multiple of 16) as uint8 or int8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RowSum(byte* p, int n, bool signed)
    {
        Vector128<int> acc = default;
        for (int i = 0; i < n; i += 16)
        {
            var v = Vector128.Load(p + i);
            if (signed)
            {
                var (l, h) = Vector128.Widen(v.AsSByte());
                var (s0, s1) = Vector128.Widen(l + h);
                acc += s0 + s1;
            }
            else
            {
                var (l, h) = Vector128.Widen(v);
                var (s0, s1) = Vector128.Widen(l + h);
                acc += (s0 + s1).AsInt32();
            }
        }
        return Vector128.Sum(acc);
    }

    /// <summary>
    /// Rows [0, rows) of A (raw bytes, <paramref name="aStride"/> bytes apart, <paramref name="kPad"/> =
    /// <see cref="DotDepth"/> of them used) times panels [panelStart, panelEnd) of <paramref name="packed"/>
    /// (<see cref="PackDot"/>), plus <paramref name="rowCorrection"/>[r] (−w_zp·Σx of the row), requantized by
    /// <paramref name="s"/> (whose bias holds the per-channel corrections) into <paramref name="output"/> as
    /// <see cref="Quantized"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizedDot(byte* a, int aStride, int rows, int kPad, int* rowCorrection, byte* packed, int panelStart, int panelEnd,
        byte* output, int outStride, int channels, in QuantizedOutputStage s, bool signedInput)
    {
        long panelBytes = (long)kPad * Panel;
        for (int p = panelStart; p < panelEnd; p++)
        {
            byte* w = packed + p * panelBytes;
            int c0 = p * Panel, nc = Math.Min(channels - c0, Panel);
            int r = 0;
            if (signedInput)
            {
                for (; r + 4 <= rows; r += 4) QDot4<True>(a + (long)r * aStride, aStride, kPad, w, rowCorrection + r, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) QDot1<True>(a + (long)r * aStride, kPad, w, rowCorrection[r], output + (long)r * outStride + c0, c0, nc, s);
            }
            else
            {
                for (; r + 4 <= rows; r += 4) QDot4<False>(a + (long)r * aStride, aStride, kPad, w, rowCorrection + r, output + (long)r * outStride + c0, outStride, c0, nc, s);
                for (; r < rows; r++) QDot1<False>(a + (long)r * aStride, kPad, w, rowCorrection[r], output + (long)r * outStride + c0, c0, nc, s);
            }
        }
    }

    /// <summary>
    /// acc[i] += Σ_j w[4i + j] · x[4·lane + j] (i = 0..3), as int8 × int8 (<typeparamref name="TSigned"/>) or
    /// uint8 × uint8: <c>sdot</c>/<c>udot</c> by element where the CPU has them, a scalar stand-in elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Dot<TSigned>(Vector128<int> acc, Vector128<byte> w, Vector128<byte> x, [ConstantExpected(Min = 0, Max = 3)] byte lane)
        where TSigned : struct, IFlag
    {
        if (Dp.IsSupported)
            return TSigned.Value
                ? Dp.DotProductBySelectedQuadruplet(acc, w.AsSByte(), x.AsSByte(), lane)
                : Dp.DotProductBySelectedQuadruplet(acc.AsUInt32(), w, x, lane).AsInt32();
        return acc + DotFallback(w, x.AsInt32().GetElement(lane), TSigned.Value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<int> DotFallback(Vector128<byte> w, int quad, bool signed)
    {
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = 0; j < 4; j++)
        {
            int xb = signed ? (sbyte)(quad >> (8 * j)) : (byte)(quad >> (8 * j));
            s0 += xb * (signed ? w.AsSByte().GetElement(j) : w.GetElement(j));
            s1 += xb * (signed ? w.AsSByte().GetElement(4 + j) : w.GetElement(4 + j));
            s2 += xb * (signed ? w.AsSByte().GetElement(8 + j) : w.GetElement(8 + j));
            s3 += xb * (signed ? w.AsSByte().GetElement(12 + j) : w.GetElement(12 + j));
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    /// <summary>4 rows × 16 channels of 8-bit dot products, corrections and output stage fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void QDot4<TSigned>(byte* a, int aStride, int kPad, byte* w, int* corr, byte* o, int oStride, int c0, int nc, in QuantizedOutputStage s)
        where TSigned : struct, IFlag
    {
        byte* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        Vector128<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<int> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        for (int k = 0; k < kPad; k += 16)
        {
            var x0 = Vector128.Load(a0 + k); var x1 = Vector128.Load(a1 + k); var x2 = Vector128.Load(a2 + k); var x3 = Vector128.Load(a3 + k);
            var w0 = Vector128.Load(w); var w1 = Vector128.Load(w + 16); var w2 = Vector128.Load(w + 32); var w3 = Vector128.Load(w + 48);
            c00 = Dot<TSigned>(c00, w0, x0, 0); c01 = Dot<TSigned>(c01, w1, x0, 0); c02 = Dot<TSigned>(c02, w2, x0, 0); c03 = Dot<TSigned>(c03, w3, x0, 0);
            c10 = Dot<TSigned>(c10, w0, x1, 0); c11 = Dot<TSigned>(c11, w1, x1, 0); c12 = Dot<TSigned>(c12, w2, x1, 0); c13 = Dot<TSigned>(c13, w3, x1, 0);
            c20 = Dot<TSigned>(c20, w0, x2, 0); c21 = Dot<TSigned>(c21, w1, x2, 0); c22 = Dot<TSigned>(c22, w2, x2, 0); c23 = Dot<TSigned>(c23, w3, x2, 0);
            c30 = Dot<TSigned>(c30, w0, x3, 0); c31 = Dot<TSigned>(c31, w1, x3, 0); c32 = Dot<TSigned>(c32, w2, x3, 0); c33 = Dot<TSigned>(c33, w3, x3, 0);
            w0 = Vector128.Load(w + 64); w1 = Vector128.Load(w + 80); w2 = Vector128.Load(w + 96); w3 = Vector128.Load(w + 112);
            c00 = Dot<TSigned>(c00, w0, x0, 1); c01 = Dot<TSigned>(c01, w1, x0, 1); c02 = Dot<TSigned>(c02, w2, x0, 1); c03 = Dot<TSigned>(c03, w3, x0, 1);
            c10 = Dot<TSigned>(c10, w0, x1, 1); c11 = Dot<TSigned>(c11, w1, x1, 1); c12 = Dot<TSigned>(c12, w2, x1, 1); c13 = Dot<TSigned>(c13, w3, x1, 1);
            c20 = Dot<TSigned>(c20, w0, x2, 1); c21 = Dot<TSigned>(c21, w1, x2, 1); c22 = Dot<TSigned>(c22, w2, x2, 1); c23 = Dot<TSigned>(c23, w3, x2, 1);
            c30 = Dot<TSigned>(c30, w0, x3, 1); c31 = Dot<TSigned>(c31, w1, x3, 1); c32 = Dot<TSigned>(c32, w2, x3, 1); c33 = Dot<TSigned>(c33, w3, x3, 1);
            w0 = Vector128.Load(w + 128); w1 = Vector128.Load(w + 144); w2 = Vector128.Load(w + 160); w3 = Vector128.Load(w + 176);
            c00 = Dot<TSigned>(c00, w0, x0, 2); c01 = Dot<TSigned>(c01, w1, x0, 2); c02 = Dot<TSigned>(c02, w2, x0, 2); c03 = Dot<TSigned>(c03, w3, x0, 2);
            c10 = Dot<TSigned>(c10, w0, x1, 2); c11 = Dot<TSigned>(c11, w1, x1, 2); c12 = Dot<TSigned>(c12, w2, x1, 2); c13 = Dot<TSigned>(c13, w3, x1, 2);
            c20 = Dot<TSigned>(c20, w0, x2, 2); c21 = Dot<TSigned>(c21, w1, x2, 2); c22 = Dot<TSigned>(c22, w2, x2, 2); c23 = Dot<TSigned>(c23, w3, x2, 2);
            c30 = Dot<TSigned>(c30, w0, x3, 2); c31 = Dot<TSigned>(c31, w1, x3, 2); c32 = Dot<TSigned>(c32, w2, x3, 2); c33 = Dot<TSigned>(c33, w3, x3, 2);
            w0 = Vector128.Load(w + 192); w1 = Vector128.Load(w + 208); w2 = Vector128.Load(w + 224); w3 = Vector128.Load(w + 240);
            c00 = Dot<TSigned>(c00, w0, x0, 3); c01 = Dot<TSigned>(c01, w1, x0, 3); c02 = Dot<TSigned>(c02, w2, x0, 3); c03 = Dot<TSigned>(c03, w3, x0, 3);
            c10 = Dot<TSigned>(c10, w0, x1, 3); c11 = Dot<TSigned>(c11, w1, x1, 3); c12 = Dot<TSigned>(c12, w2, x1, 3); c13 = Dot<TSigned>(c13, w3, x1, 3);
            c20 = Dot<TSigned>(c20, w0, x2, 3); c21 = Dot<TSigned>(c21, w1, x2, 3); c22 = Dot<TSigned>(c22, w2, x2, 3); c23 = Dot<TSigned>(c23, w3, x2, 3);
            c30 = Dot<TSigned>(c30, w0, x3, 3); c31 = Dot<TSigned>(c31, w1, x3, 3); c32 = Dot<TSigned>(c32, w2, x3, 3); c33 = Dot<TSigned>(c33, w3, x3, 3);
            w += 256;
        }
        var r = Vector128.Create(corr[0]);
        OutputStage.Store16x128(c00 + r, c01 + r, c02 + r, c03 + r, c0, o, nc, s);
        r = Vector128.Create(corr[1]);
        OutputStage.Store16x128(c10 + r, c11 + r, c12 + r, c13 + r, c0, o + oStride, nc, s);
        r = Vector128.Create(corr[2]);
        OutputStage.Store16x128(c20 + r, c21 + r, c22 + r, c23 + r, c0, o + 2 * oStride, nc, s);
        r = Vector128.Create(corr[3]);
        OutputStage.Store16x128(c30 + r, c31 + r, c32 + r, c33 + r, c0, o + 3 * oStride, nc, s);
    }

    /// <summary>One row × 16 channels of 8-bit dot products (row tails, FC with batch 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void QDot1<TSigned>(byte* a, int kPad, byte* w, int corr, byte* o, int c0, int nc, in QuantizedOutputStage s)
        where TSigned : struct, IFlag
    {
        // two sets of accumulators (even and odd 4-k groups) for independent chains; added at the end (exact)
        Vector128<int> c0a = default, c1a = default, c2a = default, c3a = default, c0b = default, c1b = default, c2b = default, c3b = default;
        for (int k = 0; k < kPad; k += 16)
        {
            var x = Vector128.Load(a + k);
            c0a = Dot<TSigned>(c0a, Vector128.Load(w), x, 0); c1a = Dot<TSigned>(c1a, Vector128.Load(w + 16), x, 0);
            c2a = Dot<TSigned>(c2a, Vector128.Load(w + 32), x, 0); c3a = Dot<TSigned>(c3a, Vector128.Load(w + 48), x, 0);
            c0b = Dot<TSigned>(c0b, Vector128.Load(w + 64), x, 1); c1b = Dot<TSigned>(c1b, Vector128.Load(w + 80), x, 1);
            c2b = Dot<TSigned>(c2b, Vector128.Load(w + 96), x, 1); c3b = Dot<TSigned>(c3b, Vector128.Load(w + 112), x, 1);
            c0a = Dot<TSigned>(c0a, Vector128.Load(w + 128), x, 2); c1a = Dot<TSigned>(c1a, Vector128.Load(w + 144), x, 2);
            c2a = Dot<TSigned>(c2a, Vector128.Load(w + 160), x, 2); c3a = Dot<TSigned>(c3a, Vector128.Load(w + 176), x, 2);
            c0b = Dot<TSigned>(c0b, Vector128.Load(w + 192), x, 3); c1b = Dot<TSigned>(c1b, Vector128.Load(w + 208), x, 3);
            c2b = Dot<TSigned>(c2b, Vector128.Load(w + 224), x, 3); c3b = Dot<TSigned>(c3b, Vector128.Load(w + 240), x, 3);
            w += 256;
        }
        var r = Vector128.Create(corr);
        OutputStage.Store16x128(c0a + c0b + r, c1a + c1b + r, c2a + c2b + r, c3a + c3b + r, c0, o, nc, s);
    }
}
