namespace EdgeLite.Kernels;

/// <summary>
/// GATHER as TFLite's gather.cc: out = params[batch..., outer..., indices[batch..., i...], inner...] with
/// output shape params[:axis] + indices[batch_dims:] + params[axis+1:]; axis and batch_dims may be negative;
/// int32 or int64 indices, each checked against the axis size at run time (an out-of-range index fails the invoke
/// with <see cref="InterpreterException"/>, as TFLite's reference Gather returns an error). Any element type.
/// </summary>
internal sealed unsafe class Gather : OpKernel
{
    private int _batch, _outer, _axisSize, _coords, _inner, _elem;
    private bool _wide;

    public override void Prepare(KernelContext context)
    {
        var p = context.Input(0); var idx = context.Input(1); var y = context.Output(0);
        var o = context.Options<Schema.GatherOptions>() ?? default;
        if (p.Type != y.Type) throw context.Invalid("params and output types differ");
        if (!IndexReader.IsIndexType(idx.Type)) throw context.Invalid($"indices must be int32 or int64, got {idx.Type.ToDTypeName()}");
        _elem = Elements.CopyableSize(context, p);
        int axis = o.Axis < 0 ? o.Axis + p.Rank : o.Axis;
        if (axis < 0 || axis >= p.Rank) throw context.Invalid($"axis {o.Axis} out of range for {p}");
        int bd = o.BatchDims < 0 ? o.BatchDims + idx.Rank : o.BatchDims;
        if (bd < 0 || bd > idx.Rank || bd > axis) throw context.Invalid($"batch_dims {o.BatchDims} out of range (indices rank {idx.Rank}, axis {axis})");
        for (int i = 0; i < bd; i++)
            if (p.Dim(i) != idx.Dim(i)) throw context.Invalid($"batch dimension {i} differs: params {p}, indices {idx}");
        _batch = 1; _outer = 1; _inner = 1; _coords = 1;
        for (int i = 0; i < bd; i++) _batch *= p.Dim(i);
        for (int i = bd; i < axis; i++) _outer *= p.Dim(i);
        for (int i = axis + 1; i < p.Rank; i++) _inner *= p.Dim(i);
        for (int i = bd; i < idx.Rank; i++) _coords *= idx.Dim(i);
        _axisSize = p.Dim(axis);
        _wide = idx.Type == TensorType.Int64;
        var shape = new List<int>();
        for (int i = 0; i < axis; i++) shape.Add(p.Dim(i));
        for (int i = bd; i < idx.Rank; i++) shape.Add(idx.Dim(i));
        for (int i = axis + 1; i < p.Rank; i++) shape.Add(p.Dim(i));
        context.SetOutputShape(0, shape.ToArray());
    }

    public override void Eval(KernelContext context)
    {
        byte* p = context.Input(0).DataPointer, ind = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        long chunk = (long)_inner * _elem;
        for (int b = 0; b < _batch; b++)
            for (int o = 0; o < _outer; o++)
            {
                byte* src = p + ((long)b * _outer + o) * _axisSize * chunk;
                for (int i = 0; i < _coords; i++)
                {
                    long k = IndexReader.Read(ind, (long)b * _coords + i, _wide);
                    if ((ulong)k >= (ulong)_axisSize) ThrowOutOfRange(context, k);
                    Buffer.MemoryCopy(src + k * chunk, y, chunk, chunk);
                    y += chunk;
                }
            }
    }

    private void ThrowOutOfRange(KernelContext context, long k) =>
        throw new InterpreterException($"operator {context.Operator.Index} (GATHER): index {k} out of range [0, {_axisSize})");
}

/// <summary>
/// GATHER_ND as TFLite's gather_nd.cc: indices [..., depth] (int32 or int64, depth ≤ params rank) pick slices
/// params[i0, ..., i_depth-1, ...]; output shape indices[:-1] + params[depth:]. Every index is checked against its
/// dimension at run time (out of range fails the invoke with <see cref="InterpreterException"/>). Any element type.
/// </summary>
internal sealed unsafe class GatherNd : OpKernel
{
    private const int MaxDepth = 8;
    private readonly long[] _dimStride = new long[MaxDepth];
    private readonly int[] _dims = new int[MaxDepth];
    private int _depth, _slices, _elem;
    private long _sliceElems;
    private bool _wide;

    public override void Prepare(KernelContext context)
    {
        var p = context.Input(0); var idx = context.Input(1); var y = context.Output(0);
        if (p.Type != y.Type) throw context.Invalid("params and output types differ");
        if (!IndexReader.IsIndexType(idx.Type)) throw context.Invalid($"indices must be int32 or int64, got {idx.Type.ToDTypeName()}");
        if (p.Rank < 1 || idx.Rank < 1) throw context.Invalid($"params {p} and indices {idx} must have rank ≥ 1");
        _elem = Elements.CopyableSize(context, p);
        _depth = idx.Dim(idx.Rank - 1);
        if (_depth > p.Rank) throw context.Invalid($"index depth {_depth} exceeds params rank {p.Rank}");
        if (_depth > MaxDepth) throw context.Unsupported($"index depth {_depth}");
        _sliceElems = 1;
        for (int i = _depth; i < p.Rank; i++) _sliceElems *= p.Dim(i);
        long stride = _sliceElems;
        for (int j = _depth - 1; j >= 0; j--) { _dimStride[j] = stride; _dims[j] = p.Dim(j); stride *= p.Dim(j); }
        _slices = 1;
        for (int i = 0; i < idx.Rank - 1; i++) _slices *= idx.Dim(i);
        _wide = idx.Type == TensorType.Int64;
        var shape = new List<int>();
        for (int i = 0; i < idx.Rank - 1; i++) shape.Add(idx.Dim(i));
        for (int i = _depth; i < p.Rank; i++) shape.Add(p.Dim(i));
        context.SetOutputShape(0, shape.ToArray());
    }

    public override void Eval(KernelContext context)
    {
        byte* p = context.Input(0).DataPointer, ind = context.Input(1).DataPointer, y = context.Output(0).DataPointer;
        long bytes = _sliceElems * _elem;
        for (int s = 0; s < _slices; s++)
        {
            long from = 0;
            for (int j = 0; j < _depth; j++)
            {
                long k = IndexReader.Read(ind, (long)s * _depth + j, _wide);
                if ((ulong)k >= (ulong)_dims[j]) ThrowOutOfRange(context, k, j);
                from += k * _dimStride[j];
            }
            Buffer.MemoryCopy(p + from * _elem, y, bytes, bytes);
            y += bytes;
        }
    }

    private void ThrowOutOfRange(KernelContext context, long k, int j) =>
        throw new InterpreterException($"operator {context.Operator.Index} (GATHER_ND): index {k} out of range [0, {_dims[j]}) in dimension {j}");
}
