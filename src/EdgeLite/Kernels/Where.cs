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
/// (so NaN never matches, as in TensorFlow). The reference search is linear in the distinct values so far.
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

    private static bool Equal(Tensor t, byte* a, long i, long j) => t.Type switch
    {
        TensorType.Float32 => ((float*)a)[i] == ((float*)a)[j],
        TensorType.Int32 => ((int*)a)[i] == ((int*)a)[j],
        TensorType.Int64 => ((long*)a)[i] == ((long*)a)[j],
        TensorType.Int16 => ((short*)a)[i] == ((short*)a)[j],
        _ => a[i] == a[j],
    };

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var ix = context.Output(1);
        int n = x.ElementCount;
        // first pass: the index of each element's first occurrence, written to the index output as the list position
        int distinct = 0;
        var firsts = ix.Type == TensorType.Int64 ? null : (int*)ix.DataPointer;
        for (int i = 0; i < n; i++)
        {
            int pos = -1;
            // earlier first occurrences are exactly the elements whose index equals their own list position so far
            for (int j = 0; j < i && pos < 0; j++)
                if (Equal(x, x.DataPointer, i, j)) pos = (int)ShapeArgs.Get(ix, j);
            if (pos < 0) pos = distinct++;
            if (firsts != null) firsts[i] = pos; else ((long*)ix.DataPointer)[i] = pos;
        }
        context.ResizeOutput(0, [distinct]);
        var y = context.Output(0);
        int es = x.ElementSize;
        int next = 0;
        for (int i = 0; i < n && next < distinct; i++)
            if (ShapeArgs.Get(ix, i) == next) ShapeArgs.CopyElement(x.DataPointer, i, y.DataPointer, next++, es);
    }
}
