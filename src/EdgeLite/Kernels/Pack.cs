namespace EdgeLite.Kernels;

/// <summary>Checks shared by PACK and UNPACK.</summary>
internal static class PackCommon
{
    /// <summary>TFLite's pack.cc/unpack.cc: quantized tensors are copied as is, so their scale and zero point must match.</summary>
    public static void RequireSameQuantization(KernelContext context, Tensor a, Tensor b, string what)
    {
        if (a.Type is not (TensorType.UInt8 or TensorType.Int8 or TensorType.Int16)) return;
        var qa = a.Quantization; var qb = b.Quantization;
        bool ha = qa is { Scales.Count: > 0 }, hb = qb is { Scales.Count: > 0 };
        if (ha != hb || (ha && (qa!.Scale != qb!.Scale || qa.ZeroPoint != qb.ZeroPoint)))
            throw context.Invalid($"{what} {a} and {b} must share scale and zero point");
    }
}

/// <summary>
/// PACK: stacks values_count tensors of the same shape and type along a new dimension at axis (negative counts from
/// the end of the output rank); quantized inputs must share the output's scale and zero point. Any element type.
/// </summary>
internal sealed unsafe class Pack : OpKernel
{
    private int _outer, _chunkBytes, _n;

    public override void Prepare(KernelContext context)
    {
        var first = context.Input(0); var y = context.Output(0);
        _n = context.InputCount;
        var o = context.Options<Schema.PackOptions>() ?? default;
        if (o.ValuesCount != 0 && o.ValuesCount != _n) throw context.Invalid($"values_count {o.ValuesCount} but {_n} inputs");
        int rank = first.Rank;
        int axis = o.Axis < 0 ? o.Axis + rank + 1 : o.Axis;
        if (axis < 0 || axis > rank) throw context.Invalid($"axis {o.Axis} out of range for inputs of rank {rank}");
        if (y.Type != first.Type) throw context.Invalid("input and output types differ");
        int elem = Elements.CopyableSize(context, first);
        for (int k = 0; k < _n; k++)
        {
            var t = context.Input(k);
            if (t.Type != first.Type || !t.Shape.SequenceEqual(first.Shape)) throw context.Invalid($"input {k} {t} does not match {first}");
            PackCommon.RequireSameQuantization(context, t, y, $"input {k}");
        }
        _outer = 1; int inner = 1;
        for (int i = 0; i < axis; i++) _outer *= first.Dim(i);
        for (int i = axis; i < rank; i++) inner *= first.Dim(i);
        _chunkBytes = inner * elem;
        var shape = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) shape[i] = i == axis ? _n : first.Dim(j++);
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* y = context.Output(0).DataPointer;
        long c = _chunkBytes;
        for (int k = 0; k < _n; k++)
        {
            byte* x = context.Input(k).DataPointer;
            for (int o = 0; o < _outer; o++)
                Buffer.MemoryCopy(x + o * c, y + ((long)o * _n + k) * c, c, c);
        }
    }
}

/// <summary>
/// UNPACK: splits a tensor along axis (negative counts from the end) into num tensors of rank - 1; num must equal
/// that dimension; quantized outputs must share the input's scale and zero point. Any element type.
/// </summary>
internal sealed unsafe class Unpack : OpKernel
{
    private int _outer, _chunkBytes, _n;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var o = context.Options<Schema.UnpackOptions>() ?? default;
        int rank = x.Rank;
        if (rank == 0) throw context.Invalid("cannot unpack a scalar");
        int axis = o.Axis < 0 ? o.Axis + rank : o.Axis;
        if (axis < 0 || axis >= rank) throw context.Invalid($"axis {o.Axis} out of range for {x}");
        _n = context.OutputCount;
        if (x.Dim(axis) != _n || (o.Num != 0 && o.Num != _n)) throw context.Invalid($"num {o.Num} and {_n} outputs for dimension {axis} of size {x.Dim(axis)}");
        int elem = Elements.CopyableSize(context, x);
        _outer = 1; int inner = 1;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = axis + 1; i < rank; i++) inner *= x.Dim(i);
        _chunkBytes = inner * elem;
        var shape = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) if (i != axis) shape[j++] = x.Dim(i);
        for (int k = 0; k < _n; k++)
        {
            var y = context.Output(k);
            if (y.Type != x.Type) throw context.Invalid($"output {k} type {y.Type.ToDTypeName()} differs from the input's");
            PackCommon.RequireSameQuantization(context, x, y, $"output {k}");
            context.SetOutputShape(k, shape);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer;
        long c = _chunkBytes;
        for (int k = 0; k < _n; k++)
        {
            byte* y = context.Output(k).DataPointer;
            for (int o = 0; o < _outer; o++)
                Buffer.MemoryCopy(x + ((long)o * _n + k) * c, y + o * c, c, c);
        }
    }
}
