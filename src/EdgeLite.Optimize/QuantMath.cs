namespace EdgeLite.Optimize;

/// <summary>
/// How the quantizer chooses quantization parameters (TFLite's post-training rules; the arithmetic that runs them is
/// in the core's Quantization/).
/// </summary>
internal static class QuantMath
{
    /// <summary>
    /// Asymmetric parameters for a real range: the range is widened to contain 0, the scale spreads it over
    /// [<paramref name="qmin"/>, <paramref name="qmax"/>], and the zero point is the integer nearest to where 0 falls
    /// (from whichever end gives the smaller error), clamped into the range. A point range gives scale 1, zero point 0.
    /// </summary>
    public static (float Scale, int ZeroPoint) Asymmetric(double min, double max, int qmin = -128, int qmax = 127)
    {
        min = Math.Min(min, 0); max = Math.Max(max, 0);
        if (!(max > min)) return (1f, 0);
        double scale = (max - min) / (qmax - qmin);
        double fromMin = qmin - min / scale, fromMax = qmax - max / scale;
        double errMin = Math.Abs(qmin) + Math.Abs(min / scale), errMax = Math.Abs(qmax) + Math.Abs(max / scale);
        double zp = errMin < errMax ? fromMin : fromMax;
        int nudged = zp <= qmin ? qmin : zp >= qmax ? qmax : (int)Math.Round(zp, MidpointRounding.AwayFromZero);
        return ((float)scale, nudged);
    }

    /// <summary>Symmetric scale for values of magnitude up to <paramref name="absMax"/> in [-<paramref name="qmax"/>, <paramref name="qmax"/>] (1 for all zeros).</summary>
    public static float Symmetric(double absMax, int qmax = 127) => absMax > 0 ? (float)(absMax / qmax) : 1f;

    /// <summary>round(x / scale) + zero point, half away from zero, clamped.</summary>
    public static int Quantize(float x, float scale, int zeroPoint, int qmin, int qmax)
    {
        double q = Math.Round(x / (double)scale, MidpointRounding.AwayFromZero) + zeroPoint;
        return q < qmin ? qmin : q > qmax ? qmax : (int)q;
    }

    /// <summary>Per-channel symmetric scales along <paramref name="axis"/>: max|w| / 127 per channel (1 for an all-zero channel).</summary>
    public static float[] SymmetricScales(ReadOnlySpan<float> w, int[] shape, int axis)
    {
        int channels = shape[axis];
        int inner = Inner(shape, axis);
        var absMax = new double[channels];
        for (int i = 0; i < w.Length; i++) { int c = i / inner % channels; absMax[c] = Math.Max(absMax[c], Math.Abs(w[i])); }
        var scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = Symmetric(absMax[c]);
        return scales;
    }

    /// <summary>Symmetric int8 weights in [-127, 127] with one scale per channel along <paramref name="axis"/> (or one scale).</summary>
    public static sbyte[] QuantizeSymmetric(ReadOnlySpan<float> w, int[] shape, int axis, IReadOnlyList<float> scales)
    {
        int channels = scales.Count;
        int inner = channels == 1 ? 1 : Inner(shape, axis);
        var q = new sbyte[w.Length];
        for (int i = 0; i < w.Length; i++) q[i] = (sbyte)Quantize(w[i], scales[channels == 1 ? 0 : i / inner % channels], 0, -127, 127);
        return q;
    }

    /// <summary>
    /// Raises weight scales whose bias would not fit: a bias quantized at input scale × weight scale must stay within
    /// ±2^30 (TFLite's rule; a dead channel with weights near 0 and a real bias would otherwise overflow int32).
    /// </summary>
    public static void FitBias(ReadOnlySpan<float> bias, float inputScale, float[] weightScales)
    {
        const double Limit = 1 << 30;
        for (int i = 0; i < bias.Length; i++)
        {
            int c = weightScales.Length == 1 ? 0 : i;
            double needed = Math.Abs(bias[i]) / (inputScale * Limit);
            if (needed > weightScales[c]) weightScales[c] = (float)needed;
        }
    }

    private static int Inner(int[] shape, int axis)
    {
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        return inner;
    }

    /// <summary>int32 bias at scale input scale × weight scale (per channel), zero point 0.</summary>
    public static (int[] Values, float[] Scales) Bias(ReadOnlySpan<float> b, float inputScale, IReadOnlyList<float> weightScales)
    {
        var values = new int[b.Length];
        var scales = new float[weightScales.Count];
        for (int c = 0; c < scales.Length; c++) scales[c] = inputScale * weightScales[c];
        for (int i = 0; i < b.Length; i++)
        {
            double s = scales[scales.Length == 1 ? 0 : i];
            double q = Math.Round(b[i] / s, MidpointRounding.AwayFromZero);
            values[i] = q > int.MaxValue ? int.MaxValue : q < -int.MaxValue ? -int.MaxValue : (int)q;
        }
        return (values, scales);
    }
}
