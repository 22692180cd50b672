namespace EdgeLite.Vision;

/// <summary>One detected object: class, score and box (pixels of the input image).</summary>
/// <param name="Index">Class index.</param>
/// <param name="Label">Label, or the index as text.</param>
/// <param name="Score">Score in [0, 1].</param>
/// <param name="Left">Left edge in pixels.</param>
/// <param name="Top">Top edge in pixels.</param>
/// <param name="Right">Right edge in pixels.</param>
/// <param name="Bottom">Bottom edge in pixels.</param>
public readonly record struct Detection(int Index, string Label, float Score, float Left, float Top, float Right, float Bottom);

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
    /// <summary>Anchors for raw SSD outputs (defaults: TF OD API SSD 300x300).</summary>
    public SsdAnchorOptions Anchors { get; init; } = new();
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
        BoxScales = (128, 128, 128, 128), MediaPipeBoxes = true, SkipClassZero = false, ScoreThreshold = scoreThreshold,
        IouThreshold = 0.3f, Labels = ["face"], Fit = ImageFit.Letterbox,
    };
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
/// (box encodings [1,A,4] as ty, tx, th, tw and class logits [1,A,C]) boxes are decoded against the anchors
/// (centre + t/scale · anchor size, size · exp(t/scale)), scores are sigmoids, and per-class non-maximum suppression
/// keeps the best.
/// </summary>
public sealed class ObjectDetector : IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly ObjectDetectorOptions _o;
    private readonly IReadOnlyList<string>? _labels;
    private readonly (float Y, float X, float H, float W)[]? _anchors;
    private readonly bool _postProcessed;

    /// <summary>Creates a detector (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The outputs are neither post-processed detections nor raw SSD outputs matching the anchors.</exception>
    public ObjectDetector(Model model, ObjectDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _o = options ?? new ObjectDetectorOptions();
        (_interpreter, var metadata, var normalization) = TaskModel.Open(model, _o.Threads, _o.Normalization);
        Normalization = normalization;
        _labels = _o.Labels ?? metadata?.Labels;
        if (_interpreter.OutputCount >= 4 && _interpreter.GetOutputTensor(0).Rank == 3 && _interpreter.GetOutputTensor(0).Shape[2] == 4
            && _interpreter.GetOutputTensor(3).ElementCount == 1)
        {
            _postProcessed = true;
            return;
        }
        if (_interpreter.OutputCount < 2) throw new ArgumentException("expects detection outputs (boxes, classes, scores, count) or raw SSD outputs (box encodings, class scores)");
        var boxes = _interpreter.GetOutputTensor(0); var scores = _interpreter.GetOutputTensor(1);
        if (boxes.Rank != 3 || boxes.Shape[2] < 4 || scores.Rank != 3 || scores.Shape[1] != boxes.Shape[1])
            throw new ArgumentException($"outputs {boxes} and {scores} are not raw SSD box encodings and class scores");
        _anchors = _o.Anchors.Generate();
        if (_anchors.Length != boxes.Shape[1]) throw new ArgumentException($"the anchor options give {_anchors.Length} anchors, the model has {boxes.Shape[1]}");
    }

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => _interpreter;

    /// <summary>Detects objects in <paramref name="image"/>; boxes are in its pixels (clipped to it), best first.</summary>
    public IReadOnlyList<Detection> Detect(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var tf = ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization, _o.Fit);
        _interpreter.Invoke();
        var found = new List<(int Class, float Score, float Y0, float X0, float Y1, float X1)>();
        if (_postProcessed)
        {
            var b = _interpreter.GetOutputTensor(0).ToFloatArray();
            var c = _interpreter.GetOutputTensor(1).ToFloatArray();
            var s = _interpreter.GetOutputTensor(2).ToFloatArray();
            int count = Math.Min((int)_interpreter.GetOutputTensor(3).ToFloatArray()[0], s.Length);
            for (int i = 0; i < count; i++)
                if (s[i] >= _o.ScoreThreshold) found.Add(((int)c[i], s[i], b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]));
        }
        else found = DecodeAndSuppress();
        var result = new List<Detection>();
        foreach (var d in found.OrderByDescending(d => d.Score).Take(_o.MaxResults))
        {
            var (x0, y0) = tf.ToImage(d.X0, d.Y0);
            var (x1, y1) = tf.ToImage(d.X1, d.Y1);
            result.Add(new Detection(d.Class, LabelOf(d.Class), d.Score,
                Math.Clamp(x0, 0, image.Width), Math.Clamp(y0, 0, image.Height), Math.Clamp(x1, 0, image.Width), Math.Clamp(y1, 0, image.Height)));
        }
        return result;
    }

    private List<(int, float, float, float, float, float)> DecodeAndSuppress()
    {
        var enc = _interpreter.GetOutputTensor(0); var sc = _interpreter.GetOutputTensor(1);
        var e = enc.ToFloatArray(); var logits = sc.ToFloatArray();
        int a = _anchors!.Length, stride = enc.Shape[2], classes = sc.Shape[2];
        var (ys, xs, hs, ws) = _o.BoxScales;
        var candidates = new List<(int Class, float Score, float Y0, float X0, float Y1, float X1)>();
        for (int i = 0; i < a; i++)
        {
            var an = _anchors[i];
            float yc, xc, h, w;
            if (_o.MediaPipeBoxes)
            {
                xc = e[i * stride] / xs * an.W + an.X; yc = e[i * stride + 1] / ys * an.H + an.Y;
                w = e[i * stride + 2] / ws * an.W; h = e[i * stride + 3] / hs * an.H;
            }
            else
            {
                yc = e[i * stride] / ys * an.H + an.Y; xc = e[i * stride + 1] / xs * an.W + an.X;
                h = MathF.Exp(e[i * stride + 2] / hs) * an.H; w = MathF.Exp(e[i * stride + 3] / ws) * an.W;
            }
            for (int c = _o.SkipClassZero ? 1 : 0; c < classes; c++)
            {
                float s = 1f / (1f + MathF.Exp(-logits[i * classes + c]));
                if (s >= _o.ScoreThreshold) candidates.Add((c, s, yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2));
            }
        }
        var kept = new List<(int, float, float, float, float, float)>();
        foreach (var d in candidates.OrderByDescending(d => d.Score))
        {
            bool suppressed = false;
            foreach (var k in kept)
                if (k.Item1 == d.Class && Iou(k.Item3, k.Item4, k.Item5, k.Item6, d.Y0, d.X0, d.Y1, d.X1) > _o.IouThreshold) { suppressed = true; break; }
            if (!suppressed) kept.Add(d);
            if (kept.Count >= _o.MaxResults) break;
        }
        return kept;
    }

    private static float Iou(float ay0, float ax0, float ay1, float ax1, float by0, float bx0, float by1, float bx1)
    {
        float ih = Math.Max(0, Math.Min(ay1, by1) - Math.Max(ay0, by0)), iw = Math.Max(0, Math.Min(ax1, bx1) - Math.Max(ax0, bx0));
        float inter = ih * iw, union = (ay1 - ay0) * (ax1 - ax0) + (by1 - by0) * (bx1 - bx0) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private string LabelOf(int c) => _labels != null && (uint)c < (uint)_labels.Count ? _labels[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
