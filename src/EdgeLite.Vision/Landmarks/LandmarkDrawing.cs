using SkiaSharp;

namespace EdgeLite.Vision;

/// <summary>Draws landmarker results: points and the connections between them (MediaPipe's hand and pose topologies).</summary>
public static class LandmarkDrawing
{
    /// <summary>The 21 connections of MediaPipe's hand landmarks (wrist, then four joints per finger from the thumb).</summary>
    public static readonly IReadOnlyList<(int From, int To)> HandConnections =
    [
        (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11), (11, 12),
        (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
    ];

    /// <summary>The 35 connections of MediaPipe's 33 pose landmarks.</summary>
    public static readonly IReadOnlyList<(int From, int To)> PoseConnections =
    [
        (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13), (13, 15),
        (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20), (11, 23),
        (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
    ];

    /// <summary>The connections of <paramref name="kind"/> (faces: none, the 468 points are drawn alone).</summary>
    public static IReadOnlyList<(int From, int To)> Connections(LandmarkerKind kind) => kind switch
    {
        LandmarkerKind.Hand => HandConnections,
        LandmarkerKind.Pose => PoseConnections,
        _ => [],
    };

    /// <summary>
    /// Each result's landmarks and connections (colour per <see cref="LandmarkResult.Id"/>), its crop region as a thin
    /// outline, and for hands the handedness label. Pose points with visibility under <paramref name="minVisibility"/> are left out.
    /// </summary>
    public static RgbImage Draw(RgbImage image, IEnumerable<LandmarkResult> results, LandmarkerKind kind, float minVisibility = 0.5f, bool regions = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(results);
        var connections = Connections(kind);
        using var bmp = image.ToBitmap();
        using (var canvas = new SKCanvas(bmp))
        {
            float stroke = Math.Max(1.5f, Math.Min(image.Width, image.Height) / 250f);
            foreach (var r in results)
            {
                var color = Drawing.ClassColor(r.Id);
                var pts = r.Landmarks;
                if (regions)
                {
                    using var outline = new SKPaint { Color = color.WithAlpha(160), Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = true };
                    var c = r.Region.Corners();
                    for (int i = 0; i < 4; i++) canvas.DrawLine(c[i].X, c[i].Y, c[(i + 1) % 4].X, c[(i + 1) % 4].Y, outline);
                }
                using var line = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
                foreach (var (a, b) in connections)
                {
                    if (pts[a].Visibility < minVisibility || pts[b].Visibility < minVisibility) continue;
                    canvas.DrawLine(pts[a].X, pts[a].Y, pts[b].X, pts[b].Y, line);
                }
                using var dot = new SKPaint { Color = kind == LandmarkerKind.Face ? color : SKColors.White, Style = SKPaintStyle.Fill, IsAntialias = true };
                float radius = kind == LandmarkerKind.Face ? Math.Max(1f, stroke * 0.6f) : stroke * 1.4f;
                foreach (var p in pts)
                    if (p.Visibility >= minVisibility) canvas.DrawCircle(p.X, p.Y, radius, dot);
            }
        }
        return RgbImage.FromBitmap(bmp);
    }

    /// <summary>The mask (probabilities, row-major, image size) blended over the image in the colour (r, g, b) at half strength.</summary>
    public static RgbImage OverlayMask(RgbImage image, ReadOnlySpan<float> mask, byte r = 0, byte g = 200, byte b = 255)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (mask.Length != image.Width * image.Height) throw new ArgumentException($"mask has {mask.Length} values, the image {image.Width * image.Height} pixels");
        var px = (byte[])image.Pixels.Clone();
        for (int i = 0; i < mask.Length; i++)
        {
            float a = Math.Clamp(mask[i], 0, 1) * 0.5f;
            px[i * 3] = (byte)(px[i * 3] * (1 - a) + r * a);
            px[i * 3 + 1] = (byte)(px[i * 3 + 1] * (1 - a) + g * a);
            px[i * 3 + 2] = (byte)(px[i * 3 + 2] * (1 - a) + b * a);
        }
        return new RgbImage(image.Width, image.Height, px);
    }
}
