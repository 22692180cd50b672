using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on [batch, spatial (M dims), rest...] (rank 3 or 4 as TFLite takes):
/// block_shape [M] and paddings / crops [M, 2] (int32/int64). SPACE_TO_BATCH pads with 0 (the zero point for quantized
/// tensors) and moves each block offset into the batch (offset-major: output batch = offset * batch + b); BATCH_TO_SPACE
/// is its inverse followed by the crop.
/// </summary>
internal sealed unsafe class SpaceToBatch(bool toBatch) : OpKernel
{
    private readonly bool _toBatch = toBatch;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0);
        var b = ShapeArgs.IndexInput(context, 1, "block_shape");
        var p = ShapeArgs.IndexInput(context, 2, _toBatch ? "paddings" : "crops");
        var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        if (x.Type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 or TensorType.Int32 or TensorType.Int64))
            throw context.Unsupported($"type {x.Type.ToDTypeName()}");
        if (x.Rank < 3 || x.Rank > 4) throw context.Unsupported($"input rank {x.Rank} (3 or 4)");
        if (b.Rank != 1 || b.ElementCount < 1 || b.ElementCount > x.Rank - 1) throw context.Invalid($"block_shape must be 1-D with 1..{x.Rank - 1} values, got {b}");
        if (p.Rank != 2 || p.Dim(0) != b.ElementCount || p.Dim(1) != 2) throw context.Invalid($"{(_toBatch ? "paddings" : "crops")} must be [{b.ElementCount}, 2], got {p}");
        if (x.Type != TensorType.Float32 && x.Type.ElementSize() == 1 && (x.Quantization?.ZeroPoint ?? 0) != (y.Quantization?.ZeroPoint ?? 0))
            throw context.Invalid("input and output quantization differ");
        ShapeArgs.SetOrDefer(context, 0, b.IsConstant && p.IsConstant, () => OutShape(context));
    }

    private int[] OutShape(KernelContext context)
    {
        var x = context.Input(0); var b = context.Input(1); var p = context.Input(2);
        int m = b.ElementCount;
        var s = x.ShapeArray;
        long blocks = 1;
        for (int i = 0; i < m; i++)
        {
            long k = ShapeArgs.Get(b, i), lo = ShapeArgs.Get(p, 2 * i), hi = ShapeArgs.Get(p, 2 * i + 1);
            if (k < 1 || k > int.MaxValue) throw ShapeArgs.ShapeError(context, $"block_shape[{i}] = {k} must be positive");
            if (lo < 0 || hi < 0) throw ShapeArgs.ShapeError(context, $"negative {(_toBatch ? "padding" : "crop")} ({lo}, {hi})");
            blocks *= k;
            if (blocks > int.MaxValue) throw ShapeArgs.ShapeError(context, "block_shape product too large");
            if (_toBatch)
            {
                long padded = x.Dim(1 + i) + lo + hi;
                if (padded % k != 0) throw ShapeArgs.ShapeError(context, $"padded dimension {padded} is not a multiple of block {k}");
                s[1 + i] = ShapeArgs.Dim(context, padded / k, "output dimension");
            }
            else
            {
                long full = x.Dim(1 + i) * k - lo - hi;
                if (full < 0) throw ShapeArgs.ShapeError(context, $"crops ({lo}, {hi}) exceed dimension {x.Dim(1 + i) * k}");
                s[1 + i] = ShapeArgs.Dim(context, full, "output dimension");
            }
        }
        if (_toBatch) s[0] = ShapeArgs.Dim(context, x.Dim(0) * blocks, "output batch");
        else
        {
            if (x.Dim(0) % blocks != 0) throw ShapeArgs.ShapeError(context, $"batch {x.Dim(0)} is not a multiple of the block size {blocks}");
            s[0] = (int)(x.Dim(0) / blocks);
        }
        ShapeArgs.CheckBytes(context, s, x.ElementSize);
        return s;
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        if (y.IsDynamic) context.ResizeOutput(0, OutShape(context));
        var x = context.Input(0); var b = context.Input(1); var p = context.Input(2);
        int m = b.ElementCount, es = x.ElementSize, rank = x.Rank;
        // "space" side = the tensor with the large spatial dims (x for SPACE_TO_BATCH, y for BATCH_TO_SPACE)
        var space = _toBatch ? x : y; var batch = _toBatch ? y : x;
        long inner = 1;
        for (int i = 1 + m; i < rank; i++) inner *= x.Dim(i);
        long innerBytes = inner * es;
        Span<int> block = stackalloc int[m];
        Span<int> lo = stackalloc int[m];
        for (int i = 0; i < m; i++) { block[i] = (int)ShapeArgs.Get(b, i); lo[i] = (int)ShapeArgs.Get(p, 2 * i); }
        byte pad = (byte)(x.Type.ElementSize() == 1 && x.Quantization is { } q ? q.ZeroPoint : 0);
        int spaceBatch = space.Dim(0);
        long batchCount = batch.Dim(0);
        Span<int> idx = stackalloc int[m];
        Span<int> offs = stackalloc int[m];
        // walk every batch-side position [ob, o_1..o_M]; its space-side position is b = ob % spaceBatch,
        // offset = ob / spaceBatch (row-major over the block), s_i = o_i * block_i + off_i - lo_i
        for (long ob = 0; ob < batchCount; ob++)
        {
            long sb = ob % spaceBatch, off = ob / spaceBatch;
            for (int i = m - 1; i >= 0; i--) { offs[i] = (int)(off % block[i]); off /= block[i]; }
            idx.Clear();
            long cells = 1;
            for (int i = 0; i < m; i++) cells *= batch.Dim(1 + i);
            for (long c = 0; c < cells; c++)
            {
                bool inside = true;
                long sOff = sb, bOff = ob;
                for (int i = 0; i < m; i++)
                {
                    long s = (long)idx[i] * block[i] + offs[i] - lo[i];
                    if (s < 0 || s >= space.Dim(1 + i)) inside = false;
                    sOff = sOff * space.Dim(1 + i) + (inside ? s : 0);
                    bOff = bOff * batch.Dim(1 + i) + idx[i];
                }
                byte* bp = batch.DataPointer + bOff * innerBytes;
                if (inside)
                {
                    byte* sp = space.DataPointer + sOff * innerBytes;
                    if (_toBatch) Buffer.MemoryCopy(sp, bp, innerBytes, innerBytes);
                    else Buffer.MemoryCopy(bp, sp, innerBytes, innerBytes);
                }
                else if (_toBatch) new Span<byte>(bp, (int)innerBytes).Fill(pad);
                for (int i = m - 1; i >= 0; i--) { if (++idx[i] < batch.Dim(1 + i)) break; idx[i] = 0; }
            }
        }
    }
}
