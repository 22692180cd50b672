namespace EdgeLite.Vision;

/// <summary>Fills an image input tensor: resize to the input size, layout (NHWC or NCHW, RGB or gray), dtype conversion.</summary>
public static class ImageTensorWriter
{
    /// <summary>
    /// Resizes <paramref name="image"/> (bilinear) to the input's spatial size and writes it in the tensor's own dtype:
    /// uint8 pixels as they are; float32 as (x - mean) / std; int8 and other quantized types through the
    /// normalisation then the input's quantization.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not an image input ([1,H,W,C] or [1,C,H,W] with C = 1 or 3).</exception>
    public static void Fill(Tensor input, RgbImage image, InputNormalization normalization) => throw new NotImplementedException();
}
