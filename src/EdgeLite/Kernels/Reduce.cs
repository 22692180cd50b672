using System.Numerics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>The reductions of <see cref="Reduce"/>.</summary>
internal enum ReduceKind { Sum, Max, Min, Prod, Any, All }

/// <summary>
/// SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD (float32, int32, int64, uint8 — not for PROD, which TFLite refuses for quantized uint8 —, int8, int16) and REDUCE_ANY, REDUCE_ALL
/// (bool) over constant axes, keep_dims or not. Unquantized values are folded in input order (TFLite's reference order)
/// into the output element, starting from 0 / lowest / max / 1 / false / true, in the tensor's own type (integer sums
/// and products wrap). Quantized inputs, as real TFLite computes them:
/// <list type="bullet">
/// <item>MAX/MIN: input and output quantization must be equal; the stored values are compared.</item>
/// <item>8-bit SUM: XNNPACK's (the delegate takes it): Σq in int32, y = Σq·s' + zp' in float with s' = s_in/s_out and
/// zp' = zp_out - (n·zp_in)·s', rounded to nearest even, saturated.</item>
/// <item>int16 SUM (zero points 0, equal scales): the sum saturated to int16.</item>
/// <item>int8/int16 PROD: TFLite's QuantizedReduceProd, (q - zp) multiplied step by step, each product rescaled by
/// s_in / s_out^(1/n) through the 16-bit-multiplier form of MultiplyByQuantizedMultiplier, + zp_out, clamped.
/// uint8 PROD is refused.</item>
/// </list>
/// </summary>
internal sealed unsafe class Reduce(ReduceKind kind) : OpKernel
{
    private ReduceAxes _axes = null!;
    private TensorType _type;
    private bool _rescale, _prod, _saturate;
    private int _pm, _ps, _zpIn, _zpOutI;
    private bool[] _seen = [];
    private long[] _wide = [];
    private float _scale, _bias;
    private int[] _sums = [];

    /// <summary>The input types TFLite accepts for <paramref name="k"/>.</summary>
    public static TensorType[] SupportedTypes(ReduceKind k) => k switch
    {
        ReduceKind.Any or ReduceKind.All => [TensorType.Bool],
        // TFLite refuses quantized uint8 products
        ReduceKind.Prod => [TensorType.Float32, TensorType.Int32, TensorType.Int64, TensorType.Int8, TensorType.Int16],
        _ => [TensorType.Float32, TensorType.Int32, TensorType.Int64, TensorType.UInt8, TensorType.Int8, TensorType.Int16],
    };

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axes = context.Input(1); var y = context.Output(0);
        bool keep = context.Options<Schema.ReducerOptions>()?.KeepDims ?? false;
        _type = x.Type;
        if (_type != y.Type) throw context.Invalid($"input {x.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        if (Array.IndexOf(SupportedTypes(kind), _type) < 0) throw context.Unsupported($"type {_type.ToDTypeName()}");
        _axes = ReduceAxes.Prepare(context, x, axes, keep, out var outShape);
        context.SetOutputShape(0, outShape);
        _rescale = false;
        if (_type is TensorType.UInt8 or TensorType.Int8 or TensorType.Int16)
        {
            var qi = x.Quantization; var qo = y.Quantization;
            bool qIn = qi is { Scales.Count: > 0 }, qOut = qo is { Scales.Count: > 0 };
            if (qIn != qOut) throw context.Invalid("only one of input and output is quantized");
            if (!qIn) return;
            bool same = qi!.Scale == qo!.Scale && qi.ZeroPoint == qo.ZeroPoint;
            if (_type == TensorType.Int16 && (qi.ZeroPoint != 0 || qo.ZeroPoint != 0)) throw context.Invalid("int16 with a non-zero zero point");
            if (kind == ReduceKind.Prod)
            {
                if (_axes.InCount == 0 || _axes.OutCount == 0) throw context.Invalid("quantized REDUCE_PROD of an empty tensor");
                // TFLite's QuantizedReduceProd: every step rescaled by s_in / s_out^(1/n) so that the int32 product cannot overflow
                _prod = true;
                QuantizationUtils.QuantizeMultiplier(qi.Scale / Math.Pow(qo.Scale, 1.0 / _axes.ReducedCount), out _pm, out _ps);
                _zpIn = qi.ZeroPoint; _zpOutI = qo.ZeroPoint;
                _sums = context.AllocatePersistent<int>(Math.Max(1, _axes.OutCount));
                _seen = context.AllocatePersistent<bool>(Math.Max(1, _axes.OutCount));
                return;
            }
            if (kind == ReduceKind.Sum && _type == TensorType.Int16)
            {
                if (!same) throw context.Invalid("input and output quantization differ (TFLite requires them equal here)");
                _saturate = true; // TFLite sums int16 in a wider type and saturates
                _wide = context.AllocatePersistent<long>(Math.Max(1, _axes.OutCount));
                return;
            }
            if (kind != ReduceKind.Sum || _type == TensorType.Int16)
            {
                if (!same) throw context.Invalid("input and output quantization differ (TFLite requires them equal here)");
                return;
            }
            // 8-bit SUM runs in XNNPACK (the delegate takes it): Σq in int32, then y = Σq·s' + zp' in float with
            // s' = s_in/s_out and zp' = zp_out - (n·zp_in)·s', rounded to nearest even, saturated
            _rescale = true;
            _scale = qi.Scale / qo.Scale;
            _bias = qo.ZeroPoint - (float)(_axes.ReducedCount * qi.ZeroPoint) * _scale;
            _sums = context.AllocatePersistent<int>(Math.Max(1, _axes.OutCount));
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        if (_rescale) { RescaledSum(x, y); return; }
        if (_prod) { QuantizedProd(x, y); return; }
        if (_saturate)
        {
            fixed (long* w = _wide)
            {
                new Span<long>(w, _axes.OutCount).Clear();
                var op = new WideSum { X = (short*)x, Sums = w };
                _axes.ForEach(ref op);
                for (int o = 0; o < _axes.OutCount; o++) ((short*)y)[o] = (short)Math.Clamp(w[o], short.MinValue, short.MaxValue);
            }
            return;
        }
        switch (_type)
        {
            case TensorType.Float32: Run<float>(x, y); break;
            case TensorType.Int32: Run<int>(x, y); break;
            case TensorType.Int64: Run<long>(x, y); break;
            case TensorType.UInt8: Run<byte>(x, y); break;
            case TensorType.Int8: Run<sbyte>(x, y); break;
            case TensorType.Int16: Run<short>(x, y); break;
            default:
            {
                bool any = kind == ReduceKind.Any;
                new Span<byte>(y, _axes.OutCount).Fill(any ? (byte)0 : (byte)1);
                var op = new BoolOp { X = x, Y = y, Any = any };
                _axes.ForEach(ref op);
                break;
            }
        }
    }

    private void Run<T>(byte* x, byte* y) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        T init = kind switch { ReduceKind.Sum => T.Zero, ReduceKind.Prod => T.One, ReduceKind.Max => T.MinValue, _ => T.MaxValue };
        // (float.MinValue/MaxValue are ±FLT_MAX, TFLite's numeric_limits lowest()/max())
        new Span<T>(y, _axes.OutCount).Fill(init);
        var op = new Op<T> { X = (T*)x, Y = (T*)y, Kind = kind };
        _axes.ForEach(ref op);
    }

    private void RescaledSum(byte* x, byte* y)
    {
        bool signed = _type == TensorType.Int8;
        fixed (int* sums = _sums)
        {
            new Span<int>(sums, _axes.OutCount).Clear();
            var op = new SumBytes { X = x, Sums = sums, Signed = signed };
            _axes.ForEach(ref op);
            int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
            for (int o = 0; o < _axes.OutCount; o++)
            {
                float v = MathF.Round((float)sums[o] * _scale + _bias, MidpointRounding.ToEven);
                int q = v < qmin ? qmin : v > qmax ? qmax : (int)v;
                if (signed) ((sbyte*)y)[o] = (sbyte)q; else y[o] = (byte)q;
            }
        }
    }

    private void QuantizedProd(byte* x, byte* y)
    {
        bool signed8 = _type == TensorType.Int8;
        fixed (int* prod = _sums) fixed (bool* seen = _seen)
        {
            new Span<bool>(seen, _axes.OutCount).Clear();
            var op = new ProdOp { X = x, Wide = !signed8, Prod = prod, Seen = seen, Zp = _zpIn, M = _pm, S = _ps };
            _axes.ForEach(ref op);
            int qmin = signed8 ? -128 : short.MinValue, qmax = signed8 ? 127 : short.MaxValue;
            for (int o = 0; o < _axes.OutCount; o++)
            {
                int q = MulReduced(prod[o], _pm, _ps) + _zpOutI;
                q = q < qmin ? qmin : q > qmax ? qmax : q;
                if (signed8) ((sbyte*)y)[o] = (sbyte)q; else ((short*)y)[o] = (short)q;
            }
        }
    }

    /// <summary>
    /// TFLite's 64-bit MultiplyByQuantizedMultiplier as QuantizedReduceProd calls it: the multiplier rounded to 16 bits,
    /// x · m16 + 2^(14-shift) shifted right by 15 - shift, the result cast to int32 (wrapping, as the C++ cast does).
    /// </summary>
    private static int MulReduced(long x, int multiplier, int shift)
    {
        long reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
        int totalShift = 15 - shift;
        return unchecked((int)((x * reduced + (1L << (totalShift - 1))) >> totalShift));
    }

    private struct ProdOp : IReduceOp
    {
        public byte* X; public bool Wide; public int* Prod; public bool* Seen; public int Zp, M, S;
        public readonly void Apply(int i, int o)
        {
            int v = (Wide ? ((short*)X)[i] : ((sbyte*)X)[i]) - Zp;
            if (!Seen[o]) { Seen[o] = true; Prod[o] = v; return; }
            Prod[o] = MulReduced((long)Prod[o] * v, M, S);
        }
    }

    private struct WideSum : IReduceOp
    {
        public short* X; public long* Sums;
        public readonly void Apply(int i, int o) => Sums[o] += X[i];
    }

    private struct Op<T> : IReduceOp where T : unmanaged, INumber<T>
    {
        public T* X, Y; public ReduceKind Kind;
        public readonly void Apply(int i, int o)
        {
            T v = X[i], c = Y[o];
            Y[o] = Kind switch
            {
                ReduceKind.Sum => unchecked(v + c),
                ReduceKind.Prod => unchecked(v * c),
                ReduceKind.Max => v > c ? v : c,
                _ => v < c ? v : c,
            };
        }
    }

    private struct BoolOp : IReduceOp
    {
        public byte* X, Y; public bool Any;
        public readonly void Apply(int i, int o)
        {
            bool v = X[i] != 0, c = Y[o] != 0;
            Y[o] = (Any ? v || c : v && c) ? (byte)1 : (byte)0;
        }
    }

    private struct SumBytes : IReduceOp
    {
        public byte* X; public int* Sums; public bool Signed;
        public readonly void Apply(int i, int o) => Sums[o] += Signed ? ((sbyte*)X)[i] : X[i];
    }
}
