namespace EdgeLite.Kernels;

/// <summary>
/// RESHAPE (and the data side of SQUEEZE/EXPAND_DIMS-like ops): copies the bytes; the new shape comes from the
/// constant shape input, else the options' new_shape, else the output tensor's declared shape; one -1 is inferred.
/// </summary>
internal sealed unsafe class Reshape : OpKernel
{
    private bool _dynamic;

    public override void Prepare(KernelContext context)
    {
        _dynamic = false;
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        int[] shape;
        var shapeTensor = context.OptionalInput(1);
        var o = context.Options<Schema.ReshapeOptions>();
        if (shapeTensor != null && shapeTensor.IsConstant && shapeTensor.Rank == 1 && shapeTensor.Type == TensorType.Int32)
            shape = shapeTensor.AsSpan<int>().ToArray();
        else if (shapeTensor != null && !shapeTensor.IsConstant && shapeTensor.Rank == 1 && shapeTensor.Type == TensorType.Int32)
        {
            // a computed shape (not foldable at AllocateTensors): the output is dynamic, as in TFLite's reshape.cc
            _dynamic = true;
            context.SetOutputDynamic(0);
            return;
        }
        else if (o is { } opts && opts.NewShapeLength > 0) shape = opts.GetNewShapeArray();
        else shape = y.Description.Shape.ToArray();
        context.SetOutputShape(0, Resolve(context, shape, x.ElementCount));
    }

    internal static int[] Resolve(KernelContext context, int[] shape, int count)
    {
        int unknown = -1; long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { if (unknown >= 0) throw context.Invalid("more than one -1 in the new shape"); unknown = i; }
            else if (shape[i] < 0) throw context.Invalid($"new shape dimension {shape[i]}");
            else known *= shape[i];
        }
        var result = (int[])shape.Clone();
        if (unknown >= 0)
        {
            if (known == 0 || count % known != 0) throw context.Invalid($"cannot infer -1 of [{string.Join(",", shape)}] for {count} elements");
            result[unknown] = (int)(count / known);
        }
        else if (known != count) throw context.Invalid($"new shape [{string.Join(",", shape)}] has {known} elements, input {count}");
        return result;
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (_dynamic)
        {
            var st = context.Input(1);
            Span<int> shape = st.ElementCount <= 16 ? stackalloc int[st.ElementCount] : throw new InterpreterException($"{context.Where}: new shape of rank {st.ElementCount}");
            st.AsSpan<int>().CopyTo(shape);
            ResolveInPlace(context, shape, x.ElementCount);
            context.ResizeOutput(0, shape);
        }
        if (x.DataPointer != y.DataPointer) Buffer.MemoryCopy(x.DataPointer, y.DataPointer, y.ByteLength, x.ByteLength);
    }

    /// <summary><see cref="Resolve"/> without allocating (Invoke), errors as <see cref="InterpreterException"/>.</summary>
    private static void ResolveInPlace(KernelContext context, Span<int> shape, int count)
    {
        int unknown = -1; long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { if (unknown >= 0) throw new InterpreterException($"{context.Where}: more than one -1 in the new shape"); unknown = i; }
            else if (shape[i] < 0) throw new InterpreterException($"{context.Where}: new shape dimension {shape[i]}");
            else { known *= shape[i]; if (known > int.MaxValue) throw new InterpreterException($"{context.Where}: new shape too large"); }
        }
        if (unknown >= 0)
        {
            if (known == 0 || count % known != 0) throw new InterpreterException($"{context.Where}: cannot infer -1 of the new shape for {count} elements");
            shape[unknown] = (int)(count / known);
        }
        else if (known != count) throw new InterpreterException($"{context.Where}: new shape has {known} elements, input {count}");
    }
}

/// <summary>SQUEEZE: removes the given size-1 dimensions (all of them when none are given); copies the bytes.</summary>
internal sealed unsafe class Squeeze : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var dims = context.Options<Schema.SqueezeOptions>()?.GetSqueezeDimsArray() ?? [];
        var keep = new List<int>();
        for (int i = 0; i < x.Rank; i++)
        {
            bool listed = dims.Length == 0 ? x.Dim(i) == 1 : dims.Any(d => (d < 0 ? d + x.Rank : d) == i);
            if (listed && x.Dim(i) != 1) throw context.Invalid($"cannot squeeze dimension {i} of size {x.Dim(i)}");
            if (!listed) keep.Add(x.Dim(i));
        }
        context.SetOutputShape(0, keep.ToArray());
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.DataPointer != y.DataPointer) Buffer.MemoryCopy(x.DataPointer, y.DataPointer, y.ByteLength, x.ByteLength);
    }
}
