namespace EdgeLite.Vision;

/// <summary>Fills an image input tensor: resize to the input size, layout (NHWC or NCHW, RGB or gray), dtype conversion.</summary>
public static class ImageTensorWriter
{
    /// <summary>
    /// Resizes <paramref name="image"/> (<see cref="RgbImage.Resize"/>: Lanczos-3 when shrinking, bilinear when enlarging) to the input's spatial size and writes it in the tensor's own dtype:
    /// uint8 pixels as they are; float32 as (x - mean) / std; int8 and other quantized types through the
    /// normalisation then the input's quantization.
    /// </summary>
    /// <param name="input">The image input tensor ([1,H,W,C] or [1,C,H,W], C = 1 or 3).</param>
    /// <param name="image">The photo.</param>
    /// <param name="normalization">Mean/std of float inputs (and of quantized inputs that are not raw pixels).</param>
    /// <param name="fit">Stretch to the input size, or letterbox (aspect ratio kept, padded black).</param>
    /// <returns>Where the image landed in the input, to map outputs back to the photo.</returns>
    /// <exception cref="ArgumentException">The tensor is not an image input ([1,H,W,C] or [1,C,H,W] with C = 1 or 3).</exception>
    public static ImageTransform Fill(Tensor input, RgbImage image, InputNormalization normalization, ImageFit fit = ImageFit.Stretch)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(normalization);
        var s = input.Shape;
        if (s.Length != 4 || s[0] != 1) throw new ArgumentException($"input {input} is not an image tensor ([1,H,W,C] or [1,C,H,W])");
        bool nchw = (s[1] is 1 or 3) && s[3] is not (1 or 3);
        int h = nchw ? s[2] : s[1], w = nchw ? s[3] : s[2], c = nchw ? s[1] : s[3];
        if (c is not (1 or 3)) throw new ArgumentException($"input {input} has {c} channels; images need 1 (gray) or 3 (RGB)");
        var (img, transform) = Fit(image, w, h, fit);
        var px = img.Pixels;
        var q = input.Quantization;
        float qscale = q?.Scale ?? 0f; int qzp = q?.ZeroPoint ?? 0;
        int n = h * w;
        for (int i = 0; i < n; i++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int v = c == 3 ? px[i * 3 + ch]
                    : (int)Math.Floor(0.299 * px[i * 3] + 0.587 * px[i * 3 + 1] + 0.114 * px[i * 3 + 2] + 0.5);
                int o = nchw ? ch * n + i : i * c + ch;
                float mean = normalization.Mean[Math.Min(ch, normalization.Mean.Length - 1)];
                float std = normalization.Std[Math.Min(ch, normalization.Std.Length - 1)];
                switch (input.Type)
                {
                    case TensorType.UInt8: input.AsSpan<byte>()[o] = (byte)v; break;
                    case TensorType.Float32: input.AsSpan<float>()[o] = (v - mean) / std; break;
                    case TensorType.Int8:
                    {
                        // int8 image inputs: the normalised value through the input's quantization; with
                        // InputNormalization.Raw (or no quantization) the pixel shifted by 128, as TFLite's tools feed them.
                        int qv = qscale > 0 && !ReferenceEquals(normalization, InputNormalization.Raw) ? (int)MathF.Round((v - mean) / std / qscale, MidpointRounding.AwayFromZero) + qzp : v - 128;
                        input.AsSpan<sbyte>()[o] = (sbyte)Math.Clamp(qv, -128, 127);
                        break;
                    }
                    default: throw new ArgumentException($"input {input}: image inputs of type {input.Type.ToDTypeName()} are not supported");
                }
            }
        }
        return transform;
    }

    /// <summary>
    /// The image at exactly <paramref name="width"/> x <paramref name="height"/>: stretched, or letterboxed (scaled by
    /// the smaller ratio, centred, padded black), with where its content lies.
    /// </summary>
    public static (RgbImage Image, ImageTransform Transform) Fit(RgbImage image, int width, int height, ImageFit fit)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "target size must be positive");
        if (fit == ImageFit.Stretch || image.Width * (long)height == image.Height * (long)width)
            return (image.Width == width && image.Height == height ? image : image.Resize(width, height), ImageTransform.Stretched(image.Width, image.Height));
        if (fit != ImageFit.Letterbox) throw new ArgumentOutOfRangeException(nameof(fit), fit, "unknown fit");
        double scale = Math.Min((double)width / image.Width, (double)height / image.Height);
        int cw = Math.Clamp((int)Math.Round(image.Width * scale), 1, width), ch = Math.Clamp((int)Math.Round(image.Height * scale), 1, height);
        int left = (width - cw) / 2, top = (height - ch) / 2;
        var content = cw == image.Width && ch == image.Height ? image : image.Resize(cw, ch);
        var px = new byte[checked(width * height * 3)];
        for (int y = 0; y < ch; y++)
            content.Pixels.AsSpan(y * cw * 3, cw * 3).CopyTo(px.AsSpan(((top + y) * width + left) * 3));
        return (new RgbImage(width, height, px),
            new ImageTransform((float)left / width, (float)top / height, (float)cw / width, (float)ch / height, image.Width, image.Height));
    }
}
