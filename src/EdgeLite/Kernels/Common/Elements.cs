using System.Runtime.Intrinsics;

namespace EdgeLite.Kernels;

/// <summary>Helpers shared by the data-movement kernels.</summary>
internal static unsafe class Elements
{
    /// <summary>
    /// Copies a short run (a pixel's channels, an im2col filter row) with vector moves inline — no Memmove call for
    /// a few dozen bytes — and a long one through Buffer.MemoryCopy.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void CopyShort(byte* src, byte* dst, long bytes)
    {
        if (bytes >= 256) { Buffer.MemoryCopy(src, dst, bytes, bytes); return; }
        long i = 0;
        if (Vector256.IsHardwareAccelerated) // (software-emulated on arm64)
            for (; i + 32 <= bytes; i += 32) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i + 16 <= bytes; i += 16) Vector128.Store(Vector128.Load(src + i), dst + i);
        for (; i + 4 <= bytes; i += 4) *(uint*)(dst + i) = *(uint*)(src + i);
        for (; i < bytes; i++) dst[i] = src[i];
    }

    /// <summary>Eight bytes (int8 or uint8) widened to two vectors of four int32, in order.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static (Vector128<int>, Vector128<int>) Widen8(byte* p, bool signed)
    {
        var v = Vector128.CreateScalar(*(ulong*)p);
        if (signed) return Vector128.Widen(Vector128.WidenLower(v.AsSByte()));
        var (a, b) = Vector128.Widen(Vector128.WidenLower(v.AsByte()));
        return (a.AsInt32(), b.AsInt32());
    }

    /// <summary>Sixteen bytes (int8 or uint8) widened to four vectors of four int32, in order.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static (Vector128<int>, Vector128<int>, Vector128<int>, Vector128<int>) Widen16(byte* p, bool signed)
    {
        Vector128<short> lo, hi;
        if (signed) (lo, hi) = Vector128.Widen(Vector128.Load((sbyte*)p));
        else { var (l, h) = Vector128.Widen(Vector128.Load(p)); lo = l.AsInt16(); hi = h.AsInt16(); }
        var (a, b) = Vector128.Widen(lo); var (c, d) = Vector128.Widen(hi);
        return (a, b, c, d);
    }

    /// <summary>Copies one element of <paramref name="e"/> bytes.</summary>
    public static void CopyOne(byte* src, byte* dst, int e)
    {
        switch (e)
        {
            case 1: *dst = *src; break;
            case 2: *(short*)dst = *(short*)src; break;
            case 4: *(int*)dst = *(int*)src; break;
            case 8: *(long*)dst = *(long*)src; break;
            default: Buffer.MemoryCopy(src, dst, e, e); break;
        }
    }

    /// <summary>
    /// float16 → float32, exactly as <c>(float)Half</c> (NaNs quieted, payloads kept), four values per 128-bit step:
    /// float16 weights are widened once at AllocateTensors, where .NET's software Half conversion took most of the
    /// load time of MediaPipe's fp16 models. The exponent is rebased by adding (127 - 15) « 23 to the shifted bits;
    /// Inf/NaN get a second rebase, subnormals are renormalised by a float subtraction (exact).
    /// </summary>
    public static void HalfToSingle(ushort* src, float* dst, long n)
    {
        long i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var magnitude = Vector128.Create(0x7FFFu);
            var expMask = Vector128.Create(0x0F800000u);     // the half exponent, shifted « 13
            var rebase = Vector128.Create(0x38000000u);      // (127 - 15) « 23
            var subnormalBase = Vector128.Create(0x38800000u); // rebase + 1 « 23
            var twoPowMinus14 = Vector128.Create(6.10351562e-05f);
            var quiet = Vector128.Create(0x00400000u);
            for (; i + 4 <= n; i += 4)
            {
                var h = Vector128.WidenLower(Vector128.CreateScalar(*(ulong*)(src + i)).AsUInt16());
                var shifted = (h & magnitude) << 13;
                var exp = shifted & expMask;
                var normal = shifted + rebase;
                var special = normal + rebase;                                           // Inf/NaN: exponent 255
                special |= Vector128.ConditionalSelect(
                    Vector128.GreaterThan(shifted, expMask), quiet, Vector128<uint>.Zero);
                var subnormal = ((shifted + subnormalBase).AsSingle() - twoPowMinus14).AsUInt32();
                var v = Vector128.ConditionalSelect(Vector128.Equals(exp, expMask), special,
                    Vector128.ConditionalSelect(Vector128.Equals(exp, Vector128<uint>.Zero), subnormal, normal));
                (v | ((h & Vector128.Create(0x8000u)) << 16)).AsSingle().Store(dst + i);
            }
        }
        for (; i < n; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(src[i]);
    }

    /// <summary>Reads a constant int32 or int64 1-D tensor as ints (Prepare only).</summary>
    public static int[] ReadInts(KernelContext context, Tensor t, string what)
    {
        if (t.Type == TensorType.Int32) return t.AsSpan<int>().ToArray();
        if (t.Type == TensorType.Int64)
        {
            var s = t.AsSpan<long>();
            var r = new int[s.Length];
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] < int.MinValue || s[i] > int.MaxValue) throw context.Invalid($"{what} value {s[i]} out of range");
                r[i] = (int)s[i];
            }
            return r;
        }
        throw context.Invalid($"{what} must be int32 or int64, got {t.Type.ToDTypeName()}");
    }

    /// <summary>Element size of a tensor whose bytes a data-movement kernel copies; rejects types without a fixed size.</summary>
    public static int CopyableSize(KernelContext context, Tensor t)
    {
        int e = t.ElementSize;
        if (e == 0) throw context.Unsupported($"type {t.Type.ToDTypeName()}");
        return e;
    }
}

/// <summary>Reads one int32 or int64 index.</summary>
internal static unsafe class IndexReader
{
    public static long Read(byte* p, long i, bool wide) => wide ? ((long*)p)[i] : ((int*)p)[i];

    public static bool IsIndexType(TensorType t) => t is TensorType.Int32 or TensorType.Int64;
}
