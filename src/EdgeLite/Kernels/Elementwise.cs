using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>Unary float32 functions of <see cref="UnaryFloat"/>.</summary>
internal enum UnaryKind { Sqrt, Rsqrt, Abs, Neg, Exp, Log, Square }

/// <summary>SQRT, RSQRT, ABS, NEG, EXP, LOG, SQUARE on float32 (ABS and NEG also int32), elementwise.</summary>
internal sealed unsafe class UnaryFloat(UnaryKind kind) : OpKernel
{
    private TensorType _type;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _type = x.Type;
        bool intOk = kind is UnaryKind.Abs or UnaryKind.Neg;
        if (x.Type != y.Type || !(x.Type == TensorType.Float32 || (intOk && x.Type == TensorType.Int32)))
            throw context.Unsupported($"{context.Operator.OpName} on {x.Type.ToDTypeName()} → {y.Type.ToDTypeName()}");
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0);
        int n = xt.ElementCount;
        if (_type == TensorType.Int32)
        {
            int* xi = (int*)xt.DataPointer, yi = (int*)context.Output(0).DataPointer;
            for (int k = 0; k < n; k++) yi[k] = kind == UnaryKind.Abs ? Math.Abs(xi[k]) : -xi[k];
            return;
        }
        float* x = (float*)xt.DataPointer, y = (float*)context.Output(0).DataPointer;
        int i = 0;
        if (Vector128.IsHardwareAccelerated && kind is UnaryKind.Sqrt or UnaryKind.Rsqrt or UnaryKind.Abs or UnaryKind.Neg or UnaryKind.Square)
        {
            // correctly rounded IEEE operations: the same values as the scalar loop
            for (; i + 4 <= n; i += 4)
            {
                var v = Vector128.Load(x + i);
                (kind switch
                {
                    UnaryKind.Sqrt => Vector128.Sqrt(v),
                    UnaryKind.Rsqrt => Vector128<float>.One / Vector128.Sqrt(v),
                    UnaryKind.Abs => Vector128.Abs(v),
                    UnaryKind.Neg => -v,
                    _ => v * v,
                }).Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = x[i];
            y[i] = kind switch
            {
                UnaryKind.Sqrt => MathF.Sqrt(v),
                UnaryKind.Rsqrt => 1f / MathF.Sqrt(v),
                UnaryKind.Abs => MathF.Abs(v),
                UnaryKind.Neg => -v,
                UnaryKind.Exp => MathF.Exp(v),
                UnaryKind.Log => MathF.Log(v),
                _ => v * v,
            };
        }
    }
}

/// <summary>
/// DIV (float32 with fused activation; int32 truncating, as TFLite) and FLOOR_DIV (int32: floor toward -∞; float32:
/// floor(a / b)) with broadcasting. Integer division by zero raises <see cref="InterpreterException"/>.
/// </summary>
internal sealed unsafe class Div(bool floor) : OpKernel
{
    private Broadcast _bc = null!;
    private TensorType _type;
    private float _min, _max;

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        if (a.Type != b.Type || a.Type != y.Type) throw context.Invalid("input and output types differ");
        _type = a.Type;
        if (_type is not (TensorType.Float32 or TensorType.Int32)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        var act = floor ? Schema.ActivationFunctionType.NONE : context.Options<Schema.DivOptions>()?.FusedActivationFunction ?? 0;
        (_min, _max) = QuantizationUtils.ActivationRange((FusedActivation)(sbyte)act);
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, b = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        if (_type == TensorType.Float32)
        {
            var op = new FloatOp { A = (float*)a, B = (float*)b, Y = (float*)y, Floor = floor, Min = _min, Max = _max };
            int i = 0;
            if (_bc.Same && Vector128.IsHardwareAccelerated)
            {
                // IEEE division, floor and clamp lane by lane: the values of FloatOp
                var mn = Vector128.Create(_min); var mx = Vector128.Create(_max);
                for (; i + 4 <= _bc.Count; i += 4)
                {
                    var v = Vector128.Load((float*)a + i) / Vector128.Load((float*)b + i);
                    if (floor) v = Vector128.Floor(v);
                    Vector128.Min(Vector128.Max(v, mn), mx).Store((float*)y + i);
                }
                for (; i < _bc.Count; i++) op.Apply(i, i, i);
                return;
            }
            _bc.ForEach(ref op);
        }
        else { var op = new IntOp { A = (int*)a, B = (int*)b, Y = (int*)y, Floor = floor }; _bc.ForEach(ref op); }
    }

    private struct FloatOp : IBroadcastOp
    {
        public float* A, B, Y; public bool Floor; public float Min, Max;
        public readonly void Apply(int o, int i1, int i2)
        {
            float v = A[i1] / B[i2];
            if (Floor) v = MathF.Floor(v);
            Y[o] = v < Min ? Min : v > Max ? Max : v;
        }
    }

    private struct IntOp : IBroadcastOp
    {
        public int* A, B, Y; public bool Floor;
        public readonly void Apply(int o, int i1, int i2)
        {
            int d = B[i2];
            if (d == 0) throw new InterpreterException("integer division by zero");
            int n = A[i1];
            int q = n / d;
            if (Floor && (n % d != 0) && ((n < 0) != (d < 0))) q--;
            Y[o] = q;
        }
    }
}

/// <summary>CAST between float32, int32, int64, uint8, int8, int16 and bool (float → integer truncates toward zero and
/// saturates out-of-range values as the reference TFLite build does — see Eval; integer → narrower integer wraps).</summary>
internal sealed unsafe class Cast : OpKernel
{
    private TensorType _in, _out;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _in = x.Type; _out = y.Type;
        foreach (var t in new[] { _in, _out })
            if (t is not (TensorType.Float32 or TensorType.Int32 or TensorType.Int64 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 or TensorType.Bool))
                throw context.Unsupported($"CAST {_in.ToDTypeName()} → {_out.ToDTypeName()}");
        context.SetOutputShape(0, x.Shape);
    }

    private double Read(byte* p, long i) => _in switch
    {
        TensorType.Float32 => ((float*)p)[i],
        TensorType.Int32 => ((int*)p)[i],
        TensorType.Int64 => ((long*)p)[i],
        TensorType.UInt8 => p[i],
        TensorType.Int8 => ((sbyte*)p)[i],
        TensorType.Int16 => ((short*)p)[i],
        _ => p[i] != 0 ? 1 : 0,
    };

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0);
        byte* x = xt.DataPointer, y = context.Output(0).DataPointer;
        long n = xt.ElementCount;
        long i = 0;
        if (_out == TensorType.Float32 && _in is TensorType.UInt8 or TensorType.Int8 or TensorType.Int32 && Vector128.IsHardwareAccelerated)
        {
            // exact conversions (|value| < 2^24 for 8-bit; int32 → float rounds to nearest even, as the scalar cast)
            float* f = (float*)y;
            for (; i + 16 <= n; i += 16)
            {
                if (_in == TensorType.Int32)
                    for (int k = 0; k < 16; k += 4) Vector128.ConvertToSingle(Vector128.Load((int*)x + i + k)).Store(f + i + k);
                else
                {
                    var (a0, a1, a2, a3) = Elements.Widen16(x + i, _in == TensorType.Int8);
                    Vector128.ConvertToSingle(a0).Store(f + i); Vector128.ConvertToSingle(a1).Store(f + i + 4);
                    Vector128.ConvertToSingle(a2).Store(f + i + 8); Vector128.ConvertToSingle(a3).Store(f + i + 12);
                }
            }
        }
        for (; i < n; i++)
        {
            double v = Read(x, i);
            if (_in == TensorType.Float32 && _out is not (TensorType.Float32 or TensorType.Bool))
            {
                // out-of-range float → integer is undefined behaviour in TFLite's C++ (static_cast); the reference build
                // (LiteRT wasm) saturates uint8, int16, int32 and int64 to their range and gives int8 the low byte of
                // the int32-saturated value; EdgeLite does the same (NaN → 0)
                var (lo, hi) = _out switch
                {
                    TensorType.UInt8 => (0.0, 255.0), TensorType.Int8 => (int.MinValue, int.MaxValue), TensorType.Int16 => (-32768.0, 32767.0),
                    TensorType.Int32 => (int.MinValue, int.MaxValue), _ => ((double)long.MinValue, (double)long.MaxValue),
                };
                v = double.IsNaN(v) ? 0 : Math.Clamp(Math.Truncate(v), lo, hi);
            }
            switch (_out)
            {
                case TensorType.Float32: ((float*)y)[i] = _in == TensorType.Int64 ? ((long*)x)[i] : (float)v; break;
                case TensorType.Int32: ((int*)y)[i] = _in == TensorType.Int64 ? (int)((long*)x)[i] : (int)v; break;
                case TensorType.Int64: ((long*)y)[i] = _in == TensorType.Int64 ? ((long*)x)[i] : (long)v; break;
                case TensorType.UInt8: y[i] = (byte)(long)v; break;
                case TensorType.Int8: ((sbyte*)y)[i] = (sbyte)(long)v; break;
                case TensorType.Int16: ((short*)y)[i] = (short)(long)v; break;
                default: y[i] = v != 0 ? (byte)1 : (byte)0; break;
            }
        }
    }
}
