using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// ADD and SUB with broadcasting: float32, int32, and uint8/int8. Quantized ADD follows XNNPACK's QS8/QU8 add, which
/// is what TFLite runs on CPU: each input's scale relative to the output (s_a/s_out, s_b/s_out in float) becomes a
/// 21-bit integer multiplier sharing one shift; acc = bias + a·m_a + b·m_b with bias = -(m_a·zp_a + m_b·zp_b), then
/// (acc + 2^(shift-1)) &gt;&gt; shift (arithmetic), + zp_out, clamped. SUB runs the same with b's multiplier negated
/// (XNNPACK's subtract), except when a scale ratio is outside [2^-10, 2^8): TFLite then keeps it on its builtin kernel,
/// and so does EdgeLite: inputs shifted left by 20 bits, rescaled to twice the larger input scale, subtracted,
/// rescaled to the output with quantized multipliers.
/// </summary>
internal sealed unsafe class Add(bool subtract) : OpKernel
{
    private const int LeftShift = 20;
    private Broadcast _bc = null!;
    private TensorType _type;
    private float _fmin, _fmax;
    private int _qmin, _qmax, _zp1, _zp2, _zpOut, _m1, _s1, _m2, _s2, _mOut, _sOut;
    private int _xa, _xb, _xbias, _xshift;
    private bool _builtin;
    private ByteTable? _table;
    private FloatLayout _layout;
    private int _channels;

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        var act = subtract ? (context.Options<Schema.SubOptions>()?.FusedActivationFunction ?? 0) : (context.Options<Schema.AddOptions>()?.FusedActivationFunction ?? 0);
        if (a.Type != b.Type || a.Type != y.Type) throw context.Invalid($"input types {a.Type.ToDTypeName()}, {b.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        _type = a.Type;
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
        var fa = (FusedActivation)(sbyte)act;
        switch (_type)
        {
            case TensorType.Float32:
                (_fmin, _fmax) = QuantizationUtils.ActivationRange(fa);
                _layout = FloatBinary.Detect(a, b, _bc, out _channels);
                break;
            case TensorType.Int32:
                (_fmin, _fmax) = QuantizationUtils.ActivationRange(fa);
                break;
            case TensorType.UInt8:
            case TensorType.Int8:
            {
                var qa = a.Quantization; var qb = b.Quantization; var qy = y.Quantization;
                if (qa == null || qb == null || qy == null || qa.Scales.Count == 0 || qb.Scales.Count == 0 || qy.Scales.Count == 0)
                    throw context.Invalid("quantized ADD/SUB without quantization");
                _zp1 = qa.ZeroPoint; _zp2 = qb.ZeroPoint; _zpOut = qy.ZeroPoint;
                double twiceMax = 2.0 * Math.Max(qa.Scale, qb.Scale);
                QuantizationUtils.QuantizeMultiplier(qa.Scale / twiceMax, out _m1, out _s1);
                QuantizationUtils.QuantizeMultiplier(qb.Scale / twiceMax, out _m2, out _s2);
                QuantizationUtils.QuantizeMultiplier(twiceMax / ((1 << LeftShift) * (double)qy.Scale), out _mOut, out _sOut);
                (_qmin, _qmax) = QuantizationUtils.ActivationRange(fa, _type, qy.Scale, qy.ZeroPoint);
                // XNNPACK's parameters (xnn_init_q*8_add_minmax_*_params)
                float aScale = qa.Scale / qy.Scale, bScale = qb.Scale / qy.Scale;
                float maxScale = Math.Max(aScale, bScale);
                int exponent = (int)(BitConverter.SingleToUInt32Bits(maxScale) >> 23) - 127;
                _xshift = 20 - exponent;
                // TFLite's XNNPACK delegate takes ADD/SUB when both input/output scale ratios are in [2^-10, 2^8)
                bool inRange = Math.Min(aScale, bScale) >= 1f / 1024 && maxScale < 256f && _xshift >= 12 && _xshift <= 30;
                if (!inRange)
                {
                    // TFLite then keeps the op on its builtin kernel (reference_ops Add/Sub: inputs left-shifted by 20,
                    // rescaled by fixed-point multipliers, summed, requantized); traffic_model's ADDs take this path
                    _builtin = true;
                    break;
                }
                _xa = (int)MathF.Round(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(aScale) + ((uint)_xshift << 23)), MidpointRounding.ToEven);
                _xb = (int)MathF.Round(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(bScale) + ((uint)_xshift << 23)), MidpointRounding.ToEven);
                if (subtract) _xb = -_xb; // XNNPACK subtracts with the add kernel and a negated multiplier
                _xbias = -(_xa * _zp1 + _xb * _zp2);
                break;
            }
            default: throw context.Unsupported($"type {_type.ToDTypeName()}");
        }
        if (_type is TensorType.UInt8 or TensorType.Int8 && (_table = ByteTable.TryCreate(a, b, _bc)) != null)
        {
            var (first, second) = _table.Operands((a.IsConstant ? a : b).AsBytes());
            fixed (byte* pa = first, pb = second, py = _table.Output)
            {
                bool signed = _type == TensorType.Int8;
                if (!_builtin)
                {
                    var xop = new XnnAddOp { A = pa, B = pb, Y = py, Signed = signed, MA = _xa, MB = _xb, Bias = _xbias, Shift = _xshift, ZpOut = _zpOut, QMin = _qmin, QMax = _qmax };
                    for (int j = 0; j < _table.Length; j++) xop.Apply(j, j, j);
                }
                else
                {
                    var op = new QuantOp { A = pa, B = pb, Y = py, Signed = signed, Sub = subtract, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut,
                        M1 = _m1, S1 = _s1, M2 = _m2, S2 = _s2, MOut = _mOut, SOut = _sOut, QMin = _qmin, QMax = _qmax };
                    for (int j = 0; j < _table.Length; j++) op.Apply(j, j, j);
                }
            }
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, b = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        switch (_type)
        {
            case TensorType.Float32:
            {
                if (_layout != FloatLayout.General)
                {
                    if (subtract) FloatBinary.Run<FloatSubOp>(_layout, _channels, (float*)a, (float*)b, (float*)y, _bc.Count, _fmin, _fmax);
                    else FloatBinary.Run<FloatAddOp>(_layout, _channels, (float*)a, (float*)b, (float*)y, _bc.Count, _fmin, _fmax);
                    break;
                }
                var op = new FloatOp { A = (float*)a, B = (float*)b, Y = (float*)y, Min = _fmin, Max = _fmax, Sub = subtract }; _bc.ForEach(ref op); break;
            }
            case TensorType.Int32: { var op = new IntOp { A = (int*)a, B = (int*)b, Y = (int*)y, Sub = subtract }; _bc.ForEach(ref op); break; }
            default:
            {
                if (_table != null) { _table.Apply(_table.VariableIsFirst ? a : b, y, _bc.Count); break; }
                if (!_builtin)
                {
                    var xop = new XnnAddOp { A = a, B = b, Y = y, Signed = _type == TensorType.Int8, MA = _xa, MB = _xb, Bias = _xbias,
                        Shift = _xshift, ZpOut = _zpOut, QMin = _qmin, QMax = _qmax };
                    if (_bc.Same && Avx512BW.IsSupported) { xop.SameShape512(_bc.Count); break; }
                    if (_bc.Same && Vector128.IsHardwareAccelerated) { xop.SameShape128(_bc.Count); break; }
                    _bc.ForEach(ref xop);
                    break;
                }
                var op = new QuantOp { A = a, B = b, Y = y, Signed = _type == TensorType.Int8, Sub = subtract, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut,
                    M1 = _m1, S1 = _s1, M2 = _m2, S2 = _s2, MOut = _mOut, SOut = _sOut, QMin = _qmin, QMax = _qmax };
                _bc.ForEach(ref op);
                break;
            }
        }
    }

    private struct FloatOp : IBroadcastOp
    {
        public float* A, B, Y; public float Min, Max; public bool Sub;
        public void Apply(int o, int i1, int i2)
        {
            float v = Sub ? A[i1] - B[i2] : A[i1] + B[i2];
            Y[o] = v < Min ? Min : v > Max ? Max : v;
        }
    }

    private struct IntOp : IBroadcastOp
    {
        public int* A, B, Y; public bool Sub;
        public void Apply(int o, int i1, int i2) => Y[o] = Sub ? A[i1] - B[i2] : A[i1] + B[i2];
    }

    private struct XnnAddOp : IBroadcastOp
    {
        public byte* A, B, Y; public bool Signed;
        public int MA, MB, Bias, Shift, ZpOut, QMin, QMax;
        public readonly void Apply(int o, int i1, int i2)
        {
            int a = Signed ? ((sbyte*)A)[i1] : A[i1];
            int b = Signed ? ((sbyte*)B)[i2] : B[i2];
            int acc = Bias + a * MA + b * MB;
            int v = ((acc + (1 << (Shift - 1))) >> Shift) + ZpOut;
            v = v < QMin ? QMin : v > QMax ? QMax : v;
            if (Signed) ((sbyte*)Y)[o] = (sbyte)v; else Y[o] = (byte)v;
        }

        /// <summary>The same arithmetic, 16 elements at a time (same shapes, AVX-512), scalar tail.</summary>
        public readonly void SameShape512(int n)
        {
            var ma = Vector512.Create(MA); var mb = Vector512.Create(MB);
            var bias = Vector512.Create(Bias + (1 << (Shift - 1)));
            var zp = Vector512.Create(ZpOut); var lo = Vector512.Create(QMin); var hi = Vector512.Create(QMax);
            int i = 0;
            for (; i + 16 <= n; i += 16)
            {
                Vector512<int> va, vb;
                if (Signed) { va = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)A + i)); vb = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)B + i)); }
                else { va = Avx512F.ConvertToVector512Int32(Vector128.Load(A + i)); vb = Avx512F.ConvertToVector512Int32(Vector128.Load(B + i)); }
                var acc = bias + Avx512F.MultiplyLow(va, ma) + Avx512F.MultiplyLow(vb, mb);
                var v = Avx512F.Min(Avx512F.Max((acc >> Shift) + zp, lo), hi);
                Avx512F.ConvertToVector128Byte(v).Store(Y + i);
            }
            for (; i < n; i++) Apply(i, i, i);
        }

        /// <summary>The same arithmetic, 16 elements at a time in 128-bit vectors (arm64), scalar tail.</summary>
        public readonly void SameShape128(int n)
        {
            var ma = Vector128.Create(MA); var mb = Vector128.Create(MB);
            var bias = Vector128.Create(Bias + (1 << (Shift - 1)));
            var zp = Vector128.Create(ZpOut); var lo = Vector128.Create(QMin); var hi = Vector128.Create(QMax);
            int i = 0;
            for (; i + 16 <= n; i += 16)
            {
                var (a0, a1, a2, a3) = Elements.Widen16(A + i, Signed);
                var (b0, b1, b2, b3) = Elements.Widen16(B + i, Signed);
                var q0 = Vector128.Min(Vector128.Max(((bias + a0 * ma + b0 * mb) >> Shift) + zp, lo), hi);
                var q1 = Vector128.Min(Vector128.Max(((bias + a1 * ma + b1 * mb) >> Shift) + zp, lo), hi);
                var q2 = Vector128.Min(Vector128.Max(((bias + a2 * ma + b2 * mb) >> Shift) + zp, lo), hi);
                var q3 = Vector128.Min(Vector128.Max(((bias + a3 * ma + b3 * mb) >> Shift) + zp, lo), hi);
                Vector128<short> s0 = Vector128.Narrow(q0, q1), s1 = Vector128.Narrow(q2, q3);
                if (Signed) Vector128.Narrow(s0, s1).Store((sbyte*)Y + i);
                else Vector128.Narrow(s0.AsUInt16(), s1.AsUInt16()).Store(Y + i);
            }
            for (; i < n; i++) Apply(i, i, i);
        }
    }

    private struct QuantOp : IBroadcastOp
    {
        public byte* A, B, Y; public bool Signed, Sub;
        public int Zp1, Zp2, ZpOut, M1, S1, M2, S2, MOut, SOut, QMin, QMax;
        public void Apply(int o, int i1, int i2)
        {
            int x1 = (Signed ? ((sbyte*)A)[i1] : A[i1]) - Zp1;
            int x2 = (Signed ? ((sbyte*)B)[i2] : B[i2]) - Zp2;
            int s1 = QuantizationUtils.MultiplyByQuantizedMultiplier(x1 * (1 << LeftShift), M1, S1);
            int s2 = QuantizationUtils.MultiplyByQuantizedMultiplier(x2 * (1 << LeftShift), M2, S2);
            int raw = QuantizationUtils.MultiplyByQuantizedMultiplier(Sub ? s1 - s2 : s1 + s2, MOut, SOut) + ZpOut;
            raw = raw < QMin ? QMin : raw > QMax ? QMax : raw;
            if (Signed) ((sbyte*)Y)[o] = (sbyte)raw; else Y[o] = (byte)raw;
        }
    }
}
