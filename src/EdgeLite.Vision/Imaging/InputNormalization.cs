namespace EdgeLite.Vision;

/// <summary>How float inputs are normalised: <c>(pixel - mean[c]) / std[c]</c> per channel (one value = all channels).</summary>
/// <param name="Mean">Per-channel means (1 or 3 values).</param>
/// <param name="Std">Per-channel standard deviations (1 or 3 values).</param>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    /// <summary>(x - 127.5) / 127.5: pixels to [-1, 1], the default of MobileNet-style models.</summary>
    public static InputNormalization MinusOneToOne { get; } = new([127.5f], [127.5f]);
    /// <summary>x / 255: pixels to [0, 1].</summary>
    public static InputNormalization ZeroToOne { get; } = new([0f], [255f]);
    /// <summary>Raw pixel values 0..255.</summary>
    public static InputNormalization Raw { get; } = new([0f], [1f]);
}
