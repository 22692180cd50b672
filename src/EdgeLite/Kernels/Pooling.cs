using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC, float32, uint8 and int8, as TFLite's reference pooling: the window is
/// clipped to the input (padding is not counted); quantized averages round half away from zero
/// ((sum ± count/2) / count); the fused activation clamps the result.
/// </summary>
internal sealed unsafe class Pooling(bool max) : OpKernel
{
    private TensorType _type;
    private int _n, _h, _w, _c, _outH, _outW, _fh, _fw, _sh, _sw, _padH, _padW, _qmin, _qmax;
    private float _fmin, _fmax;
    private int[] _sums = [];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        var o = context.Options<Schema.Pool2DOptions>() ?? default;
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _type = x.Type;
        _n = x.Dim(0); _h = x.Dim(1); _w = x.Dim(2); _c = x.Dim(3);
        _fh = o.FilterHeight; _fw = o.FilterWidth; _sh = o.StrideH; _sw = o.StrideW;
        if (_fh <= 0 || _fw <= 0 || _sh <= 0 || _sw <= 0) throw context.Invalid($"filter {_fh}x{_fw}, stride {_sh}x{_sw}");
        var pad = PaddingUtil.Compute(o.Padding, _sh, _sw, 1, 1, _h, _w, _fh, _fw, out _outH, out _outW);
        _padH = pad.Height; _padW = pad.Width;
        var fa = (FusedActivation)(sbyte)o.FusedActivationFunction;
        switch (_type)
        {
            case TensorType.Float32: (_fmin, _fmax) = QuantizationUtils.ActivationRange(fa); break;
            case TensorType.UInt8: case TensorType.Int8:
            {
                var q = y.Quantization;
                if (q == null || q.Scales.Count == 0) (_qmin, _qmax) = QuantizationUtils.TypeRange(_type);
                else (_qmin, _qmax) = QuantizationUtils.ActivationRange(fa, _type, q.Scale, q.ZeroPoint);
                break;
            }
            default: throw context.Unsupported($"type {_type.ToDTypeName()}");
        }
        if (!max && _type != TensorType.Float32) _sums = new int[_c];
        context.SetOutputShape(0, [_n, _outH, _outW, _c]);
    }

    /// <summary>
    /// The channel-vectorised part of one quantized output pixel (max over 16 channels at a time, or the whole
    /// average), same arithmetic as the scalar loop. Returns the first channel left for the scalar loop.
    /// </summary>
    private int VectorChannels(byte* x, byte* y, int b, int y0, int x0, int fy0, int fy1, int fx0, int fx1, int count, long outBase)
    {
        // float32 with enough channels for a vector went through FloatRow/FloatRow128; the rest is scalar
        if (_type == TensorType.Float32 || !Vector128.IsHardwareAccelerated) return 0;
        int ch = 0;
        bool signed = _type == TensorType.Int8;
        if (!max) return AverageQuantized(x, y, b, y0, x0, fy0, fy1, fx0, fx1, count, outBase, signed);
        for (; ch + 16 <= _c; ch += 16)
        {
            Vector128<byte> accU = Vector128<byte>.Zero; Vector128<sbyte> accS = Vector128.Create(sbyte.MinValue);
            for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                {
                    byte* p = x + (((long)b * _h + y0 + fy) * _w + x0 + fx) * _c + ch;
                    if (signed) accS = Vector128.Max(accS, Vector128.Load((sbyte*)p)); else accU = Vector128.Max(accU, Vector128.Load(p));
                }
            if (signed) Vector128.Min(Vector128.Max(accS, Vector128.Create((sbyte)_qmin)), Vector128.Create((sbyte)_qmax)).Store((sbyte*)y + outBase + ch);
            else Vector128.Min(Vector128.Max(accU, Vector128.Create((byte)_qmin)), Vector128.Create((byte)_qmax)).Store(y + outBase + ch);
        }
        return ch;
    }

    /// <summary>
    /// Quantized average of one output pixel: the window summed 16 channels at a time into <see cref="_sums"/> (exact
    /// int32), then per channel TFLite's rounded division. Returns the channels done (all).
    /// </summary>
    private int AverageQuantized(byte* x, byte* y, int b, int y0, int x0, int fy0, int fy1, int fx0, int fx1, int count, long outBase, bool signed)
    {
        fixed (int* sums = _sums)
        {
            new Span<int>(sums, _c).Clear();
            for (int fy = fy0; fy < fy1; fy++)
                for (int fx = fx0; fx < fx1; fx++)
                {
                    byte* p = x + (((long)b * _h + y0 + fy) * _w + x0 + fx) * _c;
                    int ch = 0;
                    for (; ch + 16 <= _c; ch += 16)
                    {
                        var (a, bb, c, d) = Elements.Widen16(p + ch, signed);
                        (Vector128.Load(sums + ch) + a).Store(sums + ch); (Vector128.Load(sums + ch + 4) + bb).Store(sums + ch + 4);
                        (Vector128.Load(sums + ch + 8) + c).Store(sums + ch + 8); (Vector128.Load(sums + ch + 12) + d).Store(sums + ch + 12);
                    }
                    for (; ch < _c; ch++) sums[ch] += signed ? ((sbyte*)p)[ch] : p[ch];
                }
            for (int ch = 0; ch < _c; ch++)
            {
                int acc = sums[ch];
                acc = count == 0 ? 0 : acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                acc = acc < _qmin ? _qmin : acc > _qmax ? _qmax : acc;
                if (signed) ((sbyte*)y)[outBase + ch] = (sbyte)acc; else y[outBase + ch] = (byte)acc;
            }
        }
        return _c;
    }

    /// <summary>
    /// float32, at least 8 channels: one output row, windows clipped as the scalar loop, 8 channels at a time (the
    /// last ones through an overlapping vector), window values combined in the same order (same sums, same maxima).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void FloatRow(float* x, float* y, int b, int oy)
    {
        int c = _c, y0 = oy * _sh - _padH;
        int fy0 = Math.Max(0, -y0), fy1 = Math.Min(_fh, _h - y0);
        long rowStride = (long)_w * c;
        float* image = x + (long)b * _h * rowStride;
        float* outRow = y + ((long)b * _outH + oy) * _outW * c;
        var mn = Vector256.Create(_fmin); var mx = Vector256.Create(_fmax);
        for (int ox = 0; ox < _outW; ox++)
        {
            int x0 = ox * _sw - _padW;
            int fx0 = Math.Max(0, -x0), fx1 = Math.Min(_fw, _w - x0);
            int count = (fy1 - fy0) * (fx1 - fx0);
            var inv = Vector256.Create((float)count);
            float* o = outRow + (long)ox * c;
            for (int ch = 0; ch < c; ch += 8)
            {
                if (ch + 8 > c) ch = c - 8;
                var acc = max ? Vector256.Create(float.MinValue) : Vector256<float>.Zero;
                for (int fy = fy0; fy < fy1; fy++)
                {
                    float* p = image + (y0 + fy) * rowStride + (long)x0 * c + ch;
                    for (int fx = fx0; fx < fx1; fx++)
                    {
                        var v = Vector256.Load(p + (long)fx * c);
                        acc = max ? Vector256.Max(acc, v) : acc + v;
                    }
                }
                if (!max) acc = count > 0 ? acc / inv : Vector256<float>.Zero;
                Vector256.Min(Vector256.Max(acc, mn), mx).Store(o + ch);
            }
        }
    }

    /// <summary>128-bit twin of <see cref="FloatRow"/> (arm64), 4 channels at a time.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void FloatRow128(float* x, float* y, int b, int oy)
    {
        int c = _c, y0 = oy * _sh - _padH;
        int fy0 = Math.Max(0, -y0), fy1 = Math.Min(_fh, _h - y0);
        long rowStride = (long)_w * c;
        float* image = x + (long)b * _h * rowStride;
        float* outRow = y + ((long)b * _outH + oy) * _outW * c;
        var mn = Vector128.Create(_fmin); var mx = Vector128.Create(_fmax);
        for (int ox = 0; ox < _outW; ox++)
        {
            int x0 = ox * _sw - _padW;
            int fx0 = Math.Max(0, -x0), fx1 = Math.Min(_fw, _w - x0);
            int count = (fy1 - fy0) * (fx1 - fx0);
            var inv = Vector128.Create((float)count);
            float* o = outRow + (long)ox * c;
            for (int ch = 0; ch < c; ch += 4)
            {
                if (ch + 4 > c) ch = c - 4;
                var acc = max ? Vector128.Create(float.MinValue) : Vector128<float>.Zero;
                for (int fy = fy0; fy < fy1; fy++)
                {
                    float* p = image + (y0 + fy) * rowStride + (long)x0 * c + ch;
                    for (int fx = fx0; fx < fx1; fx++)
                    {
                        var v = Vector128.Load(p + (long)fx * c);
                        acc = max ? Vector128.Max(acc, v) : acc + v;
                    }
                }
                if (!max) acc = count > 0 ? acc / inv : Vector128<float>.Zero;
                Vector128.Min(Vector128.Max(acc, mn), mx).Store(o + ch);
            }
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        if (_type == TensorType.Float32 && _c >= 4 && !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated)
        {
            for (int b = 0; b < _n; b++)
                for (int oy = 0; oy < _outH; oy++) FloatRow128((float*)x, (float*)y, b, oy);
            return;
        }
        if (_type == TensorType.Float32 && _c >= 8 && Vector256.IsHardwareAccelerated)
        {
            for (int b = 0; b < _n; b++)
                for (int oy = 0; oy < _outH; oy++) FloatRow((float*)x, (float*)y, b, oy);
            return;
        }
        for (int b = 0; b < _n; b++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                {
                    int y0 = oy * _sh - _padH, x0 = ox * _sw - _padW;
                    int fy0 = Math.Max(0, -y0), fy1 = Math.Min(_fh, _h - y0);
                    int fx0 = Math.Max(0, -x0), fx1 = Math.Min(_fw, _w - x0);
                    int count = (fy1 - fy0) * (fx1 - fx0);
                    long outBase = (((long)b * _outH + oy) * _outW + ox) * _c;
                    int ch = VectorChannels(x, y, b, y0, x0, fy0, fy1, fx0, fx1, count, outBase);
                    for (; ch < _c; ch++)
                    {
                        if (_type == TensorType.Float32)
                        {
                            float acc = max ? float.MinValue : 0f;
                            for (int fy = fy0; fy < fy1; fy++)
                                for (int fx = fx0; fx < fx1; fx++)
                                {
                                    float v = ((float*)x)[(((long)b * _h + y0 + fy) * _w + x0 + fx) * _c + ch];
                                    acc = max ? (v > acc ? v : acc) : acc + v;
                                }
                            if (!max) acc = count > 0 ? acc / count : 0f;
                            ((float*)y)[outBase + ch] = acc < _fmin ? _fmin : acc > _fmax ? _fmax : acc;
                        }
                        else
                        {
                            bool signed = _type == TensorType.Int8;
                            int acc = max ? int.MinValue : 0;
                            for (int fy = fy0; fy < fy1; fy++)
                                for (int fx = fx0; fx < fx1; fx++)
                                {
                                    long i = (((long)b * _h + y0 + fy) * _w + x0 + fx) * _c + ch;
                                    int v = signed ? ((sbyte*)x)[i] : x[i];
                                    acc = max ? Math.Max(acc, v) : acc + v;
                                }
                            if (!max) acc = count == 0 ? 0 : acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                            acc = acc < _qmin ? _qmin : acc > _qmax ? _qmax : acc;
                            if (signed) ((sbyte*)y)[outBase + ch] = (sbyte)acc; else y[outBase + ch] = (byte)acc;
                        }
                    }
                }
    }
}

/// <summary>
/// L2_POOL_2D over NHWC, float32, as TFLite's reference L2Pool: √(Σx² / n) over the window clipped to the input
/// (n = the taps inside), then the fused activation.
/// </summary>
internal sealed unsafe class L2Pool : OpKernel
{
    private int _n, _h, _w, _c, _outH, _outW, _fh, _fw, _sh, _sw, _padH, _padW;
    private float _fmin, _fmax;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        var o = context.Options<Schema.Pool2DOptions>() ?? default;
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32) throw context.Unsupported($"{x.Type.ToDTypeName()} (float32 only, as TFLite)");
        _n = x.Dim(0); _h = x.Dim(1); _w = x.Dim(2); _c = x.Dim(3);
        _fh = o.FilterHeight; _fw = o.FilterWidth; _sh = o.StrideH; _sw = o.StrideW;
        if (_fh <= 0 || _fw <= 0 || _sh <= 0 || _sw <= 0) throw context.Invalid($"filter {_fh}x{_fw}, stride {_sh}x{_sw}");
        var pad = PaddingUtil.Compute(o.Padding, _sh, _sw, 1, 1, _h, _w, _fh, _fw, out _outH, out _outW);
        _padH = pad.Height; _padW = pad.Width;
        (_fmin, _fmax) = QuantizationUtils.ActivationRange((FusedActivation)(sbyte)o.FusedActivationFunction);
        context.SetOutputShape(0, [_n, _outH, _outW, _c]);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, y = (float*)context.Output(0).DataPointer;
        long oi = 0;
        for (int b = 0; b < _n; b++)
        for (int oy = 0; oy < _outH; oy++)
        for (int ox = 0; ox < _outW; ox++)
        {
            int y0 = oy * _sh - _padH, x0 = ox * _sw - _padW;
            int fy0 = Math.Max(0, -y0), fy1 = Math.Min(_fh, _h - y0), fx0 = Math.Max(0, -x0), fx1 = Math.Min(_fw, _w - x0);
            for (int ch = 0; ch < _c; ch++, oi++)
            {
                float sum = 0; int count = 0;
                for (int fy = fy0; fy < fy1; fy++)
                    for (int fx = fx0; fx < fx1; fx++)
                    {
                        float v = x[(((long)b * _h + y0 + fy) * _w + x0 + fx) * _c + ch];
                        sum += v * v; count++;
                    }
                y[oi] = QuantizationUtils.ApplyActivation(MathF.Sqrt(sum / count), _fmin, _fmax);
            }
        }
    }
}
