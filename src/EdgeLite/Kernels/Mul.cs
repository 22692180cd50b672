using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// MUL with broadcasting: float32, int32, and uint8/int8. Quantized, when s1·s2/s_out is in [2^-16, 2^8) (what TFLite's
/// XNNPACK delegate takes): XNNPACK's fp32 arithmetic, (x1 - zp1)(x2 - zp2) · (s1·s2/s_out computed in float), clamped
/// to the activation range less zp_out, rounded to nearest even, + zp_out. Otherwise TFLite's builtin mul.cc: the
/// product rescaled with the quantized multiplier.
/// </summary>
internal sealed unsafe class Mul : OpKernel
{
    private Broadcast _bc = null!;
    private TensorType _type;
    private float _fmin, _fmax;
    private int _qmin, _qmax, _zp1, _zp2, _zpOut, _m, _s;
    private float _scale;
    private bool _xnn;
    // float32: the shared vector loops for the common layouts (Common/FloatBinary)
    private FloatLayout _layout;
    private int _channels;
    private ByteTable? _table;
    private byte[]? _channelTable;
    private bool _perChannelFirst;

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        var fa = (FusedActivation)(sbyte)(context.Options<Schema.MulOptions>()?.FusedActivationFunction ?? 0);
        if (a.Type != b.Type || a.Type != y.Type) throw context.Invalid($"input types {a.Type.ToDTypeName()}, {b.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        _type = a.Type;
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
        switch (_type)
        {
            case TensorType.Float32: case TensorType.Int32:
            {
                (_fmin, _fmax) = QuantizationUtils.ActivationRange(fa);
                _layout = _type == TensorType.Float32 ? FloatBinary.Detect(a, b, _bc, out _channels) : FloatLayout.General;
                break;
            }
            case TensorType.UInt8: case TensorType.Int8:
            {
                var qa = a.Quantization; var qb = b.Quantization; var qy = y.Quantization;
                if (qa == null || qb == null || qy == null || qa.Scales.Count == 0 || qb.Scales.Count == 0 || qy.Scales.Count == 0)
                    throw context.Invalid("quantized MUL without quantization");
                _zp1 = qa.ZeroPoint; _zp2 = qb.ZeroPoint; _zpOut = qy.ZeroPoint;
                QuantizationUtils.QuantizeMultiplier((double)qa.Scale * qb.Scale / qy.Scale, out _m, out _s);
                _scale = qa.Scale * qb.Scale / qy.Scale;
                _xnn = _scale >= 1f / 65536 && _scale < 256f;
                (_qmin, _qmax) = QuantizationUtils.ActivationRange(fa, _type, qy.Scale, qy.ZeroPoint);
                // one operand per channel of the other (squeeze-and-excitation scaling): a table per channel, built at
                // Eval from that operand's current values, then one lookup per element (same values as QuantOp)
                _channelTable = null; _perChannelFirst = false;
                int n = _bc.Count, last = y.Rank > 0 ? y.Dim(y.Rank - 1) : 0;
                if (last > 0 && n / last >= 1024 && last <= 256 && !a.IsConstant && !b.IsConstant)
                {
                    bool bPer = a.ElementCount == n && b.ElementCount == last && b.Dim(b.Rank - 1) == last;
                    bool aPer = b.ElementCount == n && a.ElementCount == last && a.Dim(a.Rank - 1) == last;
                    if (bPer || aPer) { _channelTable = new byte[last * 256]; _perChannelFirst = aPer && !bPer; }
                }
                if ((_table = ByteTable.TryCreate(a, b, _bc)) != null)
                {
                    var (first, second) = _table.Operands((a.IsConstant ? a : b).AsBytes());
                    fixed (byte* pa = first, pb = second, py = _table.Output)
                    {
                        var op = new QuantOp { A = pa, B = pb, Y = py, Signed = _type == TensorType.Int8, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut, M = _m, S = _s, QMin = _qmin, QMax = _qmax, Scale = _scale, Xnn = _xnn };
                        for (int j = 0; j < _table.Length; j++) op.Apply(j, j, j);
                    }
                }
                break;
            }
            default: throw context.Unsupported($"type {_type.ToDTypeName()}");
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, b = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        switch (_type)
        {
            case TensorType.Float32:
            {
                if (_layout != FloatLayout.General) { FloatBinary.Run<FloatMulOp>(_layout, _channels, (float*)a, (float*)b, (float*)y, _bc.Count, _fmin, _fmax); break; }
                var op = new FloatOp { A = (float*)a, B = (float*)b, Y = (float*)y, Min = _fmin, Max = _fmax }; _bc.ForEach(ref op); break;
            }
            case TensorType.Int32: { var op = new IntOp { A = (int*)a, B = (int*)b, Y = (int*)y }; _bc.ForEach(ref op); break; }
            default:
            {
                if (_table != null) { _table.Apply(_table.VariableIsFirst ? a : b, y, _bc.Count); break; }
                if (_channelTable != null) { PerChannel(_perChannelFirst ? b : a, _perChannelFirst ? a : b, y); break; }
                var op = new QuantOp { A = a, B = b, Y = y, Signed = _type == TensorType.Int8, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut, M = _m, S = _s, QMin = _qmin, QMax = _qmax, Scale = _scale, Xnn = _xnn };
                if (_xnn && _bc.Same && Vector128.IsHardwareAccelerated) { op.SameShapeXnn(_bc.Count); break; }
                _bc.ForEach(ref op);
                break;
            }
        }
    }

    private struct FloatOp : IBroadcastOp
    {
        public float* A, B, Y; public float Min, Max;
        public void Apply(int o, int i1, int i2) { float v = A[i1] * B[i2]; Y[o] = v < Min ? Min : v > Max ? Max : v; }
    }

    private struct IntOp : IBroadcastOp
    {
        public int* A, B, Y;
        public void Apply(int o, int i1, int i2) => Y[o] = A[i1] * B[i2];
    }

    // y = full ⊙ per-channel values: 256 codes per channel through QuantOp into the table, then a lookup per element
    private void PerChannel(byte* full, byte* channel, byte* y)
    {
        int c = _channelTable!.Length / 256, n = _bc.Count;
        fixed (byte* t = _channelTable)
        {
            var codes = stackalloc byte[256];
            for (int k = 0; k < 256; k++) codes[k] = (byte)k;
            var op = new QuantOp { Signed = _type == TensorType.Int8, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut, M = _m, S = _s, QMin = _qmin, QMax = _qmax, Scale = _scale, Xnn = _xnn };
            for (int ch = 0; ch < c; ch++)
            {
                // QuantOp computes A[i1] ⊙ B[i2]: keep the model's operand order (the rounding is symmetric, the zero points are not)
                if (_perChannelFirst) { op.A = channel + ch; op.B = codes; } else { op.A = codes; op.B = channel + ch; }
                op.Y = t + ch * 256;
                for (int k = 0; k < 256; k++) { if (_perChannelFirst) op.Apply(k, 0, k); else op.Apply(k, k, 0); }
            }
            for (int p = 0; p < n; p += c)
            {
                byte* xp = full + p, yp = y + p;
                for (int ch = 0; ch < c; ch++) yp[ch] = t[ch * 256 + xp[ch]];
            }
        }
    }

    private struct QuantOp : IBroadcastOp
    {
        public float Scale; public bool Xnn;
        public byte* A, B, Y; public bool Signed;
        public int Zp1, Zp2, ZpOut, M, S, QMin, QMax;
        public readonly void Apply(int o, int i1, int i2)
        {
            int x1 = (Signed ? ((sbyte*)A)[i1] : A[i1]) - Zp1;
            int x2 = (Signed ? ((sbyte*)B)[i2] : B[i2]) - Zp2;
            int raw = Xnn ? (int)MathF.Round(Math.Clamp(x1 * x2 * Scale, QMin - ZpOut, QMax - ZpOut), MidpointRounding.ToEven) + ZpOut
                : QuantizationUtils.MultiplyByQuantizedMultiplier(x1 * x2, M, S) + ZpOut;
            raw = raw < QMin ? QMin : raw > QMax ? QMax : raw;
            if (Signed) ((sbyte*)Y)[o] = (sbyte)raw; else Y[o] = (byte)raw;
        }

        /// <summary>
        /// XNNPACK's arithmetic 16 elements at a time (same shapes): the exact int32 product converted to float, times
        /// the scale, clamped, rounded to nearest even, + zp_out — the operations of <see cref="Apply"/>, lane by lane.
        /// </summary>
        public readonly void SameShapeXnn(int n)
        {
            var zp1 = Vector128.Create(Zp1); var zp2 = Vector128.Create(Zp2); var zpo = Vector128.Create(ZpOut);
            var scale = Vector128.Create(Scale); var lo = Vector128.Create((float)(QMin - ZpOut)); var hi = Vector128.Create((float)(QMax - ZpOut));
            int i = 0;
            for (; i + 16 <= n; i += 16)
            {
                var (a0, a1, a2, a3) = Elements.Widen16(A + i, Signed);
                var (b0, b1, b2, b3) = Elements.Widen16(B + i, Signed);
                var q0 = Product(a0 - zp1, b0 - zp2, scale, lo, hi) + zpo; var q1 = Product(a1 - zp1, b1 - zp2, scale, lo, hi) + zpo;
                var q2 = Product(a2 - zp1, b2 - zp2, scale, lo, hi) + zpo; var q3 = Product(a3 - zp1, b3 - zp2, scale, lo, hi) + zpo;
                Vector128<short> s0 = Vector128.Narrow(q0, q1), s1 = Vector128.Narrow(q2, q3);
                if (Signed) Vector128.Narrow(s0, s1).Store((sbyte*)Y + i);
                else Vector128.Narrow(s0.AsUInt16(), s1.AsUInt16()).Store(Y + i);
            }
            for (; i < n; i++) Apply(i, i, i);
        }

        private static Vector128<int> Product(Vector128<int> x1, Vector128<int> x2, Vector128<float> scale, Vector128<float> lo, Vector128<float> hi)
            => Vector128.ConvertToInt32(Vector128.Round(Vector128.Min(Vector128.Max(Vector128.ConvertToSingle(x1 * x2) * scale, lo), hi)));
    }
}
