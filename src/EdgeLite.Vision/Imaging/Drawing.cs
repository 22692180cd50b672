using SkiaSharp;

namespace EdgeLite.Vision;

/// <summary>
/// Draws task results on photos: detection boxes with labels, pose skeletons. Every method returns a new image and
/// leaves the input untouched; save it with <see cref="RgbImage.Save"/>.
/// </summary>
public static class Drawing
{
    /// <summary>The 16 limbs of the 17 COCO keypoints (MoveNet, PoseNet order), as pairs of keypoint indices.</summary>
    public static readonly IReadOnlyList<(int From, int To)> CocoSkeleton =
    [
        (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12), (11, 12),
        (11, 13), (13, 15), (12, 14), (14, 16),
    ];

    /// <summary>Boxes (colour per class) with "label score" captions, and the detector's keypoints as dots.</summary>
    public static RgbImage DrawDetections(RgbImage image, IEnumerable<Detection> detections) => DrawDetections(image, detections, null);

    /// <summary>
    /// As <see cref="DrawDetections(RgbImage, IEnumerable{Detection})"/>; with <paramref name="trackIds"/> (one per
    /// detection, in order) each box is coloured by its track and captioned "#id label score".
    /// </summary>
    public static RgbImage DrawDetections(RgbImage image, IEnumerable<Detection> detections, IReadOnlyList<int>? trackIds)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        using var bmp = image.ToBitmap();
        using (var canvas = new SKCanvas(bmp))
        {
            float stroke = Math.Max(2f, Math.Min(image.Width, image.Height) / 200f);
            using var font = CaptionFont(image);
            int n = 0;
            foreach (var d in detections)
            {
                int? id = trackIds != null && n < trackIds.Count ? trackIds[n] : null;
                n++;
                var color = ClassColor(id ?? d.Index);
                using var box = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
                canvas.DrawRect(SKRect.Create(d.Left, d.Top, d.Right - d.Left, d.Bottom - d.Top), box);
                if (d.Keypoints is { } kps)
                {
                    using var dot = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
                    foreach (var (x, y) in kps) canvas.DrawCircle(x, y, stroke * 1.5f, dot);
                }
                Caption(canvas, font, id is { } t ? $"#{t} {d.Label} {d.Score:0.00}" : $"{d.Label} {d.Score:0.00}", d.Left, d.Top, color);
            }
        }
        return RgbImage.FromBitmap(bmp);
    }

    /// <summary>
    /// Keypoints (pixels of <paramref name="image"/>) as dots and the limbs between them, for each pose; points and
    /// limbs below <paramref name="minScore"/> are left out.
    /// </summary>
    public static RgbImage DrawPoses(RgbImage image, IEnumerable<IReadOnlyList<(float X, float Y, float Score)>> poses,
        IReadOnlyList<(int From, int To)>? skeleton = null, float minScore = 0.2f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(poses);
        skeleton ??= CocoSkeleton;
        using var bmp = image.ToBitmap();
        using (var canvas = new SKCanvas(bmp))
        {
            float stroke = Math.Max(2f, Math.Min(image.Width, image.Height) / 150f);
            int p = 0;
            foreach (var pose in poses)
            {
                var color = ClassColor(p++);
                using var limb = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
                using var dot = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Fill, IsAntialias = true };
                using var ring = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = stroke / 2, IsAntialias = true };
                foreach (var (a, b) in skeleton)
                {
                    if ((uint)a >= (uint)pose.Count || (uint)b >= (uint)pose.Count) continue;
                    if (pose[a].Score < minScore || pose[b].Score < minScore) continue;
                    canvas.DrawLine(pose[a].X, pose[a].Y, pose[b].X, pose[b].Y, limb);
                }
                foreach (var k in pose)
                {
                    if (k.Score < minScore) continue;
                    canvas.DrawCircle(k.X, k.Y, stroke * 1.5f, dot);
                    canvas.DrawCircle(k.X, k.Y, stroke * 1.5f, ring);
                }
            }
        }
        return RgbImage.FromBitmap(bmp);
    }

    /// <summary>A distinct, saturated colour per class index (golden-ratio hue steps).</summary>
    public static SKColor ClassColor(int index)
    {
        float hue = (float)(((index * 0.618033988749895) % 1.0 + 1.0) % 1.0 * 360.0);
        return SKColor.FromHsv(hue, 85, 95);
    }

    /// <summary>The sans typeface captions use (a system font; its GlyphCount is 0 when none was found).</summary>
    internal static SKTypeface Typeface => CaptionTypeface.Value;

    private static SKFont CaptionFont(RgbImage image) => new(CaptionTypeface.Value, Math.Max(12f, Math.Min(image.Width, image.Height) / 30f));

    // SkiaSharp's dependency-free Linux build has no font manager: its default typeface has no glyphs. Then a sans
    // font is looked up in the usual font folders (DejaVu/Liberation/Noto on Linux, Arial on Windows and macOS).
    private static readonly Lazy<SKTypeface> CaptionTypeface = new(() =>
    {
        var typeface = SKTypeface.Default;
        if (typeface.GlyphCount > 0) return typeface;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] folders = ["/usr/share/fonts", "/usr/local/share/fonts", Path.Combine(home, ".fonts"), Path.Combine(home, ".local/share/fonts"),
            "/System/Library/Fonts", "/Library/Fonts", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.Windows), "Fonts")];
        string[] preferred = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "arial.ttf", "Arial.ttf", "Helvetica.ttc"];
        foreach (var name in preferred)
            foreach (var folder in folders)
            {
                if (!Directory.Exists(folder)) continue;
                string? file;
                try { file = Directory.EnumerateFiles(folder, name, SearchOption.AllDirectories).FirstOrDefault(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                if (file != null && SKTypeface.FromFile(file) is { GlyphCount: > 0 } found) return found;
            }
        return typeface;
    });

    // A filled label above the box's top-left corner (inside the image), white text on the class colour. Without a
    // usable system font (SkiaSharp's dependency-free Linux build may have none) only the box is drawn.
    private static void Caption(SKCanvas canvas, SKFont font, string text, float x, float y, SKColor color)
    {
        if (font.Typeface is null || font.Typeface.GlyphCount == 0) return;
        float w = font.MeasureText(text), h = font.Size * 1.25f;
        float top = y - h >= 0 ? y - h : y;
        using var bg = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
        canvas.DrawRect(SKRect.Create(x, top, w + font.Size * 0.5f, h), bg);
        using var fg = new SKPaint { Color = SKColors.White, IsAntialias = true };
        canvas.DrawText(text, x + font.Size * 0.25f, top + font.Size, SKTextAlign.Left, font, fg);
    }
}
