using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>REVERSE_V2: reverses the input along every axis listed in the axis input (int32/int64; negative from the end).</summary>
internal sealed unsafe class ReverseV2 : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var a = ShapeArgs.IndexInput(context, 1, "axis");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "REVERSE_V2");
        if (a.Rank > 1) throw context.Invalid($"axis must be 1-D, got {a}");
        if (a.IsConstant) for (int i = 0; i < a.ElementCount; i++) Axis(context, x, ShapeArgs.Get(a, i));
        context.SetOutputShape(0, x.Shape);
    }

    private static int Axis(KernelContext context, Tensor x, long a)
    {
        if (a < -x.Rank || a >= x.Rank) throw ShapeArgs.ShapeError(context, $"axis {a} out of range for rank {x.Rank}");
        return (int)(a < 0 ? a + x.Rank : a);
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0); var a = context.Input(1);
        int es = x.ElementSize;
        Buffer.MemoryCopy(x.DataPointer, y.DataPointer, y.ByteLength, x.ByteLength);
        // each listed axis once (listing one twice reverses it once, as TFLite's mask does)
        uint done = 0;
        for (int k = 0; k < a.ElementCount; k++)
        {
            int axis = Axis(context, x, ShapeArgs.Get(a, k));
            if ((done & (1u << axis)) != 0) continue;
            done |= 1u << axis;
            long outer = 1, inner = 1; int n = x.Dim(axis);
            for (int i = 0; i < axis; i++) outer *= x.Dim(i);
            for (int i = axis + 1; i < x.Rank; i++) inner *= x.Dim(i);
            long block = inner * es;
            byte* p = y.DataPointer;
            for (long o = 0; o < outer; o++)
            {
                byte* row = p + o * n * block;
                for (int i = 0, j = n - 1; i < j; i++, j--) Swap(row + i * block, row + j * block, block);
            }
        }
    }

    private static void Swap(byte* a, byte* b, long bytes)
    {
        long i = 0;
        for (; i + 8 <= bytes; i += 8) { long t = *(long*)(a + i); *(long*)(a + i) = *(long*)(b + i); *(long*)(b + i) = t; }
        for (; i < bytes; i++) { byte t = a[i]; a[i] = b[i]; b[i] = t; }
    }
}

/// <summary>
/// REVERSE_SEQUENCE: for each index b along batch_dim, reverses the first seq_lengths[b] elements along seq_dim
/// (the rest are copied). seq_lengths int32/int64, each in [0, size of seq_dim].
/// </summary>
internal sealed unsafe class ReverseSequence : OpKernel
{
    private int _seqDim, _batchDim;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var l = ShapeArgs.IndexInput(context, 1, "seq_lengths");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "REVERSE_SEQUENCE");
        var o = context.Options<Schema.ReverseSequenceOptions>();
        _seqDim = o?.SeqDim ?? 0; _batchDim = o?.BatchDim ?? 0;
        if (_seqDim < 0 || _seqDim >= x.Rank || _batchDim < 0 || _batchDim >= x.Rank || _seqDim == _batchDim)
            throw context.Invalid($"seq_dim {_seqDim} / batch_dim {_batchDim} invalid for rank {x.Rank}");
        if (l.Rank != 1 || l.ElementCount != x.Dim(_batchDim)) throw context.Invalid($"seq_lengths must be 1-D of {x.Dim(_batchDim)} values, got {l}");
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0); var l = context.Input(1);
        int rank = x.Rank, es = x.ElementSize, n = x.Dim(_seqDim);
        for (int b = 0; b < l.ElementCount; b++)
        {
            long len = ShapeArgs.Get(l, b);
            if (len < 0 || len > n) throw new InterpreterException($"{context.Where}: seq_lengths[{b}] = {len} is outside [0, {n}]");
        }
        Span<int> idx = stackalloc int[rank];
        Span<long> stride = stackalloc long[rank];
        long k = 1;
        for (int i = rank - 1; i >= 0; i--) { stride[i] = k; k *= x.Dim(i); }
        long count = x.ElementCount;
        for (long o = 0; o < count; o++)
        {
            long len = ShapeArgs.Get(l, idx[_batchDim]);
            int s = idx[_seqDim];
            long src = o;
            if (s < len) src += (len - 1 - 2L * s) * stride[_seqDim];
            ShapeArgs.CopyElement(x.DataPointer, src, y.DataPointer, o, es);
            for (int i = rank - 1; i >= 0; i--) { if (++idx[i] < x.Dim(i)) break; idx[i] = 0; }
        }
    }
}
