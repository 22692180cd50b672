namespace EdgeLite.Vision;

/// <summary>The image could not be read or decoded (missing, truncated, unsupported format).</summary>
public class ImageFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ImageFormatException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An 8-bit RGB image, pixels interleaved row-major (R, G, B per pixel).</summary>
public sealed class RgbImage
{
    /// <summary>Wraps RGB bytes (length must be width * height * 3).</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "image dimensions must be positive");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3)) throw new ArgumentException($"expected {width * height * 3} bytes of RGB, got {pixels.Length}");
        Width = width; Height = height; Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>RGB bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// Size of the whole image as displayed (after EXIF orientation) when it was decoded at reduced scale (see
    /// <see cref="ImageLoadOptions.MinWidth"/>); otherwise <see cref="Width"/>.
    /// </summary>
    public int FullWidth { get => _fullWidth > 0 ? _fullWidth : Width; init => _fullWidth = value; }
    /// <summary>See <see cref="FullWidth"/>.</summary>
    public int FullHeight { get => _fullHeight > 0 ? _fullHeight : Height; init => _fullHeight = value; }
    private readonly int _fullWidth, _fullHeight;

    /// <summary>
    /// Decodes a JPEG, PNG, BMP, WebP, GIF (or any format SkiaSharp reads) file to RGB, within the limits of
    /// <paramref name="options"/> (default <see cref="ImageLoadOptions.Default"/>), with its EXIF orientation applied.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ImageFormatException">The file is not a decodable image, or it exceeds a limit (named in the message).</exception>
    public static RgbImage Load(string path, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= ImageLoadOptions.Default;
        options.Validate();
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        byte[] bytes;
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = f.Length;
            if (length > options.MaxEncodedBytes)
                throw new ImageFormatException($"{path}: the file has {length} bytes, more than the limit of {options.MaxEncodedBytes} (ImageLoadOptions.MaxEncodedBytes)");
            bytes = new byte[length];
            f.ReadExactly(bytes);
        }
        catch (IOException e) { throw new ImageFormatException($"cannot read image {path}: {e.Message}", e); }
        try { return Decode(bytes, options); }
        catch (ImageFormatException e) { throw new ImageFormatException($"{path}: {e.Message}", e); }
    }

    /// <summary>Decodes encoded image bytes to RGB, within the limits of <paramref name="options"/> (see <see cref="Load"/>).</summary>
    /// <exception cref="ImageFormatException">The bytes are not a decodable image, or they exceed a limit (named in the message).</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        options.Validate();
        if (encoded.IsEmpty) throw new ImageFormatException("empty image data");
        if (encoded.Length > options.MaxEncodedBytes)
            throw new ImageFormatException($"the image data has {encoded.Length} bytes, more than the limit of {options.MaxEncodedBytes} (ImageLoadOptions.MaxEncodedBytes)");
        using var data = SkiaSharp.SKData.CreateCopy(encoded);
        using var codec = SkiaSharp.SKCodec.Create(data);
        if (codec == null) throw new ImageFormatException("not a decodable image (JPEG, PNG, BMP, WebP or GIF expected)");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0) throw new ImageFormatException($"image dimensions {info.Width}x{info.Height} are invalid");
        var origin = options.ApplyOrientation ? codec.EncodedOrigin : SkiaSharp.SKEncodedOrigin.TopLeft;
        bool transposed = origin is SkiaSharp.SKEncodedOrigin.LeftTop or SkiaSharp.SKEncodedOrigin.RightTop
            or SkiaSharp.SKEncodedOrigin.RightBottom or SkiaSharp.SKEncodedOrigin.LeftBottom;

        // Reduced-scale decoding: the smallest scale the codec offers that still covers the size asked for.
        int w = info.Width, h = info.Height;
        int minW = transposed ? options.MinHeight : options.MinWidth, minH = transposed ? options.MinWidth : options.MinHeight;
        if (minW > 0 && minH > 0 && (minW < w || minH < h))
        {
            // GetScaledDimensions rounds to the nearest scale it has (JPEG: k/8), which may fall short: try the exact
            // scale and every eighth, keep the smallest that covers the size wanted.
            float desired = Math.Min(1f, Math.Max((float)minW / w, (float)minH / h));
            long best = (long)w * h;
            (int W, int H) pick = (w, h);
            foreach (float scale in new[] { desired, 1 / 8f, 2 / 8f, 3 / 8f, 4 / 8f, 5 / 8f, 6 / 8f, 7 / 8f })
            {
                if (scale < desired) continue;
                var d = codec.GetScaledDimensions(scale);
                if (d.Width >= minW && d.Height >= minH && d.Width <= w && d.Height <= h && (long)d.Width * d.Height < best)
                    (best, pick) = ((long)d.Width * d.Height, (d.Width, d.Height));
            }
            (w, h) = pick;
        }
        long pixels = (long)w * h;
        if (pixels > options.MaxPixels)
            throw new ImageFormatException($"image of {info.Width}x{info.Height}{(w != info.Width ? $" (decoded at {w}x{h})" : "")} has more than the limit of {options.MaxPixels} pixels (ImageLoadOptions.MaxPixels; edgelite --max-image-pixels)");
        long memory = encoded.Length + pixels * ImageLoadOptions.DecodeBytesPerPixel;
        if (memory > options.MaxDecodeMemoryBytes)
            throw new ImageFormatException($"decoding the {info.Width}x{info.Height} image needs about {memory >> 20} MiB, more than the limit of {options.MaxDecodeMemoryBytes >> 20} MiB (ImageLoadOptions.MaxDecodeMemoryBytes)");

        var target = new SkiaSharp.SKImageInfo(w, h, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul);
        using var bitmap = new SkiaSharp.SKBitmap();
        if (!bitmap.TryAllocPixels(target)) throw new ImageFormatException($"cannot allocate {w}x{h} pixels");
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result == SkiaSharp.SKCodecResult.InvalidScale && (w, h) != (info.Width, info.Height))
            throw new ImageFormatException($"the decoder refused its own reduced scale {w}x{h}");
        if (result == SkiaSharp.SKCodecResult.IncompleteInput)
            throw new ImageFormatException("image data is truncated");
        if (result != SkiaSharp.SKCodecResult.Success)
            throw new ImageFormatException($"image could not be decoded ({result})");
        var rgb = ToOrientedRgb(bitmap.GetPixelSpan(), w, h, origin, out int ow, out int oh);
        int fullW = transposed ? info.Height : info.Width, fullH = transposed ? info.Width : info.Height;
        return new RgbImage(ow, oh, rgb) { FullWidth = fullW, FullHeight = fullH };
    }

    /// <summary>
    /// RGBA (unpremultiplied) to RGB with alpha composited over black (c · a / 255), turned to the EXIF orientation:
    /// each displayed pixel (x, y) is read from the stored pixel the orientation maps it to.
    /// </summary>
    private static byte[] ToOrientedRgb(ReadOnlySpan<byte> rgba, int w, int h, SkiaSharp.SKEncodedOrigin origin, out int outW, out int outH)
    {
        bool transposed = origin is SkiaSharp.SKEncodedOrigin.LeftTop or SkiaSharp.SKEncodedOrigin.RightTop
            or SkiaSharp.SKEncodedOrigin.RightBottom or SkiaSharp.SKEncodedOrigin.LeftBottom;
        outW = transposed ? h : w; outH = transposed ? w : h;
        var rgb = new byte[checked(outW * outH * 3)];
        int j = 0;
        if (origin == SkiaSharp.SKEncodedOrigin.TopLeft)
        {
            for (int i = 0; j < rgb.Length; i += 4, j += 3) Pixel(rgba, i, rgb, j);
            return rgb;
        }
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++, j += 3)
            {
                var (sx, sy) = origin switch
                {
                    SkiaSharp.SKEncodedOrigin.TopRight => (w - 1 - x, y),          // mirrored left-right
                    SkiaSharp.SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y), // rotated 180°
                    SkiaSharp.SKEncodedOrigin.BottomLeft => (x, h - 1 - y),        // mirrored top-bottom
                    SkiaSharp.SKEncodedOrigin.LeftTop => (y, x),                   // transposed
                    SkiaSharp.SKEncodedOrigin.RightTop => (y, h - 1 - x),          // shown rotated 90° clockwise
                    SkiaSharp.SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x), // transverse
                    SkiaSharp.SKEncodedOrigin.LeftBottom => (w - 1 - y, x),        // shown rotated 90° counter-clockwise
                    _ => (x, y),
                };
                Pixel(rgba, (sy * w + sx) * 4, rgb, j);
            }
        return rgb;
    }

    // One RGBA pixel to RGB, composited over black (alpha premultiplied, rounded).
    private static void Pixel(ReadOnlySpan<byte> rgba, int i, Span<byte> rgb, int j)
    {
        byte a = rgba[i + 3];
        if (a == 255) { rgb[j] = rgba[i]; rgb[j + 1] = rgba[i + 1]; rgb[j + 2] = rgba[i + 2]; return; }
        rgb[j] = (byte)((rgba[i] * a + 127) / 255);
        rgb[j + 1] = (byte)((rgba[i + 1] * a + 127) / 255);
        rgb[j + 2] = (byte)((rgba[i + 2] * a + 127) / 255);
    }

    /// <summary>Separable Lanczos-3 resize; the filter support grows with the shrink factor (antialiasing).</summary>
    public RgbImage ResizeLanczos(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "target size must be positive");
        // horizontal pass: [Height][width][3] doubles, then vertical: [height][width][3]
        var (hIdx, hW, hN) = Weights(Width, width);
        var (vIdx, vW, vN) = Weights(Height, height);
        var tmp = new double[Height * width * 3];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0;
                    for (int k = 0; k < hN; k++) v += hW[x * hN + k] * Pixels[(y * Width + hIdx[x * hN + k]) * 3 + c];
                    tmp[(y * width + x) * 3 + c] = v;
                }
        var dst = new byte[checked(width * height * 3)];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0;
                    for (int k = 0; k < vN; k++) v += vW[y * vN + k] * tmp[(vIdx[y * vN + k] * width + x) * 3 + c];
                    dst[(y * width + x) * 3 + c] = (byte)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
                }
        return new RgbImage(width, height, dst);
    }

    // Per output position: taps (source indices, clamped) and normalised weights of a Lanczos-3 filter.
    private static (int[] Index, double[] Weight, int Taps) Weights(int inSize, int outSize)
    {
        double factor = (double)outSize / inSize;
        double scale = Math.Min(factor, 1.0);              // filter stretch when shrinking
        double support = 3.0 / scale;
        int taps = (int)Math.Ceiling(2 * support) + 1;
        var index = new int[outSize * taps];
        var weight = new double[outSize * taps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) / factor;
            int start = (int)Math.Floor(center - support + 0.5);
            double sum = 0;
            for (int k = 0; k < taps; k++)
            {
                int n = start + k;
                double w = Lanczos3((n + 0.5 - center) * scale);
                index[o * taps + k] = Math.Clamp(n, 0, inSize - 1);
                weight[o * taps + k] = w;
                sum += w;
            }
            if (sum != 0) for (int k = 0; k < taps; k++) weight[o * taps + k] /= sum;
        }
        return (index, weight, taps);
    }

    private static double Lanczos3(double x)
    {
        x = Math.Abs(x);
        if (x < 1e-12) return 1;
        if (x >= 3) return 0;
        double px = Math.PI * x;
        return 3 * Math.Sin(px) * Math.Sin(px / 3) / (px * px);
    }

    /// <summary>
    /// Encodes the image to <paramref name="path"/>: PNG, or JPEG / WebP (quality 90) when the extension says so.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var format = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jpg" or ".jpeg" => SkiaSharp.SKEncodedImageFormat.Jpeg,
            ".webp" => SkiaSharp.SKEncodedImageFormat.Webp,
            _ => SkiaSharp.SKEncodedImageFormat.Png,
        };
        using var bmp = ToBitmap();
        using var data = bmp.Encode(format, 90) ?? throw new IOException($"could not encode {path}");
        using var f = File.Create(path);
        data.SaveTo(f);
    }

    /// <summary>An opaque RGBA SkiaSharp bitmap with these pixels (the caller disposes it).</summary>
    internal SkiaSharp.SKBitmap ToBitmap()
    {
        var bmp = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(Width, Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque));
        unsafe
        {
            var span = new Span<byte>((void*)bmp.GetPixels(), bmp.ByteCount);
            for (int i = 0, j = 0; j < Pixels.Length; i += 4, j += 3)
            {
                span[i] = Pixels[j]; span[i + 1] = Pixels[j + 1]; span[i + 2] = Pixels[j + 2]; span[i + 3] = 255;
            }
        }
        return bmp;
    }

    /// <summary>The pixels of an RGBA bitmap (alpha ignored).</summary>
    internal static RgbImage FromBitmap(SkiaSharp.SKBitmap bmp)
    {
        if (bmp.ColorType != SkiaSharp.SKColorType.Rgba8888) throw new ArgumentException("RGBA 8888 bitmap expected");
        var src = bmp.GetPixelSpan();
        var rgb = new byte[bmp.Width * bmp.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3) { rgb[j] = src[i]; rgb[j + 1] = src[i + 1]; rgb[j + 2] = src[i + 2]; }
        return new RgbImage(bmp.Width, bmp.Height, rgb);
    }

    /// <summary>Default largest decoded image, in pixels (checked from the header before decoding); set limits with <see cref="ImageLoadOptions"/>.</summary>
    public const long MaxPixels = ImageLoadOptions.DefaultMaxPixels;

    /// <summary>Resizes (bilinear, stretching to the new aspect ratio).</summary>
    public RgbImage Resize(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "target size must be positive");
        if (width == Width && height == Height) return new RgbImage(width, height, (byte[])Pixels.Clone());
        // Shrinking: a Lanczos-3 filter widened by the scale factor (antialiased, as ImageMagick's -resize and photo
        // tools do), so that detail is averaged rather than skipped. Enlarging: bilinear with half-pixel centres.
        if (width < Width || height < Height) return ResizeLanczos(width, height);
        return ResizeBilinear(width, height);
    }

    /// <summary>Bilinear resize with half-pixel centres (TFLite's and the reference tool's formula), in double precision.</summary>
    public RgbImage ResizeBilinear(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "target size must be positive");
        var dst = new byte[checked(width * height * 3)];
        int inW = Width, inH = Height;
        var xs0 = new int[width]; var xs1 = new int[width]; var fxs = new double[width];
        for (int x = 0; x < width; x++)
        {
            double sx = Math.Max(0.0, (x + 0.5) * inW / width - 0.5);
            int x0 = (int)Math.Floor(sx);
            if (x0 > inW - 1) x0 = inW - 1;
            xs0[x] = x0; xs1[x] = Math.Min(x0 + 1, inW - 1); fxs[x] = sx - x0;
        }
        for (int y = 0; y < height; y++)
        {
            double sy = Math.Max(0.0, (y + 0.5) * inH / height - 0.5);
            int y0 = (int)Math.Floor(sy);
            if (y0 > inH - 1) y0 = inH - 1;
            int y1 = Math.Min(y0 + 1, inH - 1);
            double fy = sy - y0;
            for (int x = 0; x < width; x++)
            {
                double fx = fxs[x];
                int p00 = (y0 * inW + xs0[x]) * 3, p01 = (y0 * inW + xs1[x]) * 3, p10 = (y1 * inW + xs0[x]) * 3, p11 = (y1 * inW + xs1[x]) * 3;
                int o = (y * width + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    double v = (Pixels[p00 + c] * (1 - fx) + Pixels[p01 + c] * fx) * (1 - fy) + (Pixels[p10 + c] * (1 - fx) + Pixels[p11 + c] * fx) * fy;
                    dst[o + c] = (byte)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
                }
            }
        }
        return new RgbImage(width, height, dst);
    }
}
