using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>EXPAND_DIMS: inserts a dimension of size 1 at the axis input (int32/int64, one value; negative counts from the end).</summary>
internal sealed unsafe class ExpandDims : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var axis = ShapeArgs.IndexInput(context, 1, "axis");
        if (axis.ElementCount != 1) throw context.Invalid($"axis must hold one value, got {axis}");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "EXPAND_DIMS");
        ShapeArgs.SetOrDefer(context, 0, axis.IsConstant, () => OutShape(context));
    }

    private static int[] OutShape(KernelContext context)
    {
        var x = context.Input(0);
        long a = ShapeArgs.Get(context.Input(1), 0);
        if (a < -x.Rank - 1 || a > x.Rank) throw ShapeArgs.ShapeError(context, $"axis {a} out of range for rank {x.Rank}");
        int axis = (int)(a < 0 ? a + x.Rank + 1 : a);
        var s = new int[x.Rank + 1];
        for (int i = 0, k = 0; i < s.Length; i++) s[i] = i == axis ? 1 : x.Dim(k++);
        return s;
    }

    public override void Eval(KernelContext context)
    {
        if (context.Output(0).IsDynamic) context.ResizeOutput(0, OutShape(context));
        var x = context.Input(0); var y = context.Output(0);
        if (x.DataPointer != y.DataPointer) Buffer.MemoryCopy(x.DataPointer, y.DataPointer, y.ByteLength, x.ByteLength);
    }
}

/// <summary>SHAPE: the input's shape as a 1-D int32 or int64 tensor. Static input shapes make it a constant at AllocateTensors.</summary>
internal sealed unsafe class ShapeOp : OpKernel
{
    internal override bool ReadsInputShapesOnly => true;

    public override void Prepare(KernelContext context)
    {
        var y = context.Output(0);
        if (!ShapeArgs.IsIndexType(y.Type)) throw context.Unsupported($"output type {y.Type.ToDTypeName()} (int32 or int64)");
        context.SetOutputShape(0, [context.Input(0).Rank]);
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        for (int i = 0; i < x.Rank; i++)
        {
            if (y.Type == TensorType.Int64) ((long*)y.DataPointer)[i] = x.Dim(i);
            else ((int*)y.DataPointer)[i] = x.Dim(i);
        }
    }
}

/// <summary>RANK: the input's rank as an int32 scalar.</summary>
internal sealed unsafe class RankOp : OpKernel
{
    internal override bool ReadsInputShapesOnly => true;

    public override void Prepare(KernelContext context)
    {
        var y = context.Output(0);
        if (y.Type != TensorType.Int32) throw context.Unsupported($"output type {y.Type.ToDTypeName()} (int32)");
        context.SetOutputShape(0, []);
    }

    public override void Eval(KernelContext context) => *(int*)context.Output(0).DataPointer = context.Input(0).Rank;
}

/// <summary>FILL: a tensor of the dims input's shape (int32/int64), every element the scalar value input (any fixed-size type).</summary>
internal sealed unsafe class Fill : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var dims = ShapeArgs.IndexInput(context, 0, "dims");
        var v = context.Input(1);
        if (v.ElementCount != 1) throw context.Invalid($"value must be a scalar, got {v}");
        if (v.Type != context.Output(0).Type) throw context.Invalid($"value is {v.Type.ToDTypeName()}, output {context.Output(0).Type.ToDTypeName()}");
        ShapeArgs.RequireFixedSize(context, v, "FILL");
        if (dims.Rank != 1) throw context.Invalid($"dims must be 1-D, got {dims}");
        ShapeArgs.SetOrDefer(context, 0, dims.IsConstant, () => ShapeArgs.Shape(context, dims, v.ElementSize, "dims"));
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, ShapeArgs.Shape(context, context.Input(0), y.ElementSize, "dims"));
        var v = context.Input(1);
        int es = y.ElementSize, n = y.ElementCount;
        byte* src = v.DataPointer, dst = y.DataPointer;
        for (int i = 0; i < n; i++) ShapeArgs.CopyElement(src, 0, dst, i, es);
    }
}

/// <summary>
/// RANGE: start, start + delta, ... up to (excluding) limit; int32, int64 or float32 scalars of one type. The length is
/// ceil(|limit - start| / |delta|) and must fit <see cref="Model.MaxTensorBytes"/>; delta 0 or pointing away from the
/// limit is an error, as in TFLite.
/// </summary>
internal sealed unsafe class Range : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var s = context.Input(0); var l = context.Input(1); var d = context.Input(2); var y = context.Output(0);
        if (s.Type is not (TensorType.Int32 or TensorType.Int64 or TensorType.Float32)) throw context.Unsupported($"type {s.Type.ToDTypeName()}");
        if (l.Type != s.Type || d.Type != s.Type || y.Type != s.Type) throw context.Invalid("start, limit, delta and the output must have one type");
        if (s.ElementCount != 1 || l.ElementCount != 1 || d.ElementCount != 1) throw context.Invalid("start, limit and delta must be scalars");
        ShapeArgs.SetOrDefer(context, 0, s.IsConstant && l.IsConstant && d.IsConstant, () => [Length(context)]);
    }

    private static int Length(KernelContext context)
    {
        var s = context.Input(0); var l = context.Input(1); var d = context.Input(2);
        double start, limit, delta;
        long n;
        if (s.Type == TensorType.Float32)
        {
            float fs = *(float*)s.DataPointer, fl = *(float*)l.DataPointer, fd = *(float*)d.DataPointer;
            start = fs; limit = fl; delta = fd;
            Check(context, start, limit, delta);
            // in float, as TFLite computes it
            double len = MathF.Ceiling(MathF.Abs((fl - fs) / fd));
            if (!(len <= int.MaxValue)) throw ShapeArgs.ShapeError(context, $"range of {len} elements is too large");
            n = (long)len;
        }
        else
        {
            long a = ShapeArgs.Get(s, 0), b = ShapeArgs.Get(l, 0), c = ShapeArgs.Get(d, 0);
            Check(context, a, b, c);
            // |b - a| in unsigned arithmetic: int64 extremes would overflow a signed difference
            ulong span = a <= b ? (ulong)b - (ulong)a : (ulong)a - (ulong)b;
            ulong step = c < 0 ? (ulong)(-(c + 1)) + 1 : (ulong)c;
            ulong len = span / step + (span % step != 0 ? 1UL : 0UL);
            if (len > int.MaxValue) throw ShapeArgs.ShapeError(context, $"range of {len} elements is too large");
            n = (long)len;
        }
        ShapeArgs.CheckBytes(context, [(int)n], s.ElementSize);
        return (int)n;
    }

    private static void Check(KernelContext context, double start, double limit, double delta)
    {
        if (delta == 0 || double.IsNaN(delta)) throw ShapeArgs.ShapeError(context, "delta must not be 0");
        if (start > limit && delta > 0 || start < limit && delta < 0) throw ShapeArgs.ShapeError(context, $"delta {delta} does not go from {start} towards {limit}");
        if (!double.IsFinite(start) || !double.IsFinite(limit) || !double.IsFinite(delta)) throw ShapeArgs.ShapeError(context, "start, limit and delta must be finite");
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, [Length(context)]);
        var s = context.Input(0); var d = context.Input(2);
        int n = y.ElementCount;
        switch (y.Type)
        {
            case TensorType.Float32:
            {
                float start = *(float*)s.DataPointer, delta = *(float*)d.DataPointer;
                var o = (float*)y.DataPointer;
                // as TFLite's range.cc: a running sum (not start + i * delta)
                float v = start;
                for (int i = 0; i < n; i++) { o[i] = v; v += delta; }
                break;
            }
            case TensorType.Int32:
            {
                int start = *(int*)s.DataPointer, delta = *(int*)d.DataPointer;
                var o = (int*)y.DataPointer;
                for (int i = 0; i < n; i++) o[i] = unchecked(start + i * delta);
                break;
            }
            default:
            {
                long start = *(long*)s.DataPointer, delta = *(long*)d.DataPointer;
                var o = (long*)y.DataPointer;
                for (int i = 0; i < n; i++) o[i] = unchecked(start + i * delta);
                break;
            }
        }
    }
}

/// <summary>BROADCAST_ARGS: the broadcast shape of two 1-D shape tensors (int32 or int64, both the output's type).</summary>
internal sealed unsafe class BroadcastArgs : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var a = ShapeArgs.IndexInput(context, 0, "shape 0"); var b = ShapeArgs.IndexInput(context, 1, "shape 1"); var y = context.Output(0);
        if (a.Rank != 1 || b.Rank != 1) throw context.Invalid("both inputs must be 1-D");
        if (a.Type != b.Type || y.Type != a.Type) throw context.Invalid("inputs and output must have one type");
        context.SetOutputShape(0, [Math.Max(a.ElementCount, b.ElementCount)]);
    }

    public override void Eval(KernelContext context)
    {
        var a = context.Input(0); var b = context.Input(1); var y = context.Output(0);
        int n = y.ElementCount, na = a.ElementCount, nb = b.ElementCount;
        for (int i = 0; i < n; i++)
        {
            int ia = i - (n - na), ib = i - (n - nb);
            long da = ia >= 0 ? ShapeArgs.Get(a, ia) : 1, db = ib >= 0 ? ShapeArgs.Get(b, ib) : 1;
            if (da != db && da != 1 && db != 1) throw new InterpreterException($"{context.Where}: shapes do not broadcast (dimension {i}: {da} vs {db})");
            long r = da == 1 ? db : da;
            if (y.Type == TensorType.Int64) ((long*)y.DataPointer)[i] = r; else ((int*)y.DataPointer)[i] = (int)r;
        }
    }
}
