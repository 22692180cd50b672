using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// QUANTIZE: float32 → uint8/int8/int16 (q = round(x / s) + zp, clamped) and requantization between 8/16-bit
/// types (TFLite's Requantize: (x - zp_in) · s_in/s_out with the quantized multiplier, + zp_out, clamped).
/// Requantization within uint8 or within int8 is what XNNPACK's convert runs for TFLite on CPU (for scale ratios in
/// [2^-8, 2^7]): an 8-bit fixed-point multiplier m = round(256 · s_in/s_out) and
/// (zp_out·256 - m·zp_in + 128 + m·x) &gt;&gt; 8, clamped; it is coarser than TFLite's builtin path, and DeepLab's
/// outputs only match real TFLite with it.
/// </summary>
internal sealed unsafe class Quantize : OpKernel
{
    private TensorType _in, _out;
    private float _scale;
    private int _zpIn, _zpOut, _m, _s, _qmin, _qmax;
    private bool _xnn;
    private int _xnnMultiplier, _xnnBias;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _in = x.Type; _out = y.Type;
        var qo = y.Quantization;
        if (qo == null || qo.Scales.Count == 0) throw context.Invalid("QUANTIZE output without quantization");
        if (qo.IsPerChannel) throw context.Unsupported("per-channel QUANTIZE");
        if (_out is not (TensorType.UInt8 or TensorType.Int8 or TensorType.Int16)) throw context.Unsupported($"output type {_out.ToDTypeName()}");
        (_qmin, _qmax) = QuantizationUtils.TypeRange(_out);
        _zpOut = qo.ZeroPoint; _scale = qo.Scale;
        if (_in != TensorType.Float32)
        {
            if (_in is not (TensorType.UInt8 or TensorType.Int8 or TensorType.Int16)) throw context.Unsupported($"input type {_in.ToDTypeName()}");
            var qi = x.Quantization;
            if (qi == null || qi.Scales.Count == 0) throw context.Invalid("requantizing input without quantization");
            _zpIn = qi.ZeroPoint;
            QuantizationUtils.QuantizeMultiplier((double)qi.Scale / qo.Scale, out _m, out _s);
            float ratio = qi.Scale / qo.Scale;
            if (_in == _out && _in != TensorType.Int16 && ratio >= 1f / 256 && ratio <= 128f)
            {
                _xnnMultiplier = (int)MathF.Round(256f * ratio, MidpointRounding.ToEven);
                _xnnBias = (_zpOut << 8) - _xnnMultiplier * _zpIn + 0x80;
                _xnn = true;
            }
        }
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0); var yt = context.Output(0);
        byte* x = xt.DataPointer, y = yt.DataPointer;
        int n = xt.ElementCount;
        for (int i = 0; i < n; i++)
        {
            int q;
            if (_in == TensorType.Float32)
                q = (int)MathF.Round(((float*)x)[i] / _scale, MidpointRounding.AwayFromZero) + _zpOut;
            else if (_xnn)
                q = (_xnnBias + (_in == TensorType.UInt8 ? x[i] : ((sbyte*)x)[i]) * _xnnMultiplier) >> 8;
            else
            {
                int v = _in switch { TensorType.UInt8 => x[i], TensorType.Int8 => ((sbyte*)x)[i], _ => ((short*)x)[i] } - _zpIn;
                q = QuantizationUtils.MultiplyByQuantizedMultiplier(v, _m, _s) + _zpOut;
            }
            q = q < _qmin ? _qmin : q > _qmax ? _qmax : q;
            switch (_out)
            {
                case TensorType.UInt8: y[i] = (byte)q; break;
                case TensorType.Int8: ((sbyte*)y)[i] = (sbyte)q; break;
                default: ((short*)y)[i] = (short)q; break;
            }
        }
    }
}

/// <summary>DEQUANTIZE: uint8/int8/int16/int32 → float32 ((x - zp) · s, per-tensor or per-channel) and float16 → float32.</summary>
internal sealed unsafe class Dequantize : OpKernel
{
    private TensorType _in;
    private float[] _scales = [];
    private int[] _zps = [];
    private int _axis, _inner, _axisSize;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (y.Type != TensorType.Float32) throw context.Unsupported($"output type {y.Type.ToDTypeName()}");
        _in = x.Type;
        context.SetOutputShape(0, x.Shape);
        if (_in == TensorType.Float16) return;
        if (_in is not (TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 or TensorType.Int32)) throw context.Unsupported($"input type {_in.ToDTypeName()}");
        var q = x.Quantization;
        if (q == null || q.Scales.Count == 0) throw context.Invalid("DEQUANTIZE input without quantization");
        _scales = q.Scales.ToArray();
        _zps = q.ZeroPoints.Count == 0 ? new int[_scales.Length] : q.ZeroPoints.Select(z => (int)z).ToArray();
        _axis = q.QuantizedDimension;
        if (q.IsPerChannel)
        {
            if (_axis < 0 || _axis >= x.Rank || x.Dim(_axis) != _scales.Length) throw context.Invalid($"{_scales.Length} scales along axis {_axis} of {x}");
            _axisSize = x.Dim(_axis);
            _inner = 1;
            for (int i = _axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        }
        if (_zps.Length != _scales.Length) throw context.Invalid("scales and zero points differ in count");
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0);
        byte* x = xt.DataPointer;
        float* y = (float*)context.Output(0).DataPointer;
        int n = xt.ElementCount;
        if (_in == TensorType.Float16) { for (int i = 0; i < n; i++) y[i] = (float)((Half*)x)[i]; return; }
        bool perChannel = _scales.Length > 1;
        for (int i = 0; i < n; i++)
        {
            int c = perChannel ? (i / _inner) % _axisSize : 0;
            int v = _in switch { TensorType.UInt8 => x[i], TensorType.Int8 => ((sbyte*)x)[i], TensorType.Int16 => ((short*)x)[i], _ => ((int*)x)[i] };
            y[i] = _scales[c] * (v - _zps[c]);
        }
    }
}
