namespace EdgeLite.Optimize;

/// <summary>What post-training quantization produces.</summary>
public enum QuantizationMode
{
    /// <summary>Float weights stored as float16, widened by DEQUANTIZE (TFLite's float16 quantization): half the size, float compute.</summary>
    Float16,
    /// <summary>Full integer: int8 weights (per-channel symmetric) and int8 activations (asymmetric) from calibration.</summary>
    Int8,
    /// <summary>
    /// Dynamic range: the weights of CONV_2D and FULLY_CONNECTED with at least 1024 elements as symmetric int8 (per
    /// tensor, as TFLite's converter writes them), activations float; TFLite runs its hybrid kernels, EdgeLite widens the
    /// weights once at load. No calibration.
    /// </summary>
    Dynamic,
}

/// <summary>The type of the quantized model's inputs and outputs.</summary>
public enum ModelIoType
{
    /// <summary>float32 inputs and outputs (QUANTIZE after the inputs, DEQUANTIZE before the outputs).</summary>
    Float,
    /// <summary>int8 inputs and outputs with their quantization parameters.</summary>
    Int8,
    /// <summary>uint8 inputs and outputs (zero point + 128), converted to int8 inside.</summary>
    UInt8,
}

/// <summary>How an activation's range is chosen from what calibration saw.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest values seen (TFLite's default, for parity).</summary>
    MinMax,
    /// <summary>Clip to the <see cref="QuantizationOptions.Percentile"/> of the values on each side (ignores rare outliers).</summary>
    Percentile,
    /// <summary>The clipping range that minimizes the expected squared quantization error over the values' histogram.</summary>
    Mse,
}

/// <summary>Options of <see cref="Quantizer"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>What to produce.</summary>
    public QuantizationMode Mode { get; init; } = QuantizationMode.Int8;
    /// <summary>Type of the model's inputs and outputs (int8 mode).</summary>
    public ModelIoType Io { get; init; } = ModelIoType.Float;
    /// <summary>Range estimator for activations (int8 mode).</summary>
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.MinMax;
    /// <summary>Percentile kept on each side by <see cref="CalibrationMethod.Percentile"/> (99.99 = clip the outer 0.01%).</summary>
    public double Percentile { get; init; } = 99.99;
    /// <summary>Quantize FULLY_CONNECTED weights per output channel instead of per tensor.</summary>
    public bool PerChannelFullyConnected { get; init; }
    /// <summary>
    /// Operators to keep float (between DEQUANTIZE and QUANTIZE): operator indices of the main subgraph as strings
    /// ("12"), or names of their first output tensor.
    /// </summary>
    public IReadOnlyCollection<string> KeepFloat { get; init; } = [];
    /// <summary>
    /// Correct each convolution's and fully connected layer's int32 bias for the mean shift that rounding its weights
    /// causes in its output channels (with the input means measured on the calibration samples). On by default: on the
    /// evaluation photos it raised output SQNR on vww 24.6 → 29.4 dB (MSE: 29.8 → 35.0), ResNet-8 17.7 → 22.5, MobileNet v2
    /// 17.4 → 23.5 (top-1 agreement 75% → 100%), hello_world 33.2 → 35.5. Off: the plain TFLite recipe.
    /// </summary>
    public bool BiasCorrection { get; init; } = true;
    /// <summary>Interpreter threads for calibration.</summary>
    public int Threads { get; init; } = 1;
}
