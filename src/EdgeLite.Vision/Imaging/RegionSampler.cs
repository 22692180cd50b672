namespace EdgeLite.Vision;

/// <summary>What a crop samples outside the image.</summary>
public enum CropBorder
{
    /// <summary>Black (zero) pixels.</summary>
    Zero,
    /// <summary>The nearest edge pixel.</summary>
    Replicate,
}

/// <summary>
/// Writes a rotated region of an image straight into an image input tensor with bilinear sampling (MediaPipe's
/// ImageToTensorCalculator: an affine warp, no antialiasing): the rectangle's own x axis becomes the tensor's width.
/// No managed allocation.
/// </summary>
public static class RegionSampler
{
    /// <summary>
    /// Fills <paramref name="input"/> ([1,H,W,3] float32 or uint8) with <paramref name="region"/> of
    /// <paramref name="image"/>: float values are <c>(p - mean) / std</c> of the interpolated pixel, uint8 the rounded pixel.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a [1,H,W,3] float32 or uint8 image input, or the region is empty.</exception>
    public static void Fill(Tensor input, RgbImage image, RotatedRect region, InputNormalization normalization, CropBorder border = CropBorder.Zero)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(normalization);
        var s = input.Shape;
        if (s.Length != 4 || s[0] != 1 || s[3] != 3 || input.Type is not (TensorType.Float32 or TensorType.UInt8))
            throw new ArgumentException($"input {input} is not a [1,H,W,3] float32 or uint8 image tensor");
        if (!(region.Width > 0 && region.Height > 0) || !float.IsFinite(region.CenterX) || !float.IsFinite(region.CenterY) || !float.IsFinite(region.Rotation))
            throw new ArgumentException($"region {region} is empty or not finite");
        int h = s[1], w = s[2];
        float c = MathF.Cos(region.Rotation), sn = MathF.Sin(region.Rotation);
        // source position of tensor pixel (i, j): centre + R · ((i + 0.5)/w - 0.5) · W, ((j + 0.5)/h - 0.5) · H), minus
        // 0.5 to address pixel centres
        float ux = c * region.Width / w, uy = sn * region.Width / w;      // step per tensor column
        float vx = -sn * region.Height / h, vy = c * region.Height / h;   // step per tensor row
        float ox = region.CenterX - 0.5f + (0.5f - w / 2f) * ux + (0.5f - h / 2f) * vx;
        float oy = region.CenterY - 0.5f + (0.5f - w / 2f) * uy + (0.5f - h / 2f) * vy;
        var px = image.Pixels;
        int iw = image.Width, ih = image.Height;
        float m0 = normalization.Mean[0], m1 = normalization.Mean[Math.Min(1, normalization.Mean.Length - 1)], m2 = normalization.Mean[Math.Min(2, normalization.Mean.Length - 1)];
        float r0 = 1 / normalization.Std[0], r1 = 1 / normalization.Std[Math.Min(1, normalization.Std.Length - 1)], r2 = 1 / normalization.Std[Math.Min(2, normalization.Std.Length - 1)];
        bool isFloat = input.Type == TensorType.Float32;
        var fdst = isFloat ? input.AsSpan<float>() : default;
        var bdst = isFloat ? default : input.AsSpan<byte>();
        bool replicate = border == CropBorder.Replicate;
        for (int j = 0; j < h; j++)
        {
            float sx = ox + j * vx, sy = oy + j * vy;
            int o = j * w * 3;
            for (int i = 0; i < w; i++, sx += ux, sy += uy, o += 3)
            {
                float fx = MathF.Floor(sx), fy = MathF.Floor(sy);
                int x0 = (int)fx, y0 = (int)fy;
                float ax = sx - fx, ay = sy - fy;
                float p0, p1, p2;
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < iw && y0 + 1 < ih)
                {
                    int a = (y0 * iw + x0) * 3, b = a + 3, cc = a + iw * 3, d = cc + 3;
                    float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
                    p0 = px[a] * w00 + px[b] * w01 + px[cc] * w10 + px[d] * w11;
                    p1 = px[a + 1] * w00 + px[b + 1] * w01 + px[cc + 1] * w10 + px[d + 1] * w11;
                    p2 = px[a + 2] * w00 + px[b + 2] * w01 + px[cc + 2] * w10 + px[d + 2] * w11;
                }
                else
                {
                    p0 = p1 = p2 = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
                        float wk = ((k & 1) == 1 ? ax : 1 - ax) * ((k >> 1) == 1 ? ay : 1 - ay);
                        if (wk == 0) continue;
                        if (xx < 0 || yy < 0 || xx >= iw || yy >= ih)
                        {
                            if (!replicate) continue;
                            xx = Math.Clamp(xx, 0, iw - 1); yy = Math.Clamp(yy, 0, ih - 1);
                        }
                        int q = (yy * iw + xx) * 3;
                        p0 += px[q] * wk; p1 += px[q + 1] * wk; p2 += px[q + 2] * wk;
                    }
                }
                if (isFloat)
                {
                    fdst[o] = (p0 - m0) * r0; fdst[o + 1] = (p1 - m1) * r1; fdst[o + 2] = (p2 - m2) * r2;
                }
                else
                {
                    bdst[o] = (byte)Math.Clamp((int)(p0 + 0.5f), 0, 255);
                    bdst[o + 1] = (byte)Math.Clamp((int)(p1 + 0.5f), 0, 255);
                    bdst[o + 2] = (byte)Math.Clamp((int)(p2 + 0.5f), 0, 255);
                }
            }
        }
    }

    /// <summary>
    /// The region MediaPipe letterboxes a whole image into a square (or <paramref name="aspect"/> = width/height) input
    /// with: centred on the image, the image's long side fitted, padding outside.
    /// </summary>
    public static RotatedRect Letterbox(int imageWidth, int imageHeight, float aspect = 1f)
    {
        float w = imageWidth, h = imageHeight;
        if (w / h > aspect) h = w / aspect; else w = h * aspect;
        return new RotatedRect(imageWidth / 2f, imageHeight / 2f, w, h, 0);
    }
}
