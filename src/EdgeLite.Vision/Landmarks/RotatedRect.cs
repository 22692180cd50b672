namespace EdgeLite.Vision;

/// <summary>
/// A rectangle in image pixels rotated about its centre (MediaPipe's <c>NormalizedRect</c>, kept in pixels): the
/// region a landmark model is run on. <see cref="Rotation"/> is in radians, clockwise on screen (y points down).
/// </summary>
/// <param name="CenterX">Centre, pixels from the left edge.</param>
/// <param name="CenterY">Centre, pixels from the top edge.</param>
/// <param name="Width">Width in pixels (along the rotated x axis).</param>
/// <param name="Height">Height in pixels (along the rotated y axis).</param>
/// <param name="Rotation">Rotation in radians, in [-π, π).</param>
public readonly record struct RotatedRect(float CenterX, float CenterY, float Width, float Height, float Rotation)
{
    /// <summary>A point given as fractions of the rectangle (0..1 along its own axes) → image pixels.</summary>
    public (float X, float Y) ToImage(float u, float v)
    {
        float c = MathF.Cos(Rotation), s = MathF.Sin(Rotation);
        float du = (u - 0.5f) * Width, dv = (v - 0.5f) * Height;
        return (CenterX + c * du - s * dv, CenterY + s * du + c * dv);
    }

    /// <summary>An image pixel position → fractions of the rectangle (inverse of <see cref="ToImage"/>).</summary>
    public (float U, float V) FromImage(float x, float y)
    {
        float c = MathF.Cos(Rotation), s = MathF.Sin(Rotation);
        float dx = x - CenterX, dy = y - CenterY;
        return ((c * dx + s * dy) / Width + 0.5f, (-s * dx + c * dy) / Height + 0.5f);
    }

    /// <summary>The four corners in image pixels (top-left, top-right, bottom-right, bottom-left of the rotated frame).</summary>
    public (float X, float Y)[] Corners() => [ToImage(0, 0), ToImage(1, 0), ToImage(1, 1), ToImage(0, 1)];

    /// <summary>
    /// MediaPipe's RectTransformationCalculator: shift by fractions of the size along the rotated axes, optionally make
    /// it square on its long side, then scale.
    /// </summary>
    public RotatedRect Transform(float scaleX, float scaleY, float shiftX = 0, float shiftY = 0, bool squareLong = true)
    {
        float c = MathF.Cos(Rotation), s = MathF.Sin(Rotation);
        float dx = Width * shiftX, dy = Height * shiftY;
        float cx = CenterX + c * dx - s * dy, cy = CenterY + s * dx + c * dy;
        float w = Width, h = Height;
        if (squareLong) { float l = MathF.Max(w, h); w = l; h = l; }
        return new RotatedRect(cx, cy, w * scaleX, h * scaleY, Rotation);
    }

    /// <summary>Angle in [-π, π).</summary>
    public static float NormalizeRadians(float angle) => angle - 2 * MathF.PI * MathF.Floor((angle + MathF.PI) / (2 * MathF.PI));

    /// <summary>
    /// The rotation that turns the vector from (x0, y0) to (x1, y1) (image pixels) to <paramref name="targetAngle"/>
    /// (radians, counter-clockwise from +x with y up: π/2 = pointing up), as MediaPipe's DetectionsToRectsCalculator.
    /// </summary>
    public static float RotationOf(float x0, float y0, float x1, float y1, float targetAngle) =>
        NormalizeRadians(targetAngle - MathF.Atan2(-(y1 - y0), x1 - x0));

    /// <summary>
    /// MediaPipe's AlignmentPointsRectsCalculator: a square centred on the first point whose half side is the distance
    /// to the second, rotated so that the first → second vector points to <paramref name="targetAngle"/>.
    /// </summary>
    public static RotatedRect FromAlignmentPoints(float x0, float y0, float x1, float y1, float targetAngle)
    {
        float side = 2 * MathF.Sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));
        return new RotatedRect(x0, y0, side, side, RotationOf(x0, y0, x1, y1, targetAngle));
    }

    /// <summary>
    /// The tightest rectangle at <paramref name="rotation"/> around <paramref name="points"/> (image pixels), as
    /// MediaPipe's HandLandmarksToRectCalculator: the points are un-rotated about their axis-aligned centre, boxed,
    /// and the box centre is rotated back.
    /// </summary>
    public static RotatedRect Enclosing(ReadOnlySpan<(float X, float Y)> points, float rotation)
    {
        if (points.IsEmpty) throw new ArgumentException("no points", nameof(points));
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        foreach (var p in points) { minX = MathF.Min(minX, p.X); maxX = MathF.Max(maxX, p.X); minY = MathF.Min(minY, p.Y); maxY = MathF.Max(maxY, p.Y); }
        float ax = (minX + maxX) / 2, ay = (minY + maxY) / 2;
        float c = MathF.Cos(rotation), s = MathF.Sin(rotation);
        minX = float.MaxValue; minY = float.MaxValue; maxX = float.MinValue; maxY = float.MinValue;
        foreach (var p in points)
        {
            float dx = p.X - ax, dy = p.Y - ay;
            float rx = c * dx + s * dy, ry = -s * dx + c * dy;   // rotated by -rotation
            minX = MathF.Min(minX, rx); maxX = MathF.Max(maxX, rx); minY = MathF.Min(minY, ry); maxY = MathF.Max(maxY, ry);
        }
        float px = (minX + maxX) / 2, py = (minY + maxY) / 2;
        return new RotatedRect(ax + c * px - s * py, ay + s * px + c * py, maxX - minX, maxY - minY, rotation);
    }

    /// <summary>Intersection over union of the axis-aligned bounding boxes of two rectangles (for de-duplication).</summary>
    public static float BoundsIou(RotatedRect a, RotatedRect b)
    {
        var (ax0, ay0, ax1, ay1) = a.Bounds();
        var (bx0, by0, bx1, by1) = b.Bounds();
        float iw = MathF.Max(0, MathF.Min(ax1, bx1) - MathF.Max(ax0, bx0)), ih = MathF.Max(0, MathF.Min(ay1, by1) - MathF.Max(ay0, by0));
        float inter = iw * ih, union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /// <summary>Axis-aligned bounds (left, top, right, bottom) of the rotated rectangle.</summary>
    public (float Left, float Top, float Right, float Bottom) Bounds()
    {
        float c = MathF.Abs(MathF.Cos(Rotation)), s = MathF.Abs(MathF.Sin(Rotation));
        float hw = (c * Width + s * Height) / 2, hh = (s * Width + c * Height) / 2;
        return (CenterX - hw, CenterY - hh, CenterX + hw, CenterY + hh);
    }
}
