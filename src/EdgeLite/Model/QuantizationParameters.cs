namespace EdgeLite;

/// <summary>
/// Affine quantization of a tensor: <c>real = scale * (q - zeroPoint)</c>. Per-tensor when
/// <see cref="Scales"/> has one entry, per-channel along <see cref="QuantizedDimension"/> otherwise.
/// </summary>
public sealed class QuantizationParameters
{
    /// <summary>Creates quantization parameters.</summary>
    public QuantizationParameters(float[] scales, long[] zeroPoints, int quantizedDimension)
    {
        Scales = scales;
        ZeroPoints = zeroPoints;
        QuantizedDimension = quantizedDimension;
    }

    /// <summary>Scales, one per tensor or one per channel.</summary>
    public IReadOnlyList<float> Scales { get; }

    /// <summary>Zero points, as many as <see cref="Scales"/>.</summary>
    public IReadOnlyList<long> ZeroPoints { get; }

    /// <summary>The axis of the per-channel quantization (meaningful when there is more than one scale).</summary>
    public int QuantizedDimension { get; }

    /// <summary>True when there is one scale per channel.</summary>
    public bool IsPerChannel => Scales.Count > 1;

    /// <summary>The per-tensor scale (the first scale).</summary>
    public float Scale => Scales.Count > 0 ? Scales[0] : 0f;

    /// <summary>The per-tensor zero point (the first zero point).</summary>
    public int ZeroPoint => ZeroPoints.Count > 0 ? (int)ZeroPoints[0] : 0;

    /// <inheritdoc />
    public override string ToString() => IsPerChannel
        ? $"per-channel x{Scales.Count} (axis {QuantizedDimension})"
        : $"q({Scale:G6}, {ZeroPoint})";
}
