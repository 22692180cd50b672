namespace EdgeLite.Vision;

/// <summary>How an image is fitted to a model's input size.</summary>
public enum ImageFit
{
    /// <summary>Resized to the input's width and height, aspect ratio not kept (TF OD API SSD, DeepLab, classifiers).</summary>
    Stretch,
    /// <summary>
    /// Scaled to fit inside the input keeping its aspect ratio, centred, the rest padded black (MediaPipe's
    /// keep-aspect-ratio conversion, TF Hub MoveNet's resize-with-pad).
    /// </summary>
    Letterbox,
}

/// <summary>
/// Where the image landed in the model's input: the content rectangle in normalised input coordinates ([0, 1] of the
/// input's width and height; the whole input when stretched). Maps model outputs back to the original photo.
/// </summary>
/// <param name="Left">Left edge of the image content, normalised to the input width.</param>
/// <param name="Top">Top edge of the image content, normalised to the input height.</param>
/// <param name="Width">Width of the image content, normalised to the input width.</param>
/// <param name="Height">Height of the image content, normalised to the input height.</param>
/// <param name="ImageWidth">Width of the original image in pixels.</param>
/// <param name="ImageHeight">Height of the original image in pixels.</param>
public readonly record struct ImageTransform(float Left, float Top, float Width, float Height, int ImageWidth, int ImageHeight)
{
    /// <summary>The identity of a stretched image of the given size.</summary>
    public static ImageTransform Stretched(int imageWidth, int imageHeight) => new(0, 0, 1, 1, imageWidth, imageHeight);

    /// <summary>A point in normalised input coordinates → pixels of the original image (not clamped).</summary>
    public (float X, float Y) ToImage(float x, float y) => ((x - Left) / Width * ImageWidth, (y - Top) / Height * ImageHeight);

    /// <summary>A point in normalised input coordinates → normalised coordinates of the original image ([0, 1] inside it).</summary>
    public (float X, float Y) ToImageNormalized(float x, float y) => ((x - Left) / Width, (y - Top) / Height);

    /// <summary>A pixel of the original image → normalised input coordinates.</summary>
    public (float X, float Y) FromImage(float x, float y) => (Left + x / ImageWidth * Width, Top + y / ImageHeight * Height);
}
