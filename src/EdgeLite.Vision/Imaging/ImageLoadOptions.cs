namespace EdgeLite.Vision;

/// <summary>
/// Limits and hints for decoding an image from an untrusted source (<see cref="RgbImage.Load(string, ImageLoadOptions?)"/>,
/// <see cref="RgbImage.Decode(ReadOnlySpan{byte}, ImageLoadOptions?)"/>). Every limit is checked from the file size and
/// the image header before any pixel memory is allocated, so a small "decompression bomb" (a 285 KB PNG of
/// 10000x10000) is refused at once. The defaults fit a 1 GB device (Raspberry Pi 3/4): at most 16.7 megapixels decoded
/// (a 12 MP phone photo is 4032x3024) and 256 MiB for the decoder's buffers.
/// </summary>
public sealed record ImageLoadOptions
{
    /// <summary>Default <see cref="MaxPixels"/>: 4096 × 4096.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;
    /// <summary>Default <see cref="MaxEncodedBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxEncodedBytes = 64L << 20;
    /// <summary>Default <see cref="MaxDecodeMemoryBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxDecodeMemoryBytes = 256L << 20;
    /// <summary>Bytes per decoded pixel counted against <see cref="MaxDecodeMemoryBytes"/>: the RGBA bitmap the decoder fills (4), the RGB result (3) and one for the decoder's own rows.</summary>
    public const int DecodeBytesPerPixel = 8;

    /// <summary>The defaults.</summary>
    public static ImageLoadOptions Default { get; } = new();

    /// <summary>Most pixels (width × height) decoded, after any reduced-scale decoding (see <see cref="MinWidth"/>).</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>Largest encoded file (or byte span) accepted.</summary>
    public long MaxEncodedBytes { get; init; } = DefaultMaxEncodedBytes;

    /// <summary>
    /// Most memory for one decode: the encoded bytes plus <see cref="DecodeBytesPerPixel"/> per decoded pixel (estimated
    /// from the header before decoding).
    /// </summary>
    public long MaxDecodeMemoryBytes { get; init; } = DefaultMaxDecodeMemoryBytes;

    /// <summary>
    /// When positive (with <see cref="MinHeight"/>): the size the image is needed at, typically the model's input. Formats
    /// that decode at reduced scale (JPEG: 1/8 to 7/8 through the DCT; WebP) are then decoded at the smallest scale whose
    /// size is still at least MinWidth × MinHeight (after orientation), which is much faster and smaller for big photos;
    /// <see cref="RgbImage.FullWidth"/>/<see cref="RgbImage.FullHeight"/> keep the full size so that pixel coordinates
    /// can be mapped back. 0 = always decode at full size.
    /// </summary>
    public int MinWidth { get; init; }

    /// <summary>See <see cref="MinWidth"/>.</summary>
    public int MinHeight { get; init; }

    /// <summary>Apply the EXIF orientation of the file (camera photos taken upright but stored sideways), as viewers do. Default true.</summary>
    public bool ApplyOrientation { get; init; } = true;

    internal void Validate()
    {
        if (MaxPixels <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPixels), "must be positive");
        if (MaxEncodedBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxEncodedBytes), "must be positive");
        if (MaxDecodeMemoryBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxDecodeMemoryBytes), "must be positive");
        if (MinWidth < 0 || MinHeight < 0) throw new ArgumentOutOfRangeException(nameof(MinWidth), "must not be negative");
    }
}
