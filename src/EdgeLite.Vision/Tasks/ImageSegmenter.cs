namespace EdgeLite.Vision;

/// <summary>Options of an <see cref="ImageSegmenter"/>.</summary>
public sealed class ImageSegmenterOptions
{
    /// <summary>Class labels (index = class); null = from the model's metadata, else none.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
    /// <summary>Float input normalization; null = from metadata, else [-1, 1].</summary>
    public InputNormalization? Normalization { get; init; }
    /// <summary>Interpreter threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>For single-channel probability outputs (person/background masks): the foreground threshold.</summary>
    public float Threshold { get; init; } = 0.5f;
    /// <summary>How the photo is fitted to the input (the class map is mapped back either way).</summary>
    public ImageFit Fit { get; init; } = ImageFit.Stretch;
}

/// <summary>One class present in a segmentation.</summary>
/// <param name="Index">Class index.</param>
/// <param name="Label">Label, or the index as text.</param>
/// <param name="Fraction">Share of the pixels, in [0, 1].</param>
public readonly record struct SegmentClass(int Index, string Label, double Fraction);

/// <summary>A per-pixel class map at the model's output resolution.</summary>
public sealed class SegmentationResult
{
    internal SegmentationResult(int width, int height, int[] classes, IReadOnlyList<string>? labels, ImageTransform? transform = null)
    {
        Width = width; Height = height; Classes = classes; Labels = labels;
        Transform = transform ?? ImageTransform.Stretched(width, height);
    }

    /// <summary>Where the photo lies in the class map (normalised), and the photo's size.</summary>
    public ImageTransform Transform { get; }

    /// <summary>Width of the class map.</summary>
    public int Width { get; }
    /// <summary>Height of the class map.</summary>
    public int Height { get; }
    /// <summary>Class of each pixel, row-major.</summary>
    public int[] Classes { get; }
    /// <summary>Labels in use, or null.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>
    /// The class map of the photo's area (without letterbox padding) resized (nearest neighbour) to
    /// <paramref name="width"/> x <paramref name="height"/>, e.g. the photo's size.
    /// </summary>
    public int[] Resize(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "size must be positive");
        var r = new int[checked(width * height)];
        var t = Transform;
        var xs = new int[width];
        for (int x = 0; x < width; x++) xs[x] = Math.Clamp((int)((t.Left + (x + 0.5) / width * t.Width) * Width), 0, Width - 1);
        for (int y = 0; y < height; y++)
        {
            int sy = Math.Clamp((int)((t.Top + (y + 0.5) / height * t.Height) * Height), 0, Height - 1);
            for (int x = 0; x < width; x++) r[y * width + x] = Classes[sy * Width + xs[x]];
        }
        return r;
    }

    /// <summary>The class map at the photo's own size (<see cref="Resize"/> to <see cref="Transform"/>'s image size).</summary>
    public int[] ToImageSize() => Resize(Transform.ImageWidth, Transform.ImageHeight);

    /// <summary>The classes present, largest share first.</summary>
    public IReadOnlyList<SegmentClass> ClassFractions()
    {
        // over the photo's area only (letterbox padding excluded)
        var map = IsWholeMap ? Classes : Resize(Width, Height);
        var counts = new Dictionary<int, int>();
        foreach (var c in map) counts[c] = counts.GetValueOrDefault(c) + 1;
        return counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
            .Select(kv => new SegmentClass(kv.Key, LabelOf(kv.Key), (double)kv.Value / map.Length)).ToList();
    }

    private bool IsWholeMap => Transform is { Left: 0, Top: 0, Width: 1, Height: 1 };

    /// <summary>
    /// The photo with the classes painted over it (PASCAL VOC colours blended at <paramref name="opacity"/>; class 0,
    /// the background, left as is).
    /// </summary>
    public RgbImage Overlay(RgbImage image, float opacity = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (opacity is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(opacity), "opacity must be in [0, 1]");
        var map = Resize(image.Width, image.Height);
        var src = image.Pixels;
        var px = new byte[src.Length];
        for (int i = 0; i < map.Length; i++)
        {
            int c = map[i];
            if (c == 0) { px[i * 3] = src[i * 3]; px[i * 3 + 1] = src[i * 3 + 1]; px[i * 3 + 2] = src[i * 3 + 2]; continue; }
            var (r, g, b) = Palette(c);
            px[i * 3] = (byte)MathF.Round(src[i * 3] * (1 - opacity) + r * opacity);
            px[i * 3 + 1] = (byte)MathF.Round(src[i * 3 + 1] * (1 - opacity) + g * opacity);
            px[i * 3 + 2] = (byte)MathF.Round(src[i * 3 + 2] * (1 - opacity) + b * opacity);
        }
        return new RgbImage(image.Width, image.Height, px);
    }

    private string LabelOf(int c) => Labels != null && (uint)c < (uint)Labels.Count ? Labels[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the class map as a colour PNG (PASCAL VOC palette; class 0 black) at <paramref name="width"/> x
    /// <paramref name="height"/> (default: the map's own size).
    /// </summary>
    public void SaveMask(string path, int width = 0, int height = 0)
    {
        if (width <= 0) width = Width;
        if (height <= 0) height = Height;
        var map = width == Width && height == Height && IsWholeMap ? Classes : Resize(width, height);
        var px = new byte[checked(width * height * 3)];
        for (int i = 0; i < map.Length; i++) (px[i * 3], px[i * 3 + 1], px[i * 3 + 2]) = Palette(map[i]);
        new RgbImage(width, height, px).Save(path);
    }

    /// <summary>The PASCAL VOC colour of a class (bits of the index spread over R, G, B from the high bit down).</summary>
    public static (byte R, byte G, byte B) Palette(int c)
    {
        int r = 0, g = 0, b = 0;
        for (int shift = 7; shift >= 0 && c > 0; shift--, c >>= 3)
        {
            r |= (c & 1) << shift; g |= ((c >> 1) & 1) << shift; b |= ((c >> 2) & 1) << shift;
        }
        return ((byte)r, (byte)g, (byte)b);
    }
}

/// <summary>
/// Semantic segmentation with a segmentation model: preprocess, invoke, per-pixel classes. Accepts models that end
/// in a class map ([1,H,W] int32/int64, as DeepLab's ARG_MAX), per-class scores ([1,H,W,C], arg-max taken here) or a
/// single foreground probability ([1,H,W,1], thresholded: MediaPipe selfie segmentation).
/// </summary>
public sealed class ImageSegmenter : IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly IReadOnlyList<string>? _labels;
    private readonly float _threshold;
    private readonly ImageFit _fit;

    /// <summary>Creates a segmenter (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The model's input is not an image or its output not a segmentation.</exception>
    public ImageSegmenter(Model model, ImageSegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ImageSegmenterOptions();
        (_interpreter, var metadata, var normalization) = TaskModel.Open(model, options.Threads, options.Normalization);
        Normalization = normalization;
        _labels = options.Labels ?? metadata?.Labels;
        _threshold = options.Threshold;
        _fit = options.Fit;
        var o = _interpreter.GetOutputTensor(0);
        bool map = o.Rank == 3 && o.Type is TensorType.Int32 or TensorType.Int64;
        bool scores = o.Rank == 4 && o.Type is TensorType.Float32 or TensorType.UInt8 or TensorType.Int8;
        if (!map && !scores) throw new ArgumentException($"output {o} is not a class map [1,H,W] or class scores [1,H,W,C]");
        // a single probability channel is a foreground mask: class 1 where it exceeds the threshold
        if (_labels == null && scores && o.Shape[3] == 1) _labels = ["background", "foreground"];
    }

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => _interpreter;

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>Segments one image.</summary>
    public SegmentationResult Segment(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var tf = ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization, _fit);
        _interpreter.Invoke();
        var o = _interpreter.GetOutputTensor(0);
        int h = o.Shape[1], w = o.Shape[2];
        var classes = new int[h * w];
        if (o.Rank == 3)
        {
            if (o.Type == TensorType.Int64) { var v = o.AsSpan<long>(); for (int i = 0; i < classes.Length; i++) classes[i] = (int)v[i]; }
            else o.AsSpan<int>().CopyTo(classes);
        }
        else
        {
            int c = o.Shape[3];
            var s = o.ToFloatArray(); // dequantized scores
            for (int i = 0; i < classes.Length; i++)
            {
                if (c == 1) { classes[i] = s[i] > _threshold ? 1 : 0; continue; }
                int best = 0;
                for (int k = 1; k < c; k++) if (s[i * c + k] > s[i * c + best]) best = k;
                classes[i] = best;
            }
        }
        return new SegmentationResult(w, h, classes, _labels, tf);
    }

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
