namespace EdgeLite.Vision;

/// <summary>What a <see cref="Landmarker"/> finds.</summary>
public enum LandmarkerKind
{
    /// <summary>Hands: palm detection, then 21 hand landmarks, handedness and world landmarks per hand.</summary>
    Hand,
    /// <summary>Faces: BlazeFace detection, then the 468-point face mesh.</summary>
    Face,
    /// <summary>Bodies: BlazePose detection, then 33 pose landmarks, world landmarks and a segmentation mask.</summary>
    Pose,
}

/// <summary>How frames relate (MediaPipe Tasks' running modes).</summary>
public enum RunningMode
{
    /// <summary>Every image on its own: the detector runs each time, no smoothing.</summary>
    Image,
    /// <summary>
    /// A sequence with timestamps: each region comes from the previous frame's landmarks; the detector runs only while
    /// fewer than <see cref="LandmarkerOptions.MaxResults"/> objects are tracked; landmarks are One-Euro smoothed. A live
    /// stream is a video whose late frames were dropped (the video pipeline does that).
    /// </summary>
    Video,
}

/// <summary>One landmark in pixels of the image: <see cref="Z"/> is depth in the same pixel scale (smaller = nearer the camera).</summary>
/// <param name="X">Horizontal position, pixels.</param>
/// <param name="Y">Vertical position, pixels.</param>
/// <param name="Z">Relative depth, pixels (hand: wrist = 0; pose: hip centre = 0; face: the face centre ≈ 0).</param>
/// <param name="Visibility">Probability that the point is visible (not occluded); 1 where the model does not say (hands, faces).</param>
/// <param name="Presence">Probability that the point is inside the image; 1 where the model does not say.</param>
public readonly record struct Landmark(float X, float Y, float Z, float Visibility = 1, float Presence = 1);

/// <summary>Options of a <see cref="Landmarker"/>.</summary>
public sealed record LandmarkerOptions
{
    /// <summary>Image or video.</summary>
    public RunningMode Mode { get; init; } = RunningMode.Image;
    /// <summary>At most this many hands / faces / bodies.</summary>
    public int MaxResults { get; init; } = 1;
    /// <summary>Minimum detector score for a new object.</summary>
    public float MinDetectionScore { get; init; } = 0.5f;
    /// <summary>Minimum presence score of the landmark model (below it the object is dropped, and in video mode lost).</summary>
    public float MinPresenceScore { get; init; } = 0.5f;
    /// <summary>One Euro smoothing of the landmarks in video mode.</summary>
    public bool Smoothing { get; init; } = true;
    /// <summary>One Euro minimum cutoff (Hz).</summary>
    public float SmoothingMinCutoff { get; init; } = 0.05f;
    /// <summary>One Euro speed coefficient (per object size per second).</summary>
    public float SmoothingBeta { get; init; } = 80f;
    /// <summary>Pose only: keep the segmentation mask.</summary>
    public bool Segmentation { get; init; }
    /// <summary>Interpreter threads (each of the two models).</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>One hand, face or body found by a <see cref="Landmarker"/>.</summary>
public sealed class LandmarkResult
{
    internal LandmarkResult(int id, float score, Landmark[] landmarks, Landmark[]? world, RotatedRect region, bool fromDetection)
    {
        Id = id; Score = score; Landmarks = landmarks; WorldLandmarks = world; Region = region; FromDetection = fromDetection;
    }

    /// <summary>Identity: stays the same while the object is tracked in video mode (a new object gets a new one).</summary>
    public int Id { get; }
    /// <summary>The landmark model's presence score.</summary>
    public float Score { get; }
    /// <summary>Landmarks in pixels of the image (21 for a hand, 468 for a face, 33 for a body).</summary>
    public IReadOnlyList<Landmark> Landmarks { get; }
    /// <summary>Landmarks in metres about the object's centre (hands, bodies), or null.</summary>
    public IReadOnlyList<Landmark>? WorldLandmarks { get; }
    /// <summary>Hands: "Left" or "Right" as MediaPipe labels them (it assumes a mirrored, selfie-view image); else null.</summary>
    public string? Handedness { get; internal init; }
    /// <summary>Score of <see cref="Handedness"/>.</summary>
    public float HandednessScore { get; internal init; }
    /// <summary>The rotated crop the landmark model saw.</summary>
    public RotatedRect Region { get; }
    /// <summary>The region came from the detector on this frame (not from the previous frame's landmarks).</summary>
    public bool FromDetection { get; }
    /// <summary>Pose with <see cref="LandmarkerOptions.Segmentation"/>: person probability on the crop's grid (<see cref="MaskSize"/>²), row-major; else null.</summary>
    public float[]? CropMask { get; internal init; }
    /// <summary>Side of <see cref="CropMask"/>.</summary>
    public int MaskSize { get; internal init; }

    /// <summary>The segmentation mask resampled onto a <paramref name="width"/> x <paramref name="height"/> image (0 outside the crop).</summary>
    public float[] MaskOnImage(int width, int height)
    {
        if (CropMask == null) throw new InvalidOperationException("no segmentation mask (set LandmarkerOptions.Segmentation on a pose landmarker)");
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width));
        var m = new float[checked(width * height)];
        int n = MaskSize;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (u, v) = Region.FromImage(x + 0.5f, y + 0.5f);
                float fx = u * n - 0.5f, fy = v * n - 0.5f;
                if (fx < -0.5f || fy < -0.5f || fx > n - 0.5f || fy > n - 0.5f) continue;
                int x0 = Math.Clamp((int)MathF.Floor(fx), 0, n - 1), y0 = Math.Clamp((int)MathF.Floor(fy), 0, n - 1);
                int x1 = Math.Min(x0 + 1, n - 1), y1 = Math.Min(y0 + 1, n - 1);
                float ax = Math.Clamp(fx - x0, 0, 1), ay = Math.Clamp(fy - y0, 0, 1);
                m[y * width + x] = (CropMask[y0 * n + x0] * (1 - ax) + CropMask[y0 * n + x1] * ax) * (1 - ay)
                    + (CropMask[y1 * n + x0] * (1 - ax) + CropMask[y1 * n + x1] * ax) * ay;
            }
        return m;
    }
}

/// <summary>
/// MediaPipe-style two-stage landmarkers: a detector finds the object, a rotated square crop is cut from its
/// keypoints, a landmark model places the points in the crop and they are projected back onto the image. Hands:
/// palm_detection → crop rotated so the wrist → middle finger points up (×2.6, shifted half a palm towards the
/// fingers) → hand_landmark (21 points, handedness, world landmarks). Faces: face_detection_short_range → crop level
/// with the eyes (×1.5) → face_landmark (468 points). Bodies: pose_detection → square centred on the hips, half side
/// = hips → full-body point, rotated upright (×1.25) → pose_landmark (33 points + 6 auxiliary, heatmap-refined; world
/// landmarks; segmentation). In <see cref="RunningMode.Video"/> the next crop comes from the landmarks (as MediaPipe's
/// *LandmarksToRoi graphs) and the detector runs only when fewer than <see cref="LandmarkerOptions.MaxResults"/>
/// objects are tracked.
/// </summary>
public sealed class Landmarker : IDisposable
{
    private readonly ObjectDetector _detector;
    private readonly Interpreter _landmarks;
    private readonly LandmarkerOptions _o;
    private readonly int _inputSize;
    private readonly int _landmarksOut, _presenceOut = -1, _handednessOut = -1, _worldOut = -1, _segmentationOut = -1, _heatmapOut = -1;
    private readonly List<Track> _tracks = new();
    private readonly List<RotatedRect> _regions = new();
    private readonly List<bool> _fromDetection = new();
    private readonly List<Track?> _regionTracks = new();
    private int _nextId = 1;
    private long _lastTimestamp = long.MinValue;

    private sealed class Track
    {
        public int Id;
        public RotatedRect Next;
        public OneEuroFilter[] Filters = [];
    }

    /// <summary>Hands: <paramref name="palmDetector"/> (palm_detection_lite) and <paramref name="handLandmarks"/> (hand_landmark_lite).</summary>
    public static Landmarker Hands(Model palmDetector, Model handLandmarks, LandmarkerOptions? options = null) => new(LandmarkerKind.Hand, palmDetector, handLandmarks, options);
    /// <summary>Faces: <paramref name="faceDetector"/> (face_detection_short_range) and <paramref name="faceLandmarks"/> (face_landmark).</summary>
    public static Landmarker Faces(Model faceDetector, Model faceLandmarks, LandmarkerOptions? options = null) => new(LandmarkerKind.Face, faceDetector, faceLandmarks, options);
    /// <summary>Bodies: <paramref name="poseDetector"/> (pose_detection) and <paramref name="poseLandmarks"/> (pose_landmark_lite).</summary>
    public static Landmarker Poses(Model poseDetector, Model poseLandmarks, LandmarkerOptions? options = null) => new(LandmarkerKind.Pose, poseDetector, poseLandmarks, options);

    /// <summary>Creates a landmarker of <paramref name="kind"/> (the models stay owned by the caller).</summary>
    /// <exception cref="ArgumentException">A model does not have the inputs and outputs of its stage.</exception>
    public Landmarker(LandmarkerKind kind, Model detector, Model landmarks, LandmarkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(landmarks);
        _o = options ?? new LandmarkerOptions();
        if (_o.MaxResults <= 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxResults must be positive");
        if (_o.Threads <= 0) throw new ArgumentOutOfRangeException(nameof(options), "Threads must be positive");
        Kind = kind;
        _detector = new ObjectDetector(detector, new ObjectDetectorOptions { ScoreThreshold = _o.MinDetectionScore, MaxResults = Math.Max(_o.MaxResults, 1) * 2, Threads = _o.Threads });
        try
        {
            string want = kind switch { LandmarkerKind.Hand => "palm", LandmarkerKind.Face => "face", _ => "person" };
            if (!_detector.MediaPipeModel || _detector.Options.Labels?[0] != want)
                throw new ArgumentException($"the {kind.ToString().ToLowerInvariant()} landmarker needs MediaPipe's {(kind switch { LandmarkerKind.Hand => "palm_detection", LandmarkerKind.Face => "face_detection_short_range", _ => "pose_detection" })} model as its detector");
            _landmarks = new Interpreter(landmarks, new InterpreterOptions { Threads = _o.Threads });
        }
        catch { _detector.Dispose(); throw; }
        try
        {
            _landmarks.AllocateTensors();
            var input = _landmarks.GetInputTensor(0);
            if (input.Rank != 4 || input.Shape[1] != input.Shape[2] || input.Shape[3] != 3 || input.Type != TensorType.Float32)
                throw new ArgumentException($"landmark model input {input} is not a square float32 RGB image");
            _inputSize = input.Shape[1];
            int Find(int elements) { for (int i = 0; i < _landmarks.OutputCount; i++) if (_landmarks.GetOutputTensor(i).ElementCount == elements) return i; return -1; }
            int Require(int elements, string what) => Find(elements) is >= 0 and var k ? k : throw new ArgumentException($"landmark model has no {what} output ({elements} values)");
            switch (kind)
            {
                case LandmarkerKind.Hand:
                    if (_landmarks.OutputCount != 4) throw new ArgumentException("hand landmark model: expected 4 outputs (landmarks, presence, handedness, world landmarks)");
                    _landmarksOut = 0; _presenceOut = 1; _handednessOut = 2; _worldOut = 3;
                    if (_landmarks.GetOutputTensor(0).ElementCount != 63 || _landmarks.GetOutputTensor(3).ElementCount != 63 || _landmarks.GetOutputTensor(1).ElementCount != 1)
                        throw new ArgumentException("hand landmark model: expected 21x3 landmarks, presence, handedness, 21x3 world landmarks");
                    break;
                case LandmarkerKind.Face:
                    _landmarksOut = Require(468 * 3, "468x3 landmark"); _presenceOut = Require(1, "face presence");
                    break;
                default:
                    _landmarksOut = Require(39 * 5, "39x5 landmark"); _presenceOut = Require(1, "pose presence"); _worldOut = Require(39 * 3, "39x3 world landmark");
                    _segmentationOut = Find(_inputSize * _inputSize);
                    _heatmapOut = Find(39 * (_inputSize / 4) * (_inputSize / 4));
                    break;
            }
        }
        catch { _landmarks.Dispose(); _detector.Dispose(); throw; }
    }

    /// <summary>What this landmarker finds.</summary>
    public LandmarkerKind Kind { get; }
    /// <summary>Frames (calls to <see cref="Detect"/>) so far.</summary>
    public int Frames { get; private set; }
    /// <summary>How many of them ran the detector.</summary>
    public int DetectorRuns { get; private set; }
    /// <summary>The landmark model's input side (pixels of the crop).</summary>
    public int CropSize => _inputSize;

    /// <summary>Points per object (21, 468, 33).</summary>
    public int LandmarkCount => Kind switch { LandmarkerKind.Hand => 21, LandmarkerKind.Face => 468, _ => 33 };

    /// <summary>Forgets tracked objects (the next frame runs the detector).</summary>
    public void Reset() { _tracks.Clear(); _lastTimestamp = long.MinValue; }

    /// <summary>
    /// Finds the objects in <paramref name="image"/>. In video mode <paramref name="timestampMs"/> must increase from
    /// frame to frame (a frame whose timestamp does not increase restarts tracking).
    /// </summary>
    public IReadOnlyList<LandmarkResult> Detect(RgbImage image, long timestampMs = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        Frames++;
        bool video = _o.Mode == RunningMode.Video;
        if (!video || timestampMs <= _lastTimestamp) _tracks.Clear();
        _lastTimestamp = timestampMs;
        _regions.Clear(); _fromDetection.Clear(); _regionTracks.Clear();
        foreach (var t in _tracks) { _regions.Add(t.Next); _fromDetection.Add(false); _regionTracks.Add(t); }
        if (_regions.Count < _o.MaxResults)
        {
            DetectorRuns++;
            foreach (var d in _detector.Detect(image))
            {
                if (_regions.Count >= _o.MaxResults) break;
                var r = RegionFromDetection(d, image);
                if (!Usable(r)) continue;
                bool known = false;
                foreach (var e in _regions) if (RotatedRect.BoundsIou(e, r) > 0.5f) { known = true; break; }
                if (known) continue;
                _regions.Add(r); _fromDetection.Add(true); _regionTracks.Add(null);
            }
        }
        var results = new List<LandmarkResult>(_regions.Count);
        var alive = new List<Track>(_regions.Count);
        for (int i = 0; i < _regions.Count; i++)
        {
            var region = _regions[i];
            var r = RunLandmarks(image, region, _fromDetection[i], _regionTracks[i], timestampMs, out var next);
            if (r == null || !Usable(next)) continue;
            // one object per region: a tracked region that drifted onto another tracked object is dropped
            bool duplicate = false;
            foreach (var t in alive) if (RotatedRect.BoundsIou(t.Next, next) > 0.5f) { duplicate = true; break; }
            if (duplicate) continue;
            var track = _regionTracks[i] ?? new Track { Id = r.Id };
            track.Next = next;
            alive.Add(track);
            results.Add(r);
        }
        _tracks.Clear();
        if (video) _tracks.AddRange(alive);
        return results;
    }

    // a region a crop can be cut from: finite, more than a pixel, not absurdly large (a model that returns NaN or
    // wild values loses its object instead of failing the frame)
    private static bool Usable(RotatedRect r) =>
        r.Width > 1 && r.Height > 1 && r.Width < 1e6f && r.Height < 1e6f && float.IsFinite(r.CenterX) && float.IsFinite(r.CenterY) && float.IsFinite(r.Rotation);

    private RotatedRect RegionFromDetection(Detection d, RgbImage image)
    {
        var k = d.Keypoints!;
        float cx = (d.Left + d.Right) / 2, cy = (d.Top + d.Bottom) / 2, w = d.Right - d.Left, h = d.Bottom - d.Top;
        switch (Kind)
        {
            case LandmarkerKind.Hand:
                // DetectionsToRects: the box, rotated so wrist centre (0) → middle finger MCP (2) points up
                return new RotatedRect(cx, cy, w, h, RotatedRect.RotationOf(k[0].X, k[0].Y, k[2].X, k[2].Y, MathF.PI / 2))
                    .Transform(2.6f, 2.6f, 0, -0.5f);
            case LandmarkerKind.Face:
                // level with the eyes: right eye (0) → left eye (1) horizontal
                return new RotatedRect(cx, cy, w, h, RotatedRect.RotationOf(k[0].X, k[0].Y, k[1].X, k[1].Y, 0)).Transform(1.5f, 1.5f);
            default:
                // AlignmentPointsRects: centred on the hip centre (0), half side to the full-body point (1), upright
                return RotatedRect.FromAlignmentPoints(k[0].X, k[0].Y, k[1].X, k[1].Y, MathF.PI / 2).Transform(1.25f, 1.25f);
        }
    }

    private static readonly int[] HandRoiPoints = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];

    private LandmarkResult? RunLandmarks(RgbImage image, RotatedRect region, bool fromDetection, Track? track, long timestampMs, out RotatedRect next)
    {
        next = default;
        var input = _landmarks.GetInputTensor(0);
        RegionSampler.Fill(input, image, region, InputNormalization.ZeroToOne, Kind == LandmarkerKind.Pose ? CropBorder.Zero : CropBorder.Replicate);
        _landmarks.Invoke();
        float presence = _landmarks.GetOutputTensor(_presenceOut).AsSpan<float>()[0];
        if (Kind == LandmarkerKind.Face) presence = Sigmoid(presence);
        if (!(presence >= _o.MinPresenceScore)) return null;
        var raw = _landmarks.GetOutputTensor(_landmarksOut).AsSpan<float>();
        int total = Kind == LandmarkerKind.Pose ? 39 : LandmarkCount, stride = Kind == LandmarkerKind.Pose ? 5 : 3;
        float n = _inputSize, zScale = Kind == LandmarkerKind.Hand ? 1 / 0.4f : 1f;
        var pts = new Landmark[total];
        Span<float> refined = stackalloc float[2];
        for (int i = 0; i < total; i++)
        {
            float u = raw[i * stride] / n, v = raw[i * stride + 1] / n, z = raw[i * stride + 2] / n * zScale;
            float vis = 1, pres = 1;
            if (stride == 5) { vis = Sigmoid(raw[i * stride + 3]); pres = Sigmoid(raw[i * stride + 4]); }
            if (_heatmapOut >= 0 && RefineFromHeatmap(i, u, v, refined)) { u = refined[0]; v = refined[1]; }
            var (x, y) = region.ToImage(u, v);
            pts[i] = new Landmark(x, y, z * region.Width, vis, pres);
        }
        // the next frame's region, from the raw (unsmoothed) landmarks
        next = NextRegion(pts);
        Landmark[]? world = null;
        if (_worldOut >= 0)
        {
            var w = _landmarks.GetOutputTensor(_worldOut).AsSpan<float>();
            int count = LandmarkCount;
            world = new Landmark[count];
            float c = MathF.Cos(region.Rotation), s = MathF.Sin(region.Rotation);
            for (int i = 0; i < count; i++)
            {
                float wx = w[i * 3], wy = w[i * 3 + 1];
                world[i] = new Landmark(c * wx - s * wy, s * wx + c * wy, w[i * 3 + 2], pts[i].Visibility, pts[i].Presence);
            }
        }
        var visible = new Landmark[LandmarkCount];
        Array.Copy(pts, visible, LandmarkCount);
        int id = track?.Id ?? _nextId++;
        if (_o.Mode == RunningMode.Video && _o.Smoothing && track != null) Smooth(track, visible, timestampMs);
        float[]? mask = null;
        if (_o.Segmentation && _segmentationOut >= 0)
        {
            var seg = _landmarks.GetOutputTensor(_segmentationOut).AsSpan<float>();
            mask = new float[seg.Length];
            for (int i = 0; i < seg.Length; i++) mask[i] = Sigmoid(seg[i]);
        }
        string? hand = null; float handScore = 0;
        if (_handednessOut >= 0)
        {
            // binary classification over handedness.txt (Left, Right): the output is the first label's score
            float left = _landmarks.GetOutputTensor(_handednessOut).AsSpan<float>()[0];
            (hand, handScore) = left >= 0.5f ? ("Left", left) : ("Right", 1 - left);
        }
        var result = new LandmarkResult(id, presence, visible, world, region, fromDetection)
        {
            Handedness = hand, HandednessScore = handScore, CropMask = mask, MaskSize = mask == null ? 0 : _inputSize,
        };
        return result;
    }

    private void Smooth(Track track, Landmark[] pts, long timestampMs)
    {
        if (track.Filters.Length != pts.Length * 3)
        {
            track.Filters = new OneEuroFilter[pts.Length * 3];
            for (int i = 0; i < track.Filters.Length; i++) track.Filters[i] = new OneEuroFilter(_o.SmoothingMinCutoff, _o.SmoothingBeta);
        }
        // object scale: mean of the landmarks' bounding box sides (MediaPipe's value scale)
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        foreach (var p in pts) { minX = MathF.Min(minX, p.X); maxX = MathF.Max(maxX, p.X); minY = MathF.Min(minY, p.Y); maxY = MathF.Max(maxY, p.Y); }
        float scale = MathF.Max(1, (maxX - minX + maxY - minY) / 2);
        double t = timestampMs / 1000.0;
        for (int i = 0; i < pts.Length; i++)
        {
            var p = pts[i];
            pts[i] = p with
            {
                X = track.Filters[3 * i].Filter(p.X, t, scale),
                Y = track.Filters[3 * i + 1].Filter(p.Y, t, scale),
                Z = track.Filters[3 * i + 2].Filter(p.Z, t, scale),
            };
        }
    }

    private RotatedRect NextRegion(Landmark[] p)
    {
        switch (Kind)
        {
            case LandmarkerKind.Hand:
            {
                // rotation: wrist → the mean of the middle MCP and of the index and ring MCPs' mean, up
                float x1 = ((p[5].X + p[13].X) / 2 + p[9].X) / 2, y1 = ((p[5].Y + p[13].Y) / 2 + p[9].Y) / 2;
                float rot = RotatedRect.RotationOf(p[0].X, p[0].Y, x1, y1, MathF.PI / 2);
                Span<(float, float)> pts = stackalloc (float, float)[HandRoiPoints.Length];
                for (int i = 0; i < HandRoiPoints.Length; i++) pts[i] = (p[HandRoiPoints[i]].X, p[HandRoiPoints[i]].Y);
                return RotatedRect.Enclosing(pts, rot).Transform(2.0f, 2.0f, 0, -0.1f);
            }
            case LandmarkerKind.Face:
            {
                float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
                for (int i = 0; i < 468; i++) { minX = MathF.Min(minX, p[i].X); maxX = MathF.Max(maxX, p[i].X); minY = MathF.Min(minY, p[i].Y); maxY = MathF.Max(maxY, p[i].Y); }
                // level with the eye corners 33 → 263
                float rot = RotatedRect.RotationOf(p[33].X, p[33].Y, p[263].X, p[263].Y, 0);
                return new RotatedRect((minX + maxX) / 2, (minY + maxY) / 2, maxX - minX, maxY - minY, rot).Transform(1.5f, 1.5f);
            }
            default:
                // auxiliary landmarks 33 (centre) and 34 (size and rotation), as the detector's keypoints 0 and 1
                return RotatedRect.FromAlignmentPoints(p[33].X, p[33].Y, p[34].X, p[34].Y, MathF.PI / 2).Transform(1.25f, 1.25f);
        }
    }

    // MediaPipe's RefineLandmarksFromHeatmapCalculator (kernel 7, min confidence 0.5): the confidence-weighted mean
    // of the heatmap cells around the landmark.
    private bool RefineFromHeatmap(int landmark, float u, float v, Span<float> result)
    {
        var t = _landmarks.GetOutputTensor(_heatmapOut);
        var hm = t.AsSpan<float>();
        int hh = t.Shape[1], hw = t.Shape[2], ch = t.Shape[3];
        int cx = (int)(u * hw), cy = (int)(v * hh);
        if (cx < 0 || cy < 0 || cx >= hw || cy >= hh) return false;
        float sum = 0, wx = 0, wy = 0, max = 0;
        for (int y = Math.Max(0, cy - 3); y <= Math.Min(hh - 1, cy + 3); y++)
            for (int x = Math.Max(0, cx - 3); x <= Math.Min(hw - 1, cx + 3); x++)
            {
                float c = Sigmoid(hm[(y * hw + x) * ch + landmark]);
                sum += c; wx += x * c; wy += y * c; max = MathF.Max(max, c);
            }
        if (max < 0.5f || sum <= 0) return false;
        result[0] = wx / sum / hw; result[1] = wy / sum / hh;
        return true;
    }

    private static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));

    /// <inheritdoc />
    public void Dispose()
    {
        _landmarks.Dispose();
        _detector.Dispose();
    }
}
