using EdgeLite.Quantization;

namespace EdgeLite.Kernels.Common;

/// <summary>The arithmetic a conv-like kernel runs in.</summary>
internal enum ConvKind
{
    /// <summary>float32 in, weights, bias and out.</summary>
    Float32,
    /// <summary>uint8 asymmetric in/weights/out, int32 bias, per-tensor (or per-channel) weight scale.</summary>
    UInt8,
    /// <summary>int8 in/out, int8 symmetric (usually per-channel) weights, int32 bias.</summary>
    Int8,
}

/// <summary>
/// Shared Prepare of conv-like ops (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): type checks, the per-channel
/// requantization (TFLite's PopulateConvolutionQuantizationParams) and activation clamps.
/// </summary>
internal sealed class ConvQuantization
{
    public ConvKind Kind;
    public int InputZeroPoint, OutputZeroPoint;
    /// <summary>Per output channel weight zero point (uint8; 0 for int8).</summary>
    public int[] WeightZeroPoints = [];
    public int QMin, QMax;
    public float FMin, FMax;
    /// <summary>Bias per output channel (int32 for quantized, as float bits converted for float).</summary>
    public int[] Bias = [];
    public float[] FloatBias = [];

    /// <summary>
    /// Checks the input/filter/bias/output types and computes the output stage. <paramref name="channelAxis"/> is the
    /// filter dimension that indexes output channels (0 for conv and FC, 3 for depthwise).
    /// </summary>
    public static unsafe ConvQuantization Prepare(KernelContext context, Tensor input, Tensor filter, Tensor? bias, Tensor output,
        int outputChannels, int channelAxis, Schema.ActivationFunctionType activation)
    {
        var q = new ConvQuantization();
        var act = (FusedActivation)(sbyte)activation;
        if (act is FusedActivation.Tanh or FusedActivation.SignBit) throw context.Unsupported($"fused activation {activation}");
        if (bias != null && bias.ElementCount != outputChannels)
            throw context.Invalid($"bias has {bias.ElementCount} elements for {outputChannels} output channels");
        switch (input.Type)
        {
            case TensorType.Float32:
                if (filter.Type is TensorType.Int8 or TensorType.UInt8)
                    q.FloatWeights = DequantizeWeights(context, filter, outputChannels, channelAxis);
                else if (filter.Type == TensorType.Float32) q.FloatWeights = (float*)filter.DataPointer;
                else throw context.Unsupported($"float32 input with {filter.Type.ToDTypeName()} weights");
                if (output.Type != TensorType.Float32) throw context.Invalid($"float32 input with {output.Type.ToDTypeName()} output");
                if (bias != null && bias.Type != TensorType.Float32) throw context.Invalid($"float32 op with {bias.Type.ToDTypeName()} bias");
                q.Kind = ConvKind.Float32;
                (q.FMin, q.FMax) = QuantizationUtils.ActivationRange(act);
                q.FloatBias = new float[outputChannels];
                if (bias != null)
                {
                    if (!bias.IsConstant) throw context.Unsupported("non-constant bias");
                    bias.AsSpan<float>().CopyTo(q.FloatBias);
                }
                return q;
            case TensorType.UInt8:
                if (filter.Type != TensorType.UInt8 || output.Type != TensorType.UInt8)
                    throw context.Unsupported($"uint8 input with {filter.Type.ToDTypeName()} weights and {output.Type.ToDTypeName()} output");
                q.Kind = ConvKind.UInt8;
                break;
            case TensorType.Int8:
                if (filter.Type != TensorType.Int8 || output.Type != TensorType.Int8)
                    throw context.Unsupported($"int8 input with {filter.Type.ToDTypeName()} weights and {output.Type.ToDTypeName()} output");
                q.Kind = ConvKind.Int8;
                break;
            default:
                throw context.Unsupported($"input type {input.Type.ToDTypeName()}");
        }
        if (bias != null && bias.Type != TensorType.Int32) throw context.Unsupported($"quantized op with {bias.Type.ToDTypeName()} bias");
        var iq = input.Quantization; var wq = filter.Quantization; var oq = output.Quantization;
        if (iq == null || iq.Scales.Count == 0 || wq == null || wq.Scales.Count == 0 || oq == null || oq.Scales.Count == 0)
            throw context.Invalid("quantized op without input, weight and output quantization");
        if (wq.Scales.Count != 1 && (wq.Scales.Count != outputChannels || wq.QuantizedDimension != channelAxis))
            throw context.Invalid($"weights have {wq.Scales.Count} scales along axis {wq.QuantizedDimension}, expected 1 or {outputChannels} along axis {channelAxis}");
        q.InputZeroPoint = iq.ZeroPoint;
        q.OutputZeroPoint = oq.ZeroPoint;
        q.WeightZeroPoints = new int[outputChannels];
        for (int c = 0; c < outputChannels; c++)
            q.WeightZeroPoints[c] = (int)(wq.ZeroPoints.Count == 0 ? 0 : wq.ZeroPoints.Count == 1 ? wq.ZeroPoints[0] : wq.ZeroPoints[c]);
        // every kernel relies on x - zp and w - zp fitting 9 bits (int16 arithmetic, exact int32 sums): a zero point
        // outside the type's range is a malformed model, refused here rather than overflowing in a fast path
        int zMin = q.Kind == ConvKind.UInt8 ? 0 : -128, zMax = q.Kind == ConvKind.UInt8 ? 255 : 127;
        foreach (var (what, zps) in new[] { ("input", iq.ZeroPoints), ("weight", wq.ZeroPoints), ("output", oq.ZeroPoints) })
            foreach (long z in zps)
                if (z < zMin || z > zMax)
                    throw context.Invalid($"{what} zero point {z} outside the {input.Type.ToDTypeName()} range [{zMin}, {zMax}]");
        q.Scales = new float[outputChannels];
        for (int c = 0; c < outputChannels; c++)
            q.Scales[c] = iq.Scale * (wq.Scales.Count == 1 ? wq.Scales[0] : wq.Scales[c]) / oq.Scale;
        (q.QMin, q.QMax) = QuantizationUtils.ActivationRange(act, output.Type, oq.Scale, oq.ZeroPoint);
        q.Bias = new int[outputChannels];
        if (bias != null)
        {
            if (!bias.IsConstant) throw context.Unsupported("non-constant bias");
            bias.AsSpan<int>().CopyTo(q.Bias);
        }
        return q;
    }

    /// <summary>
    /// The float weights of a float32 op: the filter's own data, or for a dynamic-range ("hybrid") model with int8/uint8
    /// weights a copy dequantized once here ((w - zp[c]) · scale[c]). EdgeLite then runs the float kernels: TFLite's
    /// hybrid kernels quantize the activations on the fly instead, which differs by the activation rounding (within the
    /// 1e-2 the conformance README allows for hybrid models).
    /// </summary>
    public unsafe float* FloatWeights;

    private static unsafe float* DequantizeWeights(KernelContext context, Tensor filter, int outputChannels, int channelAxis)
    {
        if (!filter.IsConstant) throw context.Unsupported("non-constant quantized weights with float32 input");
        var wq = filter.Quantization;
        if (wq == null || wq.Scales.Count == 0) throw context.Invalid($"{filter.Type.ToDTypeName()} weights without quantization for a float32 op");
        int axisSize = filter.Dim(channelAxis);
        if (wq.Scales.Count != 1 && (wq.Scales.Count != axisSize || wq.QuantizedDimension != channelAxis))
            throw context.Invalid($"weights have {wq.Scales.Count} scales along axis {wq.QuantizedDimension}, expected 1 or {axisSize} along axis {channelAxis}");
        long inner = 1;
        for (int d = channelAxis + 1; d < filter.Rank; d++) inner *= filter.Dim(d);
        int n = filter.ElementCount;
        var w = context.AllocatePersistent<float>(Math.Max(n, 1));
        bool u8 = filter.Type == TensorType.UInt8;
        byte* src = filter.DataPointer;
        for (int i = 0; i < n; i++)
        {
            int c = wq.Scales.Count == 1 ? 0 : (int)(i / inner % axisSize);
            long zp = wq.ZeroPoints.Count == 0 ? 0 : wq.ZeroPoints[Math.Min(c, wq.ZeroPoints.Count - 1)];
            int v = u8 ? src[i] : (sbyte)src[i];
            w[i] = (float)((v - zp) * (double)wq.Scales[c]);
        }
        return KernelContext.AddressOf(w);
    }

    /// <summary>float32 requantization scale per channel: (s_in · s_w[c]) / s_out computed in float, as XNNPACK does.</summary>
    public float[] Scales = [];

    /// <summary>
    /// Requantizes one accumulator of channel <paramref name="c"/> and clamps it. This is XNNPACK's "fp32"
    /// requantization (acc · scale in float, clamped to the activation range less the zero point, rounded to nearest
    /// even, plus the zero point): it is what TFLite runs for quantized CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
    /// on CPU (the XNNPACK delegate is on by default), so real models' outputs match byte for byte. TFLite's builtin
    /// fixed-point path (multiplier and shift, MultiplyByQuantizedMultiplier) differs by one quantum on some elements.
    /// </summary>
    public int Requantize(int acc, int c)
    {
        float scaled = acc * Scales[c];
        float lo = QMin - OutputZeroPoint, hi = QMax - OutputZeroPoint;
        scaled = scaled < lo ? lo : scaled > hi ? hi : scaled;
        return (int)MathF.Round(scaled, MidpointRounding.ToEven) + OutputZeroPoint;
    }

    /// <summary>
    /// The vectorised output stage (<see cref="Simd.GemmKernels"/>) with bias and scale padded to
    /// <paramref name="paddedChannels"/> in pinned persistent memory.
    /// </summary>
    public unsafe Simd.QuantizedOutputStage CreateOutputStage(KernelContext context, int paddedChannels)
    {
        var bias = context.AllocatePersistent<int>(paddedChannels);
        var scale = context.AllocatePersistent<float>(paddedChannels);
        Bias.CopyTo(bias, 0);
        Scales.CopyTo(scale, 0);
        return new Simd.QuantizedOutputStage
        {
            Bias = KernelContext.AddressOf(bias),
            Scale = KernelContext.AddressOf(scale),
            Lo = QMin - OutputZeroPoint, Hi = QMax - OutputZeroPoint, ZeroPoint = OutputZeroPoint, Signed = Kind == ConvKind.Int8,
        };
    }

    /// <summary>
    /// The 8-bit dot-product layout (<see cref="Simd.SimdLevel.NeonDot"/>, GemmKernels.Dot.cs) of raw weights
    /// [channels, depth] (one weight zero point): the packed weights, and in <paramref name="stage"/> the output stage
    /// whose bias also holds the channel terms of Σ (x − x_zp)(w − w_zp) = Σ x·w − w_zp·Σx − x_zp·Σw + K·x_zp·w_zp.
    /// </summary>
    public unsafe byte* PrepareDot(KernelContext context, byte* weights, int channels, int depth, int panels, out Simd.QuantizedOutputStage stage)
    {
        bool u8 = Kind == ConvKind.UInt8;
        int wzp = WeightZeroPoints[0], xzp = InputZeroPoint;
        var sums = new int[channels];
        var packed = Simd.GemmKernels.PackDot(channels, depth, new Simd.GemmKernels.ByteRows(weights, depth, u8, null), sums, context.AllocatePersistent<byte>);
        stage = CreateOutputStage(context, panels * Simd.GemmKernels.Panel);
        var folded = context.AllocatePersistent<int>(panels * Simd.GemmKernels.Panel);
        for (int c = 0; c < folded.Length; c++)
            folded[c] = stage.Bias[c] + (c < channels ? -xzp * sums[c] + depth * xzp * wzp : 0);
        stage.Bias = KernelContext.AddressOf(folded);
        return KernelContext.AddressOf(packed);
    }

    /// <summary>The float output stage with the bias padded to <paramref name="paddedChannels"/> in pinned memory.</summary>
    public unsafe Simd.FloatOutputStage CreateFloatOutputStage(KernelContext context, int paddedChannels)
    {
        var bias = context.AllocatePersistent<float>(paddedChannels);
        FloatBias.CopyTo(bias, 0);
        return new Simd.FloatOutputStage { Bias = KernelContext.AddressOf(bias), Min = FMin, Max = FMax };
    }

}
