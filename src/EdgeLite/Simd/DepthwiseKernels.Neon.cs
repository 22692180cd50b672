using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using static EdgeLite.Simd.OutputStage;

namespace EdgeLite.Simd;

/// <summary>
/// The 128-bit four-pixel depthwise kernels (<see cref="SimdLevel.Neon"/> / <see cref="SimdLevel.NeonDot"/>): four
/// interior output pixels <c>step</c> input elements apart, so each weight vector is loaded once for the four. Interior
/// pixels use every tap in order, so the weights of tap t are simply row t of [tap][wStride] (no tap index list).
/// Written with the portable <see cref="Vector128"/> API plus AdvSimd's widening subtract and multiply-add where it
/// exists, so x64 runs the same arithmetic (the tests check it there; arm64 under qemu).
/// <list type="bullet">
/// <item>Float: 16 channels × 4 pixels (16 accumulators), then 8 and 4 channels; fused multiply-adds in tap order per
/// lane, bit-identical to <see cref="Float"/> and the scalar level.</item>
/// <item>Quantized: weights w − w_zp as int16 [tap][wStride]; inputs widened to int16 and the zero point subtracted in
/// one instruction (<c>usubl</c>/<c>ssubl</c>), multiplied and accumulated widened to int32 (<c>smlal</c>/<c>smlal2</c>):
/// 16 channels × 4 pixels (16 accumulators), then 8 and 4 channels; exact int32 sums, the same 128-bit output stage.</item>
/// </list>
/// Both return the channels done (a multiple of 4); the last 1..3 go through the one-pixel kernels (<c>cStart</c>).
/// <see cref="Quantized1x128"/> is the one-pixel quantized kernel on the same int16 weights (border pixels and interior
/// ones outside the four-pixel runs).
/// </summary>
internal static unsafe partial class DepthwiseKernels
{
    /// <summary>
    /// Float, four interior pixels, 128-bit: o[i·oStep + c] = clamp(bias[c] + Σ_t x[i·step + offs[t] + c] · w[t·wStride + c])
    /// for i &lt; 4 and c below the returned channel count (channels rounded down to a multiple of 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Float4x128(float* x, int step, int* offs, int count, float* w, int wStride, int channels,
        float* o, int oStep, in FloatOutputStage s)
    {
        // the pixel step in bytes (p = (float*)((byte*)p + sb): one add per pixel, no shift)
        nint sb = (nint)step * sizeof(float), ws = wStride;
        int c = 0;
        for (; c + 16 <= channels; c += 16)
        {
            Vector128<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            Vector128<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
            float* wp = w + c, xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp); var w1 = Vector128.Load(wp + 4); var w2 = Vector128.Load(wp + 8); var w3 = Vector128.Load(wp + 12);
                float* p = xc + offs[t];
                a00 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a00); a01 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a01);
                a02 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 8), w2, a02); a03 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 12), w3, a03);
                p = (float*)((byte*)p + sb);
                a10 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a10); a11 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a11);
                a12 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 8), w2, a12); a13 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 12), w3, a13);
                p = (float*)((byte*)p + sb);
                a20 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a20); a21 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a21);
                a22 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 8), w2, a22); a23 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 12), w3, a23);
                p = (float*)((byte*)p + sb);
                a30 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a30); a31 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a31);
                a32 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 8), w2, a32); a33 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 12), w3, a33);
            }
            StoreF128x4(a00, a01, a02, a03, c, o + c, 16, s);
            StoreF128x4(a10, a11, a12, a13, c, o + oStep + c, 16, s);
            StoreF128x4(a20, a21, a22, a23, c, o + 2 * oStep + c, 16, s);
            StoreF128x4(a30, a31, a32, a33, c, o + 3 * oStep + c, 16, s);
        }
        var mn = Vector128.Create(s.Min); var mx = Vector128.Create(s.Max);
        if (c + 8 <= channels)
        {
            Vector128<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            float* wp = w + c, xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp); var w1 = Vector128.Load(wp + 4);
                float* p = xc + offs[t];
                a00 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a00); a01 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a01);
                p = (float*)((byte*)p + sb);
                a10 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a10); a11 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a11);
                p = (float*)((byte*)p + sb);
                a20 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a20); a21 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a21);
                p = (float*)((byte*)p + sb);
                a30 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a30); a31 = Vector128.FusedMultiplyAdd(Vector128.Load(p + 4), w1, a31);
            }
            var b0 = Vector128.Load(s.Bias + c); var b1 = Vector128.Load(s.Bias + c + 4);
            float* q = o + c;
            Vector128.Min(Vector128.Max(a00 + b0, mn), mx).Store(q); Vector128.Min(Vector128.Max(a01 + b1, mn), mx).Store(q + 4);
            q += oStep;
            Vector128.Min(Vector128.Max(a10 + b0, mn), mx).Store(q); Vector128.Min(Vector128.Max(a11 + b1, mn), mx).Store(q + 4);
            q += oStep;
            Vector128.Min(Vector128.Max(a20 + b0, mn), mx).Store(q); Vector128.Min(Vector128.Max(a21 + b1, mn), mx).Store(q + 4);
            q += oStep;
            Vector128.Min(Vector128.Max(a30 + b0, mn), mx).Store(q); Vector128.Min(Vector128.Max(a31 + b1, mn), mx).Store(q + 4);
            c += 8;
        }
        if (c + 4 <= channels)
        {
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* wp = w + c, xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp);
                float* p = xc + offs[t];
                a0 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a0);
                p = (float*)((byte*)p + sb);
                a1 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a1);
                p = (float*)((byte*)p + sb);
                a2 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a2);
                p = (float*)((byte*)p + sb);
                a3 = Vector128.FusedMultiplyAdd(Vector128.Load(p), w0, a3);
            }
            var b0 = Vector128.Load(s.Bias + c);
            Vector128.Min(Vector128.Max(a0 + b0, mn), mx).Store(o + c);
            Vector128.Min(Vector128.Max(a1 + b0, mn), mx).Store(o + oStep + c);
            Vector128.Min(Vector128.Max(a2 + b0, mn), mx).Store(o + 2 * oStep + c);
            Vector128.Min(Vector128.Max(a3 + b0, mn), mx).Store(o + 3 * oStep + c);
            c += 4;
        }
        return c;
    }

    /// <summary>
    /// The int16 weights of <see cref="Quantized4x128"/>: w − w_zp ([tap][wStride], as <paramref name="w"/>) as int16,
    /// or false (nothing usable written) if a value does not fit.
    /// </summary>
    public static bool NarrowWeights(int* w, int count, short* w16)
    {
        for (int i = 0; i < count; i++)
        {
            if (w[i] != (short)w[i]) return false;
            w16[i] = (short)w[i];
        }
        return true;
    }

    /// <summary>
    /// Quantized, four interior pixels <paramref name="step"/> bytes apart, 128-bit: o[i·oStep + c] =
    /// stage(Σ_t (x[i·step + offs[t] + c] − zp) · w16[t·wStride + c]) for i &lt; 4 and c below the returned channel count
    /// (channels rounded down to a multiple of 4). <paramref name="zp"/> must be in the input type's range (0..255 for
    /// uint8, −128..127 for int8; the caller checks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Quantized4x128(byte* x, int step, int* offs, int count, short* w16, int wStride, int channels,
        int zp, byte* o, int oStep, in QuantizedOutputStage s)
        => s.Signed ? Quantized4x128<Signed128>(x, step, offs, count, w16, wStride, channels, Vector128.Create((sbyte)zp).AsByte(), o, oStep, s)
            : Quantized4x128<Unsigned128>(x, step, offs, count, w16, wStride, channels, Vector128.Create((byte)zp), o, oStep, s);

    /// <summary>
    /// 8-bit inputs minus the zero point, widened to int16 (arm64: one <c>usubl</c>/<c>ssubl</c> per 8 values).
    /// <c>zpLo</c> is the lower half of <c>zp</c> (made once, outside the loops: the JIT does not hoist GetLower).
    /// </summary>
    private interface ISubtractWiden
    {
        /// <summary>Lanes 8..15 of v − zp.</summary>
        static abstract Vector128<short> Upper(Vector128<byte> v, Vector128<byte> zp);
        /// <summary>Lanes 0..7 of v − zp.</summary>
        static abstract Vector128<short> Lower(Vector128<byte> v, Vector128<byte> zp, Vector64<byte> zpLo);
        /// <summary>The 8 bytes at p minus the zero point.</summary>
        static abstract Vector128<short> Load8(byte* p, Vector128<byte> zp, Vector64<byte> zpLo);
        /// <summary>The 4 bytes at p minus the zero point (lanes 0..3; nothing read past p + 3).</summary>
        static abstract Vector128<short> Load4(byte* p, Vector128<byte> zp, Vector64<byte> zpLo);
    }

    private struct Unsigned128 : ISubtractWiden
    {
        // portable: the ushort difference mod 2^16 is the int16 one (|v − zp| ≤ 255)
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Upper(Vector128<byte> v, Vector128<byte> zp)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningUpper(v, zp).AsInt16()
                : (Vector128.WidenUpper(v) - Vector128.WidenUpper(zp)).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Lower(Vector128<byte> v, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(v.GetLower(), zpLo).AsInt16()
                : (Vector128.WidenLower(v) - Vector128.WidenLower(zp)).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Load8(byte* p, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(AdvSimd.LoadVector64(p), zpLo).AsInt16()
                : Lower(Vector128.CreateScalar(*(ulong*)p).AsByte(), zp, zpLo);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Load4(byte* p, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(Vector64.CreateScalarUnsafe(*(uint*)p).AsByte(), zpLo).AsInt16()
                : Lower(Vector128.CreateScalar(*(uint*)p).AsByte(), zp, zpLo);
    }

    private struct Signed128 : ISubtractWiden
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Upper(Vector128<byte> v, Vector128<byte> zp)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningUpper(v.AsSByte(), zp.AsSByte())
                : Vector128.WidenUpper(v.AsSByte()) - Vector128.WidenUpper(zp.AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Lower(Vector128<byte> v, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(v.AsSByte().GetLower(), zpLo.AsSByte())
                : Vector128.WidenLower(v.AsSByte()) - Vector128.WidenLower(zp.AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Load8(byte* p, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(AdvSimd.LoadVector64((sbyte*)p), zpLo.AsSByte())
                : Lower(Vector128.CreateScalar(*(ulong*)p).AsByte(), zp, zpLo);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Load4(byte* p, Vector128<byte> zp, Vector64<byte> zpLo)
            => AdvSimd.IsSupported ? AdvSimd.SubtractWideningLower(Vector64.CreateScalarUnsafe(*(uint*)p).AsSByte(), zpLo.AsSByte())
                : Lower(Vector128.CreateScalar(*(uint*)p).AsByte(), zp, zpLo);
    }

    /// <summary>
    /// lo += lanes 0..3 of x·w widened to int32, hi += lanes 4..7 (<c>smlal</c> / <c>smlal2</c>). The upper half goes
    /// first so that x's lower half is its last use (no register copy for GetLower); <c>wLo</c> is w's lower half.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAddWide(Vector128<short> x, Vector128<short> w, Vector64<short> wLo, ref Vector128<int> lo, ref Vector128<int> hi)
    {
        if (AdvSimd.IsSupported)
        {
            hi = AdvSimd.MultiplyWideningUpperAndAdd(hi, x, w);
            lo = AdvSimd.MultiplyWideningLowerAndAdd(lo, x.GetLower(), wLo);
        }
        else
        {
            lo += Vector128.WidenLower(x) * Vector128.WidenLower(w);
            hi += Vector128.WidenUpper(x) * Vector128.WidenUpper(w);
        }
    }

    /// <summary>
    /// <see cref="MulAddWide(Vector128{short}, Vector128{short}, Vector64{short}, ref Vector128{int}, ref Vector128{int})"/>
    /// for a weight vector used once: its lower half taken at its last use (no register copy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAddWide(Vector128<short> x, Vector128<short> w, ref Vector128<int> lo, ref Vector128<int> hi)
    {
        if (AdvSimd.IsSupported)
        {
            hi = AdvSimd.MultiplyWideningUpperAndAdd(hi, x, w);
            lo = AdvSimd.MultiplyWideningLowerAndAdd(lo, x.GetLower(), w.GetLower());
        }
        else
        {
            lo += Vector128.WidenLower(x) * Vector128.WidenLower(w);
            hi += Vector128.WidenUpper(x) * Vector128.WidenUpper(w);
        }
    }

    /// <summary>acc += lanes 0..3 of x·w widened to int32 (<c>smlal</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MulAddWideLower(Vector128<short> x, Vector128<short> w, Vector64<short> wLo, Vector128<int> acc)
        => AdvSimd.IsSupported ? AdvSimd.MultiplyWideningLowerAndAdd(acc, x.GetLower(), wLo)
            : acc + Vector128.WidenLower(x) * Vector128.WidenLower(w);

    /// <summary>Four requantized int32 values (in the output type's range) stored as four bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4x128(Vector128<int> v, byte* dst, bool signed)
    {
        var w = Vector128.Narrow(v, v);
        var b = signed ? Vector128.Narrow(w, w).AsByte() : Vector128.Narrow(w.AsUInt16(), w.AsUInt16());
        *(uint*)dst = b.AsUInt32().ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Quantized4x128<T>(byte* x, int step, int* offs, int count, short* w16, int wStride, int channels,
        Vector128<byte> vzp, byte* o, int oStep, in QuantizedOutputStage s) where T : struct, ISubtractWiden
    {
        nint s1 = step, s2 = 2 * s1, s3 = 3 * s1, ws = wStride;
        var zl = vzp.GetLower();
        int c = 0;
        for (; c + 16 <= channels; c += 16)
        {
            // pixel i, channels c + 4j .. c + 4j + 3: aij
            Vector128<int> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            Vector128<int> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
            short* wp = w16 + c;
            byte* xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp); var w1 = Vector128.Load(wp + 8);
                var w0l = w0.GetLower(); var w1l = w1.GetLower();
                byte* p = xc + offs[t];
                var v = Vector128.Load(p);
                MulAddWide(T.Upper(v, vzp), w1, w1l, ref a02, ref a03); MulAddWide(T.Lower(v, vzp, zl), w0, w0l, ref a00, ref a01);
                v = Vector128.Load(p + s1);
                MulAddWide(T.Upper(v, vzp), w1, w1l, ref a12, ref a13); MulAddWide(T.Lower(v, vzp, zl), w0, w0l, ref a10, ref a11);
                v = Vector128.Load(p + s2);
                MulAddWide(T.Upper(v, vzp), w1, w1l, ref a22, ref a23); MulAddWide(T.Lower(v, vzp, zl), w0, w0l, ref a20, ref a21);
                v = Vector128.Load(p + s3);
                MulAddWide(T.Upper(v, vzp), w1, w1l, ref a32, ref a33); MulAddWide(T.Lower(v, vzp, zl), w0, w0l, ref a30, ref a31);
            }
            Store16x128(a00, a01, a02, a03, c, o + c, 16, s);
            Store16x128(a10, a11, a12, a13, c, o + oStep + c, 16, s);
            Store16x128(a20, a21, a22, a23, c, o + 2 * oStep + c, 16, s);
            Store16x128(a30, a31, a32, a33, c, o + 3 * oStep + c, 16, s);
        }
        bool signed = s.Signed;
        var lo = Vector128.Create(s.Lo); var hi = Vector128.Create(s.Hi); var ozp = Vector128.Create(s.ZeroPoint);
        if (c + 8 <= channels)
        {
            // 8-byte input loads (nothing read past the channels)
            Vector128<int> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            short* wp = w16 + c;
            byte* xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp);
                var w0l = w0.GetLower();
                byte* p = xc + offs[t];
                MulAddWide(T.Load8(p, vzp, zl), w0, w0l, ref a00, ref a01);
                MulAddWide(T.Load8(p + s1, vzp, zl), w0, w0l, ref a10, ref a11);
                MulAddWide(T.Load8(p + s2, vzp, zl), w0, w0l, ref a20, ref a21);
                MulAddWide(T.Load8(p + s3, vzp, zl), w0, w0l, ref a30, ref a31);
            }
            byte* q = o + c;
            Store8x128(Requantize128(a00, c, lo, hi, ozp, s), Requantize128(a01, c + 4, lo, hi, ozp, s), q, signed);
            Store8x128(Requantize128(a10, c, lo, hi, ozp, s), Requantize128(a11, c + 4, lo, hi, ozp, s), q + oStep, signed);
            Store8x128(Requantize128(a20, c, lo, hi, ozp, s), Requantize128(a21, c + 4, lo, hi, ozp, s), q + 2 * oStep, signed);
            Store8x128(Requantize128(a30, c, lo, hi, ozp, s), Requantize128(a31, c + 4, lo, hi, ozp, s), q + 3 * oStep, signed);
            c += 8;
        }
        if (c + 4 <= channels)
        {
            // 4-byte input loads; weights: the 8 shorts from c are inside the padded row (c is a multiple of 8 here)
            Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
            short* wp = w16 + c;
            byte* xc = x + c;
            for (int t = 0; t < count; t++, wp += ws)
            {
                var w0 = Vector128.Load(wp);
                var w0l = w0.GetLower();
                byte* p = xc + offs[t];
                a0 = MulAddWideLower(T.Load4(p, vzp, zl), w0, w0l, a0);
                a1 = MulAddWideLower(T.Load4(p + s1, vzp, zl), w0, w0l, a1);
                a2 = MulAddWideLower(T.Load4(p + s2, vzp, zl), w0, w0l, a2);
                a3 = MulAddWideLower(T.Load4(p + s3, vzp, zl), w0, w0l, a3);
            }
            byte* q = o + c;
            Store4x128(Requantize128(a0, c, lo, hi, ozp, s), q, signed);
            Store4x128(Requantize128(a1, c, lo, hi, ozp, s), q + oStep, signed);
            Store4x128(Requantize128(a2, c, lo, hi, ozp, s), q + 2 * oStep, signed);
            Store4x128(Requantize128(a3, c, lo, hi, ozp, s), q + 3 * oStep, signed);
            c += 4;
        }
        return c;
    }

    /// <summary>
    /// Quantized, one pixel, 128-bit on the int16 weights of <see cref="Quantized4x128"/>: o[c] = stage(Σ_t (x[offs[t] + c]
    /// − zp) · w16[taps[t]·wStride + c]) for every c &lt; channels (the taps as in <see cref="Quantized"/>: a border pixel
    /// passes those inside the image). Per tap: 16 channels with one <c>usubl</c>/<c>usubl2</c> (<c>ssubl</c> for int8)
    /// pair and four <c>smlal</c>/<c>smlal2</c>, then 8 and 4 channels, the last 1..3 one at a time; exact int32 sums,
    /// the same 128-bit output stage. <paramref name="zp"/> in the input type's range, as for Quantized4x128.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantized1x128(byte* x, int* offs, int* taps, int count, short* w16, int wStride, int channels,
        int zp, byte* o, in QuantizedOutputStage s)
    {
        if (s.Signed) Quantized1x128<Signed128>(x, offs, taps, count, w16, wStride, channels, Vector128.Create((sbyte)zp).AsByte(), zp, o, s);
        else Quantized1x128<Unsigned128>(x, offs, taps, count, w16, wStride, channels, Vector128.Create((byte)zp), zp, o, s);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quantized1x128<T>(byte* x, int* offs, int* taps, int count, short* w16, int wStride, int channels,
        Vector128<byte> vzp, int zp, byte* o, in QuantizedOutputStage s) where T : struct, ISubtractWiden
    {
        nint ws = wStride;
        var zl = vzp.GetLower();
        int c = 0;
        for (; c + 16 <= channels; c += 16)
        {
            // channels c + 4j .. c + 4j + 3: aj
            Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
            short* wc = w16 + c;
            byte* xc = x + c;
            for (nint t = 0; t < count; t++)
            {
                short* wp = wc + taps[t] * ws;
                var w0 = Vector128.Load(wp); var w1 = Vector128.Load(wp + 8);
                var v = Vector128.Load(xc + offs[t]);
                MulAddWide(T.Upper(v, vzp), w1, ref a2, ref a3);
                MulAddWide(T.Lower(v, vzp, zl), w0, ref a0, ref a1);
            }
            Store16x128(a0, a1, a2, a3, c, o + c, 16, s);
        }
        bool signed = s.Signed;
        var lo = Vector128.Create(s.Lo); var hi = Vector128.Create(s.Hi); var ozp = Vector128.Create(s.ZeroPoint);
        if (c + 8 <= channels)
        {
            // 8-byte input loads (nothing read past the channels)
            Vector128<int> a0 = default, a1 = default;
            short* wc = w16 + c;
            byte* xc = x + c;
            for (nint t = 0; t < count; t++)
                MulAddWide(T.Load8(xc + offs[t], vzp, zl), Vector128.Load(wc + taps[t] * ws), ref a0, ref a1);
            Store8x128(Requantize128(a0, c, lo, hi, ozp, s), Requantize128(a1, c + 4, lo, hi, ozp, s), o + c, signed);
            c += 8;
        }
        if (c + 4 <= channels)
        {
            // 4-byte input loads; weights: the 8 shorts from c are inside the padded row (c is a multiple of 8 here)
            Vector128<int> a0 = default;
            short* wc = w16 + c;
            byte* xc = x + c;
            for (nint t = 0; t < count; t++)
            {
                var w0 = Vector128.Load(wc + taps[t] * ws);
                a0 = MulAddWideLower(T.Load4(xc + offs[t], vzp, zl), w0, w0.GetLower(), a0);
            }
            Store4x128(Requantize128(a0, c, lo, hi, ozp, s), o + c, signed);
            c += 4;
        }
        for (; c < channels; c++)
        {
            int acc = 0;
            if (signed) for (int t = 0; t < count; t++) acc += (((sbyte*)x)[offs[t] + c] - zp) * w16[taps[t] * ws + c];
            else for (int t = 0; t < count; t++) acc += (x[offs[t] + c] - zp) * w16[taps[t] * ws + c];
            o[c] = RequantizeScalar(acc, c, s);
        }
    }
}
