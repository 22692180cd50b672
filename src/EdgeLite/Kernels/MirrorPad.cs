using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// MIRROR_PAD: pads every dimension with a mirror of the input, REFLECT (edge not repeated; pad at most size - 1) or
/// SYMMETRIC (edge repeated; pad at most size). Paddings [rank, 2] int32/int64.
/// </summary>
internal sealed unsafe class MirrorPad : OpKernel
{
    private bool _symmetric;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var p = ShapeArgs.IndexInput(context, 1, "paddings");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "MIRROR_PAD");
        if (p.Rank != 2 || p.Dim(0) != x.Rank || p.Dim(1) != 2) throw context.Invalid($"paddings must be [{x.Rank}, 2], got {p}");
        _symmetric = context.Options<Schema.MirrorPadOptions>()?.Mode == Schema.MirrorPadMode.SYMMETRIC;
        ShapeArgs.SetOrDefer(context, 0, p.IsConstant, () => OutShape(context));
    }

    private int[] OutShape(KernelContext context)
    {
        var x = context.Input(0); var p = context.Input(1);
        var s = new int[x.Rank];
        for (int i = 0; i < s.Length; i++)
        {
            long a = ShapeArgs.Get(p, 2 * i), b = ShapeArgs.Get(p, 2 * i + 1);
            long max = _symmetric ? x.Dim(i) : x.Dim(i) - 1;
            if (a < 0 || b < 0 || a > max || b > max)
                throw ShapeArgs.ShapeError(context, $"paddings ({a}, {b}) of dimension {i} (size {x.Dim(i)}) exceed {max} for {(_symmetric ? "SYMMETRIC" : "REFLECT")}");
            s[i] = ShapeArgs.Dim(context, x.Dim(i) + a + b, "padded dimension");
        }
        ShapeArgs.CheckBytes(context, s, x.ElementSize);
        return s;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var x = context.Input(0); var p = context.Input(1);
        int rank = x.Rank, es = x.ElementSize;
        if (rank == 0) { Buffer.MemoryCopy(x.DataPointer, y.DataPointer, es, es); return; }
        Span<long> stride = stackalloc long[rank];
        Span<int> before = stackalloc int[rank];
        long k = 1;
        for (int i = rank - 1; i >= 0; i--) { stride[i] = k; k *= x.Dim(i); before[i] = (int)ShapeArgs.Get(p, 2 * i); }
        Span<int> idx = stackalloc int[rank];
        long n = y.ElementCount;
        for (long o = 0; o < n; o++)
        {
            long src = 0;
            for (int i = 0; i < rank; i++)
            {
                int d = x.Dim(i), c = idx[i] - before[i];
                if (c < 0) c = _symmetric ? -c - 1 : -c;
                else if (c >= d) c = _symmetric ? 2 * d - 1 - c : 2 * (d - 1) - c;
                src += c * stride[i];
            }
            ShapeArgs.CopyElement(x.DataPointer, src, y.DataPointer, o, es);
            for (int i = rank - 1; i >= 0; i--) { if (++idx[i] < y.Dim(i)) break; idx[i] = 0; }
        }
    }
}
