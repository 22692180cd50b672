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

    /// <summary>Decodes a JPEG, PNG, BMP, WebP (or any format SkiaSharp reads) file to RGB.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ImageFormatException">The file is not a decodable image.</exception>
    public static RgbImage Load(string path) => throw new NotImplementedException();

    /// <summary>Decodes encoded image bytes to RGB.</summary>
    /// <exception cref="ImageFormatException">The bytes are not a decodable image.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded) => throw new NotImplementedException();

    /// <summary>Resizes (bilinear, stretching to the new aspect ratio).</summary>
    public RgbImage Resize(int width, int height) => throw new NotImplementedException();
}
