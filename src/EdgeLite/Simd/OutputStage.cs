using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeLite.Simd;

/// <summary>
/// Output stage of the quantized GEMM, all arrays padded to whole panels: acc + bias[c], times scale[c] in float,
/// clamped to [lo, hi] (the activation range less the zero point), rounded to nearest even, plus the zero point —
/// XNNPACK's "fp32" requantization, identical to <see cref="Kernels.Common.ConvQuantization.Requantize"/>.
/// </summary>
internal unsafe struct QuantizedOutputStage
{
    public int* Bias;
    public float* Scale;
    public float Lo, Hi;
    public int ZeroPoint;
    public bool Signed;
}

/// <summary>Output stage of the float GEMM: acc + bias[c], clamped to [Min, Max] (the fused activation).</summary>
internal unsafe struct FloatOutputStage
{
    public float* Bias;
    public float Min, Max;
}

/// <summary>
/// The output stages of conv-like kernels (GEMM and depthwise), vectorised per instruction set and scalar, all with
/// the same arithmetic: quantized = XNNPACK's fp32 requantization (see <see cref="QuantizedOutputStage"/>); float =
/// bias + clamp.
/// </summary>
internal static unsafe class OutputStage
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Requantize512(Vector512<int> acc, int c, in QuantizedOutputStage s)
    {
        var f = Avx512F.ConvertToVector512Single(acc + Vector512.Load(s.Bias + c)) * Vector512.Load(s.Scale + c);
        f = Avx512F.Min(Avx512F.Max(f, Vector512.Create(s.Lo)), Vector512.Create(s.Hi));
        var i = Avx512F.ConvertToVector512Int32(f) + Vector512.Create(s.ZeroPoint); // rounds to nearest even (MXCSR default)
        return s.Signed ? Avx512F.ConvertToVector128SByte(i).AsByte() : Avx512F.ConvertToVector128Byte(i);
    }

    /// <summary>
    /// The output stage of four rows of one 16-channel block at once: each row scaled, clamped and rounded in float as
    /// <see cref="Requantize512"/>, then the four packed together to 16-bit (zero point added there: the values are in
    /// range, nothing saturates) and to 8-bit, and the 4x4 blocks of four channels put back in row order with one
    /// permute. Two packs and a permute per four rows instead of a narrowing move (vpmovdb, two micro-ops) per row.
    /// Same bytes as four <see cref="Requantize512"/> + <see cref="Store16"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4Rows(Vector512<int> r0, Vector512<int> r1, Vector512<int> r2, Vector512<int> r3, int c, byte* o, int oStride, int n,
        in QuantizedOutputStage s)
    {
        var bias = Vector512.Load(s.Bias + c); var scale = Vector512.Load(s.Scale + c);
        var lo = Vector512.Create(s.Lo); var hi = Vector512.Create(s.Hi);
        var q0 = Avx512F.ConvertToVector512Int32(Avx512F.Min(Avx512F.Max(Avx512F.ConvertToVector512Single(r0 + bias) * scale, lo), hi));
        var q1 = Avx512F.ConvertToVector512Int32(Avx512F.Min(Avx512F.Max(Avx512F.ConvertToVector512Single(r1 + bias) * scale, lo), hi));
        var q2 = Avx512F.ConvertToVector512Int32(Avx512F.Min(Avx512F.Max(Avx512F.ConvertToVector512Single(r2 + bias) * scale, lo), hi));
        var q3 = Avx512F.ConvertToVector512Int32(Avx512F.Min(Avx512F.Max(Avx512F.ConvertToVector512Single(r3 + bias) * scale, lo), hi));
        var zp = Vector512.Create((short)s.ZeroPoint);
        // per 128-bit lane L: words [row a: channels 4L..4L+3, row b: the same]
        var w01 = Avx512BW.PackSignedSaturate(q0, q1) + zp;
        var w23 = Avx512BW.PackSignedSaturate(q2, q3) + zp;
        // per lane L: dwords [row 0, row 1, row 2, row 3] of channels 4L..4L+3
        var bytes = s.Signed ? Avx512BW.PackSignedSaturate(w01, w23).AsInt32() : Avx512BW.PackUnsignedSaturate(w01, w23).AsInt32();
        // lane k = row k, channels 0..15 in order
        var rows = Avx512F.PermuteVar16x32(bytes, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)).AsByte();
        Store16(rows.GetLower().GetLower(), o, n);
        Store16(rows.GetLower().GetUpper(), o + oStride, n);
        Store16(rows.GetUpper().GetLower(), o + 2 * oStride, n);
        Store16(rows.GetUpper().GetUpper(), o + 3 * oStride, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store16(Vector128<byte> v, byte* dst, int n)
    {
        if (n >= 16) { v.Store(dst); return; }
        if (n <= 0) return;
        if (n == 8) { *(ulong*)dst = v.AsUInt64().ToScalar(); return; } // plain store: masked ones cost more
        if (Avx512BW.VL.IsSupported)
        {
            Avx512BW.VL.MaskStore(dst, Vector128.LessThan(ByteIndices, Vector128.Create((byte)n)), v);
            return;
        }
        // no stackalloc here: it would keep this helper from being inlined into the micro-kernels, and a call after
        // their loops makes the JIT spill every accumulator on every iteration
        for (int i = 0; i < n; i++) dst[i] = v.GetElement(i);
    }

    // lane indices as properties of constants (static readonly fields would cost a class-init helper call in
    // AggressiveOptimization methods, and that call would make the JIT spill the accumulators)
    internal static Vector128<byte> ByteIndices
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }
    internal static Vector512<int> IntIndices
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Requantize256(Vector256<int> acc, int c, in QuantizedOutputStage s)
    {
        var f = Avx.ConvertToVector256Single(acc + Vector256.Load(s.Bias + c)) * Vector256.Load(s.Scale + c);
        f = Avx.Min(Avx.Max(f, Vector256.Create(s.Lo)), Vector256.Create(s.Hi));
        return Avx.ConvertToVector256Int32(f) + Vector256.Create(s.ZeroPoint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store16x256(Vector256<int> lo, Vector256<int> hi, byte* dst, int n, bool signed)
    {
        // values are already within the output type's range: packing saturates nothing
        var words = Avx2.PackSignedSaturate(lo, hi);                 // lanes: lo0-3 hi0-3 | lo4-7 hi4-7
        words = Avx2.Permute4x64(words.AsInt64(), 0b11_01_10_00).AsInt16(); // lo0-7 hi0-7
        Vector128<byte> bytes = signed
            ? Sse2.PackSignedSaturate(words.GetLower(), words.GetUpper()).AsByte()
            : Sse2.PackUnsignedSaturate(words.GetLower(), words.GetUpper());
        Store16(bytes, dst, n);
    }

    /// <summary>
    /// 128-bit output stage of 16 channels (four vectors of int32 sums for channels c..c+15): the arithmetic of
    /// <see cref="Requantize512"/> (round to nearest even), packed to bytes, the first <paramref name="n"/> stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store16x128(Vector128<int> a0, Vector128<int> a1, Vector128<int> a2, Vector128<int> a3, int c, byte* dst, int n,
        in QuantizedOutputStage s)
    {
        var lo = Vector128.Create(s.Lo); var hi = Vector128.Create(s.Hi); var zp = Vector128.Create(s.ZeroPoint);
        var q0 = Requantize128(a0, c, lo, hi, zp, s); var q1 = Requantize128(a1, c + 4, lo, hi, zp, s);
        var q2 = Requantize128(a2, c + 8, lo, hi, zp, s); var q3 = Requantize128(a3, c + 12, lo, hi, zp, s);
        var w01 = Vector128.Narrow(q0, q1); var w23 = Vector128.Narrow(q2, q3); // in range: no saturation needed
        var bytes = s.Signed ? Vector128.Narrow(w01, w23).AsByte() : Vector128.Narrow(w01.AsUInt16(), w23.AsUInt16());
        if (n >= 16) { bytes.Store(dst); return; }
        if (n == 8) { *(ulong*)dst = bytes.AsUInt64().ToScalar(); return; }
        for (int i = 0; i < n; i++) dst[i] = bytes.GetElement(i);
    }

    /// <summary>128-bit quantized output stage of four channels (c..c+3): the arithmetic of <see cref="Requantize512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Requantize128(Vector128<int> acc, int c, Vector128<float> lo, Vector128<float> hi, Vector128<int> zp, in QuantizedOutputStage s)
    {
        var f = Vector128.ConvertToSingle(acc + Vector128.Load(s.Bias + c)) * Vector128.Load(s.Scale + c);
        f = Vector128.Min(Vector128.Max(f, lo), hi);
        return Vector128.ConvertToInt32(Vector128.Round(f)) + zp; // Round: to nearest even, as vcvtps2dq
    }

    /// <summary>Eight requantized int32 values (in the output type's range) stored as bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store8x128(Vector128<int> lo, Vector128<int> hi, byte* dst, bool signed)
    {
        var w = Vector128.Narrow(lo, hi);
        var b = signed ? Vector128.Narrow(w, w).AsByte() : Vector128.Narrow(w.AsUInt16(), w.AsUInt16());
        *(ulong*)dst = b.AsUInt64().ToScalar();
    }

    /// <summary>128-bit float output stage of 16 channels: + bias, clamp, the first <paramref name="n"/> stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreF128x4(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3, int c, float* dst, int n,
        in FloatOutputStage s)
    {
        var mn = Vector128.Create(s.Min); var mx = Vector128.Create(s.Max);
        a0 = Vector128.Min(Vector128.Max(a0 + Vector128.Load(s.Bias + c), mn), mx);
        a1 = Vector128.Min(Vector128.Max(a1 + Vector128.Load(s.Bias + c + 4), mn), mx);
        a2 = Vector128.Min(Vector128.Max(a2 + Vector128.Load(s.Bias + c + 8), mn), mx);
        a3 = Vector128.Min(Vector128.Max(a3 + Vector128.Load(s.Bias + c + 12), mn), mx);
        if (n >= 16) { a0.Store(dst); a1.Store(dst + 4); a2.Store(dst + 8); a3.Store(dst + 12); return; }
        for (int i = 0; i < n; i++) dst[i] = (i >> 2) switch { 0 => a0.GetElement(i & 3), 1 => a1.GetElement(i & 3), 2 => a2.GetElement(i & 3), _ => a3.GetElement(i & 3) };
    }

    /// <summary>
    /// The scalar output stage (same arithmetic as the vector ones). Rounding to nearest-even is done by adding and
    /// subtracting 1.5·2^23 (exact for |f| ≤ 2^22; f is clamped to the output's small integer range first), which is
    /// what the vector rounding instruction computes, without a call on CPUs where the JIT has no rounding intrinsic
    /// (arm32, where this stage runs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte RequantizeScalar(int acc, int c, in QuantizedOutputStage s)
    {
        float f = (float)(acc + s.Bias[c]) * s.Scale[c];
        f = f < s.Lo ? s.Lo : f > s.Hi ? s.Hi : f;
        int v = (int)(f + RoundingMagic - RoundingMagic) + s.ZeroPoint;
        return s.Signed ? (byte)(sbyte)v : (byte)v;
    }

    /// <summary>1.5·2^23: float sums with it have no fraction bits, so (f + m) - m is f rounded to nearest-even.</summary>
    private const float RoundingMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreF512(Vector512<float> acc, int c, float* dst, int n, in FloatOutputStage s)
    {
        var v = Avx512F.Min(Avx512F.Max(acc + Vector512.Load(s.Bias + c), Vector512.Create(s.Min)), Vector512.Create(s.Max));
        if (n >= 16) { v.Store(dst); return; }
        if (n <= 0) return;
        // 8 channels (small MediaPipe layers): a plain 256-bit store; masked stores cost more (hand_recrop's 3→8 conv)
        if (n == 8) { v.GetLower().Store(dst); return; }
        Avx512F.MaskStore(dst, Vector512.LessThan(IntIndices, Vector512.Create(n)).AsSingle(), v);
    }

    /// <summary>Eight channels of float output stage (c..c+7): + bias, clamp, the first <paramref name="n"/> stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreF256(Vector256<float> acc, int c, float* dst, int n, in FloatOutputStage s)
    {
        var v = Avx.Min(Avx.Max(acc + Vector256.Load(s.Bias + c), Vector256.Create(s.Min)), Vector256.Create(s.Max));
        if (n >= 8) { v.Store(dst); return; }
        if (n <= 0) return;
        Avx.MaskStore(dst, Vector256.LessThan(IntIndices.GetLower(), Vector256.Create(n)).AsSingle(), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreF256x2(Vector256<float> lo, Vector256<float> hi, int c, float* dst, int n, in FloatOutputStage s)
    {
        var mn = Vector256.Create(s.Min); var mx = Vector256.Create(s.Max);
        lo = Avx.Min(Avx.Max(lo + Vector256.Load(s.Bias + c), mn), mx);
        hi = Avx.Min(Avx.Max(hi + Vector256.Load(s.Bias + c + 8), mn), mx);
        if (n >= 16) { lo.Store(dst); hi.Store(dst + 8); return; }
        for (int i = 0; i < n; i++) dst[i] = i < 8 ? lo.GetElement(i) : hi.GetElement(i - 8);
    }

}
