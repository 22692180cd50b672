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
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) // (software-emulated on arm64)
            for (; i + 32 <= bytes; i += 32) System.Runtime.Intrinsics.Vector256.Store(System.Runtime.Intrinsics.Vector256.Load(src + i), dst + i);
        for (; i + 16 <= bytes; i += 16) System.Runtime.Intrinsics.Vector128.Store(System.Runtime.Intrinsics.Vector128.Load(src + i), dst + i);
        for (; i + 4 <= bytes; i += 4) *(uint*)(dst + i) = *(uint*)(src + i);
        for (; i < bytes; i++) dst[i] = src[i];
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
