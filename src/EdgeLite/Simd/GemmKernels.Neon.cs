using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace EdgeLite.Simd;

/// <summary>
/// The 128-bit micro-kernels (<see cref="SimdLevel.Neon"/>): arm64 AdvSimd, written with the portable
/// <see cref="Vector128"/> API plus <c>smlal</c>/<c>smlal2</c> where AdvSimd exists, so the same code (with a generic
/// widening multiply-add in their place) also runs on x64, where the tests check it against the scalar kernels.
/// <list type="bullet">
/// <item>Quantized: 2 rows × 16 channels. The packed layout pairs k (channel c: w[k], w[k+1]); multiplying by the
/// broadcast A pair lane by lane and accumulating widened to int32 keeps the even-k and odd-k products of each
/// channel in neighbouring lanes, added once at the end (exact int32 sums, the same as every other level).</item>
/// <item>Float: 4 rows × 16 channels, FMA k in order. arm64 with contiguous rows: 4 k per step, each row's 4 values in
/// one load and <c>fmla</c> by element (4 + 16 loads, 64 fmla), also tap-table rows whose groups of 4 k are contiguous;
/// otherwise (portable, other tap tables, depth % 4) a broadcast A value per row and k.</item>
/// </list>
/// </summary>
internal static unsafe partial class GemmKernels
{
    /// <summary>acc[0..3] += lanes 0..3 of x·w widened; acc[4..7] likewise for lanes 4..7 (smlal / smlal2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAddWide(Vector128<short> x, Vector128<short> w, ref Vector128<int> lo, ref Vector128<int> hi)
    {
        if (AdvSimd.IsSupported)
        {
            lo = AdvSimd.MultiplyWideningLowerAndAdd(lo, x.GetLower(), w.GetLower());
            hi = AdvSimd.MultiplyWideningUpperAndAdd(hi, x, w);
        }
        else
        {
            var (xl, xh) = Vector128.Widen(x);
            var (wl, wh) = Vector128.Widen(w);
            lo += xl * wl;
            hi += xh * wh;
        }
    }

    /// <summary>[a0+a1, a2+a3, b0+b1, b2+b3]: the even-k and odd-k halves of four channels' sums added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> PairSums(Vector128<int> a, Vector128<int> b)
    {
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.AddPairwise(a, b);
        return Vector128.Create(a.GetElement(0) + a.GetElement(1), a.GetElement(2) + a.GetElement(3),
            b.GetElement(0) + b.GetElement(1), b.GetElement(2) + b.GetElement(3));
    }

    /// <summary>128-bit: 2 rows × 16 channels (one panel), output stage fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Q128x2(int* a, int aStride, int pairs, short* w, byte* o, int oStride, int c0, int nc, in QuantizedOutputStage s)
    {
        int* a0 = a, a1 = a + aStride;
        // row r, channels 4j..4j+3: lanes [c even-k, c odd-k, c+1 even-k, c+1 odd-k] in rjL, [c+2.., c+3..] in rjH
        Vector128<int> r00 = default, r01 = default, r02 = default, r03 = default, r04 = default, r05 = default, r06 = default, r07 = default;
        Vector128<int> r10 = default, r11 = default, r12 = default, r13 = default, r14 = default, r15 = default, r16 = default, r17 = default;
        for (int p = 0; p < pairs; p++)
        {
            var w0 = Vector128.Load(w); var w1 = Vector128.Load(w + 8); var w2 = Vector128.Load(w + 16); var w3 = Vector128.Load(w + 24);
            w += 2 * Panel;
            var x = Vector128.Create(a0[p]).AsInt16();
            MulAddWide(x, w0, ref r00, ref r01); MulAddWide(x, w1, ref r02, ref r03);
            MulAddWide(x, w2, ref r04, ref r05); MulAddWide(x, w3, ref r06, ref r07);
            x = Vector128.Create(a1[p]).AsInt16();
            MulAddWide(x, w0, ref r10, ref r11); MulAddWide(x, w1, ref r12, ref r13);
            MulAddWide(x, w2, ref r14, ref r15); MulAddWide(x, w3, ref r16, ref r17);
        }
        OutputStage.Store16x128(PairSums(r00, r01), PairSums(r02, r03), PairSums(r04, r05), PairSums(r06, r07), c0, o, nc, s);
        OutputStage.Store16x128(PairSums(r10, r11), PairSums(r12, r13), PairSums(r14, r15), PairSums(r16, r17), c0, o + oStride, nc, s);
    }

    /// <summary>128-bit: one row × 16 channels (row tails, FC with batch 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Q128x1(int* a, int pairs, short* w, byte* o, int c0, int nc, in QuantizedOutputStage s)
    {
        Vector128<int> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default, r6 = default, r7 = default;
        for (int p = 0; p < pairs; p++)
        {
            var x = Vector128.Create(a[p]).AsInt16();
            MulAddWide(x, Vector128.Load(w), ref r0, ref r1); MulAddWide(x, Vector128.Load(w + 8), ref r2, ref r3);
            MulAddWide(x, Vector128.Load(w + 16), ref r4, ref r5); MulAddWide(x, Vector128.Load(w + 24), ref r6, ref r7);
            w += 2 * Panel;
        }
        OutputStage.Store16x128(PairSums(r0, r1), PairSums(r2, r3), PairSums(r4, r5), PairSums(r6, r7), c0, o, nc, s);
    }

    /// <summary>
    /// Whether every 4 tap-table entries from a multiple of 4 address 4 consecutive floats (taps[k + j] = taps[k] + 4j),
    /// so <see cref="F128x4{TTaps}"/> can load them as one vector (a convolution with a multiple of 4 input channels).
    /// </summary>
    internal static bool TapQuads(int* taps, int depth)
    {
        for (int k = 0; k + 4 <= depth; k += 4)
            if (taps[k + 1] != taps[k] + 4 || taps[k + 2] != taps[k] + 8 || taps[k + 3] != taps[k] + 12) return false;
        return true;
    }

    /// <summary>
    /// 128-bit: 4 rows × 16 channels of float FMA (k in order). Row r's value k is a[r·aStride + k], or with
    /// <typeparamref name="TTaps"/> the float at byte r·aStride·4 + taps[k] from <paramref name="a"/> (see
    /// <see cref="FloatTaps"/>; on arm64 by element too when <paramref name="quads"/>: see <see cref="TapQuads"/>, else
    /// the per-k broadcast).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void F128x4<TTaps>(float* a, int aStride, int depth, int* taps, bool quads, float* w, float* o, int oStride, int c0, int nc, in FloatOutputStage s)
        where TTaps : struct, IFlag
    {
        float* a0 = a, a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride;
        nint rb = (nint)aStride * sizeof(float), rb2 = 2 * rb, rb3 = 3 * rb;
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        int k = 0;
        if (!TTaps.Value && AdvSimd.Arm64.IsSupported)
        {
            // arm64, contiguous rows: 4 k per step, each row's 4 values in one load and fmla by element (lane j = value
            // k + j); every accumulator still gets its k in order, one fused multiply-add each (the same sums). One
            // moving pointer, the rows at byte offsets from it (no index arithmetic per step).
            float* ak = a, end = a + (depth & ~3);
            for (; ak < end; ak += 4, w += 4 * Panel)
            {
                var x0 = Vector128.Load(ak); var x1 = Vector128.Load((float*)((byte*)ak + rb));
                var x2 = Vector128.Load((float*)((byte*)ak + rb2)); var x3 = Vector128.Load((float*)((byte*)ak + rb3));
                Step4x16ByLane(x0, x1, x2, x3, 0, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 1, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 2, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 3, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
            }
            k = depth & ~3;
        }
        else if (TTaps.Value && quads && AdvSimd.Arm64.IsSupported)
        {
            // arm64, tap-table rows whose 4 k from each multiple of 4 are 4 consecutive floats (taps[k + j] = taps[k] + 4j:
            // a convolution with a multiple of 4 input channels): the same steps, each row's 4 values at byte taps[k]
            for (int end = depth & ~3; k < end; k += 4, w += 4 * Panel)
            {
                byte* q = (byte*)a + taps[k];
                var x0 = Vector128.Load((float*)q); var x1 = Vector128.Load((float*)(q + rb));
                var x2 = Vector128.Load((float*)(q + rb2)); var x3 = Vector128.Load((float*)(q + rb3));
                Step4x16ByLane(x0, x1, x2, x3, 0, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 1, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 2, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
                Step4x16ByLane(x0, x1, x2, x3, 3, w, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13,
                    ref c20, ref c21, ref c22, ref c23, ref c30, ref c31, ref c32, ref c33);
            }
        }
        // portable (and arm64 tap-table rows otherwise, and the last depth % 4 values): one broadcast A value per row and k
        for (; k < depth; k++)
        {
            var v0 = Vector128.Load(w); var v1 = Vector128.Load(w + 4); var v2 = Vector128.Load(w + 8); var v3 = Vector128.Load(w + 12);
            w += Panel;
            float x0, x1, x2, x3;
            if (TTaps.Value)
            {
                byte* q = (byte*)a + taps[k];
                x0 = *(float*)q; x1 = *(float*)(q + rb); x2 = *(float*)(q + rb2); x3 = *(float*)(q + rb3);
            }
            else { x0 = a0[k]; x1 = a1[k]; x2 = a2[k]; x3 = a3[k]; }
            var x = Vector128.Create(x0);
            c00 = Vector128.FusedMultiplyAdd(x, v0, c00); c01 = Vector128.FusedMultiplyAdd(x, v1, c01); c02 = Vector128.FusedMultiplyAdd(x, v2, c02); c03 = Vector128.FusedMultiplyAdd(x, v3, c03);
            x = Vector128.Create(x1);
            c10 = Vector128.FusedMultiplyAdd(x, v0, c10); c11 = Vector128.FusedMultiplyAdd(x, v1, c11); c12 = Vector128.FusedMultiplyAdd(x, v2, c12); c13 = Vector128.FusedMultiplyAdd(x, v3, c13);
            x = Vector128.Create(x2);
            c20 = Vector128.FusedMultiplyAdd(x, v0, c20); c21 = Vector128.FusedMultiplyAdd(x, v1, c21); c22 = Vector128.FusedMultiplyAdd(x, v2, c22); c23 = Vector128.FusedMultiplyAdd(x, v3, c23);
            x = Vector128.Create(x3);
            c30 = Vector128.FusedMultiplyAdd(x, v0, c30); c31 = Vector128.FusedMultiplyAdd(x, v1, c31); c32 = Vector128.FusedMultiplyAdd(x, v2, c32); c33 = Vector128.FusedMultiplyAdd(x, v3, c33);
        }
        OutputStage.StoreF128x4(c00, c01, c02, c03, c0, o, nc, s);
        OutputStage.StoreF128x4(c10, c11, c12, c13, c0, o + oStride, nc, s);
        OutputStage.StoreF128x4(c20, c21, c22, c23, c0, o + 2 * oStride, nc, s);
        OutputStage.StoreF128x4(c30, c31, c32, c33, c0, o + 3 * oStride, nc, s);
    }

    /// <summary>
    /// arm64: value k + <paramref name="lane"/> of <see cref="F128x4{TTaps}"/>'s four rows, which are lane
    /// <paramref name="lane"/> (a constant after inlining) of x0..x3, times weight row <paramref name="lane"/> from
    /// <paramref name="w"/> (immediate offsets): 4 weight loads, 16 fmla by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step4x16ByLane(Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3, [ConstantExpected(Max = (byte)3)] byte lane, float* w,
        ref Vector128<float> c00, ref Vector128<float> c01, ref Vector128<float> c02, ref Vector128<float> c03,
        ref Vector128<float> c10, ref Vector128<float> c11, ref Vector128<float> c12, ref Vector128<float> c13,
        ref Vector128<float> c20, ref Vector128<float> c21, ref Vector128<float> c22, ref Vector128<float> c23,
        ref Vector128<float> c30, ref Vector128<float> c31, ref Vector128<float> c32, ref Vector128<float> c33)
    {
        // each address one constant from w (w + lane·Panel as a common subexpression costs an add per lane)
        var v0 = Vector128.Load(w + lane * Panel); var v1 = Vector128.Load(w + (lane * Panel + 4));
        var v2 = Vector128.Load(w + (lane * Panel + 8)); var v3 = Vector128.Load(w + (lane * Panel + 12));
        c00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c00, v0, x0, lane); c01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c01, v1, x0, lane);
        c02 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c02, v2, x0, lane); c03 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c03, v3, x0, lane);
        c10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c10, v0, x1, lane); c11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c11, v1, x1, lane);
        c12 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c12, v2, x1, lane); c13 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c13, v3, x1, lane);
        c20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c20, v0, x2, lane); c21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c21, v1, x2, lane);
        c22 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c22, v2, x2, lane); c23 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c23, v3, x2, lane);
        c30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c30, v0, x3, lane); c31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c31, v1, x3, lane);
        c32 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c32, v2, x3, lane); c33 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c33, v3, x3, lane);
    }

    /// <summary>128-bit: one row × 16 channels of float FMA (value k: a[k], or with <typeparamref name="TTaps"/> the float at byte taps[k]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void F128x1<TTaps>(float* a, int depth, int* taps, float* w, float* o, int c0, int nc, in FloatOutputStage s)
        where TTaps : struct, IFlag
    {
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default;
        for (int k = 0; k < depth; k++)
        {
            var x = Vector128.Create(TTaps.Value ? *(float*)((byte*)a + taps[k]) : a[k]);
            c00 = Vector128.FusedMultiplyAdd(x, Vector128.Load(w), c00); c01 = Vector128.FusedMultiplyAdd(x, Vector128.Load(w + 4), c01);
            c02 = Vector128.FusedMultiplyAdd(x, Vector128.Load(w + 8), c02); c03 = Vector128.FusedMultiplyAdd(x, Vector128.Load(w + 12), c03);
            w += Panel;
        }
        OutputStage.StoreF128x4(c00, c01, c02, c03, c0, o, nc, s);
    }
}
