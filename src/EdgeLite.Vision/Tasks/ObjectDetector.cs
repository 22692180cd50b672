namespace EdgeLite.Vision;

/// <summary>One detected object: class, score and box (pixels of the input image).</summary>
/// <param name="Index">Class index.</param>
/// <param name="Label">Label, or the index as text.</param>
/// <param name="Score">Score in [0, 1].</param>
/// <param name="Left">Left edge in pixels.</param>
/// <param name="Top">Top edge in pixels.</param>
/// <param name="Right">Right edge in pixels.</param>
/// <param name="Bottom">Bottom edge in pixels.</param>
public readonly record struct Detection(int Index, string Label, float Score, float Left, float Top, float Right, float Bottom)
{
    /// <summary>
    /// The detector's keypoints in pixels of the input image (MediaPipe detectors: BlazeFace 6 — eyes, nose tip, mouth,
    /// ears; palm 7 — wrist centre, finger MCPs, thumb; pose 4 — hip centre, full-body size/rotation point, shoulder
    /// centre, upper-body point), or null.
    /// </summary>
    public (float X, float Y)[]? Keypoints { get; init; }
}

/// <summary>How a detector fits the photo into its input.</summary>
public enum DetectorSampling
{
    /// <summary><see cref="ImageTensorWriter.Fill"/>: resized (Lanczos-3 when shrinking), stretched or letterboxed per <see cref="ObjectDetectorOptions.Fit"/>.</summary>
    Resize,
    /// <summary>MediaPipe's ImageToTensorCalculator: one bilinear warp of the letterboxed image (<see cref="RegionSampler"/>), black padding.</summary>
    MediaPipe,
}

/// <summary>
/// SSD anchor grid, as MediaPipe's SsdAnchorsCalculator builds it: per feature map (input size / stride, rounded up) and
/// cell, one anchor per (scale, aspect ratio); scales interpolate linearly from <see cref="MinScale"/> to
/// <see cref="MaxScale"/> over the layers; the lowest layer may use the reduced set (0.1 at 1:1, then 2:1 and 1:2).
/// The defaults are the TF Object Detection API's SSD MobileNet 300x300 (1917 anchors).
/// </summary>
public sealed class SsdAnchorOptions
{
    /// <summary>Input height the strides divide.</summary>
    public int InputHeight { get; init; } = 300;
    /// <summary>Input width the strides divide.</summary>
    public int InputWidth { get; init; } = 300;
    /// <summary>Scale of the first layer.</summary>
    public float MinScale { get; init; } = 0.2f;
    /// <summary>Scale of the last layer.</summary>
    public float MaxScale { get; init; } = 0.95f;
    /// <summary>Stride of each layer.</summary>
    public int[] Strides { get; init; } = [16, 32, 64, 128, 256, 512];
    /// <summary>Aspect ratios per cell.</summary>
    public float[] AspectRatios { get; init; } = [1f, 2f, 0.5f, 3f, 1 / 3f];
    /// <summary>The extra anchor at the geometric mean of this and the next scale (0 = none).</summary>
    public float InterpolatedScaleAspectRatio { get; init; } = 1f;
    /// <summary>Three anchors only in the first layer (0.1 at 1:1, then 2:1 and 1:2 at the layer's scale).</summary>
    public bool ReduceBoxesInLowestLayer { get; init; } = true;
    /// <summary>Anchor centre offset in cells.</summary>
    public float AnchorOffset { get; init; } = 0.5f;
    /// <summary>All anchors 1x1 (BlazeFace-style models regress absolute sizes).</summary>
    public bool FixedAnchorSize { get; init; }

    /// <summary>The anchors (centre y, centre x, height, width), normalised, in model order.</summary>
    public (float Y, float X, float H, float W)[] Generate()
    {
        var anchors = new List<(float, float, float, float)>();
        int n = Strides.Length;
        float Scale(int i) => n == 1 ? (MinScale + MaxScale) / 2 : MinScale + (MaxScale - MinScale) * i / (n - 1);
        for (int layer = 0; layer < n;)
        {
            var ratios = new List<float>(); var scales = new List<float>();
            int last = layer;
            while (last < n && Strides[last] == Strides[layer])
            {
                float scale = Scale(last);
                if (last == 0 && ReduceBoxesInLowestLayer) { ratios.AddRange([1f, 2f, 0.5f]); scales.AddRange([0.1f, scale, scale]); }
                else
                {
                    foreach (var r in AspectRatios) { ratios.Add(r); scales.Add(scale); }
                    if (InterpolatedScaleAspectRatio > 0)
                    {
                        float next = last == n - 1 ? 1f : Scale(last + 1);
                        scales.Add(MathF.Sqrt(scale * next)); ratios.Add(InterpolatedScaleAspectRatio);
                    }
                }
                last++;
            }
            int fh = (InputHeight + Strides[layer] - 1) / Strides[layer], fw = (InputWidth + Strides[layer] - 1) / Strides[layer];
            for (int y = 0; y < fh; y++)
                for (int x = 0; x < fw; x++)
                    for (int a = 0; a < ratios.Count; a++)
                    {
                        float r = MathF.Sqrt(ratios[a]);
                        anchors.Add(((y + AnchorOffset) / fh, (x + AnchorOffset) / fw, FixedAnchorSize ? 1 : scales[a] / r, FixedAnchorSize ? 1 : scales[a] * r));
                    }
            layer = last;
        }
        return anchors.ToArray();
    }
}

/// <summary>Options of an <see cref="ObjectDetector"/>.</summary>
public sealed record ObjectDetectorOptions
{
    /// <summary>Class labels (index = class); null = from the model's metadata.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
    /// <summary>Float input normalization; null = from metadata, else [-1, 1].</summary>
    public InputNormalization? Normalization { get; init; }
    /// <summary>Minimum score.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;
    /// <summary>Overlap (intersection over union) above which a lower-scored box of the same class is dropped.</summary>
    public float IouThreshold { get; init; } = 0.6f;
    /// <summary>At most this many detections.</summary>
    public int MaxResults { get; init; } = 25;
    /// <summary>
    /// Anchors for raw SSD outputs; null = chosen from the model: a MediaPipe detector (BlazeFace short range 896
    /// anchors at 128x128, palm 2016 at 192x192, pose 2254 at 224x224) gets its own preset (<see cref="ForMediaPipe"/>),
    /// anything else the TF OD API SSD 300x300 grid.
    /// </summary>
    public SsdAnchorOptions? Anchors { get; init; }
    /// <summary>Keypoints (x, y pairs) after the 4 box values of each raw encoding (MediaPipe detectors).</summary>
    public int KeypointCount { get; init; }
    /// <summary>
    /// MediaPipe's weighted non-maximum suppression: each kept box is the score-weighted mean of the boxes (and
    /// keypoints) it suppresses, instead of the best one alone.
    /// </summary>
    public bool WeightedSuppression { get; init; }
    /// <summary>How the photo is written into the input.</summary>
    public DetectorSampling Sampling { get; init; } = DetectorSampling.Resize;
    /// <summary>Box decoding scales (y, x, h, w) of raw SSD outputs.</summary>
    public (float Y, float X, float H, float W) BoxScales { get; init; } = (10, 10, 5, 5);
    /// <summary>
    /// MediaPipe's box layout (BlazeFace, palm detection): encodings are x, y, w, h with linear sizes
    /// (size = t/scale · anchor size) instead of the TF OD API's y, x, h, w with exp sizes.
    /// </summary>
    public bool MediaPipeBoxes { get; init; }

    /// <summary>
    /// Options for MediaPipe's BlazeFace short-range face detector (128x128, 896 anchors, boxes in input pixels, one
    /// class): anchors with strides 8, 16, 16, 16 and fixed size, scales 128.
    /// </summary>
    public static ObjectDetectorOptions BlazeFaceShortRange(float scoreThreshold = 0.5f) => new()
    {
        Anchors = new SsdAnchorOptions
        {
            InputHeight = 128, InputWidth = 128, MinScale = 0.1484375f, MaxScale = 0.75f, Strides = [8, 16, 16, 16],
            AspectRatios = [1f], InterpolatedScaleAspectRatio = 1f, ReduceBoxesInLowestLayer = false, FixedAnchorSize = true,
        },
        BoxScales = (128, 128, 128, 128), MediaPipeBoxes = true, SkipClassZero = false, ScoreThreshold = scoreThreshold, KeypointCount = 6,
        IouThreshold = 0.3f, Labels = ["face"], Fit = ImageFit.Letterbox,
    };
    /// <summary>
    /// The preset of a MediaPipe detector recognised by its raw outputs (anchor count) and input size, or null:
    /// BlazeFace short range (128x128, 896 anchors, 6 keypoints), palm detection (192x192, 2016 anchors, 7 keypoints,
    /// input in [0, 1]), pose detection (224x224, 2254 anchors, 4 keypoints). Anchor grids, box scales, keypoints,
    /// normalization and suppression as in MediaPipe's face_detection_short_range, palm_detection_cpu and
    /// pose_detection_cpu graphs (SsdAnchorsCalculator, TensorsToDetectionsCalculator, weighted NMS at IoU 0.3,
    /// bilinear letterbox).
    /// </summary>
    public static ObjectDetectorOptions? ForMediaPipe(int anchorCount, int inputHeight, int inputWidth)
    {
        SsdAnchorOptions Grid(int size, int[] strides) => new()
        {
            InputHeight = size, InputWidth = size, MinScale = 0.1484375f, MaxScale = 0.75f, Strides = strides,
            AspectRatios = [1f], InterpolatedScaleAspectRatio = 1f, ReduceBoxesInLowestLayer = false, FixedAnchorSize = true,
        };
        ObjectDetectorOptions Make(int size, int[] strides, int keypoints, string label, InputNormalization norm) => new()
        {
            Anchors = Grid(size, strides), BoxScales = (size, size, size, size), MediaPipeBoxes = true, SkipClassZero = false,
            KeypointCount = keypoints, WeightedSuppression = true, IouThreshold = 0.3f, Labels = [label], Fit = ImageFit.Letterbox,
            Sampling = DetectorSampling.MediaPipe, Normalization = norm,
        };
        return (anchorCount, inputHeight, inputWidth) switch
        {
            (896, 128, 128) => Make(128, [8, 16, 16, 16], 6, "face", InputNormalization.MinusOneToOne),
            (2016, 192, 192) => Make(192, [8, 16, 16, 16], 7, "palm", InputNormalization.ZeroToOne),
            (2254, 224, 224) => Make(224, [8, 16, 32, 32, 32], 4, "person", InputNormalization.MinusOneToOne),
            _ => null,
        };
    }

    /// <summary>Class 0 is background (not reported).</summary>
    public bool SkipClassZero { get; init; } = true;
    /// <summary>How the photo is fitted to the input (boxes are mapped back either way).</summary>
    public ImageFit Fit { get; init; } = ImageFit.Stretch;
    /// <summary>Interpreter threads.</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>
/// Object detection. Two model shapes: with TFLite_Detection_PostProcess inside (outputs boxes [1,N,4] ymin, xmin,
/// ymax, xmax; classes [1,N]; scores [1,N]; count) the model's own detections are returned; with raw SSD outputs
/// (box encodings [1,A,4+2K] and class logits [1,A,C]) boxes are decoded against the anchors (TF OD API: ty, tx, th,
/// tw with centre + t/scale · anchor size, size · exp(t/scale); MediaPipe: x, y, w, h linear, then K keypoints),
/// scores are sigmoids, and per-class non-maximum suppression keeps the best. MediaPipe's detectors (face, palm,
/// pose) are recognised from their anchor count and input size (<see cref="ObjectDetectorOptions.ForMediaPipe"/>).
/// </summary>
public sealed class ObjectDetector : IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly ObjectDetectorOptions _o;
    private readonly IReadOnlyList<string>? _labels;
    private readonly (float Y, float X, float H, float W)[]? _anchors;
    private readonly bool _postProcessed;
    private readonly List<Candidate> _candidates = new();
    private readonly List<Candidate> _kept = new();
    private float[]? _encodings, _logits;

    private struct Candidate
    {
        public int Class;
        public float Score, Y0, X0, Y1, X1;
        public float[]? Keypoints;   // x, y pairs, normalised input coordinates
    }

    /// <summary>Creates a detector (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The outputs are neither post-processed detections nor raw SSD outputs matching the anchors.</exception>
    public ObjectDetector(Model model, ObjectDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = options ?? new ObjectDetectorOptions();
        (_interpreter, var metadata, var normalization) = TaskModel.Open(model, o.Threads, o.Normalization);
        try
        {
            if (_interpreter.OutputCount >= 4 && _interpreter.GetOutputTensor(0).Rank == 3 && _interpreter.GetOutputTensor(0).Shape[2] == 4
                && _interpreter.GetOutputTensor(3).ElementCount == 1)
            {
                _postProcessed = true;
                _o = o;
                Normalization = normalization;
                _labels = _o.Labels ?? metadata?.Labels;
                return;
            }
            if (_interpreter.OutputCount < 2) throw new ArgumentException("expects detection outputs (boxes, classes, scores, count) or raw SSD outputs (box encodings, class scores)");
            var boxes = _interpreter.GetOutputTensor(0); var scores = _interpreter.GetOutputTensor(1);
            if (boxes.Rank != 3 || boxes.Shape[2] < 4 || scores.Rank != 3 || scores.Shape[1] != boxes.Shape[1])
                throw new ArgumentException($"outputs {boxes} and {scores} are not raw SSD box encodings and class scores");
            if (o.Anchors == null)
            {
                var inShape = _interpreter.GetInputTensor(0).Shape;
                var preset = inShape.Length == 4 ? ObjectDetectorOptions.ForMediaPipe(boxes.Shape[1], inShape[1], inShape[2]) : null;
                if (preset != null)
                {
                    MediaPipeModel = true;
                    o = o with
                    {
                        Anchors = preset.Anchors, BoxScales = preset.BoxScales, MediaPipeBoxes = true, SkipClassZero = false,
                        KeypointCount = preset.KeypointCount, WeightedSuppression = true, IouThreshold = preset.IouThreshold,
                        Labels = o.Labels ?? preset.Labels, Fit = ImageFit.Letterbox, Sampling = DetectorSampling.MediaPipe,
                    };
                    if (options?.Normalization == null && metadata?.InputNormalization == null) normalization = preset.Normalization!;
                }
                else o = o with { Anchors = new SsdAnchorOptions() };
            }
            _o = o;
            Normalization = normalization;
            _labels = _o.Labels ?? metadata?.Labels;
            _anchors = _o.Anchors!.Generate();
            if (_anchors.Length != boxes.Shape[1]) throw new ArgumentException($"the anchor options give {_anchors.Length} anchors, the model has {boxes.Shape[1]}");
            if (_o.KeypointCount < 0 || 4 + 2 * _o.KeypointCount > boxes.Shape[2])
                throw new ArgumentException($"{_o.KeypointCount} keypoints do not fit in box encodings of {boxes.Shape[2]} values");
        }
        catch
        {
            _interpreter.Dispose();
            throw;
        }
    }

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>The model was recognised as one of MediaPipe's detectors and its preset applied.</summary>
    public bool MediaPipeModel { get; }

    /// <summary>The options in effect (after the automatic preset, if any).</summary>
    public ObjectDetectorOptions Options => _o;

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => _interpreter;

    /// <summary>Detects objects in <paramref name="image"/>; boxes are in its pixels (clipped to it), best first.</summary>
    public IReadOnlyList<Detection> Detect(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageTransform tf;
        if (_o.Sampling == DetectorSampling.MediaPipe)
        {
            var s = _interpreter.GetInputTensor(0).Shape;
            var region = RegionSampler.Letterbox(image.Width, image.Height, s.Length == 4 ? (float)s[2] / s[1] : 1f);
            RegionSampler.Fill(_interpreter.GetInputTensor(0), image, region, Normalization, CropBorder.Zero);
            float left = (region.Width - image.Width) / 2 / region.Width, top = (region.Height - image.Height) / 2 / region.Height;
            tf = new ImageTransform(left, top, image.Width / region.Width, image.Height / region.Height, image.Width, image.Height);
        }
        else tf = ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization, _o.Fit);
        _interpreter.Invoke();
        var found = _kept;
        found.Clear();
        if (_postProcessed)
        {
            var b = _interpreter.GetOutputTensor(0).ToFloatArray();
            var c = _interpreter.GetOutputTensor(1).ToFloatArray();
            var s = _interpreter.GetOutputTensor(2).ToFloatArray();
            int count = Math.Min((int)_interpreter.GetOutputTensor(3).ToFloatArray()[0], s.Length);
            for (int i = 0; i < count; i++)
                if (s[i] >= _o.ScoreThreshold) found.Add(new Candidate { Class = (int)c[i], Score = s[i], Y0 = b[i * 4], X0 = b[i * 4 + 1], Y1 = b[i * 4 + 2], X1 = b[i * 4 + 3] });
            found.Sort((p, q) => q.Score.CompareTo(p.Score));
        }
        else DecodeAndSuppress();
        var result = new List<Detection>(Math.Min(found.Count, _o.MaxResults));
        for (int n = 0; n < found.Count && n < _o.MaxResults; n++)
        {
            var d = found[n];
            var (x0, y0) = tf.ToImage(d.X0, d.Y0);
            var (x1, y1) = tf.ToImage(d.X1, d.Y1);
            (float, float)[]? kps = null;
            if (d.Keypoints != null)
            {
                kps = new (float, float)[d.Keypoints.Length / 2];
                for (int k = 0; k < kps.Length; k++) kps[k] = tf.ToImage(d.Keypoints[2 * k], d.Keypoints[2 * k + 1]);
            }
            result.Add(new Detection(d.Class, LabelOf(d.Class), d.Score,
                Math.Clamp(x0, 0, image.Width), Math.Clamp(y0, 0, image.Height), Math.Clamp(x1, 0, image.Width), Math.Clamp(y1, 0, image.Height))
            { Keypoints = kps });
        }
        return result;
    }

    private static ReadOnlySpan<float> Floats(Tensor t, ref float[]? buffer)
    {
        if (t.Type == TensorType.Float32) return t.AsSpan<float>();
        buffer = t.ToFloatArray();
        return buffer;
    }

    private void DecodeAndSuppress()
    {
        var enc = _interpreter.GetOutputTensor(0); var sc = _interpreter.GetOutputTensor(1);
        var e = Floats(enc, ref _encodings); var logits = Floats(sc, ref _logits);
        int a = _anchors!.Length, stride = enc.Shape[2], classes = sc.Shape[2], nk = _o.KeypointCount;
        var (ys, xs, hs, ws) = _o.BoxScales;
        // sigmoid(x) >= t  <=>  x >= logit(t): most anchors are rejected without an exp
        float t = Math.Clamp(_o.ScoreThreshold, 1e-7f, 1 - 1e-7f);
        float minLogit = MathF.Log(t / (1 - t));
        var candidates = _candidates;
        candidates.Clear();
        for (int i = 0; i < a; i++)
        {
            int firstClass = _o.SkipClassZero ? 1 : 0;
            bool any = false;
            for (int c = firstClass; c < classes; c++) if (logits[i * classes + c] >= minLogit) { any = true; break; }
            if (!any) continue;
            var an = _anchors[i];
            int b = i * stride;
            float yc, xc, h, w;
            if (_o.MediaPipeBoxes)
            {
                xc = e[b] / xs * an.W + an.X; yc = e[b + 1] / ys * an.H + an.Y;
                w = e[b + 2] / ws * an.W; h = e[b + 3] / hs * an.H;
            }
            else
            {
                yc = e[b] / ys * an.H + an.Y; xc = e[b + 1] / xs * an.W + an.X;
                h = MathF.Exp(e[b + 2] / hs) * an.H; w = MathF.Exp(e[b + 3] / ws) * an.W;
            }
            for (int c = firstClass; c < classes; c++)
            {
                // MediaPipe clips logits to ±100 (score_clipping_thresh) before the sigmoid
                float logit = Math.Clamp(logits[i * classes + c], -100f, 100f);
                if (logit < minLogit) continue;
                float s = 1f / (1f + MathF.Exp(-logit));
                float[]? kp = null;
                if (nk > 0)
                {
                    kp = new float[2 * nk];
                    for (int k = 0; k < nk; k++)
                    {
                        kp[2 * k] = e[b + 4 + 2 * k] / xs * an.W + an.X;
                        kp[2 * k + 1] = e[b + 5 + 2 * k] / ys * an.H + an.Y;
                    }
                }
                candidates.Add(new Candidate { Class = c, Score = s, Y0 = yc - h / 2, X0 = xc - w / 2, Y1 = yc + h / 2, X1 = xc + w / 2, Keypoints = kp });
            }
        }
        candidates.Sort((p, q) => q.Score.CompareTo(p.Score));
        var kept = _kept;
        kept.Clear();
        if (_o.WeightedSuppression) { WeightedSuppress(candidates, kept); return; }
        foreach (var d in candidates)
        {
            bool suppressed = false;
            foreach (var k in kept)
                if (k.Class == d.Class && Iou(k, d) > _o.IouThreshold) { suppressed = true; break; }
            if (!suppressed) kept.Add(d);
            if (kept.Count >= _o.MaxResults) break;
        }
    }

    // MediaPipe's NonMaxSuppressionCalculator, algorithm WEIGHTED: the best remaining box takes every remaining box
    // of its class overlapping it by more than the threshold; its coordinates (and keypoints) become their
    // score-weighted mean, its score stays the best one's.
    private void WeightedSuppress(List<Candidate> remaining, List<Candidate> kept)
    {
        var used = new bool[remaining.Count];
        for (int i = 0; i < remaining.Count && kept.Count < _o.MaxResults; i++)
        {
            if (used[i]) continue;
            var top = remaining[i];
            float sw = 0, y0 = 0, x0 = 0, y1 = 0, x1 = 0;
            float[]? kp = top.Keypoints == null ? null : new float[top.Keypoints.Length];
            for (int j = i; j < remaining.Count; j++)
            {
                if (used[j]) continue;
                var d = remaining[j];
                if (d.Class != top.Class || (j != i && Iou(top, d) <= _o.IouThreshold)) continue;
                used[j] = true;
                sw += d.Score; y0 += d.Y0 * d.Score; x0 += d.X0 * d.Score; y1 += d.Y1 * d.Score; x1 += d.X1 * d.Score;
                if (kp != null) for (int k = 0; k < kp.Length; k++) kp[k] += d.Keypoints![k] * d.Score;
            }
            if (kp != null) for (int k = 0; k < kp.Length; k++) kp[k] /= sw;
            kept.Add(new Candidate { Class = top.Class, Score = top.Score, Y0 = y0 / sw, X0 = x0 / sw, Y1 = y1 / sw, X1 = x1 / sw, Keypoints = kp });
        }
    }

    private static float Iou(in Candidate a, in Candidate b)
    {
        float ih = Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0)), iw = Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0));
        float inter = ih * iw, union = (a.Y1 - a.Y0) * (a.X1 - a.X0) + (b.Y1 - b.Y0) * (b.X1 - b.X0) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private string LabelOf(int c) => _labels != null && (uint)c < (uint)_labels.Count ? _labels[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
