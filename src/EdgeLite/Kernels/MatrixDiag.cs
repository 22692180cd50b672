using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// MATRIX_DIAG ([..., N] → [..., N, N], zeros off the diagonal) and MATRIX_SET_DIAG (input [..., M, N] with its main
/// diagonal replaced by diagonal [..., min(M, N)]). Any fixed-size type.
/// </summary>
internal sealed unsafe class MatrixDiag(bool set) : OpKernel
{
    private readonly bool _set = set;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        ShapeArgs.RequireFixedSize(context, x, _set ? "MATRIX_SET_DIAG" : "MATRIX_DIAG");
        if (!_set)
        {
            if (x.Rank < 1) throw context.Invalid($"diagonal must have rank >= 1, got {x}");
            var s = new int[x.Rank + 1];
            for (int i = 0; i < x.Rank; i++) s[i] = x.Dim(i);
            s[x.Rank] = x.Dim(x.Rank - 1);
            ShapeArgs.CheckBytes(context, s, x.ElementSize);
            context.SetOutputShape(0, s);
            return;
        }
        var d = context.Input(1);
        if (d.Type != x.Type) throw context.Invalid("input and diagonal types differ");
        if (x.Rank < 2) throw context.Invalid($"input must have rank >= 2, got {x}");
        bool ok = d.Rank == x.Rank - 1 && d.Dim(d.Rank - 1) == Math.Min(x.Dim(x.Rank - 2), x.Dim(x.Rank - 1));
        for (int i = 0; ok && i < x.Rank - 2; i++) ok = d.Dim(i) == x.Dim(i);
        if (!ok) throw context.Invalid($"diagonal {d} does not match input {x}");
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var y = context.Output(0);
        int es = y.ElementSize, m = y.Dim(y.Rank - 2), n = y.Dim(y.Rank - 1), k = Math.Min(m, n);
        long batches = (long)y.ElementCount / Math.Max(1L, (long)m * n);
        if ((long)m * n == 0) return;
        if (_set) Buffer.MemoryCopy(context.Input(0).DataPointer, y.DataPointer, y.ByteLength, y.ByteLength);
        else new Span<byte>(y.DataPointer, y.ByteLength).Clear();
        var d = context.Input(_set ? 1 : 0);
        for (long b = 0; b < batches; b++)
            for (int i = 0; i < k; i++)
                ShapeArgs.CopyElement(d.DataPointer, b * k + i, y.DataPointer, b * m * n + (long)i * n + i, es);
    }
}

/// <summary>
/// EMBEDDING_LOOKUP: rows of value (input 1) picked by ids (input 0, int32, 1-D): output [len(ids), row...]. Same-type
/// lookup for any fixed-size type; uint8/int8 values with a float32 output are multiplied by the value's scale (per
/// row when per-channel; no zero point, uint8 bytes read as int8), as TFLite's hybrid path. An id outside the rows is an error.
/// </summary>
internal sealed unsafe class EmbeddingLookup : OpKernel
{
    public override void Prepare(KernelContext context)
    {
        var ids = context.Input(0); var v = context.Input(1); var y = context.Output(0);
        if (ids.Type != TensorType.Int32 || ids.Rank != 1) throw context.Invalid($"ids must be 1-D int32, got {ids}");
        if (v.Rank < 1) throw context.Invalid($"value must have rank >= 1, got {v}");
        bool hybrid = y.Type == TensorType.Float32 && v.Type is TensorType.UInt8 or TensorType.Int8;
        if (!hybrid && v.Type != y.Type) throw context.Invalid($"value is {v.Type.ToDTypeName()}, output {y.Type.ToDTypeName()}");
        ShapeArgs.RequireFixedSize(context, v, "EMBEDDING_LOOKUP");
        if (hybrid && (v.Quantization == null || (v.Quantization.Scales.Count != 1 && v.Quantization.Scales.Count != v.Dim(0))))
            throw context.Invalid("a quantized value feeding a float output needs a scale (per tensor or per row)");
        var s = v.ShapeArray;
        s[0] = ids.Dim(0);
        context.SetOutputShape(0, s);
    }

    public override void Eval(KernelContext context)
    {
        var ids = context.Input(0); var v = context.Input(1); var y = context.Output(0);
        int rows = v.Dim(0);
        long row = rows == 0 ? 0 : v.ElementCount / rows;
        bool hybrid = y.Type != v.Type;
        for (int i = 0; i < ids.ElementCount; i++)
        {
            int id = ((int*)ids.DataPointer)[i];
            if ((uint)id >= (uint)rows) throw new InterpreterException($"{context.Where}: id {id} is outside [0, {rows})");
            if (!hybrid) { long bytes = row * v.ElementSize; Buffer.MemoryCopy(v.DataPointer + id * bytes, y.DataPointer + i * bytes, bytes, bytes); continue; }
            var q = v.Quantization!;
            float scale = q.Scales.Count == 1 ? q.Scales[0] : q.Scales[id];
            var o = (float*)y.DataPointer + i * row;
            // TFLite's hybrid lookup multiplies the raw value by the scale (no zero point), reading uint8 bytes as int8
            // too (checked against real TFLite: 255 * 0.5 gives -0.5)
            var s = (sbyte*)v.DataPointer + id * row;
            for (long j = 0; j < row; j++) o[j] = s[j] * scale;
        }
    }
}
