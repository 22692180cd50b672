using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// L2_NORMALIZATION over the last dimension. float32: y = x / max(√Σx², 1e-6), as TFLite's reference kernel, then the
/// fused activation. uint8/int8 (output scale 1/128, zero point 128 / 0, as TFLite requires): TFLite's integer kernels,
/// Σ(q - zp)² turned into a 1/√ multiplier by <see cref="QuantizationUtils.InvSqrtQuantizedMultiplierExp"/>; uint8:
/// 128 + (128·(q - zp) rescaled, MultiplyByQuantizedMultiplierSmallerThanOneExp); int8: (q - zp) rescaled with 7 more bits
/// of left shift. Clamped to the type.
/// </summary>
internal sealed unsafe class L2Normalization : OpKernel
{
    private int _rows, _depth, _zp;
    private float _min, _max;
    private TensorType _type;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _type = x.Type;
        if (x.Type != y.Type || _type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8))
            throw context.Unsupported($"{x.Type.ToDTypeName()} → {y.Type.ToDTypeName()} (float32, uint8, int8)");
        if (x.Rank < 1) throw context.Invalid("L2 normalization of a scalar");
        var act = context.Options<Schema.L2NormOptions>()?.FusedActivationFunction ?? 0;
        (_min, _max) = QuantizationUtils.ActivationRange((FusedActivation)(sbyte)act);
        if (_type != TensorType.Float32)
        {
            var qi = x.Quantization; var qo = y.Quantization;
            if (qi is not { Scales.Count: > 0 } || qo is not { Scales.Count: > 0 }) throw context.Invalid("quantized L2_NORMALIZATION without quantization");
            int wantZp = _type == TensorType.UInt8 ? 128 : 0;
            if (qo.Scale != 1f / 128 || qo.ZeroPoint != wantZp) throw context.Invalid($"output quantization {qo} (TFLite requires scale 1/128, zero point {wantZp})");
            _zp = qi.ZeroPoint;
        }
        _depth = x.Dim(x.Rank - 1);
        _rows = _depth == 0 ? 0 : x.ElementCount / _depth;
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* xb = context.Input(0).DataPointer, yb = context.Output(0).DataPointer;
        if (_type != TensorType.Float32) { Quantized(xb, yb); return; }
        float* x = (float*)xb, y = (float*)yb;
        for (int r = 0; r < _rows; r++)
        {
            float* xr = x + (long)r * _depth, yr = y + (long)r * _depth;
            float sq = 0;
            for (int i = 0; i < _depth; i++) sq += xr[i] * xr[i];
            float norm = Math.Max(MathF.Sqrt(sq), 1e-6f);
            for (int i = 0; i < _depth; i++) yr[i] = QuantizationUtils.ApplyActivation(xr[i] / norm, _min, _max);
        }
    }

    private void Quantized(byte* x, byte* y)
    {
        bool signed = _type == TensorType.Int8;
        for (int r = 0; r < _rows; r++)
        {
            long off = (long)r * _depth;
            int acc = 0;
            for (int i = 0; i < _depth; i++) { int d = (signed ? ((sbyte*)x)[off + i] : x[off + i]) - _zp; acc += d * d; }
            QuantizationUtils.InvSqrtQuantizedMultiplierExp(acc, -1, out int m, out int s);
            for (int i = 0; i < _depth; i++)
            {
                int d = (signed ? ((sbyte*)x)[off + i] : x[off + i]) - _zp;
                if (signed) ((sbyte*)y)[off + i] = (sbyte)Math.Clamp(QuantizationUtils.MultiplyByQuantizedMultiplier(d, m, s + 7), -128, 127);
                else y[off + i] = (byte)Math.Clamp(128 + QuantizationUtils.MultiplyByQuantizedMultiplierSmallerThanOneExp(128 * d, m, s), 0, 255);
            }
        }
    }
}

/// <summary>
/// LOCAL_RESPONSE_NORMALIZATION over the last dimension, float32, as TFLite's reference kernel:
/// y = x · (bias + α Σ_{|k-c| ≤ radius} x_k²)^-β (α is not divided by the window size).
/// </summary>
internal sealed unsafe class LocalResponseNormalization : OpKernel
{
    private int _rows, _depth, _radius;
    private float _bias, _alpha, _beta;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32) throw context.Unsupported($"{x.Type.ToDTypeName()} (float32 only)");
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        var o = context.Options<Schema.LocalResponseNormalizationOptions>() ?? default;
        _radius = o.Radius; _bias = o.Bias; _alpha = o.Alpha; _beta = o.Beta;
        if (_radius < 0) throw context.Invalid($"radius {_radius}");
        _depth = x.Dim(3);
        _rows = _depth == 0 ? 0 : x.ElementCount / _depth;
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, y = (float*)context.Output(0).DataPointer;
        for (int r = 0; r < _rows; r++)
        {
            float* xr = x + (long)r * _depth, yr = y + (long)r * _depth;
            for (int c = 0; c < _depth; c++)
            {
                int lo = Math.Max(0, c - _radius), hi = Math.Min(_depth - 1, c + _radius);
                float acc = 0;
                for (int k = lo; k <= hi; k++) acc += xr[k] * xr[k];
                yr[c] = xr[c] * MathF.Pow(_bias + _alpha * acc, -_beta);
            }
        }
    }
}
