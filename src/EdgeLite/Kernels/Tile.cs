using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>TILE: repeats the input multiples[i] times along each dimension i (multiples int32/int64, one per dimension).</summary>
internal sealed unsafe class Tile : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var m = ShapeArgs.IndexInput(context, 1, "multiples");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "TILE");
        if (m.Rank != 1 || m.ElementCount != x.Rank) throw context.Invalid($"multiples must be 1-D with {x.Rank} values, got {m}");
        ShapeArgs.SetOrDefer(context, 0, m.IsConstant, () => OutShape(context));
    }

    private static int[] OutShape(KernelContext context)
    {
        var x = context.Input(0); var m = context.Input(1);
        var s = new int[x.Rank];
        for (int i = 0; i < s.Length; i++)
        {
            long k = ShapeArgs.Get(m, i);
            if (k < 0) throw ShapeArgs.ShapeError(context, $"multiple {k} is negative");
            long d = x.Dim(i) * k;
            s[i] = ShapeArgs.Dim(context, d, "tiled dimension");
        }
        ShapeArgs.CheckBytes(context, s, x.ElementSize);
        return s;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var x = context.Input(0);
        if (y.ElementCount == 0) return;
        if (x.Rank == 0) { Buffer.MemoryCopy(x.DataPointer, y.DataPointer, y.ByteLength, x.ElementSize); return; }
        TileDim(x, y, context.Input(1), 0, x.DataPointer, y.DataPointer, x.ElementSize);
    }

    // Writes the tiling of the input block at dimension d into dst; returns (input bytes, output bytes) of the block.
    private static (long In, long Out) TileDim(Tensor x, Tensor y, Tensor m, int d, byte* src, byte* dst, int es)
    {
        long reps = ShapeArgs.Get(m, d);
        int n = x.Dim(d);
        long inBytes, outBytes;
        if (d == x.Rank - 1)
        {
            inBytes = (long)n * es;
            Buffer.MemoryCopy(src, dst, inBytes, inBytes);
            outBytes = inBytes;
        }
        else
        {
            inBytes = 0; outBytes = 0;
            for (int i = 0; i < n; i++)
            {
                var (a, b) = TileDim(x, y, m, d + 1, src + inBytes, dst + outBytes, es);
                inBytes += a; outBytes += b;
            }
        }
        for (long r = 1; r < reps; r++) Buffer.MemoryCopy(dst, dst + r * outBytes, outBytes, outBytes);
        return (inBytes, outBytes * reps);
    }
}

/// <summary>BROADCAST_TO: broadcasts the input to the shape input (int32/int64; right-aligned, dimensions of 1 repeat).</summary>
internal sealed unsafe class BroadcastTo : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var s = ShapeArgs.IndexInput(context, 1, "shape");
        if (x.Type != context.Output(0).Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, "BROADCAST_TO");
        if (s.Rank != 1) throw context.Invalid($"shape must be 1-D, got {s}");
        if (s.ElementCount > 8) throw context.Unsupported($"output rank {s.ElementCount} (at most 8)");
        if (s.ElementCount < x.Rank) throw context.Invalid($"shape has {s.ElementCount} dimensions, the input {x.Rank}");
        ShapeArgs.SetOrDefer(context, 0, s.IsConstant, () => OutShape(context));
    }

    private static int[] OutShape(KernelContext context)
    {
        var x = context.Input(0);
        var shape = ShapeArgs.Shape(context, context.Input(1), x.ElementSize, "shape");
        for (int i = 0; i < x.Rank; i++)
        {
            int o = shape[shape.Length - x.Rank + i];
            if (x.Dim(i) != 1 && x.Dim(i) != o) throw ShapeArgs.ShapeError(context, $"input {x} does not broadcast to [{string.Join(",", shape)}]");
        }
        return shape;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var x = context.Input(0);
        int rank = y.Rank, es = x.ElementSize;
        Span<long> stride = stackalloc long[rank];
        long k = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int xi = i - (rank - x.Rank);
            int d = xi >= 0 ? x.Dim(xi) : 1;
            stride[i] = d == 1 ? 0 : k;
            k *= d;
        }
        Span<int> idx = stackalloc int[rank];
        long n = y.ElementCount, off = 0;
        for (long o = 0; o < n; o++)
        {
            ShapeArgs.CopyElement(x.DataPointer, off, y.DataPointer, o, es);
            for (int i = rank - 1; i >= 0; i--)
            {
                off += stride[i];
                if (++idx[i] < y.Dim(i)) break;
                off -= stride[i] * idx[i];
                idx[i] = 0;
            }
        }
    }
}
