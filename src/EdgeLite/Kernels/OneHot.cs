using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// ONE_HOT: indices (int32/int64) → a new dimension of size depth (int32 scalar) at axis (-1 = last) holding on_value
/// where the position equals the index and off_value elsewhere (indices outside [0, depth) give all off). on/off are
/// scalars of the output type (float32, int16, int32, int64, int8, uint8, bool).
/// </summary>
internal sealed unsafe class OneHot : OpKernel
{
    private int _axis;

    public override void Prepare(KernelContext context)
    {
        var ix = ShapeArgs.IndexInput(context, 0, "indices");
        var depth = context.Input(1); var on = context.Input(2); var off = context.Input(3); var y = context.Output(0);
        if (depth.Type != TensorType.Int32 || depth.ElementCount != 1) throw context.Invalid($"depth must be one int32, got {depth}");
        if (y.Type is not (TensorType.Float32 or TensorType.Int16 or TensorType.Int32 or TensorType.Int64 or TensorType.Int8 or TensorType.UInt8 or TensorType.Bool))
            throw context.Unsupported($"output type {y.Type.ToDTypeName()}");
        if (on.Type != y.Type || off.Type != y.Type || on.ElementCount != 1 || off.ElementCount != 1) throw context.Invalid("on_value and off_value must be scalars of the output type");
        int axis = context.Options<Schema.OneHotOptions>()?.Axis ?? -1;
        if (axis < -1 || axis > ix.Rank) throw context.Invalid($"axis {axis} out of range for indices of rank {ix.Rank}");
        _axis = axis == -1 ? ix.Rank : axis;
        ShapeArgs.SetOrDefer(context, 0, depth.IsConstant, () => OutShape(context));
    }

    private int[] OutShape(KernelContext context)
    {
        var ix = context.Input(0);
        int depth = *(int*)context.Input(1).DataPointer;
        if (depth < 0) throw ShapeArgs.ShapeError(context, $"depth {depth} is negative");
        var s = new int[ix.Rank + 1];
        for (int i = 0, k = 0; i < s.Length; i++) s[i] = i == _axis ? depth : ix.Dim(k++);
        ShapeArgs.CheckBytes(context, s, context.Output(0).ElementSize);
        return s;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var ix = context.Input(0);
        int depth = y.Dim(_axis), es = y.ElementSize;
        long prefix = 1, suffix = 1;
        for (int i = 0; i < _axis; i++) prefix *= ix.Dim(i);
        for (int i = _axis; i < ix.Rank; i++) suffix *= ix.Dim(i);
        byte* on = context.Input(2).DataPointer, off = context.Input(3).DataPointer, o = y.DataPointer;
        long k = 0;
        for (long p = 0; p < prefix; p++)
            for (int d = 0; d < depth; d++)
                for (long s = 0; s < suffix; s++)
                    ShapeArgs.CopyElement(ShapeArgs.Get(ix, (int)(p * suffix + s)) == d ? on : off, 0, o, k++, es);
    }
}

/// <summary>
/// SCATTER_ND: a zero tensor of the shape input (int32/int64), with the slices of updates added at indices
/// (int32/int64, [..., K], K ≤ rank): duplicates add up (bool: or), as in TFLite; an index outside the shape is an error.
/// </summary>
internal sealed unsafe class ScatterNd : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var ix = ShapeArgs.IndexInput(context, 0, "indices");
        var u = context.Input(1);
        var sh = ShapeArgs.IndexInput(context, 2, "shape");
        var y = context.Output(0);
        if (u.Type != y.Type) throw context.Invalid("updates and output types differ");
        if (u.Type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int32 or TensorType.Int64 or TensorType.Bool or TensorType.Int16))
            throw context.Unsupported($"updates type {u.Type.ToDTypeName()}");
        if (ix.Rank < 1) throw context.Invalid($"indices must have rank >= 1, got {ix}");
        if (sh.Rank != 1) throw context.Invalid($"shape must be 1-D, got {sh}");
        ShapeArgs.SetOrDefer(context, 0, sh.IsConstant, () => OutShape(context));
    }

    private static int[] OutShape(KernelContext context)
    {
        var ix = context.Input(0); var u = context.Input(1);
        var s = ShapeArgs.Shape(context, context.Input(2), u.ElementSize, "shape");
        int k = ix.Dim(ix.Rank - 1), outer = ix.Rank - 1;
        if (k > s.Length) throw ShapeArgs.ShapeError(context, $"index depth {k} exceeds the output rank {s.Length}");
        // updates = indices.shape[:-1] + shape[k:]
        bool ok = u.Rank == outer + s.Length - k;
        for (int i = 0; ok && i < outer; i++) ok = u.Dim(i) == ix.Dim(i);
        for (int i = 0; ok && i < s.Length - k; i++) ok = u.Dim(outer + i) == s[k + i];
        if (!ok) throw ShapeArgs.ShapeError(context, $"updates {u} do not match indices {ix} and shape [{string.Join(",", s)}]");
        return s;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var ix = context.Input(0); var u = context.Input(1);
        int k = ix.Dim(ix.Rank - 1), rank = y.Rank;
        long n = ix.ElementCount / Math.Max(k, 1), slice = 1;
        if (k == 0) n = ix.ElementCount == 0 ? (ix.Rank == 1 ? 1 : ix.ElementCount) : n;
        for (int i = k; i < rank; i++) slice *= y.Dim(i);
        new Span<byte>(y.DataPointer, y.ByteLength).Clear();
        for (long e = 0; e < n; e++)
        {
            long off = 0;
            for (int j = 0; j < k; j++)
            {
                long v = ShapeArgs.Get(ix, (int)(e * k + j));
                if (v < 0 || v >= y.Dim(j)) throw new InterpreterException($"{context.Where}: index {v} out of bounds for dimension {j} of size {y.Dim(j)}");
                off = off * y.Dim(j) + v;
            }
            off *= slice;
            long from = e * slice;
            switch (y.Type)
            {
                case TensorType.Float32: { var o = (float*)y.DataPointer; var s = (float*)u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                case TensorType.Int32: { var o = (int*)y.DataPointer; var s = (int*)u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                case TensorType.Int64: { var o = (long*)y.DataPointer; var s = (long*)u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                case TensorType.Int16: { var o = (short*)y.DataPointer; var s = (short*)u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                case TensorType.Int8: { var o = (sbyte*)y.DataPointer; var s = (sbyte*)u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                case TensorType.UInt8: { var o = y.DataPointer; var s = u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] += s[from + i]; break; }
                default: { var o = y.DataPointer; var s = u.DataPointer; for (long i = 0; i < slice; i++) o[off + i] |= s[from + i]; break; }
            }
        }
    }
}
