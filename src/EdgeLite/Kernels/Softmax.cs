namespace EdgeLite.Kernels;

/// <summary>
/// SOFTMAX over the last dimension. float32: exp(β(x - max)) / Σ. uint8/int8: TFLite's builtin optimized path, the
/// one real TFLite runs for quantized softmax (XNNPACK does not take it): a 256-entry float table
/// exp(-β·s_in·d) for the distance d from the row maximum (PopulateSoftmaxLookupTable), the row sum in float,
/// prob = table · 1/(sum · s_out), rounded half away from zero, plus the output zero point, clamped.
/// </summary>
internal sealed unsafe class Softmax : OpKernel
{
    private TensorType _type;
    private int _rows, _depth, _outZp;
    private float _beta, _outScale;
    private readonly float[] _table = new float[256];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _beta = context.Options<Schema.SoftmaxOptions>()?.Beta ?? 1f;
        if (x.Rank < 1) throw context.Invalid("softmax of a scalar");
        if (x.Type != y.Type) throw context.Unsupported($"{x.Type.ToDTypeName()} input with {y.Type.ToDTypeName()} output");
        _type = x.Type;
        _depth = x.Dim(x.Rank - 1);
        _rows = _depth == 0 ? 0 : x.ElementCount / _depth;
        context.SetOutputShape(0, x.Shape);
        if (_type == TensorType.Float32) return;
        if (_type is not (TensorType.UInt8 or TensorType.Int8)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        var qi = x.Quantization; var qo = y.Quantization;
        if (qi == null || qo == null || qi.Scales.Count == 0 || qo.Scales.Count == 0) throw context.Invalid("quantized softmax without quantization");
        _outZp = qo.ZeroPoint; _outScale = qo.Scale;
        float scale = -qi.Scale * _beta;
        for (int d = 0; d <= 255; d++) _table[255 - d] = MathF.Exp(scale * d);
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        for (int r = 0; r < _rows; r++)
        {
            long off = (long)r * _depth;
            switch (_type)
            {
                case TensorType.Float32: RowFloat((float*)x + off, (float*)y + off); break;
                case TensorType.UInt8: RowQuant(x + off, y + off, false); break;
                default: RowQuant(x + off, y + off, true); break;
            }
        }
    }

    private void RowFloat(float* x, float* y)
    {
        float max = float.MinValue;
        for (int i = 0; i < _depth; i++) if (x[i] > max) max = x[i];
        float sum = 0;
        for (int i = 0; i < _depth; i++) { float e = MathF.Exp((x[i] - max) * _beta); y[i] = e; sum += e; }
        float inv = 1f / sum;
        for (int i = 0; i < _depth; i++) y[i] *= inv;
    }

    private void RowQuant(byte* x, byte* y, bool signed)
    {
        int max = int.MinValue;
        for (int i = 0; i < _depth; i++) { int v = signed ? ((sbyte*)x)[i] : x[i]; if (v > max) max = v; }
        int baseIndex = 255 - max;
        float sum = 0f;
        for (int i = 0; i < _depth; i++) sum += _table[baseIndex + (signed ? ((sbyte*)x)[i] : x[i])];
        float inv = 1f / (sum * _outScale);
        int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
        for (int i = 0; i < _depth; i++)
        {
            float p = _table[baseIndex + (signed ? ((sbyte*)x)[i] : x[i])] * inv;
            int q = (int)MathF.Round(p, MidpointRounding.AwayFromZero) + _outZp;
            q = q < qmin ? qmin : q > qmax ? qmax : q;
            if (signed) ((sbyte*)y)[i] = (sbyte)q; else y[i] = (byte)q;
        }
    }
}

/// <summary>
/// LOG_SOFTMAX over the last dimension, float32: x - max - log Σ exp(x - max), as TFLite's reference kernel (the row sum
/// in float). The quantized variants (TFLite's fixed-point LogSoftmax) are not implemented and are refused.
/// </summary>
internal sealed unsafe class LogSoftmax : OpKernel
{
    private int _rows, _depth;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Rank < 1) throw context.Invalid("log-softmax of a scalar");
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32)
            throw context.Unsupported($"{x.Type.ToDTypeName()} → {y.Type.ToDTypeName()} (float32 only; quantized LOG_SOFTMAX is not implemented)");
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
            float max = float.MinValue;
            for (int i = 0; i < _depth; i++) if (xr[i] > max) max = xr[i];
            float sum = 0;
            for (int i = 0; i < _depth; i++) sum += MathF.Exp(xr[i] - max);
            float log = MathF.Log(sum);
            for (int i = 0; i < _depth; i++) yr[i] = xr[i] - max - log;
        }
    }
}
