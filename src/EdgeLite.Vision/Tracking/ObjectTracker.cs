namespace EdgeLite.Vision;

/// <summary>Options of an <see cref="ObjectTracker"/>.</summary>
public sealed record TrackerOptions
{
    /// <summary>Detections at or above this score are matched first and may start tracks.</summary>
    public float HighScore { get; init; } = 0.5f;
    /// <summary>Detections between this and <see cref="HighScore"/> only keep existing tracks alive (ByteTrack's second pass).</summary>
    public float LowScore { get; init; } = 0.1f;
    /// <summary>Minimum IoU between a track's predicted box and a high-score detection to match.</summary>
    public float MatchIou { get; init; } = 0.2f;
    /// <summary>Minimum IoU for the low-score pass.</summary>
    public float LowMatchIou { get; init; } = 0.5f;
    /// <summary>A new track needs at least this score.</summary>
    public float NewTrackScore { get; init; } = 0.6f;
    /// <summary>Frames a track survives without a match (then it dies).</summary>
    public int MaxLostFrames { get; init; } = 30;
}

/// <summary>A detection with the identity of the track it belongs to; the box is the track's Kalman-filtered box.</summary>
/// <param name="TrackId">Track identity (from 1; never reused).</param>
/// <param name="Detection">The detection (box replaced by the filtered one).</param>
/// <param name="Age">Frames since the track was born.</param>
public readonly record struct TrackedDetection(int TrackId, Detection Detection, int Age);

/// <summary>
/// Multi-object tracking by detection, as SORT / ByteTrack: each track is a constant-velocity Kalman filter over its
/// box centre and size; each frame the tracks are predicted, high-score detections are matched to them by IoU, then
/// low-score detections to the tracks still unmatched (so an object whose score dips is not lost), unmatched
/// high-score detections start tentative tracks (confirmed on their second match, or at once on the first frame),
/// and tracks unmatched for <see cref="TrackerOptions.MaxLostFrames"/> frames die. Matching is greedy by IoU within a
/// class (not the Hungarian assignment). Not thread-safe; one tracker per stream.
/// </summary>
public sealed class ObjectTracker
{
    private readonly TrackerOptions _o;
    private readonly List<Track> _tracks = new();
    private int _nextId = 1;
    private int _frame;

    /// <summary>Creates a tracker.</summary>
    public ObjectTracker(TrackerOptions? options = null)
    {
        _o = options ?? new TrackerOptions();
        if (!(_o.LowScore <= _o.HighScore)) throw new ArgumentException("LowScore must not exceed HighScore");
        if (_o.MaxLostFrames < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxLostFrames must be non-negative");
    }

    /// <summary>Live tracks (confirmed or tentative, matched or lost).</summary>
    public int TrackCount => _tracks.Count;

    /// <summary>Forgets every track.</summary>
    public void Reset() { _tracks.Clear(); _frame = 0; }

    private sealed class Track
    {
        public int Id, Class, Hits, Lost, Born;
        public bool Confirmed;
        public Detection Last;
        public readonly Axis[] Axes = new Axis[4];   // cx, cy, w, h
        public bool Matched;

        public (float L, float T, float R, float B) Box()
        {
            float cx = Axes[0].X, cy = Axes[1].X, w = MathF.Max(1, Axes[2].X), h = MathF.Max(1, Axes[3].X);
            return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
        }
    }

    // One coordinate's constant-velocity Kalman filter: state (x, v), covariance [[p00, p01], [p01, p11]].
    private struct Axis
    {
        public float X, V, P00, P01, P11;

        public void Init(float x, float scale) { X = x; V = 0; P00 = Sq(0.1f * scale); P01 = 0; P11 = Sq(0.5f * scale); }

        public void Predict(float scale)
        {
            // x += v; P = F P Fᵀ + Q with noise proportional to the object size (as SORT/ByteTrack's std weights)
            X += V;
            P00 += 2 * P01 + P11 + Sq(0.05f * scale);
            P01 += P11;
            P11 += Sq(0.00625f * scale * 4);
        }

        public void Update(float z, float scale)
        {
            float r = Sq(0.05f * scale);
            float s = P00 + r, k0 = P00 / s, k1 = P01 / s, y = z - X;
            X += k0 * y; V += k1 * y;
            float p00 = (1 - k0) * P00, p01 = (1 - k0) * P01, p11 = P11 - k1 * P01;
            P00 = p00; P01 = p01; P11 = p11;
        }

        private static float Sq(float v) => v * v;
    }

    /// <summary>Feeds one frame's detections (all of them, down to <see cref="TrackerOptions.LowScore"/>); returns the confirmed tracks matched on this frame.</summary>
    public IReadOnlyList<TrackedDetection> Update(IReadOnlyList<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        _frame++;
        foreach (var t in _tracks)
        {
            t.Matched = false;
            float scale = MathF.Max(t.Axes[3].X, 1);
            for (int a = 0; a < 4; a++) t.Axes[a].Predict(scale);
        }
        var used = new bool[detections.Count];
        // pass 1: high-score detections against every track; pass 2: low-score ones against tracks matched recently
        Associate(detections, used, high: true);
        Associate(detections, used, high: false);
        var result = new List<TrackedDetection>();
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            if (t.Matched) continue;
            t.Lost++;
            // a tentative track that missed its second frame, or a track lost too long, dies
            if (!t.Confirmed || t.Lost > _o.MaxLostFrames) _tracks.RemoveAt(i);
        }
        for (int d = 0; d < detections.Count; d++)
        {
            if (used[d] || detections[d].Score < _o.NewTrackScore) continue;
            var det = detections[d];
            var t = new Track { Id = _nextId++, Class = det.Index, Hits = 1, Born = _frame, Confirmed = _frame == 1, Last = det, Matched = true };
            float w = det.Right - det.Left, h = det.Bottom - det.Top, scale = MathF.Max(h, 1);
            t.Axes[0].Init((det.Left + det.Right) / 2, scale); t.Axes[1].Init((det.Top + det.Bottom) / 2, scale);
            t.Axes[2].Init(w, scale); t.Axes[3].Init(h, scale);
            _tracks.Add(t);
        }
        foreach (var t in _tracks)
        {
            if (!t.Matched || !t.Confirmed) continue;
            var (l, tp, r, b) = t.Box();
            result.Add(new TrackedDetection(t.Id, t.Last with { Left = l, Top = tp, Right = r, Bottom = b }, _frame - t.Born));
        }
        result.Sort((a, b) => a.TrackId.CompareTo(b.TrackId));
        return result;
    }

    private void Associate(IReadOnlyList<Detection> detections, bool[] used, bool high)
    {
        var pairs = new List<(float Iou, int Track, int Det)>();
        for (int ti = 0; ti < _tracks.Count; ti++)
        {
            var t = _tracks[ti];
            if (t.Matched) continue;
            // the low-score pass keeps only tracks that were matched on the previous frame alive (ByteTrack)
            if (!high && t.Lost > 0) continue;
            var (l, tp, r, b) = t.Box();
            for (int d = 0; d < detections.Count; d++)
            {
                if (used[d]) continue;
                var det = detections[d];
                bool isHigh = det.Score >= _o.HighScore;
                if (isHigh != high || det.Score < _o.LowScore || det.Index != t.Class) continue;
                float iou = Iou(l, tp, r, b, det.Left, det.Top, det.Right, det.Bottom);
                if (iou >= (high ? _o.MatchIou : _o.LowMatchIou)) pairs.Add((iou, ti, d));
            }
        }
        pairs.Sort((a, b) => b.Iou.CompareTo(a.Iou));
        foreach (var (_, ti, d) in pairs)
        {
            var t = _tracks[ti];
            if (t.Matched || used[d]) continue;
            used[d] = true;
            t.Matched = true;
            var det = detections[d];
            float scale = MathF.Max(det.Bottom - det.Top, 1);
            t.Axes[0].Update((det.Left + det.Right) / 2, scale); t.Axes[1].Update((det.Top + det.Bottom) / 2, scale);
            t.Axes[2].Update(det.Right - det.Left, scale); t.Axes[3].Update(det.Bottom - det.Top, scale);
            t.Last = det; t.Hits++; t.Lost = 0;
            if (t.Hits >= 2) t.Confirmed = true;
        }
    }

    private static float Iou(float al, float at, float ar, float ab, float bl, float bt, float br, float bb)
    {
        float iw = MathF.Max(0, MathF.Min(ar, br) - MathF.Max(al, bl)), ih = MathF.Max(0, MathF.Min(ab, bb) - MathF.Max(at, bt));
        float inter = iw * ih, union = (ar - al) * (ab - at) + (br - bl) * (bb - bt) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
