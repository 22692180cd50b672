using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// L2_NORMALIZATION over the last dimension, float32: y = x / max(√Σx², 1e-6), as TFLite's reference kernel, then the
/// fused activation. (Quantized L2 normalization is not implemented and is refused.)
/// </summary>
internal sealed unsafe class L2Normalization : OpKernel
{
    private int _rows, _depth;
    private float _min, _max;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32)
            throw context.Unsupported($"{x.Type.ToDTypeName()} → {y.Type.ToDTypeName()} (float32 only; quantized L2_NORMALIZATION is not implemented)");
        if (x.Rank < 1) throw context.Invalid("L2 normalization of a scalar");
        var act = context.Options<Schema.L2NormOptions>()?.FusedActivationFunction ?? 0;
        (_min, _max) = QuantizationUtils.ActivationRange((FusedActivation)(sbyte)act);
        _depth = x.Dim(x.Rank - 1);
        _rows = _depth == 0 ? 0 : x.ElementCount / _depth;
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, y = (float*)context.Output(0).DataPointer;
        for (int r = 0; r < _rows; r++)
        {
            float* xr = x + (long)r * _depth, yr = y + (long)r * _depth;
            float sq = 0;
            for (int i = 0; i < _depth; i++) sq += xr[i] * xr[i];
            float norm = Math.Max(MathF.Sqrt(sq), 1e-6f);
            for (int i = 0; i < _depth; i++) yr[i] = QuantizationUtils.ApplyActivation(xr[i] / norm, _min, _max);
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
