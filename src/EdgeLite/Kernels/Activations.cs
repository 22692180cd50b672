using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>The elementwise activation functions of <see cref="Activation"/>.</summary>
internal enum ActivationKind { Relu, Relu6, ReluN1To1, Relu0To1, Logistic, Tanh, HardSwish, LeakyRelu, Elu, Gelu }

/// <summary>
/// RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, ELU and GELU, elementwise, same
/// shape in and out. float32 computes the function directly (logistic 1/(1+e^-x), hard-swish x·relu6(x+3)/6, leaky x or
/// α·x, elu x or e^x - 1, gelu x·Φ(x) = x/2·(1 + erf(x/√2)) or with <c>approximate</c> x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))).
/// uint8/int8 go through a 256-entry table built at Prepare (HARD_SWISH: TFLite's builtin fixed-point arithmetic, see
/// HardSwishTable; the others as TFLite's LUT kernels and XNNPACK do): dequantize
/// ((q - zp_in)·s_in), apply the function in float, divide by s_out, round to nearest even, add zp_out, clamp (ELU:
/// XNNPACK's table, times 1/s_out; LEAKY_RELU with scales in XNNPACK's range: its 8-bit-multiplier kernel; HARD_SWISH:
/// TFLite's integer kernel, <see cref="HardSwishInt"/>). For the
/// RELU family with equal input and output quantization this is exactly TFLite's clamp in the quantized domain.
/// </summary>
internal sealed unsafe class Activation(ActivationKind kind) : OpKernel
{
    private TensorType _type;
    private float _alpha;
    private bool _approximate;
    private readonly byte[] _lut = new byte[256];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid($"input {x.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        _type = x.Type;
        if (kind == ActivationKind.LeakyRelu) _alpha = context.Options<Schema.LeakyReluOptions>()?.Alpha ?? 0f;
        if (kind == ActivationKind.Gelu) _approximate = context.Options<Schema.GeluOptions>()?.Approximate ?? false;
        context.SetOutputShape(0, x.Shape);
        switch (_type)
        {
            case TensorType.Float32: break;
            case TensorType.UInt8 when kind == ActivationKind.Elu: throw context.Unsupported("uint8 ELU (TFLite takes float32 and int8)");
            case TensorType.UInt8:
            case TensorType.Int8:
            {
                var qi = x.Quantization; var qo = y.Quantization;
                if (qi == null || qo == null || qi.Scales.Count == 0 || qo.Scales.Count == 0) throw context.Invalid("quantized activation without quantization");
                if (qo.Scale <= 0 || qi.Scale <= 0) throw context.Invalid("non-positive quantization scale");
                bool signed = _type == TensorType.Int8;
                int lo = signed ? -128 : 0, hi = signed ? 127 : 255;
                if (kind == ActivationKind.HardSwish) { HardSwishTable(qi, qo, signed, lo, hi); break; }
                // TFLite's XNNPACK delegate takes quantized LEAKY_RELU when its scales are in XNNPACK's range
                float posScale = qi.Scale / qo.Scale, negScale = posScale * _alpha;
                bool xnnLeaky = posScale >= 1f / 256 && posScale <= 128f && negScale <= 128f && negScale >= -127.99f && MathF.Abs(negScale) >= 1f / 256;
                int posMul = (int)MathF.Round(256f * posScale, MidpointRounding.ToEven), negMul = (int)MathF.Round(256f * negScale, MidpointRounding.ToEven);
                var hs = kind == ActivationKind.HardSwish ? HardSwishInt.Create(qi.Scale, qo.Scale) : default;
                for (int raw = 0; raw < 256; raw++)
                {
                    int q = signed ? (sbyte)(byte)raw : raw;
                    float v = Apply((q - qi.ZeroPoint) * qi.Scale);
                    long r;
                    if (kind == ActivationKind.LeakyRelu && xnnLeaky)
                    {
                        // XNNPACK's qs8/qu8 leaky ReLU: 8-bit fixed-point multipliers, (zp_out·256 + 128 + d·m) >> 8
                        int d = q - qi.ZeroPoint;
                        _lut[raw] = (byte)Math.Clamp(((qo.ZeroPoint << 8) + 0x80 + d * (d >= 0 ? posMul : negMul)) >> 8, lo, hi);
                        continue;
                    }
                    if (kind == ActivationKind.HardSwish && hs.Valid)
                    {
                        _lut[raw] = (byte)Math.Clamp(hs.Apply(q - qi.ZeroPoint) + qo.ZeroPoint, lo, hi);
                        continue;
                    }
                    if (kind == ActivationKind.Elu)
                    {
                        // XNNPACK's ELU table (the delegate takes it): times the float inverse scale, + zp, rounded to even
                        float scaledZ = v * (1f / qo.Scale) + qo.ZeroPoint;
                        r = float.IsNaN(scaledZ) ? 0 : (long)Math.Clamp(MathF.Round(scaledZ, MidpointRounding.ToEven), -1e9f, 1e9f);
                        _lut[raw] = (byte)Math.Clamp(r, lo, hi);
                        continue;
                    }
                    float scaled = v / qo.Scale;
                    r = float.IsNaN(scaled) ? 0 : (long)Math.Clamp(MathF.Round(scaled, MidpointRounding.ToEven), -1e9f, 1e9f);
                    _lut[raw] = (byte)Math.Clamp(r + qo.ZeroPoint, lo, hi);
                }
                break;
            }
            default: throw context.Unsupported($"type {_type.ToDTypeName()}");
        }
    }

    /// <summary>
    /// 8-bit HARD_SWISH as TFLite's builtin kernel computes it (real TFLite does not hand quantized hard-swish to
    /// XNNPACK): 16-bit fixed point on the input moved to a "hires" scale s_in/128. The output branch multiplies it by
    /// s_hires/s_out (a Q15 multiplier and a right shift); the gate ("reluish", x/3 on a 3/32768 scale, mapped from [-1, 1]
    /// to [0, 1]) by s_hires/(3/32768); their product (truncating Q15 multiply) is shifted down, + zp_out, clamped.
    /// Tabulated per input value.
    /// </summary>
    private void HardSwishTable(QuantizationParameters qi, QuantizationParameters qo, bool signed, int lo, int hi)
    {
        float hires = 1f / 128 * qi.Scale;
        QuantizationUtils.QuantizeMultiplier(hires / qo.Scale, out int outM32, out int outExp);
        QuantizationUtils.QuantizeMultiplier(hires / (3f / 32768), out int reluM32, out int reluExp);
        if (outExp > 0) throw new UnsupportedOperatorException($"HARD_SWISH: output scale {qo.Scale} too small for input scale {qi.Scale} (TFLite requires s_in/128 <= s_out)");
        short outM = DownScale(outM32), reluM = DownScale(reluM32);
        for (int raw = 0; raw < 256; raw++)
        {
            int q = signed ? (sbyte)(byte)raw : raw;
            short x = (short)((q - qi.ZeroPoint) * 128);
            short scaled = RoundingHighMul(x, outM);
            int gate = x;
            if (reluExp > 0) gate = SaturatingShift(gate, reluExp - 1);
            gate = RoundingHighMul((short)gate, reluM);
            if (reluExp > 0) gate = SaturatingShift(gate, 1);
            if (reluExp < 0) gate = QuantizationUtils.RoundingDivideByPOT(gate, -reluExp);
            gate = (gate + 32768) >> 1;
            int product = gate == short.MinValue && scaled == short.MinValue ? short.MaxValue : gate * scaled / 32768;
            int v = QuantizationUtils.RoundingDivideByPOT(product, -outExp) + qo.ZeroPoint;
            _lut[raw] = (byte)Math.Clamp(v, lo, hi);
        }

        static short DownScale(int m) => (short)Math.Min(((long)m + (1 << 15)) >> 16, short.MaxValue);
        static int SaturatingShift(int x, int s) => Math.Clamp(x * (1 << s), short.MinValue, short.MaxValue);
        // gemmlowp's SaturatingRoundingDoublingHighMul on int16
        static short RoundingHighMul(short a, short b)
        {
            if (a == short.MinValue && b == short.MinValue) return short.MaxValue;
            int ab = a * b;
            int nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
            return (short)((ab + nudge) / (1 << 15));
        }
    }

    private float Apply(float x) => kind switch
    {
        ActivationKind.Relu => Math.Max(x, 0f),
        ActivationKind.Relu6 => Math.Clamp(x, 0f, 6f),
        ActivationKind.ReluN1To1 => Math.Clamp(x, -1f, 1f),
        ActivationKind.Relu0To1 => Math.Clamp(x, 0f, 1f),
        ActivationKind.Logistic => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.HardSwish => x * Math.Clamp(x + 3f, 0f, 6f) / 6f,
        ActivationKind.Elu => x < 0 ? (float)(Math.Exp(x) - 1) : x,
        ActivationKind.Gelu => _approximate
            ? (float)(0.5 * x * (1 + Math.Tanh(0.7978845608028654 * (x + 0.044715 * (double)x * x * x))))
            : (float)(0.5 * x * ErfFunction.Erfc(-x * 0.7071067811865476)),
        _ => x >= 0 ? x : x * _alpha,
    };

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        int n = x.ElementCount;
        if (_type != TensorType.Float32)
        {
            byte* src = x.DataPointer, dst = y.DataPointer;
            fixed (byte* lut = _lut) for (int i = 0; i < n; i++) dst[i] = lut[src[i]];
            return;
        }
        float* a = (float*)x.DataPointer, b = (float*)y.DataPointer;
        int k = 0;
        if (Vector256.IsHardwareAccelerated && kind is ActivationKind.Relu or ActivationKind.Relu6 or ActivationKind.ReluN1To1 or ActivationKind.Relu0To1 or ActivationKind.HardSwish)
        {
            var zero = Vector256<float>.Zero; var six = Vector256.Create(6f); var three = Vector256.Create(3f);
            var one = Vector256<float>.One; var minusOne = Vector256.Create(-1f);
            for (; k + 8 <= n; k += 8)
            {
                var v = Vector256.Load(a + k);
                var r = kind switch
                {
                    ActivationKind.Relu => Vector256.Max(v, zero),
                    ActivationKind.Relu6 => Vector256.Min(Vector256.Max(v, zero), six),
                    ActivationKind.ReluN1To1 => Vector256.Min(Vector256.Max(v, minusOne), one),
                    ActivationKind.Relu0To1 => Vector256.Min(Vector256.Max(v, zero), one),
                    _ => v * Vector256.Min(Vector256.Max(v + three, zero), six) / six,
                };
                r.Store(b + k);
            }
        }
        if (!Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated
            && kind is ActivationKind.Relu or ActivationKind.Relu6 or ActivationKind.ReluN1To1 or ActivationKind.Relu0To1 or ActivationKind.HardSwish or ActivationKind.Logistic)
        {
            // 128-bit (arm64): the same lane operations as the 256-bit loops
            var zero = Vector128<float>.Zero; var six = Vector128.Create(6f); var three = Vector128.Create(3f);
            var one = Vector128<float>.One; var minusOne = Vector128.Create(-1f);
            for (; k + 4 <= n; k += 4)
            {
                var v = Vector128.Load(a + k);
                var r = kind switch
                {
                    ActivationKind.Relu => Vector128.Max(v, zero),
                    ActivationKind.Relu6 => Vector128.Min(Vector128.Max(v, zero), six),
                    ActivationKind.ReluN1To1 => Vector128.Min(Vector128.Max(v, minusOne), one),
                    ActivationKind.Relu0To1 => Vector128.Min(Vector128.Max(v, zero), one),
                    ActivationKind.Logistic => one / (one + Vector128.Exp(-v)),
                    _ => v * Vector128.Min(Vector128.Max(v + three, zero), six) / six,
                };
                r.Store(b + k);
            }
        }
        if (Vector256.IsHardwareAccelerated && kind == ActivationKind.Logistic)
        {
            // 1 / (1 + e^-x) with the runtime's vector exponential (within an ulp or two of MathF.Exp: the sigmoid
            // differs from the scalar loop's by at most a few 1e-7 relative; tested)
            var one = Vector256<float>.One;
            for (; k + 8 <= n; k += 8) (one / (one + Vector256.Exp(-Vector256.Load(a + k)))).Store(b + k);
        }
        for (; k < n; k++) b[k] = Apply(a[k]);
    }
}

/// <summary>
/// PRELU: y = x ≥ 0 ? x : α·x with α broadcast against x (usually one slope per channel), float32 as TFLite's
/// reference PRelu.
/// </summary>
internal sealed unsafe class PRelu : OpKernel
{
    private Broadcast _bc = null!;
    private int _perChannel; // > 0: α has one value per channel of the last dimension and x keeps its shape
    private TensorType _type;
    private QuantOp _q;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var alpha = context.Input(1); var y = context.Output(0);
        _type = x.Type;
        bool quantized = x.Type is TensorType.Int8 or TensorType.UInt8 && alpha.Type == x.Type && y.Type == x.Type;
        if (!quantized && (x.Type != TensorType.Float32 || alpha.Type != TensorType.Float32 || y.Type != TensorType.Float32))
            throw context.Unsupported($"PRELU on {x.Type.ToDTypeName()} with {alpha.Type.ToDTypeName()} slopes (float32, or uint8/int8 with slopes of the same type)");
        _bc = Broadcast.Prepare(context, x, alpha, out var shape);
        context.SetOutputShape(0, shape);
        int c = x.Rank > 0 ? x.Dim(x.Rank - 1) : 0;
        _perChannel = x.ElementCount == _bc.Count && c > 0 && alpha.ElementCount == c && alpha.Dim(alpha.Rank - 1) == c ? c : 0;
        if (quantized)
        {
            // TFLite's builtin kernel (XNNPACK takes float PRELU only): per-tensor parameters of x, α and y; x >= 0
            // is rescaled by s_x/s_y, x < 0 by s_x·s_α/s_y after multiplying by (α - zp_α).
            var qx = context.RequirePerTensor(x, "input"); var qa = context.RequirePerTensor(alpha, "alpha"); var qy = context.RequirePerTensor(y, "output");
            QuantizationUtils.QuantizeMultiplier(qx.Scale / (double)qy.Scale, out _q.M1, out _q.S1);
            QuantizationUtils.QuantizeMultiplier(qx.Scale * (double)qa.Scale / qy.Scale, out _q.M2, out _q.S2);
            _q.XOffset = -qx.ZeroPoint; _q.AOffset = -qa.ZeroPoint; _q.YOffset = qy.ZeroPoint;
            (_q.Min, _q.Max) = QuantizationUtils.TypeRange(x.Type);
            // Constant slopes, one or one per channel of x (MediaPipe's PRELUs): the result depends only on the input
            // code and the channel, so a table per slope value replaces the arithmetic (same values as QuantOp).
            _table = null;
            int slopes = alpha.ElementCount;
            if (alpha.Description.IsConstant && x.ElementCount == _bc.Count && (slopes == 1 || _perChannel == slopes) && slopes <= 4096)
            {
                _table = new byte[slopes * 256];
                var a = alpha.AsBytes();
                var op = _q; op.Signed = x.Type == TensorType.Int8;
                fixed (byte* t = _table, pa = a)
                {
                    var codes = stackalloc byte[256];
                    for (int k = 0; k < 256; k++) codes[k] = (byte)k;
                    op.X = codes;
                    op.A = pa;
                    for (int ch = 0; ch < slopes; ch++) { op.Y = t + ch * 256; for (int k = 0; k < 256; k++) op.Apply(k, k, ch); }
                }
            }
        }
    }

    private byte[]? _table;

    // y[i] = table[channel(i)][x[i]]
    private void Tabulated(byte* x, byte* y, long n)
    {
        int slopes = _table!.Length / 256;
        fixed (byte* t = _table)
        {
            if (slopes == 1) { for (long i = 0; i < n; i++) y[i] = t[x[i]]; return; }
            for (long p = 0; p < n; p += slopes)
            {
                byte* xp = x + p, yp = y + p;
                for (int c = 0; c < slopes; c++) yp[c] = t[c * 256 + xp[c]];
            }
        }
    }

    public override void Eval(KernelContext context)
    {
        if (_type != TensorType.Float32 && _table != null)
        {
            Tabulated(context.Input(0).DataPointer, context.Output(0).DataPointer, _bc.Count);
            return;
        }
        if (_type != TensorType.Float32)
        {
            var op = _q;
            op.X = (byte*)context.Input(0).DataPointer; op.A = (byte*)context.Input(1).DataPointer; op.Y = (byte*)context.Output(0).DataPointer;
            op.Signed = _type == TensorType.Int8;
            _bc.ForEach(ref op);
            return;
        }
        if (_perChannel > 0) { PerChannel((float*)context.Input(0).DataPointer, (float*)context.Input(1).DataPointer, (float*)context.Output(0).DataPointer); return; }
        var f = new Op { X = (float*)context.Input(0).DataPointer, A = (float*)context.Input(1).DataPointer, Y = (float*)context.Output(0).DataPointer };
        _bc.ForEach(ref f);
    }

    /// <summary>The quantized form (reference: TFLite's reference_ops::BroadcastPrelu4DSlow).</summary>
    private struct QuantOp : IBroadcastOp
    {
        public byte* X, A, Y;
        public bool Signed;
        public int M1, S1, M2, S2, XOffset, AOffset, YOffset, Min, Max;

        public readonly void Apply(int o, int i1, int i2)
        {
            int x = (Signed ? (sbyte)X[i1] : X[i1]) + XOffset;
            int v = x >= 0
                ? QuantizationUtils.MultiplyByQuantizedMultiplier(x, M1, S1)
                : QuantizationUtils.MultiplyByQuantizedMultiplier(x * ((Signed ? (sbyte)A[i2] : A[i2]) + AOffset), M2, S2);
            v = Math.Clamp(v + YOffset, Min, Max);
            Y[o] = (byte)v;
        }
    }

    /// <summary>α per channel: max(x, 0) + α·min(x, 0), 8 channels at a time (same values as the scalar form).</summary>
    private void PerChannel(float* x, float* a, float* y)
    {
        int c = _perChannel;
        long pixels = _bc.Count / c;
        for (long p = 0; p < pixels; p++)
        {
            float* xp = x + p * c, yp = y + p * c;
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; k + 8 <= c; k += 8)
                {
                    var v = Vector256.Load(xp + k);
                    Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * Vector256.Load(a + k)).Store(yp + k);
                }
            else if (Vector128.IsHardwareAccelerated)
                for (; k + 4 <= c; k += 4)
                {
                    var v = Vector128.Load(xp + k);
                    Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(v, Vector128<float>.Zero), v, v * Vector128.Load(a + k)).Store(yp + k);
                }
            for (; k < c; k++) { float v = xp[k]; yp[k] = v >= 0 ? v : v * a[k]; }
        }
    }

    private struct Op : IBroadcastOp
    {
        public float* X, A, Y;
        public readonly void Apply(int o, int i1, int i2) { float v = X[i1]; Y[o] = v >= 0 ? v : v * A[i2]; }
    }
}

/// <summary>
/// The complementary error function in double precision (.NET has none): the Maclaurin series of erf for |x| &lt; 3
/// (terms summed until negligible), the continued fraction erfc(z) = e^(-z²)/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …))))
/// evaluated bottom-up over 80 levels beyond.
/// </summary>
internal static class ErfFunction
{
    /// <summary>erfc(x) = 1 - erf(x).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double z = Math.Abs(x);
        double r;
        if (z < 3)
        {
            // erf(z) = 2/√π Σ (-1)^n z^(2n+1) / (n! (2n+1))
            double term = z, sum = z, z2 = z * z;
            for (int n = 1; n < 200; n++)
            {
                term *= -z2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            r = 1 - sum * 1.1283791670955126; // 2/√π
        }
        else
        {
            double f = z;
            for (int k = 80; k >= 1; k--) f = z + k * 0.5 / f;
            r = Math.Exp(-z * z) / (1.7724538509055159 * f);
        }
        return x >= 0 ? r : 2 - r;
    }
}

/// <summary>
/// TFLite's integer hard-swish (reference_ops::HardSwish for uint8/int8, which real TFLite runs for these nodes): the input
/// on a 1/128-finer scale in int16, multiplied by the output rescale (16-bit fixed point) and by a "relu-ish" factor
/// in [0, 1] — x rescaled so that 3.0 is 32768, saturated, moved to [0, 1] — with TFLite's int16 rounding and
/// saturation at every step, then the output shift. Returns the value before the output zero point.
/// </summary>
internal readonly struct HardSwishInt
{
    private readonly short _outMul, _reluMul;
    private readonly int _outExp, _reluExp;
    public bool Valid { get; }

    private HardSwishInt(short outMul, int outExp, short reluMul, int reluExp)
    { _outMul = outMul; _outExp = outExp; _reluMul = reluMul; _reluExp = reluExp; Valid = true; }

    public static HardSwishInt Create(float inputScale, float outputScale)
    {
        float hires = (1.0f / 128.0f) * inputScale;
        float reluishScale = 3.0f / 32768.0f;
        Quantization.QuantizationUtils.QuantizeMultiplier(hires / outputScale, out int om, out int oe);
        Quantization.QuantizationUtils.QuantizeMultiplier(hires / reluishScale, out int rm, out int re);
        if (oe > 0) return default; // TFLite requires the output multiplier below one
        return new HardSwishInt(Down(om), oe, Down(rm), re);
    }

    private static short Down(int m) => m >= int.MaxValue - (1 << 15) ? short.MaxValue : (short)((m + (1 << 15)) >> 16);

    private static short SatRoundDoublingHighMul(short a, short b)
    {
        if (a == b && a == short.MinValue) return short.MaxValue;
        int ab = a * b;
        int nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
        return (short)((ab + nudge) / (1 << 15));
    }

    private static short SatDoublingHighMul(short a, short b)
    {
        if (a == b && a == short.MinValue) return short.MaxValue;
        return (short)(a * b / (1 << 15));
    }

    private static short SatLeftShift(short v, int amount) => (short)Math.Clamp(v * (1L << amount), short.MinValue, short.MaxValue);

    private static short RoundingDivideByPOT(short x, int e)
    {
        int mask = (1 << e) - 1, rem = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (short)((x >> e) + (rem > threshold ? 1 : 0));
    }

    public int Apply(int inputMinusZp)
    {
        short hires = (short)(inputMinusZp * (1 << 7));
        short preshift = SatRoundDoublingHighMul(hires, _outMul);
        short reluish = hires;
        if (_reluExp > 0) reluish = SatLeftShift(reluish, _reluExp - 1);
        reluish = SatRoundDoublingHighMul(reluish, _reluMul);
        if (_reluExp > 0) reluish = SatLeftShift(reluish, 1);
        if (_reluExp < 0) reluish = RoundingDivideByPOT(reluish, -_reluExp);
        reluish = (short)((reluish + (1 << 15)) >> 1);
        short pre = SatDoublingHighMul(reluish, preshift);
        return RoundingDivideByPOT(pre, -_outExp);
    }
}
