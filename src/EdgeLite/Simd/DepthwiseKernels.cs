using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static EdgeLite.Simd.OutputStage;

namespace EdgeLite.Simd;

/// <summary>
/// Depthwise micro-kernels: one output pixel, all channels, the sum over a list of filter taps kept in registers per
/// 16 (AVX-512) or 8 (AVX2) channels, then the fused output stage. Taps are given as input offsets (elements from
/// <c>x</c>) and tap indices into weights laid out [tap][channel padded to 16]; the caller passes only the taps
/// inside the image (padding contributes nothing). Quantized sums are exact int32 (x - x_zp)·(w - w_zp).
/// </summary>
internal static unsafe class DepthwiseKernels
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
        for (; c < channels; c++)
        {
            float acc = 0;
            for (int t = 0; t < count; t++) acc = MathF.FusedMultiplyAdd(x[offs[t] + c], w[taps[t] * wStride + c], acc);
            float v = acc + s.Bias[c];
            o[c] = v < s.Min ? s.Min : v > s.Max ? s.Max : v;
        }
    }

    /// <summary>
    /// Four output pixels <paramref name="step"/> input elements apart (an interior run), AVX-512: each weight vector
    /// is loaded once for the four; channels past the last multiple of 16 go through <see cref="Quantized"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantized4(byte* x, int step, int* offs, int* taps, int count, int* w, int wStride, int channels,
        int zp, byte* o, int oStep, in QuantizedOutputStage s)
    {
        var vzp = Vector512.Create(zp);
        bool signed = s.Signed;
        int c = 0;
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
            Requantize512(a0, c, s).Store(o + c); Requantize512(a1, c, s).Store(o + oStep + c);
            Requantize512(a2, c, s).Store(o + 2 * oStep + c); Requantize512(a3, c, s).Store(o + 3 * oStep + c);
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
            Store16(Requantize512(a0, c, s), o + c, n); Store16(Requantize512(a1, c, s), o + oStep + c, n);
            Store16(Requantize512(a2, c, s), o + 2 * oStep + c, n); Store16(Requantize512(a3, c, s), o + 3 * oStep + c, n);
        }
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
        for (; c < channels; c++)
        {
            float acc = 0;
            for (int t = 0; t < count; t++) acc = MathF.FusedMultiplyAdd(x[offs[t]], w[taps[t] * wStride + c], acc);
            float v = acc + s.Bias[c];
            o[c] = v < s.Min ? s.Min : v > s.Max ? s.Max : v;
        }
    }
}
