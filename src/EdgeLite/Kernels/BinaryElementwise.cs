using System.Numerics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>The two-input element-wise functions of <see cref="BinaryElementwise"/>.</summary>
internal enum BinaryKind { Maximum, Minimum, Pow, SquaredDifference, FloorMod, BitwiseXor, RightShift }

/// <summary>
/// MAXIMUM, MINIMUM, POW, SQUARED_DIFFERENCE, FLOOR_MOD, BITWISE_XOR and RIGHT_SHIFT with NumPy broadcasting, on the
/// types TFLite's builtin kernels accept:
/// <list type="bullet">
/// <item>MAXIMUM/MINIMUM: float32, uint8, int8, int16, int32, int64, as <c>a &gt; b ? a : b</c> on the stored values
/// (quantized inputs are compared raw, as TFLite does; it requires nothing of their quantization).</item>
/// <item>POW: float32 (powf), int32 (repeated squaring; a negative exponent is an error, as in TFLite).</item>
/// <item>SQUARED_DIFFERENCE: float32, int32 ((a-b)², wrapping), int8 (TFLite's integer kernel: inputs offset, shifted
/// left by 7, rescaled to twice the larger scale with fixed-point multipliers, squared, rescaled to the output).</item>
/// <item>FLOOR_MOD: int8, int16, int32, int64 (division by zero is an error) and float32 (fmod, moved toward the divisor's sign).</item>
/// <item>BITWISE_XOR and RIGHT_SHIFT: uint8, int8, uint16, int16, uint32, int32; the shift count is clamped to
/// [0, bits-1] and signed values shift arithmetically.</item>
/// </list>
/// </summary>
internal sealed unsafe class BinaryElementwise(BinaryKind kind) : OpKernel
{
    private Broadcast _bc = null!;
    private TensorType _type;
    private int _zp1, _zp2, _zpOut, _m1, _s1, _m2, _s2, _mOut, _sOut;
    private FloatLayout _layout;
    private int _channels;

    private static readonly TensorType[] MinMaxTypes = [TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64];
    private static readonly TensorType[] BitTypes = [TensorType.UInt8, TensorType.Int8, TensorType.UInt16, TensorType.Int16, TensorType.UInt32, TensorType.Int32];

    /// <summary>The input types TFLite's kernel for <paramref name="k"/> accepts.</summary>
    public static TensorType[] SupportedTypes(BinaryKind k) => k switch
    {
        BinaryKind.Maximum or BinaryKind.Minimum => MinMaxTypes,
        BinaryKind.Pow => [TensorType.Float32, TensorType.Int32],
        BinaryKind.SquaredDifference => [TensorType.Float32, TensorType.Int32, TensorType.Int8],
        BinaryKind.FloorMod => [TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64, TensorType.Float32],
        _ => BitTypes,
    };

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        if (a.Type != b.Type || a.Type != y.Type) throw context.Invalid($"input types {a.Type.ToDTypeName()}, {b.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        _type = a.Type;
        if (Array.IndexOf(SupportedTypes(kind), _type) < 0) throw context.Unsupported($"type {_type.ToDTypeName()}");
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
        _layout = _type == TensorType.Float32 && kind is BinaryKind.Maximum or BinaryKind.Minimum ? FloatBinary.Detect(a, b, _bc, out _channels) : FloatLayout.General;
        if (kind == BinaryKind.SquaredDifference && _type == TensorType.Int8)
        {
            var qa = a.Quantization; var qb = b.Quantization; var qy = y.Quantization;
            if (qa == null || qb == null || qy == null || qa.Scales.Count == 0 || qb.Scales.Count == 0 || qy.Scales.Count == 0)
                throw context.Invalid("int8 SQUARED_DIFFERENCE without quantization");
            _zp1 = qa.ZeroPoint; _zp2 = qb.ZeroPoint; _zpOut = qy.ZeroPoint;
            if (_zp1 is < -128 or > 127 || _zp2 is < -128 or > 127 || _zpOut is < -128 or > 127) throw context.Invalid("zero point outside int8");
            double twiceMax = 2.0 * Math.Max(qa.Scale, qb.Scale);
            QuantizationUtils.QuantizeMultiplier(qa.Scale / twiceMax, out _m1, out _s1);
            QuantizationUtils.QuantizeMultiplier(qb.Scale / twiceMax, out _m2, out _s2);
            double outMul = twiceMax * twiceMax / ((1 << 14) * (double)qy.Scale);
            if (outMul >= 1) throw context.Unsupported($"output scale {qy.Scale} too small for the int8 kernel (multiplier {outMul} >= 1)");
            QuantizationUtils.QuantizeMultiplier(outMul, out _mOut, out _sOut);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, b = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        switch (kind)
        {
            case BinaryKind.Maximum or BinaryKind.Minimum:
                switch (_type)
                {
                    case TensorType.Float32 when _layout != FloatLayout.General:
                        if (kind == BinaryKind.Maximum) FloatBinary.Run<FloatMaxOp>(_layout, _channels, (float*)a, (float*)b, (float*)y, _bc.Count, float.NegativeInfinity, float.PositiveInfinity);
                        else FloatBinary.Run<FloatMinOp>(_layout, _channels, (float*)a, (float*)b, (float*)y, _bc.Count, float.NegativeInfinity, float.PositiveInfinity);
                        break;
                    case TensorType.Float32: MinMax<float>(a, b, y); break;
                    case TensorType.UInt8: MinMax<byte>(a, b, y); break;
                    case TensorType.Int8: MinMax<sbyte>(a, b, y); break;
                    case TensorType.Int16: MinMax<short>(a, b, y); break;
                    case TensorType.Int32: MinMax<int>(a, b, y); break;
                    default: MinMax<long>(a, b, y); break;
                }
                break;
            case BinaryKind.Pow:
                if (_type == TensorType.Float32) { var op = new PowFloat { A = (float*)a, B = (float*)b, Y = (float*)y }; _bc.ForEach(ref op); }
                else { var op = new PowInt { A = (int*)a, B = (int*)b, Y = (int*)y }; _bc.ForEach(ref op); }
                break;
            case BinaryKind.SquaredDifference:
                if (_type == TensorType.Float32) { var op = new SqDiff<float> { A = (float*)a, B = (float*)b, Y = (float*)y }; _bc.ForEach(ref op); }
                else if (_type == TensorType.Int32) { var op = new SqDiff<int> { A = (int*)a, B = (int*)b, Y = (int*)y }; _bc.ForEach(ref op); }
                else
                {
                    var op = new SqDiffQuant { A = (sbyte*)a, B = (sbyte*)b, Y = (sbyte*)y, Zp1 = _zp1, Zp2 = _zp2, ZpOut = _zpOut,
                        M1 = _m1, S1 = _s1, M2 = _m2, S2 = _s2, MOut = _mOut, SOut = _sOut };
                    _bc.ForEach(ref op);
                }
                break;
            case BinaryKind.FloorMod:
                switch (_type)
                {
                    case TensorType.Float32: { var op = new FloorModFloat { A = (float*)a, B = (float*)b, Y = (float*)y }; _bc.ForEach(ref op); break; }
                    case TensorType.Int8: FloorModInt<sbyte>(a, b, y); break;
                    case TensorType.Int16: FloorModInt<short>(a, b, y); break;
                    case TensorType.Int32: FloorModInt<int>(a, b, y); break;
                    default: FloorModInt<long>(a, b, y); break;
                }
                break;
            default:
                switch (_type)
                {
                    case TensorType.UInt8: Bits<byte>(a, b, y); break;
                    case TensorType.Int8: Bits<sbyte>(a, b, y); break;
                    case TensorType.UInt16: Bits<ushort>(a, b, y); break;
                    case TensorType.Int16: Bits<short>(a, b, y); break;
                    case TensorType.UInt32: Bits<uint>(a, b, y); break;
                    default: Bits<int>(a, b, y); break;
                }
                break;
        }
    }

    private void MinMax<T>(byte* a, byte* b, byte* y) where T : unmanaged, INumber<T>
    {
        var op = new MinMaxOp<T> { A = (T*)a, B = (T*)b, Y = (T*)y, Max = kind == BinaryKind.Maximum };
        _bc.ForEach(ref op);
    }

    private void FloorModInt<T>(byte* a, byte* b, byte* y) where T : unmanaged, IBinaryInteger<T>
    {
        var op = new FloorModIntOp<T> { A = (T*)a, B = (T*)b, Y = (T*)y };
        _bc.ForEach(ref op);
    }

    private void Bits<T>(byte* a, byte* b, byte* y) where T : unmanaged, IBinaryInteger<T>
    {
        var op = new BitOp<T> { A = (T*)a, B = (T*)b, Y = (T*)y, Xor = kind == BinaryKind.BitwiseXor, MaxShift = sizeof(T) * 8 - 1 };
        _bc.ForEach(ref op);
    }

    private struct MinMaxOp<T> : IBroadcastOp where T : unmanaged, INumber<T>
    {
        public T* A, B, Y; public bool Max;
        public readonly void Apply(int o, int i1, int i2)
        {
            T x = A[i1], z = B[i2];
            Y[o] = Max ? (x > z ? x : z) : (x < z ? x : z);
        }
    }

    private struct PowFloat : IBroadcastOp
    {
        public float* A, B, Y;
        public readonly void Apply(int o, int i1, int i2) => Y[o] = MathF.Pow(A[i1], B[i2]);
    }

    private struct PowInt : IBroadcastOp
    {
        public int* A, B, Y;
        public readonly void Apply(int o, int i1, int i2)
        {
            int e = B[i2];
            if (e < 0) throw new InterpreterException("POW: integer power with a negative exponent");
            int baseV = A[i1], r = 1;
            while (e != 0)
            {
                if ((e & 1) != 0) r = unchecked(r * baseV);
                baseV = unchecked(baseV * baseV);
                e >>= 1;
            }
            Y[o] = r;
        }
    }

    private struct SqDiff<T> : IBroadcastOp where T : unmanaged, INumber<T>
    {
        public T* A, B, Y;
        public readonly void Apply(int o, int i1, int i2) { T d = unchecked(A[i1] - B[i2]); Y[o] = unchecked(d * d); }
    }

    private struct SqDiffQuant : IBroadcastOp
    {
        public sbyte* A, B, Y; public int Zp1, Zp2, ZpOut, M1, S1, M2, S2, MOut, SOut;
        public readonly void Apply(int o, int i1, int i2)
        {
            int x1 = QuantizationUtils.MultiplyByQuantizedMultiplierSmallerThanOneExp((A[i1] - Zp1) * (1 << 7), M1, S1);
            int x2 = QuantizationUtils.MultiplyByQuantizedMultiplierSmallerThanOneExp((B[i2] - Zp2) * (1 << 7), M2, S2);
            int d = x1 - x2;
            int v = QuantizationUtils.MultiplyByQuantizedMultiplierSmallerThanOneExp(d * d, MOut, SOut) + ZpOut;
            Y[o] = (sbyte)Math.Clamp(v, -128, 127);
        }
    }

    private struct FloorModFloat : IBroadcastOp
    {
        public float* A, B, Y;
        public readonly void Apply(int o, int i1, int i2)
        {
            float d = B[i2];
            float m = A[i1] % d; // fmod
            Y[o] = m != 0 && (d < 0) != (m < 0) ? m + d : m;
        }
    }

    private struct FloorModIntOp<T> : IBroadcastOp where T : unmanaged, IBinaryInteger<T>
    {
        public T* A, B, Y;
        public readonly void Apply(int o, int i1, int i2)
        {
            T d = B[i2];
            if (d == T.Zero) throw new InterpreterException("FLOOR_MOD: division by zero");
            // the remainder in int64 so that MinValue % -1 does not trap
            long dl = long.CreateTruncating(d), m = dl == -1 ? 0 : long.CreateTruncating(A[i1]) % dl;
            Y[o] = T.CreateTruncating(m != 0 && (dl < 0) != (m < 0) ? m + dl : m);
        }
    }

    private struct BitOp<T> : IBroadcastOp where T : unmanaged, IBinaryInteger<T>
    {
        public T* A, B, Y; public bool Xor; public int MaxShift;
        public readonly void Apply(int o, int i1, int i2)
        {
            if (Xor) { Y[o] = A[i1] ^ B[i2]; return; }
            long s = long.CreateTruncating(B[i2]);
            int shift = s < 0 ? 0 : s > MaxShift ? MaxShift : (int)s;
            Y[o] = A[i1] >> shift;
        }
    }
}
