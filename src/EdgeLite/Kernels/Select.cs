using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// SELECT and SELECT_V2: y = condition ? x : y element by element, for bool, float32, uint8, int8, int16, int32, int64
/// values (TFLite's select.cc; values are copied as stored, so quantized tensors need equal quantization, which this
/// kernel checks). SELECT (v1): all three the same shape, or a scalar condition, or a rank-1 condition choosing whole
/// slices along the first dimension. SELECT_V2: NumPy broadcasting of all three. Equal shapes of 4-byte values blend
/// 16 elements per step in 128-bit vectors (tested against the element loop).
/// </summary>
internal sealed unsafe class Select(bool v2) : OpKernel
{
    private const int R = Broadcast.MaxRank;
    private readonly int[] _shape = new int[R], _sc = new int[R], _sx = new int[R], _sy = new int[R];
    private int _es, _count, _inner;
    private Mode _mode;

    private enum Mode { Same, RankOne, Broadcast }

    private static readonly TensorType[] Types = [TensorType.Bool, TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64];

    /// <summary>The value types TFLite accepts.</summary>
    public static TensorType[] SupportedTypes => Types;

    public override void Prepare(KernelContext context)
    {
        var c = context.Input(0); var x = context.Input(1); var y = context.Input(2); var o = context.Output(0);
        if (c.Type != TensorType.Bool) throw context.Invalid($"condition is {c.Type.ToDTypeName()}, not bool");
        if (x.Type != y.Type || x.Type != o.Type) throw context.Invalid($"value types {x.Type.ToDTypeName()}, {y.Type.ToDTypeName()} and output {o.Type.ToDTypeName()} differ");
        if (Array.IndexOf(Types, x.Type) < 0) throw context.Unsupported($"type {x.Type.ToDTypeName()}");
        if (x.Quantization is { Scales.Count: > 0 } qx && (y.Quantization is not { Scales.Count: > 0 } qy || qx.Scale != qy.Scale || qx.ZeroPoint != qy.ZeroPoint))
            throw context.Unsupported("x and y with different quantization");
        _es = x.ElementSize;
        bool same = c.Shape.SequenceEqual(x.Shape) && x.Shape.SequenceEqual(y.Shape);
        if (c.Rank > R || x.Rank > R || y.Rank > R) throw context.Unsupported($"rank above {R}");
        if (same) { _mode = Mode.Same; _count = x.ElementCount; context.SetOutputShape(0, x.Shape); return; }
        if (!v2)
        {
            if (!x.Shape.SequenceEqual(y.Shape)) throw context.Invalid($"SELECT needs x and y of one shape ({x}, {y})");
            bool rankOne = c.Rank == 1 && x.Rank >= 1 && c.Dim(0) == x.Dim(0);
            if (c.Rank == 0) { _mode = Mode.RankOne; _count = 1; _inner = x.ElementCount; }
            else if (rankOne) { _mode = Mode.RankOne; _count = c.Dim(0); _inner = _count == 0 ? 0 : x.ElementCount / _count; }
            else throw context.Invalid($"SELECT condition {c} is neither x's shape nor rank 1 matching its first dimension");
            context.SetOutputShape(0, x.Shape);
            return;
        }
        int rank = Math.Max(c.Rank, Math.Max(x.Rank, y.Rank));
        var outShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int d = 1;
            foreach (var t in new[] { c, x, y })
            {
                int k = i - (rank - t.Rank);
                int dt = k >= 0 ? t.Dim(k) : 1;
                if (dt != 1) { if (d != 1 && d != dt) throw context.Invalid($"shapes {c}, {x}, {y} do not broadcast"); d = dt; }
            }
            outShape[i] = d;
        }
        Strides(c, _sc); Strides(x, _sx); Strides(y, _sy);
        for (int i = 0; i < R; i++) _shape[i] = i < R - rank ? 1 : outShape[i - (R - rank)];
        _mode = Mode.Broadcast;
        context.SetOutputShape(0, outShape);
    }

    private static void Strides(Tensor t, int[] strides)
    {
        int s = 1;
        for (int i = R - 1; i >= 0; i--)
        {
            int k = i - (R - t.Rank);
            int d = k >= 0 ? t.Dim(k) : 1;
            strides[i] = d == 1 ? 0 : s;
            s *= d;
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* c = context.Input(0).DataPointer, x = context.Input(1).DataPointer, y = context.Input(2).DataPointer, o = context.Output(0).DataPointer;
        int es = _es;
        switch (_mode)
        {
            case Mode.Same:
            {
                int i = 0;
                if (es == 4 && Vector128.IsHardwareAccelerated)
                {
                    // 16 elements per step: the condition bytes widened to lane masks, then a blend (same bytes as the loop below)
                    int* xi = (int*)x, yi = (int*)y, oi = (int*)o;
                    for (; i + 16 <= _count; i += 16)
                    {
                        var (c0, c1, c2, c3) = Elements.Widen16(c + i, false);
                        Vector128.ConditionalSelect(Vector128.Equals(c0, Vector128<int>.Zero), Vector128.Load(yi + i), Vector128.Load(xi + i)).Store(oi + i);
                        Vector128.ConditionalSelect(Vector128.Equals(c1, Vector128<int>.Zero), Vector128.Load(yi + i + 4), Vector128.Load(xi + i + 4)).Store(oi + i + 4);
                        Vector128.ConditionalSelect(Vector128.Equals(c2, Vector128<int>.Zero), Vector128.Load(yi + i + 8), Vector128.Load(xi + i + 8)).Store(oi + i + 8);
                        Vector128.ConditionalSelect(Vector128.Equals(c3, Vector128<int>.Zero), Vector128.Load(yi + i + 12), Vector128.Load(xi + i + 12)).Store(oi + i + 12);
                    }
                }
                for (; i < _count; i++) Elements.CopyOne(c[i] != 0 ? x + (long)i * es : y + (long)i * es, o + (long)i * es, es);
                break;
            }
            case Mode.RankOne:
            {
                long bytes = (long)_inner * es;
                for (int i = 0; i < _count; i++)
                {
                    long off = i * bytes;
                    Buffer.MemoryCopy((c[i] != 0 ? x : y) + off, o + off, bytes, bytes);
                }
                break;
            }
            default:
            {
                long oi = 0;
                for (int d0 = 0; d0 < _shape[0]; d0++)
                for (int d1 = 0; d1 < _shape[1]; d1++)
                for (int d2 = 0; d2 < _shape[2]; d2++)
                for (int d3 = 0; d3 < _shape[3]; d3++)
                for (int d4 = 0; d4 < _shape[4]; d4++)
                {
                    long bc = d0 * _sc[0] + d1 * _sc[1] + d2 * _sc[2] + d3 * _sc[3] + d4 * _sc[4];
                    long bx = d0 * _sx[0] + d1 * _sx[1] + d2 * _sx[2] + d3 * _sx[3] + d4 * _sx[4];
                    long by = d0 * _sy[0] + d1 * _sy[1] + d2 * _sy[2] + d3 * _sy[3] + d4 * _sy[4];
                    for (int d5 = 0; d5 < _shape[5]; d5++, oi++)
                    {
                        bool pick = c[bc + d5 * _sc[5]] != 0;
                        byte* src = pick ? x + (bx + d5 * _sx[5]) * es : y + (by + d5 * _sy[5]) * es;
                        Elements.CopyOne(src, o + oi * es, es);
                    }
                }
                break;
            }
        }
    }
}
