using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// WHERE (one input): the coordinates of the true (non-zero) elements of the condition, row-major, as int64
/// [count, rank]. The count depends on the values, so the output is dynamic.
/// </summary>
internal sealed unsafe class Where : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        if (context.InputCount != 1) throw context.Unsupported("WHERE with x and y inputs (use SELECT_V2)");
        var c = context.Input(0); var y = context.Output(0);
        if (c.Type is not (TensorType.Bool or TensorType.Float32 or TensorType.Int32 or TensorType.Int64 or TensorType.Int8 or TensorType.UInt8 or TensorType.Int16))
            throw context.Unsupported($"condition type {c.Type.ToDTypeName()}");
        if (y.Type != TensorType.Int64) throw context.Invalid($"output must be int64, got {y.Type.ToDTypeName()}");
        context.SetOutputDynamic(0);
    }

    private static bool IsTrue(Tensor c, long i) => c.Type switch
    {
        TensorType.Float32 => ((float*)c.DataPointer)[i] != 0,
        TensorType.Int32 => ((int*)c.DataPointer)[i] != 0,
        TensorType.Int64 => ((long*)c.DataPointer)[i] != 0,
        TensorType.Int16 => ((short*)c.DataPointer)[i] != 0,
        _ => c.DataPointer[i] != 0,
    };

    public override void Eval(KernelContext context)
    {
        var c = context.Input(0);
        long n = c.ElementCount;
        int count = 0;
        for (long i = 0; i < n; i++) if (IsTrue(c, i)) count++;
        int rank = c.Rank;
        Span<int> shape = [count, rank];
        context.ResizeOutput(0, shape);
        var o = (long*)context.Output(0).DataPointer;
        Span<int> idx = stackalloc int[rank];
        long k = 0;
        for (long i = 0; i < n; i++)
        {
            if (IsTrue(c, i)) for (int d = 0; d < rank; d++) o[k++] = idx[d];
            for (int d = rank - 1; d >= 0; d--) { if (++idx[d] < c.Dim(d)) break; idx[d] = 0; }
        }
    }
}

/// <summary>
/// UNIQUE: the distinct values of a 1-D input in order of first appearance (dynamic output 0) and, for every input
/// element, the index of its value in that list (output 1, int32 or int64 as idx_out_type). Values compare with ==
/// (-0 matches 0, as real TFLite gives). NaN never matches (TensorFlow's semantics); real TFLite differs there: its
/// std::map treats a NaN as equal to whatever it is compared with, so the result depends on its tree's shape (all
/// of [NaN, 0, NaN, -0, 1, 1, NaN, 2, 0] maps to one NaN group) — not reproduced. O(n log n): the values are sorted with their indices,
/// equal runs give the groups, and the groups are ordered by their first index (pooled arrays, so a large input is
/// neither quadratic nor a fresh allocation per Invoke).
/// </summary>
internal sealed unsafe class Unique : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0); var idx = context.Output(1);
        if (x.Rank != 1) throw context.Invalid($"input must be 1-D, got {x}");
        if (x.Type is not (TensorType.Float32 or TensorType.Int8 or TensorType.UInt8 or TensorType.Int16 or TensorType.Int32 or TensorType.Int64))
            throw context.Unsupported($"type {x.Type.ToDTypeName()}");
        if (y.Type != x.Type) throw context.Invalid("input and output types differ");
        if (!ShapeArgs.IsIndexType(idx.Type)) throw context.Invalid($"index output must be int32 or int64, got {idx.Type.ToDTypeName()}");
        context.SetOutputDynamic(0);
        context.SetOutputShape(1, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var ix = context.Output(1);
        int n = x.ElementCount;
        var pool = System.Buffers.ArrayPool<int>.Shared;
        int[] order = pool.Rent(Math.Max(n, 1)), group = pool.Rent(Math.Max(n, 1)), firsts = pool.Rent(Math.Max(n, 1)), ids = pool.Rent(Math.Max(n, 1));
        float[]? fk = null; long[]? lk = null;
        try
        {
            for (int i = 0; i < n; i++) order[i] = i;
            int groups = 0;
            if (x.Type == TensorType.Float32)
            {
                fk = System.Buffers.ArrayPool<float>.Shared.Rent(Math.Max(n, 1));
                new Span<float>(x.DataPointer, n).CopyTo(fk);
                fk.AsSpan(0, n).Sort(order.AsSpan(0, n));
                for (int s = 0; s < n; s++)
                {
                    if (s == 0 || !(fk[s] == fk[s - 1])) firsts[groups++] = order[s];
                    else if (order[s] < firsts[groups - 1]) firsts[groups - 1] = order[s];
                    group[order[s]] = groups - 1;
                }
            }
            else
            {
                lk = System.Buffers.ArrayPool<long>.Shared.Rent(Math.Max(n, 1));
                for (int i = 0; i < n; i++) lk[i] = Value(x, i);
                lk.AsSpan(0, n).Sort(order.AsSpan(0, n));
                for (int s = 0; s < n; s++)
                {
                    if (s == 0 || lk[s] != lk[s - 1]) firsts[groups++] = order[s];
                    else if (order[s] < firsts[groups - 1]) firsts[groups - 1] = order[s];
                    group[order[s]] = groups - 1;
                }
            }
            // groups in order of first appearance: ids[rank] = group, then group -> rank in 'order' (reused)
            for (int g = 0; g < groups; g++) ids[g] = g;
            var firstsCopy = order; // order is no longer needed
            firsts.AsSpan(0, groups).CopyTo(firstsCopy);
            firstsCopy.AsSpan(0, groups).Sort(ids.AsSpan(0, groups));
            for (int r = 0; r < groups; r++) firsts[ids[r]] = r; // firsts now holds each group's rank
            context.ResizeOutput(0, [groups]);
            var y = context.Output(0);
            int es = x.ElementSize;
            for (int i = 0; i < n; i++)
            {
                int rank = firsts[group[i]];
                if (ix.Type == TensorType.Int64) ((long*)ix.DataPointer)[i] = rank; else ((int*)ix.DataPointer)[i] = rank;
            }
            for (int r = 0; r < groups; r++) ShapeArgs.CopyElement(x.DataPointer, firstsCopy[r], y.DataPointer, r, es);
        }
        finally
        {
            pool.Return(order); pool.Return(group); pool.Return(firsts); pool.Return(ids);
            if (fk != null) System.Buffers.ArrayPool<float>.Shared.Return(fk);
            if (lk != null) System.Buffers.ArrayPool<long>.Shared.Return(lk);
        }
    }

    private static long Value(Tensor t, int i) => t.Type switch
    {
        TensorType.Int32 => ((int*)t.DataPointer)[i],
        TensorType.Int64 => ((long*)t.DataPointer)[i],
        TensorType.Int16 => ((short*)t.DataPointer)[i],
        TensorType.Int8 => ((sbyte*)t.DataPointer)[i],
        _ => t.DataPointer[i],
    };
}
