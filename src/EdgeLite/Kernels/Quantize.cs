using System.Runtime.Intrinsics;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// QUANTIZE: float32 → uint8/int8 as XNNPACK converts (q = round-half-even(x · (1/s)) + zp, clamped), float32 → int16
/// as TFLite's builtin kernel (q = round(x / s) + zp) and requantization between 8/16-bit
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
    private readonly short[] _lut = new short[256];

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
        if (_in is TensorType.UInt8 or TensorType.Int8)
        {
            int first = _in == TensorType.UInt8 ? 0 : -128;
            for (int v = 0; v < 256; v++) _lut[v] = (short)Requantize(first + v);
        }
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0); var yt = context.Output(0);
        byte* x = xt.DataPointer, y = yt.DataPointer;
        int n = xt.ElementCount;
        if (_in == TensorType.Float32) { FromFloat((float*)x, y, n); return; }
        if (_in != TensorType.Int16)
        {
            // 8-bit input: every requantization is a function of the byte, tabulated at Prepare
            fixed (short* lut = _lut)
            {
                short* t = _in == TensorType.Int8 ? lut + 128 : lut;
                bool signed = _in == TensorType.Int8;
                if (_out == TensorType.Int16)
                {
                    short* o = (short*)y;
                    if (signed) for (int i = 0; i < n; i++) o[i] = t[(sbyte)x[i]];
                    else for (int i = 0; i < n; i++) o[i] = t[x[i]];
                }
                else if (signed) for (int i = 0; i < n; i++) y[i] = (byte)t[(sbyte)x[i]];
                else for (int i = 0; i < n; i++) y[i] = (byte)t[x[i]];
            }
            return;
        }
        for (int i = 0; i < n; i++) Store(y, i, Requantize(((short*)x)[i]));
    }

    /// <summary>One quantized input value → the output value.</summary>
    private int Requantize(int x)
    {
        int q = _xnn ? (_xnnBias + x * _xnnMultiplier) >> 8 : QuantizationUtils.MultiplyByQuantizedMultiplier(x - _zpIn, _m, _s) + _zpOut;
        return q < _qmin ? _qmin : q > _qmax ? _qmax : q;
    }

    private void Store(byte* y, int i, int q)
    {
        switch (_out)
        {
            case TensorType.UInt8: y[i] = (byte)q; break;
            case TensorType.Int8: ((sbyte*)y)[i] = (sbyte)q; break;
            default: ((short*)y)[i] = (short)q; break;
        }
    }

    /// <summary>
    /// q = clamp(round_half_away(x / s) + zp) (TFLite's float quantization), 16 values at a time; NaN gives the zero
    /// point. Rounding is built from truncation: t = trunc(v), and |v - t| (exact in float) ≥ 0.5 steps away from 0.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // float → 8 bit is what XNNPACK's convert runs for TFLite on CPU: x · (1/s) rounded to nearest even, + zp, clamped.
    // float → int16 stays on TFLite's builtin kernel: x / s rounded half away from zero.
    private void FromFloat(float* x, byte* y, int n)
    {
        int i = 0;
        bool xnn = _out != TensorType.Int16;
        float inv = 1f / _scale;
        if (Vector128.IsHardwareAccelerated)
        {
            var s = Vector128.Create(_scale); var r = Vector128.Create(inv); var half = Vector128.Create(0.5f); var one = Vector128<float>.One;
            var zp = Vector128.Create((float)_zpOut); var lo = Vector128.Create((float)_qmin); var hi = Vector128.Create((float)_qmax);
            for (; i + 16 <= n; i += 16)
            {
                Vector128<int> q0, q1, q2, q3;
                if (xnn)
                {
                    q0 = RoundEven(Vector128.Load(x + i), r, zp, lo, hi); q1 = RoundEven(Vector128.Load(x + i + 4), r, zp, lo, hi);
                    q2 = RoundEven(Vector128.Load(x + i + 8), r, zp, lo, hi); q3 = RoundEven(Vector128.Load(x + i + 12), r, zp, lo, hi);
                }
                else
                {
                    q0 = Round(Vector128.Load(x + i), s, half, one, zp, lo, hi); q1 = Round(Vector128.Load(x + i + 4), s, half, one, zp, lo, hi);
                    q2 = Round(Vector128.Load(x + i + 8), s, half, one, zp, lo, hi); q3 = Round(Vector128.Load(x + i + 12), s, half, one, zp, lo, hi);
                }
                Vector128<short> a = Vector128.Narrow(q0, q1), b = Vector128.Narrow(q2, q3);
                if (_out == TensorType.Int16) { a.Store((short*)y + i); b.Store((short*)y + i + 8); }
                else if (_out == TensorType.Int8) Vector128.Narrow(a, b).Store((sbyte*)y + i);
                else Vector128.Narrow(a.AsUInt16(), b.AsUInt16()).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float r;
            if (xnn) r = MathF.Round(x[i] * inv, MidpointRounding.ToEven) + _zpOut;
            else
            {
                float v = x[i] / _scale, t = MathF.Truncate(v);
                r = t + (MathF.Abs(v - t) >= 0.5f ? MathF.CopySign(1f, v) : 0f) + _zpOut;
            }
            Store(y, i, float.IsNaN(r) ? _zpOut : r <= _qmin ? _qmin : r >= _qmax ? _qmax : (int)r);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> RoundEven(Vector128<float> x, Vector128<float> inv, Vector128<float> zp, Vector128<float> lo, Vector128<float> hi)
    {
        var r = Vector128.Round(x * inv) + zp; // Vector128.Round: to nearest, ties to even
        r = Vector128.ConditionalSelect(Vector128.Equals(r, r), r, zp);
        return Vector128.ConvertToInt32(Vector128.MinNative(Vector128.MaxNative(r, lo), hi));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Round(Vector128<float> x, Vector128<float> s, Vector128<float> half, Vector128<float> one,
        Vector128<float> zp, Vector128<float> lo, Vector128<float> hi)
    {
        var v = x / s;
        var t = Vector128.Truncate(v);
        var r = t + Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(v - t), half), Vector128.CopySign(one, v), Vector128<float>.Zero) + zp;
        r = Vector128.ConditionalSelect(Vector128.Equals(r, r), r, zp);
        return Vector128.ConvertToInt32(Vector128.MinNative(Vector128.MaxNative(r, lo), hi));
    }
}

/// <summary>DEQUANTIZE: uint8/int8/int16/int32 → float32 ((x - zp) · s, per-tensor or per-channel) and float16 → float32.</summary>
internal sealed unsafe class Dequantize : OpKernel
{
    private TensorType _in;
    private float[] _scales = [];
    private int[] _zps = [];
    private int _axis, _inner, _axisSize;
    private readonly float[] _table = new float[256]; // per-tensor 8-bit input: every value's result

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
        if (!q.IsPerChannel && _in is TensorType.UInt8 or TensorType.Int8)
            for (int v = 0; v < 256; v++) _table[v] = _scales[0] * ((_in == TensorType.Int8 ? (sbyte)v : v) - _zps[0]);
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0);
        byte* x = xt.DataPointer;
        float* y = (float*)context.Output(0).DataPointer;
        int n = xt.ElementCount;
        if (_in == TensorType.Float16) { Elements.HalfToSingle((ushort*)x, y, n); return; }
        bool perChannel = _scales.Length > 1;
        if (!perChannel && _in is TensorType.UInt8 or TensorType.Int8)
        {
            // the table holds scale · (v - zp) for every byte, computed as below
            fixed (float* t = _table) for (int i = 0; i < n; i++) y[i] = t[x[i]];
            return;
        }
        for (int i = 0; i < n; i++)
        {
            int c = perChannel ? (i / _inner) % _axisSize : 0;
            int v = _in switch { TensorType.UInt8 => x[i], TensorType.Int8 => ((sbyte*)x)[i], TensorType.Int16 => ((short*)x)[i], _ => ((int*)x)[i] };
            y[i] = _scales[c] * (v - _zps[c]);
        }
    }
}
