namespace EdgeLite.Optimize.Calibration;

/// <summary>
/// What calibration saw of one float tensor: its minimum and maximum, and (in a second pass over the same samples)
/// a histogram over [min, max] for the percentile and MSE range estimators.
/// </summary>
internal sealed class RangeStatistics
{
    public const int Bins = 2048;

    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public long[]? Histogram { get; private set; }
    public long Count { get; private set; }
    public bool Seen => Min <= Max;

    public void AddRange(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (lo <= hi) { Min = Math.Min(Min, lo); Max = Math.Max(Max, hi); }
    }

    public void AddHistogram(ReadOnlySpan<float> values)
    {
        if (!Seen) return;
        Histogram ??= new long[Bins];
        double width = (Max - Min) / Bins;
        if (width <= 0) { Histogram[0] += values.Length; Count += values.Length; return; }
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) continue;
            int b = (int)((v - Min) / width);
            Histogram[Math.Clamp(b, 0, Bins - 1)]++;
            Count++;
        }
    }

    /// <summary>The range to quantize with, by <paramref name="method"/>.</summary>
    public (double Min, double Max) Range(CalibrationMethod method, double percentile)
    {
        if (!Seen) return (0, 0);
        if (method == CalibrationMethod.MinMax || Histogram == null || Count == 0 || Max <= Min) return (Min, Max);
        double width = (Max - Min) / Bins;
        if (method == CalibrationMethod.Percentile)
        {
            long cut = (long)Math.Floor(Count * (1 - percentile / 100));
            int lo = 0, hi = Bins - 1;
            for (long acc = 0; lo < Bins - 1 && acc + Histogram[lo] <= cut; lo++) acc += Histogram[lo];
            for (long acc = 0; hi > lo && acc + Histogram[hi] <= cut; hi--) acc += Histogram[hi];
            return (Min + lo * width, Min + (hi + 1) * width);
        }
        // MSE: shrink the range towards 0 by a factor and keep the factor with the least expected squared error
        // (clipping error of the values outside, uniform rounding noise scale²/12 for those inside).
        double best = double.PositiveInfinity, bestLo = Min, bestHi = Max;
        for (int step = 0; step <= 80; step++)
        {
            double f = 1 - step * 0.01;
            double lo = Math.Min(Min * f, 0), hi = Math.Max(Max * f, 0);
            double scale = (hi - lo) / 255;
            if (scale <= 0) continue;
            double err = 0, noise = scale * scale / 12;
            for (int b = 0; b < Bins; b++)
            {
                long n = Histogram[b];
                if (n == 0) continue;
                double x = Min + (b + 0.5) * width;
                double e = x < lo ? (lo - x) * (lo - x) : x > hi ? (x - hi) * (x - hi) : noise;
                err += n * e;
            }
            if (err < best) { best = err; bestLo = lo; bestHi = hi; }
        }
        return (bestLo, bestHi);
    }
}
