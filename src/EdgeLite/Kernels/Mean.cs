using EdgeLite.Kernels.Common;
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
    private TensorType _type;
    private ReduceAxes _axes = null!;
    private int _count, _outCount, _zpIn, _zpOut, _m, _s;
    private float _scale, _bias, _xScale, _xBias;
    private bool _integerPath;
    private float[] _sums = [];
    private long[] _isums = [];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axes = context.Input(1); var y = context.Output(0);
        bool keep = context.Options<Schema.ReducerOptions>()?.KeepDims ?? false;
        _type = x.Type;
        if (_type != y.Type) throw context.Invalid("input and output types differ");
        _axes = ReduceAxes.Prepare(context, x, axes, keep, out var outShape);
        _count = _axes.ReducedCount; _outCount = _axes.OutCount;
        context.SetOutputShape(0, outShape);
        _sums = context.AllocatePersistent<float>(Math.Max(1, _outCount));
        _isums = context.AllocatePersistent<long>(Math.Max(1, _outCount));
        if (_type == TensorType.Float32) return;
        if (_type is not (TensorType.UInt8 or TensorType.Int8)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        var qi = x.Quantization; var qo = y.Quantization;
        if (qi == null || qo == null || qi.Scales.Count == 0 || qo.Scales.Count == 0) throw context.Invalid("quantized MEAN without quantization");
        _zpIn = qi.ZeroPoint; _zpOut = qo.ZeroPoint;
        int off = ReduceAxes.MaxRank - x.Rank;
        _integerPath = keep && x.Rank == 4 && axes.ElementCount == 2 && _axes.Reduced[off + 1] && _axes.Reduced[off + 2];
        QuantizationUtils.QuantizeMultiplier((double)qi.Scale / qo.Scale, out _m, out _s);
        _scale = qi.Scale / qo.Scale;
        _bias = -_zpIn * _scale;
        _xScale = qi.Scale / qo.Scale * (1f / _count);
        _xBias = qo.ZeroPoint - (float)(_count * _zpIn) * _xScale;
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        int mode = _type == TensorType.Float32 ? 0 : _type == TensorType.Int8 ? 2 : 1;
        _sums.AsSpan(0, _outCount).Clear();
        _isums.AsSpan(0, _outCount).Clear();
        fixed (float* sums = _sums) fixed (long* isums = _isums)
        {
            var op = new SumOp { X = x, Mode = mode, Sums = sums, ISums = isums };
            _axes.ForEach(ref op);
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
                // XNNPACK's mean (the delegate takes it): Σq·s' + zp' in float, s' = (s_in/s_out)·(1/n),
                // zp' = zp_out - (n·zp_in)·s', rounded to nearest even
                float v = MathF.Round((float)_isums[o] * _xScale + _xBias, MidpointRounding.ToEven);
                q = v < qmin ? qmin : v > qmax ? qmax : (int)v;
            }
            q = q < qmin ? qmin : q > qmax ? qmax : q;
            if (mode == 2) ((sbyte*)y)[o] = (sbyte)q; else y[o] = (byte)q;
        }
    }

    private struct SumOp : IReduceOp
    {
        public byte* X; public int Mode; public float* Sums; public long* ISums;
        public readonly void Apply(int i, int o)
        {
            if (Mode == 0) Sums[o] += ((float*)X)[i];
            else ISums[o] += Mode == 2 ? ((sbyte*)X)[i] : X[i];
        }
    }
}
