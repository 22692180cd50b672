namespace EdgeLite.Kernels;

/// <summary>
/// STRIDED_SLICE and SLICE with constant parameters (rank ≤ 5, any element size), as TFLite's reference: per axis the
/// start (begin_mask → the first element in the stride's direction; negative indices count from the end; clamped), the
/// stop (end_mask → past the last; shrink_axis → start + 1; offset → begin + end), count = ⌈(stop - start) / stride⌉,
/// shrunk axes dropped from the output. SLICE: begin and size (-1 = to the end). ellipsis_mask and new_axis_mask
/// are not supported (no zoo model uses them).
/// </summary>
internal sealed unsafe class Slice(bool strided) : OpKernel
{
    private const int MaxRank = 5;
    private readonly int[] _start = new int[MaxRank], _stride = new int[MaxRank], _count = new int[MaxRank], _inDims = new int[MaxRank];
    private int _rank, _elem;

    private static long Param(Tensor t, int i) => t.Type == TensorType.Int64 ? t.AsSpan<long>()[i] : t.AsSpan<int>()[i];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _rank = x.Rank; _elem = x.ElementSize;
        if (_rank > MaxRank || _rank == 0) throw context.Unsupported($"rank {_rank}");
        var b = context.Input(1);
        var e = context.Input(2);
        Tensor? s = strided ? context.Input(3) : null;
        foreach (var p in s == null ? new[] { b, e } : new[] { b, e, s })
        {
            if (!p.IsConstant) throw context.Unsupported("non-constant slice parameters");
            if (p.Type is not (TensorType.Int32 or TensorType.Int64) || p.ElementCount != _rank) throw context.Invalid($"slice parameter {p} for rank {_rank}");
        }
        var shape = new List<int>();
        if (strided)
        {
            var o = context.Options<Schema.StridedSliceOptions>() ?? default;
            if (o.EllipsisMask != 0 || o.NewAxisMask != 0) throw context.Unsupported("ellipsis_mask / new_axis_mask");
            for (int i = 0; i < _rank; i++)
            {
                int dim = x.Dim(i);
                long stride = Param(s!, i);
                if (stride == 0) throw context.Invalid($"stride 0 on axis {i}");
                bool shrink = (o.ShrinkAxisMask >> i & 1) != 0;
                long start = (o.BeginMask >> i & 1) != 0 && !shrink ? (stride > 0 ? 0 : dim - 1) : Param(b, i);
                if (start < 0) start += dim;
                long stop;
                if (shrink)
                {
                    if (start < 0 || start >= dim) throw context.Invalid($"shrink index {Param(b, i)} out of range on axis {i} ({dim})");
                    stop = start + 1; stride = 1;
                }
                else
                {
                    start = stride > 0 ? Math.Clamp(start, 0, dim) : Math.Clamp(start, -1, dim - 1);
                    if ((o.EndMask >> i & 1) != 0) stop = stride > 0 ? dim : -1;
                    else
                    {
                        stop = o.Offset ? Param(b, i) + Param(e, i) : Param(e, i);
                        if (stop < 0 && !o.Offset) stop += dim;
                        stop = stride > 0 ? Math.Clamp(stop, 0, dim) : Math.Clamp(stop, -1, dim - 1);
                    }
                }
                long count = stride > 0 ? Math.Max(0, (stop - start + stride - 1) / stride) : Math.Max(0, (start - stop + (-stride) - 1) / -stride);
                _start[i] = (int)start; _stride[i] = (int)stride; _count[i] = (int)count; _inDims[i] = dim;
                if (!shrink) shape.Add((int)count);
            }
        }
        else
        {
            for (int i = 0; i < _rank; i++)
            {
                int dim = x.Dim(i);
                long start = Param(b, i), size = Param(e, i);
                if (size == -1) size = dim - start;
                if (start < 0 || size < 0 || start + size > dim) throw context.Invalid($"slice begin {start} size {size} on axis {i} ({dim})");
                _start[i] = (int)start; _stride[i] = 1; _count[i] = (int)size; _inDims[i] = dim;
                shape.Add((int)size);
            }
        }
        context.SetOutputShape(0, shape.ToArray());
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        // pad to MaxRank on the left
        Span<int> start = stackalloc int[MaxRank], stride = stackalloc int[MaxRank], count = stackalloc int[MaxRank];
        Span<long> inStride = stackalloc long[MaxRank];
        int pad = MaxRank - _rank;
        for (int i = 0; i < MaxRank; i++)
        {
            bool real = i >= pad;
            start[i] = real ? _start[i - pad] : 0; stride[i] = real ? _stride[i - pad] : 1; count[i] = real ? _count[i - pad] : 1;
        }
        long acc = _elem;
        for (int i = MaxRank - 1; i >= 0; i--) { inStride[i] = acc; acc *= i >= pad ? _inDims[i - pad] : 1; }
        int e = _elem;
        long o = 0;
        for (int a = 0; a < count[0]; a++)
            for (int b = 0; b < count[1]; b++)
                for (int c = 0; c < count[2]; c++)
                    for (int d = 0; d < count[3]; d++)
                    {
                        long baseOff = (start[0] + (long)a * stride[0]) * inStride[0] + (start[1] + (long)b * stride[1]) * inStride[1]
                            + (start[2] + (long)c * stride[2]) * inStride[2] + (start[3] + (long)d * stride[3]) * inStride[3];
                        if (stride[4] == 1)
                        {
                            long run = (long)count[4] * e;
                            Buffer.MemoryCopy(x + baseOff + start[4] * inStride[4], y + o, run, run);
                            o += run;
                        }
                        else
                            for (int f = 0; f < count[4]; f++, o += e)
                                Buffer.MemoryCopy(x + baseOff + (start[4] + (long)f * stride[4]) * inStride[4], y + o, e, e);
                    }
    }
}

/// <summary>SPLIT (axis input first, num_splits equal parts) and SPLIT_V (constant size_splits, one -1 inferred), any element size.</summary>
internal sealed unsafe class Split(bool variable) : OpKernel
{
    private int _outer, _inner, _axisDim;
    private int[] _sizes = [];

    public override void Prepare(KernelContext context)
    {
        var x = variable ? context.Input(0) : context.Input(1);
        var axisT = variable ? context.Input(2) : context.Input(0);
        if (!axisT.IsConstant || axisT.ElementCount != 1 || axisT.Type != TensorType.Int32) throw context.Invalid($"axis must be one constant int32, got {axisT}");
        int axis = axisT.AsSpan<int>()[0];
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis >= x.Rank) throw context.Invalid($"axis {axis} out of range for {x}");
        _axisDim = x.Dim(axis);
        int n = context.OutputCount;
        _sizes = new int[n];
        if (variable)
        {
            var st = context.Input(1);
            if (!st.IsConstant || st.Type != TensorType.Int32 || st.ElementCount != n) throw context.Invalid($"size_splits {st} for {n} outputs");
            int unknown = -1, known = 0;
            for (int i = 0; i < n; i++)
            {
                int v = st.AsSpan<int>()[i];
                if (v == -1) { if (unknown >= 0) throw context.Invalid("two -1 in size_splits"); unknown = i; }
                else if (v < 0) throw context.Invalid($"size_splits {v}");
                else known += v;
                _sizes[i] = v;
            }
            if (unknown >= 0) _sizes[unknown] = _axisDim - known;
            if (_sizes.Sum() != _axisDim || _sizes.Any(v => v < 0)) throw context.Invalid($"size_splits do not add up to {_axisDim}");
        }
        else
        {
            if (n <= 0 || _axisDim % n != 0) throw context.Invalid($"{_axisDim} does not split into {n}");
            Array.Fill(_sizes, _axisDim / n);
        }
        _outer = 1; _inner = x.ElementSize;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        for (int k = 0; k < n; k++)
        {
            if (context.Output(k).Type != x.Type) throw context.Invalid("output type differs from the input");
            var shape = x.ShapeArray;
            shape[axis] = _sizes[k];
            context.SetOutputShape(k, shape);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = (variable ? context.Input(0) : context.Input(1)).DataPointer;
        long inRow = (long)_axisDim * _inner;
        long offset = 0;
        for (int k = 0; k < _sizes.Length; k++)
        {
            byte* y = context.Output(k).DataPointer;
            long run = (long)_sizes[k] * _inner;
            for (int o = 0; o < _outer; o++) Buffer.MemoryCopy(x + o * inRow + offset, y + o * run, run, run);
            offset += run;
        }
    }
}

/// <summary>PACK (N same-shape inputs stacked along a new axis) and UNPACK (its inverse), any element size.</summary>
internal sealed unsafe class Pack(bool unpack) : OpKernel
{
    private int _outer, _inner, _n;

    public override void Prepare(KernelContext context)
    {
        int axis;
        if (!unpack)
        {
            var o = context.Options<Schema.PackOptions>() ?? default;
            var x0 = context.Input(0);
            _n = context.InputCount;
            axis = o.Axis < 0 ? o.Axis + x0.Rank + 1 : o.Axis;
            if (axis < 0 || axis > x0.Rank) throw context.Invalid($"axis {o.Axis} for rank {x0.Rank}");
            for (int i = 1; i < _n; i++)
            {
                var xi = context.Input(i);
                if (xi.Type != x0.Type || !xi.Shape.SequenceEqual(x0.Shape)) throw context.Invalid($"PACK inputs {x0} and {xi} differ");
            }
            var shape = x0.ShapeArray.ToList();
            shape.Insert(axis, _n);
            Dims(x0, axis);
            context.SetOutputShape(0, shape.ToArray());
        }
        else
        {
            var o = context.Options<Schema.UnpackOptions>() ?? default;
            var x = context.Input(0);
            axis = o.Axis < 0 ? o.Axis + x.Rank : o.Axis;
            if (axis < 0 || axis >= x.Rank) throw context.Invalid($"axis {o.Axis} for {x}");
            _n = x.Dim(axis);
            if (context.OutputCount != _n) throw context.Invalid($"{context.OutputCount} outputs for {_n} slices");
            var shape = x.ShapeArray.ToList();
            shape.RemoveAt(axis);
            _outer = 1; _inner = x.ElementSize;
            for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
            for (int i = axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
            for (int k = 0; k < _n; k++) context.SetOutputShape(k, shape.ToArray());
        }
    }

    private void Dims(Tensor x, int axis)
    {
        _outer = 1; _inner = x.ElementSize;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = axis; i < x.Rank; i++) _inner *= x.Dim(i);
    }

    public override void Eval(KernelContext context)
    {
        for (int k = 0; k < _n; k++)
        {
            byte* part = unpack ? context.Output(k).DataPointer : context.Input(k).DataPointer;
            byte* whole = unpack ? context.Input(0).DataPointer : context.Output(0).DataPointer;
            for (int o = 0; o < _outer; o++)
            {
                byte* w = whole + ((long)o * _n + k) * _inner;
                byte* p = part + (long)o * _inner;
                if (unpack) Buffer.MemoryCopy(w, p, _inner, _inner); else Buffer.MemoryCopy(p, w, _inner, _inner);
            }
        }
    }
}
