using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static EdgeLite.Simd.OutputStage;

namespace EdgeLite.Simd;

/// <summary>
/// AVX2 four-pixel depthwise kernels (x64 without AVX-512): four interior output pixels along a row share each weight
/// load, as <see cref="Float4"/> and <see cref="Quantized4Pairs"/> do at AVX-512. Each returns the channels it did;
/// the caller sends the rest of the four pixels through the one-pixel kernels.
/// </summary>
internal static unsafe partial class DepthwiseKernels
{
    /// <summary>
    /// Float, four pixels <paramref name="step"/> elements apart: 16 channels at a time (eight accumulators), then 8;
    /// each lane sums its taps in order with fused multiply-add, so results equal the one-pixel kernel's bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Float4Avx2(float* x, int step, int* offs, int* taps, int count, float* w, int wStride, int channels,
        float* o, int oStep, in FloatOutputStage s)
    {
        int c = 0;
        for (; c + 16 <= channels; c += 16)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            for (int t = 0; t < count; t++)
            {
                float* wp = w + taps[t] * wStride + c;
                var wl = Vector256.Load(wp); var wh = Vector256.Load(wp + 8);
                float* p = x + offs[t] + c;
                a0 = Fma.MultiplyAdd(Vector256.Load(p), wl, a0); b0 = Fma.MultiplyAdd(Vector256.Load(p + 8), wh, b0);
                a1 = Fma.MultiplyAdd(Vector256.Load(p + step), wl, a1); b1 = Fma.MultiplyAdd(Vector256.Load(p + step + 8), wh, b1);
                a2 = Fma.MultiplyAdd(Vector256.Load(p + 2 * step), wl, a2); b2 = Fma.MultiplyAdd(Vector256.Load(p + 2 * step + 8), wh, b2);
                a3 = Fma.MultiplyAdd(Vector256.Load(p + 3 * step), wl, a3); b3 = Fma.MultiplyAdd(Vector256.Load(p + 3 * step + 8), wh, b3);
            }
            StoreF256x2(a0, b0, c, o + c, 16, s); StoreF256x2(a1, b1, c, o + oStep + c, 16, s);
            StoreF256x2(a2, b2, c, o + 2 * oStep + c, 16, s); StoreF256x2(a3, b3, c, o + 3 * oStep + c, 16, s);
        }
        for (; c + 8 <= channels; c += 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = 0; t < count; t++)
            {
                var wv = Vector256.Load(w + taps[t] * wStride + c);
                float* p = x + offs[t] + c;
                a0 = Fma.MultiplyAdd(Vector256.Load(p), wv, a0);
                a1 = Fma.MultiplyAdd(Vector256.Load(p + step), wv, a1);
                a2 = Fma.MultiplyAdd(Vector256.Load(p + 2 * step), wv, a2);
                a3 = Fma.MultiplyAdd(Vector256.Load(p + 3 * step), wv, a3);
            }
            StoreF256(a0, c, o + c, 8, s); StoreF256(a1, c, o + oStep + c, 8, s);
            StoreF256(a2, c, o + 2 * oStep + c, 8, s); StoreF256(a3, c, o + 3 * oStep + c, 8, s);
        }
        return c;
    }

    /// <summary>
    /// Quantized, four pixels <paramref name="step"/> bytes apart, channels in blocks of 16: taps in pairs through
    /// vpmaddwd on inputs widened to int16 (the zero point folded into the start value; weights from
    /// <see cref="PackPairs"/> with block 16). Exact int32 sums, the same as every other level. Returns blocks·16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Quantized4PairsAvx2(byte* x, int step, int* offs, int taps, short* packed, int* corr, int blocks,
        byte* o, int oStep, in QuantizedOutputStage s)
        => s.Signed ? Quantized4PairsAvx2<Signed256>(x, step, offs, taps, packed, corr, blocks, o, oStep, s)
            : Quantized4PairsAvx2<Unsigned256>(x, step, offs, taps, packed, corr, blocks, o, oStep, s);

    private interface IWiden256 { static abstract Vector256<short> Load(byte* p); }
    private struct Signed256 : IWiden256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Load(byte* p) => Avx2.ConvertToVector256Int16((sbyte*)p);
    }
    private struct Unsigned256 : IWiden256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Load(byte* p) => Avx2.ConvertToVector256Int16(p).AsInt16();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Quantized4PairsAvx2<TWiden>(byte* x, int step, int* offs, int taps, short* packed, int* corr, int blocks,
        byte* o, int oStep, in QuantizedOutputStage s) where TWiden : struct, IWiden256
    {
        int pairs = taps >> 1;
        long pairStride = (long)blocks * 32;
        for (int b = 0; b < blocks; b++)
        {
            int c = b * 16;
            // sums: l = channels 0-3 and 8-11 of the block, h = 4-7 and 12-15 (vpunpck works within 128-bit lanes)
            var l0 = Vector256.Load(corr + c); var h0 = Vector256.Load(corr + c + 8);
            Vector256<int> l1 = l0, l2 = l0, l3 = l0, h1 = h0, h2 = h0, h3 = h0;
            short* w = packed + b * 32;
            for (int p = 0; p < pairs; p++, w += pairStride)
            {
                var wl = Vector256.Load(w); var wh = Vector256.Load(w + 16);
                byte* pa = x + offs[2 * p] + c, pb = x + offs[2 * p + 1] + c;
                var a = TWiden.Load(pa); var d = TWiden.Load(pb);
                l0 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, d), wl); h0 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + step); d = TWiden.Load(pb + step);
                l1 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, d), wl); h1 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + 2 * step); d = TWiden.Load(pb + 2 * step);
                l2 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, d), wl); h2 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, d), wh);
                a = TWiden.Load(pa + 3 * step); d = TWiden.Load(pb + 3 * step);
                l3 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, d), wl); h3 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, d), wh);
            }
            if ((taps & 1) != 0)
            {
                // the odd last tap, paired with zeros (its packed weight pair is (w, 0))
                var wl = Vector256.Load(w); var wh = Vector256.Load(w + 16);
                byte* pa = x + offs[taps - 1] + c;
                var z = Vector256<short>.Zero;
                var a = TWiden.Load(pa);
                l0 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, z), wl); h0 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + step);
                l1 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, z), wl); h1 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + 2 * step);
                l2 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, z), wl); h2 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, z), wh);
                a = TWiden.Load(pa + 3 * step);
                l3 += Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(a, z), wl); h3 += Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(a, z), wh);
            }
            Store16Pairs(l0, h0, c, o + c, s); Store16Pairs(l1, h1, c, o + oStep + c, s);
            Store16Pairs(l2, h2, c, o + 2 * oStep + c, s); Store16Pairs(l3, h3, c, o + 3 * oStep + c, s);
        }
        return blocks * 16;
    }

    /// <summary>Channels back in order (lane 0 of l and h = 0-7, lane 1 = 8-15), requantized, 16 bytes stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16Pairs(Vector256<int> l, Vector256<int> h, int c, byte* dst, in QuantizedOutputStage s)
    {
        var lo = Avx2.Permute2x128(l, h, 0x20);
        var hi = Avx2.Permute2x128(l, h, 0x31);
        Store16x256(Requantize256(lo, c, s), Requantize256(hi, c + 8, s), dst, 16, s.Signed);
    }
}
