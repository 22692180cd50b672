namespace EdgeLite.Kernels;

/// <summary>
/// SPLIT (axis is input 0, data input 1, num_splits equal parts) and SPLIT_V (data input 0, constant size_splits
/// input 1 with at most one -1 inferred, axis input 2), as TFLite's split.cc / split_v.cc: the axis is a constant
/// int32 scalar, negative counts from the end; any element type (bytes are copied).
/// </summary>
internal sealed unsafe class Split(bool variable) : OpKernel
{
    private int _outer, _inner, _elem;
    private int[] _sizes = [];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(variable ? 0 : 1);
        var axisT = context.Input(variable ? 2 : 0);
        int n = context.OutputCount;
        if (axisT.ElementCount != 1 || axisT.Type != TensorType.Int32) throw context.Invalid($"axis {axisT} must be one int32");
        if (!axisT.IsConstant) throw context.Unsupported("dynamic axis (non-constant tensor)");
        int axis = axisT.AsSpan<int>()[0];
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis >= x.Rank) throw context.Invalid($"axis {axisT.AsSpan<int>()[0]} out of range for {x}");
        _elem = Elements.CopyableSize(context, x);
        int dim = x.Dim(axis);
        _sizes = new int[n];
        if (!variable)
        {
            int num = context.Options<Schema.SplitOptions>()?.NumSplits ?? n;
            if (num != n) throw context.Invalid($"num_splits {num} but {n} outputs");
            if (n == 0 || dim % n != 0) throw context.Invalid($"cannot split dimension {axis} of size {dim} into {n} equal parts");
            for (int i = 0; i < n; i++) _sizes[i] = dim / n;
        }
        else
        {
            var st = context.Input(1);
            if (st.Rank != 1 || st.ElementCount != n) throw context.Invalid($"size_splits {st} for {n} outputs");
            if (!st.IsConstant) throw context.Unsupported("dynamic size_splits (non-constant tensor)");
            var sizes = Elements.ReadInts(context, st, "size_splits");
            int unknown = -1; long sum = 0;
            for (int i = 0; i < n; i++)
            {
                if (sizes[i] == -1) { if (unknown >= 0) throw context.Invalid("more than one -1 in size_splits"); unknown = i; }
                else if (sizes[i] < 0) throw context.Invalid($"size_splits value {sizes[i]}");
                else sum += sizes[i];
            }
            if (unknown >= 0)
            {
                if (sum > dim) throw context.Invalid($"size_splits [{string.Join(",", sizes)}] exceed dimension {axis} of size {dim}");
                sizes[unknown] = dim - (int)sum;
            }
            else if (sum != dim) throw context.Invalid($"size_splits [{string.Join(",", sizes)}] do not sum to dimension {axis} of size {dim}");
            _sizes = sizes;
        }
        _outer = 1; _inner = 1;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        for (int k = 0; k < n; k++)
        {
            var y = context.Output(k);
            if (y.Type != x.Type) throw context.Invalid($"output {k} type {y.Type.ToDTypeName()} differs from the input's");
            var shape = x.ShapeArray;
            shape[axis] = _sizes[k];
            context.SetOutputShape(k, shape);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(variable ? 0 : 1).DataPointer;
        int n = _sizes.Length;
        long src = 0;
        for (int o = 0; o < _outer; o++)
            for (int k = 0; k < n; k++)
            {
                long bytes = (long)_sizes[k] * _inner * _elem;
                Buffer.MemoryCopy(x + src, context.Output(k).DataPointer + o * bytes, bytes, bytes);
                src += bytes;
            }
    }
}
