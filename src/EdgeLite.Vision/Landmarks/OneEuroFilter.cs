namespace EdgeLite.Vision;

/// <summary>
/// The One Euro filter (Casiez, Roussel, Vogel 2012): a low-pass filter whose cutoff rises with speed, so slow
/// jitter is removed and fast motion is not lagged. As in MediaPipe's LandmarksSmoothingCalculator, values are
/// divided by an object scale first, so the same parameters suit near and far objects.
/// </summary>
public sealed class OneEuroFilter
{
    private readonly float _minCutoff, _beta, _derivateCutoff;
    private float _x, _dx;
    private double _t;
    private bool _initialised;

    /// <summary>Creates a filter.</summary>
    /// <param name="minCutoff">Cutoff frequency (Hz) at rest: lower = smoother.</param>
    /// <param name="beta">Cutoff increase per unit of (scaled) speed: higher = less lag.</param>
    /// <param name="derivateCutoff">Cutoff frequency (Hz) of the speed estimate.</param>
    public OneEuroFilter(float minCutoff = 0.05f, float beta = 80f, float derivateCutoff = 1f)
    {
        if (!(minCutoff > 0) || !(derivateCutoff > 0) || !(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(minCutoff), "cutoffs must be positive, beta non-negative");
        _minCutoff = minCutoff; _beta = beta; _derivateCutoff = derivateCutoff;
    }

    /// <summary>Forgets the past: the next value passes unchanged.</summary>
    public void Reset() => _initialised = false;

    /// <summary>Filters <paramref name="value"/> observed at <paramref name="seconds"/>; <paramref name="scale"/> is the object's size in the value's units.</summary>
    public float Filter(float value, double seconds, float scale = 1f)
    {
        float s = scale > 0 ? 1 / scale : 1f;
        float v = value * s;
        if (!_initialised || seconds <= _t)
        {
            // first value, or a timestamp that does not advance: start again from it
            _initialised = true; _t = seconds; _x = v; _dx = 0;
            return value;
        }
        float dt = (float)(seconds - _t);
        _t = seconds;
        float dx = (v - _x) / dt;
        _dx += Alpha(_derivateCutoff, dt) * (dx - _dx);
        float cutoff = _minCutoff + _beta * MathF.Abs(_dx);
        _x += Alpha(cutoff, dt) * (v - _x);
        return _x / s;
    }

    private static float Alpha(float cutoff, float dt)
    {
        float tau = 1 / (2 * MathF.PI * cutoff);
        return 1 / (1 + tau / dt);
    }
}
