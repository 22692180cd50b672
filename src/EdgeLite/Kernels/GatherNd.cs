namespace EdgeLite.Kernels;

/// <summary>
/// GATHER_ND: params [..], indices [..., k] (int32/int64) → indices.shape[:-1] + params.shape[k:], any element size;
/// an index outside params raises <see cref="InterpreterException"/>.
/// </summary>
internal sealed unsafe class GatherNd : OpKernel
{
    private int _k, _slices;
    private long _slice;
    private int[] _dims = [];

    public override void Prepare(KernelContext context)
    {
        var p = context.Input(0); var idx = context.Input(1); var y = context.Output(0);
        if (idx.Type is not (TensorType.Int32 or TensorType.Int64)) throw context.Invalid($"indices {idx}");
        if (p.Type != y.Type) throw context.Invalid("params and output types differ");
        if (idx.Rank < 1) throw context.Invalid($"indices {idx}");
        _k = idx.Dim(idx.Rank - 1);
        if (_k > p.Rank || _k < 1) throw context.Invalid($"index depth {_k} for params {p}");
        _dims = p.ShapeArray;
        _slices = idx.ElementCount / _k;
        _slice = p.ElementSize;
        for (int i = _k; i < p.Rank; i++) _slice *= p.Dim(i);
        var shape = new List<int>();
        for (int i = 0; i < idx.Rank - 1; i++) shape.Add(idx.Dim(i));
        for (int i = _k; i < p.Rank; i++) shape.Add(p.Dim(i));
        context.SetOutputShape(0, shape.ToArray());
    }

    public override void Eval(KernelContext context)
    {
        var it = context.Input(1);
        byte* p = context.Input(0).DataPointer, y = context.Output(0).DataPointer, idx = it.DataPointer;
        bool i64 = it.Type == TensorType.Int64;
        for (int s = 0; s < _slices; s++)
        {
            long offset = 0;
            for (int j = 0; j < _k; j++)
            {
                long v = i64 ? ((long*)idx)[(long)s * _k + j] : ((int*)idx)[(long)s * _k + j];
                if ((ulong)v >= (ulong)_dims[j]) throw new InterpreterException($"GATHER_ND index {v} out of range for dimension {j} ({_dims[j]})");
                offset = offset * _dims[j] + v;
            }
            Buffer.MemoryCopy(p + offset * _slice, y + s * _slice, _slice, _slice);
        }
    }
}
