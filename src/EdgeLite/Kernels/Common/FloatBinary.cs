using System.Runtime.Intrinsics;

namespace EdgeLite.Kernels.Common;

/// <summary>How the two float inputs of a broadcasting element-wise op are laid out against the output.</summary>
internal enum FloatLayout
{
    /// <summary>Anything else: the general <see cref="Broadcast.ForEach"/> path.</summary>
    General,
    /// <summary>Both inputs have the output's shape.</summary>
    Same,
    /// <summary>The first input is one value.</summary>
    ScalarFirst,
    /// <summary>The second input is one value.</summary>
    ScalarSecond,
    /// <summary>The first input is one value per channel of the last dimension, the second has the output's shape.</summary>
    ChannelFirst,
    /// <summary>The second input is one value per channel of the last dimension, the first has the output's shape.</summary>
    ChannelSecond,
}

/// <summary>One float element-wise function, scalar and vector forms with the same IEEE results lane by lane.</summary>
internal interface IFloatBinaryOp
{
    static abstract float Apply(float a, float b);
    static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
    static abstract Vector128<float> Apply(Vector128<float> a, Vector128<float> b);
}

internal struct FloatAddOp : IFloatBinaryOp
{
    public static float Apply(float a, float b) => a + b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a + b;
}

internal struct FloatSubOp : IFloatBinaryOp
{
    public static float Apply(float a, float b) => a - b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a - b;
}

internal struct FloatMulOp : IFloatBinaryOp
{
    public static float Apply(float a, float b) => a * b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => a * b;
}

/// <summary>a &gt; b ? a : b (TFLite's MaximumOp; also for NaN and signed zeros).</summary>
internal struct FloatMaxOp : IFloatBinaryOp
{
    public static float Apply(float a, float b) => a > b ? a : b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), a, b);
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(Vector128.GreaterThan(a, b), a, b);
}

/// <summary>a &lt; b ? a : b (TFLite's MinimumOp).</summary>
internal struct FloatMinOp : IFloatBinaryOp
{
    public static float Apply(float a, float b) => a < b ? a : b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b);
    public static Vector128<float> Apply(Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(Vector128.LessThan(a, b), a, b);
}

/// <summary>
/// Vector loops for float element-wise ops on the common layouts (chosen at Prepare by <see cref="Detect"/>): 256-bit
/// where accelerated, else 128-bit (arm64), then a scalar tail; the optional clamp is the fused activation, as
/// v &lt; min ? min : v &gt; max ? max : v (TFLite's scalar form, which keeps -0 where a vector max would give +0). Every
/// element gets exactly the scalar function's value (tested against the broadcasting reference).
/// </summary>
internal static unsafe class FloatBinary
{
    /// <summary>
    /// Tests set this to false to run the 128-bit loops (arm64's) on an x64 machine; both widths give the same values
    /// lane by lane, so flipping it while other tests run changes no result. Also used by TRANSPOSE_CONV's scatter.
    /// </summary>
    internal static bool Allow256 = true;

    /// <summary>The layout of <paramref name="a"/> and <paramref name="b"/> against the output; the channel count in <paramref name="channels"/>.</summary>
    public static FloatLayout Detect(Tensor a, Tensor b, Broadcast bc, out int channels)
    {
        channels = 0;
        if (!Vector128.IsHardwareAccelerated || bc.Count == 0) return FloatLayout.General;
        int n = bc.Count, na = a.ElementCount, nb = b.ElementCount;
        if (bc.Same) return FloatLayout.Same;
        if (na == n && nb == 1) return FloatLayout.ScalarSecond;
        if (nb == n && na == 1) return FloatLayout.ScalarFirst;
        if (na == n && b.Rank > 0 && a.Rank > 0 && b.Dim(b.Rank - 1) == nb && a.Dim(a.Rank - 1) == nb) { channels = nb; return FloatLayout.ChannelSecond; }
        if (nb == n && a.Rank > 0 && b.Rank > 0 && a.Dim(a.Rank - 1) == na && b.Dim(b.Rank - 1) == na) { channels = na; return FloatLayout.ChannelFirst; }
        return FloatLayout.General;
    }

    /// <summary>y = clamp(op(a, b), min, max) for a layout other than <see cref="FloatLayout.General"/>.</summary>
    public static void Run<TOp>(FloatLayout layout, int channels, float* a, float* b, float* y, int n, float min, float max) where TOp : struct, IFloatBinaryOp
    {
        bool clamp = min != float.NegativeInfinity || max != float.PositiveInfinity;
        switch (layout)
        {
            case FloatLayout.Same: Rows<TOp>(a, b, y, n, false, false, clamp, min, max); break;
            case FloatLayout.ScalarSecond: Rows<TOp>(a, b, y, n, false, true, clamp, min, max); break;
            case FloatLayout.ScalarFirst: Rows<TOp>(a, b, y, n, true, false, clamp, min, max); break;
            case FloatLayout.ChannelSecond:
                for (long p = 0; p < n; p += channels) Rows<TOp>(a + p, b, y + p, channels, false, false, clamp, min, max);
                break;
            default:
                for (long p = 0; p < n; p += channels) Rows<TOp>(a, b + p, y + p, channels, false, false, clamp, min, max);
                break;
        }
    }

    private static void Rows<TOp>(float* a, float* b, float* y, int n, bool scalarA, bool scalarB, bool clamp, float min, float max) where TOp : struct, IFloatBinaryOp
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated && Allow256)
        {
            var mn = Vector256.Create(min); var mx = Vector256.Create(max);
            var sa = Vector256.Create(*a); var sb = Vector256.Create(*b);
            for (; k + 8 <= n; k += 8)
            {
                var v = TOp.Apply(scalarA ? sa : Vector256.Load(a + k), scalarB ? sb : Vector256.Load(b + k));
                if (clamp) v = Vector256.ConditionalSelect(Vector256.LessThan(v, mn), mn, Vector256.ConditionalSelect(Vector256.GreaterThan(v, mx), mx, v));
                v.Store(y + k);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var mn = Vector128.Create(min); var mx = Vector128.Create(max);
            var sa = Vector128.Create(*a); var sb = Vector128.Create(*b);
            for (; k + 4 <= n; k += 4)
            {
                var v = TOp.Apply(scalarA ? sa : Vector128.Load(a + k), scalarB ? sb : Vector128.Load(b + k));
                if (clamp) v = Vector128.ConditionalSelect(Vector128.LessThan(v, mn), mn, Vector128.ConditionalSelect(Vector128.GreaterThan(v, mx), mx, v));
                v.Store(y + k);
            }
        }
        for (; k < n; k++)
        {
            float v = TOp.Apply(scalarA ? *a : a[k], scalarB ? *b : b[k]);
            y[k] = clamp ? (v < min ? min : v > max ? max : v) : v;
        }
    }
}
