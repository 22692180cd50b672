using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static EdgeLite.Simd.OutputStage;

namespace EdgeLite.Simd;

/// <summary>
/// Depthwise micro-kernels: one output pixel, all channels, the sum over a list of filter taps kept in registers per
/// 16 (AVX-512) or 8 (AVX2) channels, then the fused output stage. Taps are given as input offsets (elements from
/// <c>x</c>) and tap indices into weights laid out [tap][channel padded to 16]; the caller passes only the taps
/// inside the image (padding contributes nothing). Quantized sums are exact int32 (x - x_zp)·(w - w_zp). Four
/// interior pixels at once: <see cref="Float4"/>, <see cref="Quantized4"/>, <see cref="Quantized4Pairs"/> (AVX-512) and
/// the 128-bit kernels in DepthwiseKernels.Neon.cs.
/// </summary>
internal static unsafe partial class DepthwiseKernels
{
    /// <summary>Quantized pixel: o[c] = stage(Σ_t (x[offs[t] + c] - zp) · w[taps[t]·stride + c]) for c &lt; channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantized(SimdLevel level, byte* x, int* offs, int* taps, int count, int* w, int wStride, int channels,
        int zp, byte* o, in QuantizedOutputStage s, int cStart = 0)
    {
        int c = cStart;
        bool signed = s.Signed;
        if (level == SimdLevel.Avx512)
        {
            var vzp = Vector512.Create(zp);
            for (; c + 16 <= channels; c += 16)
            {
                Vector512<int> acc = default;
                if (signed)
                    for (int t = 0; t < count; t++)
                        acc += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)x + offs[t] + c)) - vzp, Vector512.Load(w + taps[t] * wStride + c));
                else
                    for (int t = 0; t < count; t++)
                        acc += Avx512F.MultiplyLow(Avx512F.ConvertToVector512Int32(Vector128.Load(x + offs[t] + c)) - vzp, Vector512.Load(w + taps[t] * wStride + c));
                Requantize512(acc, c, s).Store(o + c);
            }
        }
        if (level >= SimdLevel.Avx2)
        {
            var vzp = Vector256.Create(zp);
            for (; c + 8 <= channels; c += 8)
            {
                Vector256<int> acc = default;
                if (signed)
                    for (int t = 0; t < count; t++)
                        acc += Avx2.MultiplyLow(Avx2.ConvertToVector256Int32((sbyte*)x + offs[t] + c) - vzp, Vector256.Load(w + taps[t] * wStride + c));
                else
                    for (int t = 0; t < count; t++)
                        acc += Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(x + offs[t] + c) - vzp, Vector256.Load(w + taps[t] * wStride + c));
                var v = Requantize256(acc, c, s);
                var bytes = Vector128.Narrow(Vector256.Narrow(v, v).GetLower(), Vector128<short>.Zero);
                *(ulong*)(o + c) = bytes.AsUInt64().ToScalar();
            }
        }
        if (GemmKernels.Is128(level))
        {
            // 128-bit (arm64): 8 channels at a time, widened to int32, multiplied, summed (exact), the same output stage
            var vzp = Vector128.Create(zp);
            var lo = Vector128.Create(s.Lo); var hi = Vector128.Create(s.Hi); var ozp = Vector128.Create(s.ZeroPoint);
            for (; c + 8 <= channels; c += 8)
            {
                Vector128<int> a0 = default, a1 = default;
                for (int t = 0; t < count; t++)
                {
                    var bytes = Vector128.CreateScalar(*(ulong*)(x + offs[t] + c));
                    Vector128<int> x0, x1;
                    if (signed) (x0, x1) = Vector128.Widen(Vector128.WidenLower(bytes.AsSByte()));
                    else { var (u0, u1) = Vector128.Widen(Vector128.WidenLower(bytes.AsByte())); x0 = u0.AsInt32(); x1 = u1.AsInt32(); }
                    int* wp = w + taps[t] * wStride + c;
                    a0 += (x0 - vzp) * Vector128.Load(wp);
                    a1 += (x1 - vzp) * Vector128.Load(wp + 4);
                }
                Store8x128(Requantize128(a0, c, lo, hi, ozp, s), Requantize128(a1, c + 4, lo, hi, ozp, s), o + c, signed);
            }
        }
        // portable: four channels per pass (each tap's offsets read once for four sums), then one at a time
        for (; c + 4 <= channels; c += 4)
        {
            int a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            if (signed)
                for (int t = 0; t < count; t++)
                {
                    int* wp = w + taps[t] * wStride + c;
                    sbyte* xp = (sbyte*)x + offs[t] + c;
                    a0 += (xp[0] - zp) * wp[0]; a1 += (xp[1] - zp) * wp[1]; a2 += (xp[2] - zp) * wp[2]; a3 += (xp[3] - zp) * wp[3];
                }
            else
                for (int t = 0; t < count; t++)
                {
                    int* wp = w + taps[t] * wStride + c;
                    byte* xp = x + offs[t] + c;
                    a0 += (xp[0] - zp) * wp[0]; a1 += (xp[1] - zp) * wp[1]; a2 += (xp[2] - zp) * wp[2]; a3 += (xp[3] - zp) * wp[3];
                }
            o[c] = RequantizeScalar(a0, c, s); o[c + 1] = RequantizeScalar(a1, c + 1, s);
            o[c + 2] = RequantizeScalar(a2, c + 2, s); o[c + 3] = RequantizeScalar(a3, c + 3, s);
        }
        for (; c < channels; c++)
        {
            int acc = 0;
            if (signed) for (int t = 0; t < count; t++) acc += (((sbyte*)x)[offs[t] + c] - zp) * w[taps[t] * wStride + c];
            else for (int t = 0; t < count; t++) acc += (x[offs[t] + c] - zp) * w[taps[t] * wStride + c];
            o[c] = RequantizeScalar(acc, c, s);
        }
    }

    /// <summary>Float pixel: o[c] = clamp(bias[c] + Σ_t x[offs[t] + c] · w[taps[t]·stride + c]), taps in order (fused multiply-add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Float(SimdLevel level, float* x, int* offs, int* taps, int count, float* w, int wStride, int channels,
        float* o, in FloatOutputStage s, int cStart = 0)
    {
        int c = cStart;
        if (level == SimdLevel.Avx512)
        {
            // 64 channels at a time: four independent chains (one would wait out the FMA latency at every tap), each
            // lane still summing its taps in order, so the results are those of the 16-channel loop
            for (; c + 64 <= channels; c += 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int t = 0; t < count; t++)
                {
                    float* xp = x + offs[t] + c, wp = w + taps[t] * wStride + c;
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(xp), Vector512.Load(wp), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(xp + 16), Vector512.Load(wp + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(xp + 32), Vector512.Load(wp + 32), a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(xp + 48), Vector512.Load(wp + 48), a3);
                }
                StoreF512(a0, c, o + c, 16, s); StoreF512(a1, c + 16, o + c + 16, 16, s);
                StoreF512(a2, c + 32, o + c + 32, 16, s); StoreF512(a3, c + 48, o + c + 48, 16, s);
            }
            for (; c + 16 <= channels; c += 16)
            {
                Vector512<float> acc = default;
                for (int t = 0; t < count; t++)
                    acc = Avx512F.FusedMultiplyAdd(Vector512.Load(x + offs[t] + c), Vector512.Load(w + taps[t] * wStride + c), acc);
                StoreF512(acc, c, o + c, 16, s);
            }
        }
        if (level >= SimdLevel.Avx2)
        {
            var mn = Vector256.Create(s.Min); var mx = Vector256.Create(s.Max);
            for (; c + 8 <= channels; c += 8)
            {
                Vector256<float> acc = default;
                for (int t = 0; t < count; t++)
                    acc = Fma.MultiplyAdd(Vector256.Load(x + offs[t] + c), Vector256.Load(w + taps[t] * wStride + c), acc);
                Avx.Min(Avx.Max(acc + Vector256.Load(s.Bias + c), mn), mx).Store(o + c);
            }
        }
        if (GemmKernels.Is128(level))
        {
            // 128-bit (arm64): 8 channels at a time, the same fused multiply-adds in tap order
            var mn = Vector128.Create(s.Min); var mx = Vector128.Create(s.Max);
            for (; c + 8 <= channels; c += 8)
            {
                Vector128<float> a0 = default, a1 = default;
                for (int t = 0; t < count; t++)
                {
                    float* xp = x + offs[t] + c, wp = w + taps[t] * wStride + c;
                    a0 = Vector128.FusedMultiplyAdd(Vector128.Load(xp), Vector128.Load(wp), a0);
                    a1 = Vector128.FusedMultiplyAdd(Vector128.Load(xp + 4), Vector128.Load(wp + 4), a1);
                }
                Vector128.Min(Vector128.Max(a0 + Vector128.Load(s.Bias + c), mn), mx).Store(o + c);
                Vector128.Min(Vector128.Max(a1 + Vector128.Load(s.Bias + c + 4), mn), mx).Store(o + c + 4);
            }
        }
        // portable: four channels per pass (each tap's offsets read once for four sums), then one at a time
        for (; c + 4 <= channels; c += 4)
        {
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int t = 0; t < count; t++)
            {
                float* xp = x + offs[t] + c, wp = w + taps[t] * wStride + c;
                a0 = GemmKernels.MulAdd(xp[0], wp[0], a0); a1 = GemmKernels.MulAdd(xp[1], wp[1], a1);
                a2 = GemmKernels.MulAdd(xp[2], wp[2], a2); a3 = GemmKernels.MulAdd(xp[3], wp[3], a3);
            }
            o[c] = GemmKernels.ClampScalar(a0 + s.Bias[c], s); o[c + 1] = GemmKernels.ClampScalar(a1 + s.Bias[c + 1], s);
            o[c + 2] = GemmKernels.ClampScalar(a2 + s.Bias[c + 2], s); o[c + 3] = GemmKernels.ClampScalar(a3 + s.Bias[c + 3], s);
        }
        for (; c < channels; c++)
        {
            float acc = 0;
            for (int t = 0; t < count; t++) acc = GemmKernels.MulAdd(x[offs[t] + c], w[taps[t] * wStride + c], acc);
            o[c] = GemmKernels.ClampScalar(acc + s.Bias[c], s);
        }
    }

    /// <summary>
    /// Four output pixels <paramref name="step"/> input elements apart (an interior run), AVX-512: each weight vector
    /// is loaded once for the four; channels past the last multiple of 16 go through <see cref="Quantized"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantized4(byte* x, int step, int* offs, int* taps, int count, int* w, int wStride, int channels,
        int zp, byte* o, int oStep, in QuantizedOutputStage s, int cStart = 0)
    {
        var vzp = Vector512.Create(zp);
        bool signed = s.Signed;
        int c = cStart;
        for (; c + 16 <= channels; c += 16)
        {
            Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < count; t++)
            {
                var wv = Vector512.Load(w + taps[t] * wStride + c);
                byte* p = x + offs[t] + c;
                Vector512<int> x0, x1, x2, x3;
                if (signed)
                {
                    x0 = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p)); x1 = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p + step));
                    x2 = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p + 2 * step)); x3 = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p + 3 * step));
                }
                else
                {
                    x0 = Avx512F.ConvertToVector512Int32(Vector128.Load(p)); x1 = Avx512F.ConvertToVector512Int32(Vector128.Load(p + step));
                    x2 = Avx512F.ConvertToVector512Int32(Vector128.Load(p + 2 * step)); x3 = Avx512F.ConvertToVector512Int32(Vector128.Load(p + 3 * step));
                }
                a0 += Avx512F.MultiplyLow(x0 - vzp, wv); a1 += Avx512F.MultiplyLow(x1 - vzp, wv);
                a2 += Avx512F.MultiplyLow(x2 - vzp, wv); a3 += Avx512F.MultiplyLow(x3 - vzp, wv);
            }
            Store4Rows(a0, a1, a2, a3, c, o + c, oStep, 16, s);
        }
        if (c < channels)
        {
            // the last 1..15 channels of the four pixels: masked 16-byte input loads (nothing read past the channels),
            // weights padded to 16, masked stores; lanes past the channels compute garbage that is never stored
            int n = channels - c;
            var mask = Vector128.LessThan(ByteIndices, Vector128.Create((byte)n));
            Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < count; t++)
            {
                var wv = Vector512.Load(w + taps[t] * wStride + c);
                byte* p = x + offs[t] + c;
                var b0 = Avx512BW.VL.MaskLoad(p, mask, Vector128<byte>.Zero); var b1 = Avx512BW.VL.MaskLoad(p + step, mask, Vector128<byte>.Zero);
                var b2 = Avx512BW.VL.MaskLoad(p + 2 * step, mask, Vector128<byte>.Zero); var b3 = Avx512BW.VL.MaskLoad(p + 3 * step, mask, Vector128<byte>.Zero);
                Vector512<int> x0, x1, x2, x3;
                if (signed)
                {
                    x0 = Avx512F.ConvertToVector512Int32(b0.AsSByte()); x1 = Avx512F.ConvertToVector512Int32(b1.AsSByte());
                    x2 = Avx512F.ConvertToVector512Int32(b2.AsSByte()); x3 = Avx512F.ConvertToVector512Int32(b3.AsSByte());
                }
                else
                {
                    x0 = Avx512F.ConvertToVector512Int32(b0); x1 = Avx512F.ConvertToVector512Int32(b1);
                    x2 = Avx512F.ConvertToVector512Int32(b2); x3 = Avx512F.ConvertToVector512Int32(b3);
                }
                a0 += Avx512F.MultiplyLow(x0 - vzp, wv); a1 += Avx512F.MultiplyLow(x1 - vzp, wv);
                a2 += Avx512F.MultiplyLow(x2 - vzp, wv); a3 += Avx512F.MultiplyLow(x3 - vzp, wv);
            }
            Store4Rows(a0, a1, a2, a3, c, o + c, oStep, n, s);
        }
    }

    /// <summary>
    /// Weights for the tap-pair kernels (<see cref="Quantized4Pairs"/>: blocks of <paramref name="block"/> = 32
    /// channels; <see cref="Quantized4PairsAvx2"/>: 16): taps paired (t, t+1; an odd last tap with 0), each pair and
    /// block as two vectors of block/2 int16 pairs in the order vpunpcklwd / vpunpckhwd leave the channels in (per
    /// 128-bit lane L: channels 8L..8L+3 in the low vector, 8L+4..8L+7 in the high one). Layout
    /// [pair][block][2·block shorts]. <paramref name="corr"/> gets -zp·Σ_t w[t][c] in the same order, [block][block]:
    /// the input zero point folded out of the tap loop (exact for interior pixels, where every tap is inside the image).
    /// </summary>
    public static void PackPairs(int* w, int wStride, int taps, int blocks, int block, int zp, short* packed, int* corr)
    {
        int pairs = (taps + 1) / 2, half = block / 2;
        for (int b = 0; b < blocks; b++)
            for (int k = 0; k < block; k++)
            {
                int slot = k % half, c = b * block + 8 * (slot >> 2) + (k >= half ? 4 : 0) + (slot & 3);
                int sum = 0;
                for (int t = 0; t < taps; t++) sum += w[t * wStride + c];
                corr[b * block + k] = -zp * sum;
                for (int p = 0; p < pairs; p++)
                {
                    short* q = packed + ((long)p * blocks + b) * 2 * block + 2 * k;
                    q[0] = (short)w[2 * p * wStride + c];
                    q[1] = 2 * p + 1 < taps ? (short)w[(2 * p + 1) * wStride + c] : (short)0;
                }
            }
    }

    /// <summary>
    /// Four interior output pixels <paramref name="step"/> bytes apart, AVX-512, channels in blocks of 32: taps go in
    /// pairs through vpmaddwd (two taps × 16 channels per instruction, where <see cref="Quantized4"/> multiplies one
    /// tap × 16 channels with vpmulld), inputs widened to int16 without subtracting the zero point (folded into the
    /// start value, see <see cref="PackPairs"/>). Sums are the same exact int32 values. Returns the channels done
    /// (blocks·32); the rest go through <see cref="Quantized4"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Quantized4Pairs(byte* x, int step, int* offs, int taps, short* packed, int* corr, int blocks,
        byte* o, int oStep, in QuantizedOutputStage s)
        => s.Signed ? Quantized4Pairs<Signed>(x, step, offs, taps, packed, corr, blocks, o, oStep, s)
            : Quantized4Pairs<Unsigned>(x, step, offs, taps, packed, corr, blocks, o, oStep, s);

    private interface IWiden { static abstract Vector512<short> Load(byte* p); }
    private struct Signed : IWiden
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Load(byte* p) => Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)p));
    }
    private struct Unsigned : IWiden
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Load(byte* p) => Avx512BW.ConvertToVector512Int16(Vector256.Load(p));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Quantized4Pairs<TWiden>(byte* x, int step, int* offs, int taps, short* packed, int* corr, int blocks,
        byte* o, int oStep, in QuantizedOutputStage s) where TWiden : struct, IWiden
    {
        int pairs = taps >> 1;
        long pairStride = (long)blocks * 64;
        for (int b = 0; b < blocks; b++)
        {
            int c = b * 32;
            var l0 = Vector512.Load(corr + c); var h0 = Vector512.Load(corr + c + 16);
            Vector512<int> l1 = l0, l2 = l0, l3 = l0, h1 = h0, h2 = h0, h3 = h0;
            short* w = packed + b * 64;
            for (int p = 0; p < pairs; p++, w += pairStride)
            {
                var wl = Vector512.Load(w); var wh = Vector512.Load(w + 32);
                byte* pa = x + offs[2 * p] + c, pb = x + offs[2 * p + 1] + c;
                var a = TWiden.Load(pa); var d = TWiden.Load(pb);
                l0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, d), wl); h0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + step); d = TWiden.Load(pb + step);
                l1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, d), wl); h1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + 2 * step); d = TWiden.Load(pb + 2 * step);
                l2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, d), wl); h2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + 3 * step); d = TWiden.Load(pb + 3 * step);
                l3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, d), wl); h3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, d), wh);
            }
            if ((taps & 1) != 0)
            {
                // the odd last tap, paired with zeros (its packed weight pair is (w, 0))
                var wl = Vector512.Load(w); var wh = Vector512.Load(w + 32);
                byte* pa = x + offs[taps - 1] + c;
                var z = Vector512<short>.Zero;
                var a = TWiden.Load(pa);
                l0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, z), wl); h0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + step);
                l1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, z), wl); h1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + 2 * step);
                l2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, z), wl); h2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + 3 * step);
                l3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(a, z), wl); h3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(a, z), wh);
            }
            // channels back in order (lanes of 4 from the low and high sums alternate), then four pixels at a time
            var first = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
            var second = Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
            Store4Rows(Avx512F.PermuteVar16x32x2(l0, first, h0), Avx512F.PermuteVar16x32x2(l1, first, h1),
                Avx512F.PermuteVar16x32x2(l2, first, h2), Avx512F.PermuteVar16x32x2(l3, first, h3), c, o + c, oStep, 16, s);
            Store4Rows(Avx512F.PermuteVar16x32x2(l0, second, h0), Avx512F.PermuteVar16x32x2(l1, second, h1),
                Avx512F.PermuteVar16x32x2(l2, second, h2), Avx512F.PermuteVar16x32x2(l3, second, h3), c + 16, o + c + 16, oStep, 16, s);
        }
        return blocks * 32;
    }

    /// <summary>Float twin of <see cref="Quantized4"/> (strides in elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Float4(float* x, int step, int* offs, int* taps, int count, float* w, int wStride, int channels,
        float* o, int oStep, in FloatOutputStage s)
    {
        int c = 0;
        for (; c + 16 <= channels; c += 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < count; t++)
            {
                var wv = Vector512.Load(w + taps[t] * wStride + c);
                float* p = x + offs[t] + c;
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(p), wv, a0);
                a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + step), wv, a1);
                a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + 2 * step), wv, a2);
                a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + 3 * step), wv, a3);
            }
            StoreF512(a0, c, o + c, 16, s); StoreF512(a1, c, o + oStep + c, 16, s);
            StoreF512(a2, c, o + 2 * oStep + c, 16, s); StoreF512(a3, c, o + 3 * oStep + c, 16, s);
        }
        if (c < channels)
        {
            // the last 1..15 channels of the four pixels: masked input loads (nothing read past the channels), weights
            // padded to 16, the same fused multiply-adds per lane as the one-pixel kernel
            int n = channels - c;
            var mask = Vector512.LessThan(IntIndices, Vector512.Create(n)).AsSingle();
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < count; t++)
            {
                var wv = Vector512.Load(w + taps[t] * wStride + c);
                float* p = x + offs[t] + c;
                a0 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(p, mask, Vector512<float>.Zero), wv, a0);
                a1 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(p + step, mask, Vector512<float>.Zero), wv, a1);
                a2 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(p + 2 * step, mask, Vector512<float>.Zero), wv, a2);
                a3 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(p + 3 * step, mask, Vector512<float>.Zero), wv, a3);
            }
            StoreF512(a0, c, o + c, n, s); StoreF512(a1, c, o + oStep + c, n, s);
            StoreF512(a2, c, o + 2 * oStep + c, n, s); StoreF512(a3, c, o + 3 * oStep + c, n, s);
        }
    }

    /// <summary>
    /// Few channels (C = 1, 2, 4 or 8) at stride 1, AVX-512: one vector holds P = 16 / C neighbouring output pixels
    /// (pixel ox + 1's window is pixel ox's shifted by C values, so one load at a tap gives that tap for all P), four
    /// vectors per call = 4P pixels. <paramref name="w"/> is [tap][16] (each tap's C weights repeated P times),
    /// <paramref name="s"/>'s bias likewise 16 wide. The same fused multiply-adds per output as <see cref="Float"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FloatPacked4(float* x, int* offs, int count, float* w, float* o, in FloatOutputStage s)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int t = 0; t < count; t++)
        {
            var wv = Vector512.Load(w + t * 16);
            float* p = x + offs[t];
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(p), wv, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + 16), wv, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + 32), wv, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(p + 48), wv, a3);
        }
        StoreF512(a0, 0, o, 16, s); StoreF512(a1, 0, o + 16, 16, s);
        StoreF512(a2, 0, o + 32, 16, s); StoreF512(a3, 0, o + 48, 16, s);
    }

    /// <summary>
    /// One input channel, many outputs (depth multiplier M = channels): o[c] = stage(Σ_t (x[offs[t]] - zp) · w[taps[t]·stride + c]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizedBroadcast(SimdLevel level, byte* x, int* offs, int* taps, int count, int* w, int wStride, int channels,
        int zp, byte* o, in QuantizedOutputStage s)
    {
        int c = 0;
        bool signed = s.Signed;
        if (level == SimdLevel.Avx512)
            for (; c + 16 <= channels; c += 16)
            {
                Vector512<int> acc = default;
                for (int t = 0; t < count; t++)
                    acc += Avx512F.MultiplyLow(Vector512.Create((signed ? ((sbyte*)x)[offs[t]] : x[offs[t]]) - zp), Vector512.Load(w + taps[t] * wStride + c));
                Requantize512(acc, c, s).Store(o + c);
            }
        if (level >= SimdLevel.Avx2)
            for (; c + 8 <= channels; c += 8)
            {
                Vector256<int> acc = default;
                for (int t = 0; t < count; t++)
                    acc += Avx2.MultiplyLow(Vector256.Create((signed ? ((sbyte*)x)[offs[t]] : x[offs[t]]) - zp), Vector256.Load(w + taps[t] * wStride + c));
                var v = Requantize256(acc, c, s);
                var bytes = Vector128.Narrow(Vector256.Narrow(v, v).GetLower(), Vector128<short>.Zero);
                *(ulong*)(o + c) = bytes.AsUInt64().ToScalar();
            }
        if (GemmKernels.Is128(level))
        {
            var lo = Vector128.Create(s.Lo); var hi = Vector128.Create(s.Hi); var ozp = Vector128.Create(s.ZeroPoint);
            for (; c + 8 <= channels; c += 8)
            {
                Vector128<int> a0 = default, a1 = default;
                for (int t = 0; t < count; t++)
                {
                    var xv = Vector128.Create((signed ? ((sbyte*)x)[offs[t]] : x[offs[t]]) - zp);
                    int* wp = w + taps[t] * wStride + c;
                    a0 += xv * Vector128.Load(wp); a1 += xv * Vector128.Load(wp + 4);
                }
                Store8x128(Requantize128(a0, c, lo, hi, ozp, s), Requantize128(a1, c + 4, lo, hi, ozp, s), o + c, signed);
            }
        }
        for (; c < channels; c++)
        {
            int acc = 0;
            for (int t = 0; t < count; t++) acc += ((signed ? ((sbyte*)x)[offs[t]] : x[offs[t]]) - zp) * w[taps[t] * wStride + c];
            o[c] = RequantizeScalar(acc, c, s);
        }
    }

    /// <summary>Float twin of <see cref="QuantizedBroadcast"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FloatBroadcast(SimdLevel level, float* x, int* offs, int* taps, int count, float* w, int wStride, int channels,
        float* o, in FloatOutputStage s)
    {
        int c = 0;
        if (level == SimdLevel.Avx512)
            for (; c + 16 <= channels; c += 16)
            {
                Vector512<float> acc = default;
                for (int t = 0; t < count; t++)
                    acc = Avx512F.FusedMultiplyAdd(Vector512.Create(x[offs[t]]), Vector512.Load(w + taps[t] * wStride + c), acc);
                StoreF512(acc, c, o + c, 16, s);
            }
        if (level >= SimdLevel.Avx2)
            for (; c + 8 <= channels; c += 8)
            {
                Vector256<float> acc = default;
                for (int t = 0; t < count; t++)
                    acc = Fma.MultiplyAdd(Vector256.Create(x[offs[t]]), Vector256.Load(w + taps[t] * wStride + c), acc);
                StoreF256(acc, c, o + c, 8, s);
            }
        if (GemmKernels.Is128(level))
        {
            var mn = Vector128.Create(s.Min); var mx = Vector128.Create(s.Max);
            for (; c + 4 <= channels; c += 4)
            {
                Vector128<float> acc = default;
                for (int t = 0; t < count; t++)
                    acc = Vector128.FusedMultiplyAdd(Vector128.Create(x[offs[t]]), Vector128.Load(w + taps[t] * wStride + c), acc);
                Vector128.Min(Vector128.Max(acc + Vector128.Load(s.Bias + c), mn), mx).Store(o + c);
            }
        }
        for (; c < channels; c++)
        {
            float acc = 0;
            for (int t = 0; t < count; t++) acc = GemmKernels.MulAdd(x[offs[t]], w[taps[t] * wStride + c], acc);
            o[c] = GemmKernels.ClampScalar(acc + s.Bias[c], s);
        }
    }
}
