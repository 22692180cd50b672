using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// MEAN over constant axes, keep_dims or not. float32: sum / count. uint8/int8 as TFLite's reduce.cc: over H,W of a
/// 4-D tensor with keep_dims, the integer path (Σ(x - zp_in) rescaled by s_in/s_out with the quantized multiplier,
/// divided by the count rounding half away from zero, + zp_out); otherwise QuantizedMeanOrSum (the float mean of the
/// raw values, · s_in/s_out - zp_in·s_in/s_out, rounded, + zp_out).
/// </summary>
internal sealed unsafe class Mean : OpKernel
{
    private const int MaxRank = 6;
    private TensorType _type;
    private readonly int[] _shape = new int[MaxRank];
    private readonly bool[] _reduced = new bool[MaxRank];
    private int _count, _outCount, _zpIn, _zpOut, _m, _s;
    private float _scale, _bias;
    private bool _integerPath;
    private float[] _sums = [];
    private long[] _isums = [];
    private readonly int[] _ostride = new int[MaxRank];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axes = context.Input(1); var y = context.Output(0);
        if (x.Rank > MaxRank) throw context.Unsupported($"rank {x.Rank}");
        if (!axes.IsConstant || axes.Type != TensorType.Int32) throw context.Unsupported("non-constant or non-int32 axes");
        bool keep = context.Options<Schema.ReducerOptions>()?.KeepDims ?? false;
        _type = x.Type;
        if (_type != y.Type) throw context.Invalid("input and output types differ");
        int off = MaxRank - x.Rank;
        for (int i = 0; i < MaxRank; i++) { _shape[i] = i < off ? 1 : x.Dim(i - off); _reduced[i] = false; }
        foreach (var a0 in axes.AsSpan<int>())
        {
            int a = a0 < 0 ? a0 + x.Rank : a0;
            if (a < 0 || a >= x.Rank) throw context.Invalid($"axis {a0} out of range for {x}");
            _reduced[off + a] = true;
        }
        var outShape = new List<int>();
        _count = 1; _outCount = 1;
        for (int i = 0; i < x.Rank; i++)
        {
            if (_reduced[off + i]) { _count *= x.Dim(i); if (keep) outShape.Add(1); }
            else { outShape.Add(x.Dim(i)); _outCount *= x.Dim(i); }
        }
        context.SetOutputShape(0, outShape.ToArray());
        _sums = context.AllocatePersistent<float>(Math.Max(1, _outCount));
        _isums = context.AllocatePersistent<long>(Math.Max(1, _outCount));
        int stride = 1;
        for (int d = MaxRank - 1; d >= 0; d--) { _ostride[d] = _reduced[d] ? 0 : stride; if (!_reduced[d]) stride *= _shape[d]; }
        if (_type == TensorType.Float32) return;
        if (_type is not (TensorType.UInt8 or TensorType.Int8)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        var qi = x.Quantization; var qo = y.Quantization;
        if (qi == null || qo == null || qi.Scales.Count == 0 || qo.Scales.Count == 0) throw context.Invalid("quantized MEAN without quantization");
        _zpIn = qi.ZeroPoint; _zpOut = qo.ZeroPoint;
        _integerPath = keep && x.Rank == 4 && axes.ElementCount == 2 && _reduced[off + 1] && _reduced[off + 2];
        QuantizationUtils.QuantizeMultiplier((double)qi.Scale / qo.Scale, out _m, out _s);
        _scale = qi.Scale / qo.Scale;
        _bias = -_zpIn * _scale;
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        int mode = _type == TensorType.Float32 ? 0 : _type == TensorType.Int8 ? 2 : 1;
        _sums.AsSpan(0, _outCount).Clear();
        _isums.AsSpan(0, _outCount).Clear();
        int i = 0;
        int a0 = _ostride[0], a1 = _ostride[1], a2 = _ostride[2], a3 = _ostride[3], a4 = _ostride[4], a5 = _ostride[5];
        for (int a = 0; a < _shape[0]; a++)
        for (int b = 0; b < _shape[1]; b++)
        for (int c = 0; c < _shape[2]; c++)
        for (int d = 0; d < _shape[3]; d++)
        for (int e = 0; e < _shape[4]; e++)
        {
            int ob = a * a0 + b * a1 + c * a2 + d * a3 + e * a4;
            for (int f = 0; f < _shape[5]; f++, i++)
            {
                int o = ob + f * a5;
                if (mode == 0) _sums[o] += ((float*)x)[i];
                else _isums[o] += mode == 2 ? ((sbyte*)x)[i] : x[i];
            }
        }
        if (mode == 0)
        {
            for (int o = 0; o < _outCount; o++) ((float*)y)[o] = _sums[o] / _count;
            return;
        }
        int qmin = mode == 2 ? -128 : 0, qmax = mode == 2 ? 127 : 255;
        for (int o = 0; o < _outCount; o++)
        {
            int q;
            if (_integerPath)
            {
                int acc = (int)(_isums[o] - (long)_zpIn * _count);
                acc = QuantizationUtils.MultiplyByQuantizedMultiplier(acc, _m, _s);
                acc = acc > 0 ? (acc + _count / 2) / _count : (acc - _count / 2) / _count;
                q = acc + _zpOut;
            }
            else
            {
                float mean = (float)_isums[o] / _count;
                q = (int)MathF.Round(mean * _scale + _bias, MidpointRounding.AwayFromZero) + _zpOut;
            }
            q = q < qmin ? qmin : q > qmax ? qmax : q;
            if (mode == 2) ((sbyte*)y)[o] = (sbyte)q; else y[o] = (byte)q;
        }
    }
}
