using System.Numerics;
using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>The relations of <see cref="Comparison"/>.</summary>
internal enum CompareKind { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual }

/// <summary>
/// EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL with NumPy broadcasting; the output is bool. Types as
/// TFLite's comparisons.cc: float32, int32, int64, uint8, int8 for all; bool for EQUAL/NOT_EQUAL; int16 for EQUAL,
/// LESS and GREATER_EQUAL (string is not supported). uint8/int8 compare TFLite's rescaled values: (q - zp) · 2^8
/// multiplied by each input's own scale as a fixed-point multiplier (MultiplyByQuantizedMultiplierSmallerThanOneExp),
/// tabulated per input at Prepare; scales of 1 or more (undefined behaviour in TFLite's kernel) are refused. float32 and
/// int32 with equal shapes or a scalar operand compare 16 elements per step in 128-bit vectors (tested against the
/// broadcasting path, NaN included).
/// </summary>
internal sealed unsafe class Comparison(CompareKind kind) : OpKernel
{
    private Broadcast _bc = null!;
    private TensorType _type;
    private int[] _t1 = [], _t2 = [];
    private FloatLayout _layout;

    /// <summary>The input types TFLite accepts for <paramref name="k"/>.</summary>
    public static TensorType[] SupportedTypes(CompareKind k)
    {
        var l = new List<TensorType> { TensorType.Float32, TensorType.Int32, TensorType.Int64, TensorType.UInt8, TensorType.Int8 };
        if (k is CompareKind.Equal or CompareKind.NotEqual) l.Add(TensorType.Bool);
        if (k is CompareKind.Equal or CompareKind.Less or CompareKind.GreaterEqual) l.Add(TensorType.Int16);
        return l.ToArray();
    }

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        if (a.Type != b.Type) throw context.Invalid($"input types {a.Type.ToDTypeName()} and {b.Type.ToDTypeName()} differ");
        if (y.Type != TensorType.Bool) throw context.Invalid($"output is {y.Type.ToDTypeName()}, not bool");
        _type = a.Type;
        if (Array.IndexOf(SupportedTypes(kind), _type) < 0) throw context.Unsupported($"type {_type.ToDTypeName()}");
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
        if (_type is TensorType.UInt8 or TensorType.Int8)
        {
            _t1 = Table(context, a); _t2 = Table(context, b);
        }
        // float32/int32 with equal shapes or a scalar operand: 128-bit compares narrowed to bytes
        _layout = _type is TensorType.Float32 or TensorType.Int32 ? FloatBinary.Detect(a, b, _bc, out _) : FloatLayout.General;
        if (_layout is not (FloatLayout.Same or FloatLayout.ScalarFirst or FloatLayout.ScalarSecond)) _layout = FloatLayout.General;
    }

    private int[] Table(KernelContext context, Tensor t)
    {
        var q = t.Quantization;
        float scale = q != null && q.Scales.Count > 0 ? q.Scale : 0f;
        int zp = q != null && q.ZeroPoints.Count > 0 ? q.ZeroPoint : 0;
        if (scale >= 1f) throw context.Unsupported($"quantized comparison with input scale {scale} >= 1");
        QuantizationUtils.QuantizeMultiplier(scale, out int m, out int s);
        var table = context.AllocatePersistent<int>(256);
        bool signed = _type == TensorType.Int8;
        for (int raw = 0; raw < 256; raw++)
        {
            int v = signed ? (sbyte)(byte)raw : raw;
            table[raw] = m == 0 ? 0 : QuantizationUtils.MultiplyByQuantizedMultiplierSmallerThanOneExp((v - zp) * (1 << 8), m, s);
        }
        return table;
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, b = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        switch (_type)
        {
            case TensorType.Float32: Run<float>(a, b, y); break;
            case TensorType.Int32: Run<int>(a, b, y); break;
            case TensorType.Int64: Run<long>(a, b, y); break;
            case TensorType.Int16: Run<short>(a, b, y); break;
            case TensorType.Bool: { var op = new BoolOp { A = a, B = b, Y = y, Eq = kind == CompareKind.Equal }; _bc.ForEach(ref op); break; }
            default:
                fixed (int* t1 = _t1, t2 = _t2)
                {
                    var op = new QuantOp { A = a, B = b, Y = y, T1 = t1, T2 = t2, Kind = kind };
                    _bc.ForEach(ref op);
                }
                break;
        }
    }

    private void Run<T>(byte* a, byte* b, byte* y) where T : unmanaged, INumber<T>
    {
        if (_layout != FloatLayout.General && sizeof(T) == 4)
        {
            switch (kind)
            {
                case CompareKind.Equal: Fast<T, EqOp<T>>((T*)a, (T*)b, y); return;
                case CompareKind.NotEqual: Fast<T, NeOp<T>>((T*)a, (T*)b, y); return;
                case CompareKind.Less: Fast<T, LtOp<T>>((T*)a, (T*)b, y); return;
                case CompareKind.LessEqual: Fast<T, LeOp<T>>((T*)a, (T*)b, y); return;
                case CompareKind.Greater: Fast<T, GtOp<T>>((T*)a, (T*)b, y); return;
                default: Fast<T, GeOp<T>>((T*)a, (T*)b, y); return;
            }
        }
        var op = new Op<T> { A = (T*)a, B = (T*)b, Y = y, Kind = kind };
        _bc.ForEach(ref op);
    }

    /// <summary>16 elements per step: four 128-bit compares, masks narrowed to bytes and masked to 0/1; scalar tail.</summary>
    private void Fast<T, TOp>(T* a, T* b, byte* y) where T : unmanaged, INumber<T> where TOp : struct, IVectorCompare<T>
    {
        int n = _bc.Count, i = 0;
        bool sa = _layout == FloatLayout.ScalarFirst, sb = _layout == FloatLayout.ScalarSecond;
        var va = Vector128.Create(*a); var vb = Vector128.Create(*b);
        var one = Vector128.Create((byte)1);
        for (; i + 16 <= n; i += 16)
        {
            var m0 = TOp.Mask(sa ? va : Vector128.Load(a + i), sb ? vb : Vector128.Load(b + i)).AsInt32();
            var m1 = TOp.Mask(sa ? va : Vector128.Load(a + i + 4), sb ? vb : Vector128.Load(b + i + 4)).AsInt32();
            var m2 = TOp.Mask(sa ? va : Vector128.Load(a + i + 8), sb ? vb : Vector128.Load(b + i + 8)).AsInt32();
            var m3 = TOp.Mask(sa ? va : Vector128.Load(a + i + 12), sb ? vb : Vector128.Load(b + i + 12)).AsInt32();
            var bytes = Vector128.Narrow(Vector128.Narrow(m0, m1), Vector128.Narrow(m2, m3)).AsByte();
            (bytes & one).Store(y + i);
        }
        for (; i < n; i++) y[i] = Test(kind, sa ? *a : a[i], sb ? *b : b[i]) ? (byte)1 : (byte)0;
    }

    private interface IVectorCompare<T> where T : INumber<T> { static abstract Vector128<T> Mask(Vector128<T> a, Vector128<T> b); }
    private struct EqOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b); }
    private struct NeOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => ~Vector128.Equals(a, b); }
    private struct LtOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b); }
    private struct LeOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => Vector128.LessThanOrEqual(a, b); }
    private struct GtOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b); }
    private struct GeOp<T> : IVectorCompare<T> where T : INumber<T> { public static Vector128<T> Mask(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(a, b); }

    private static bool Test<T>(CompareKind kind, T x, T z) where T : INumber<T> => kind switch
    {
        CompareKind.Equal => x == z,
        CompareKind.NotEqual => x != z,
        CompareKind.Less => x < z,
        CompareKind.LessEqual => x <= z,
        CompareKind.Greater => x > z,
        _ => x >= z,
    };

    private struct Op<T> : IBroadcastOp where T : unmanaged, INumber<T>
    {
        public T* A, B; public byte* Y; public CompareKind Kind;
        public readonly void Apply(int o, int i1, int i2) => Y[o] = Test(Kind, A[i1], B[i2]) ? (byte)1 : (byte)0;
    }

    private struct BoolOp : IBroadcastOp
    {
        public byte* A, B, Y; public bool Eq;
        public readonly void Apply(int o, int i1, int i2) => Y[o] = ((A[i1] != 0) == (B[i2] != 0)) == Eq ? (byte)1 : (byte)0;
    }

    private struct QuantOp : IBroadcastOp
    {
        public byte* A, B, Y; public int* T1, T2; public CompareKind Kind;
        public readonly void Apply(int o, int i1, int i2) => Y[o] = Test(Kind, T1[A[i1]], T2[B[i2]]) ? (byte)1 : (byte)0;
    }
}
