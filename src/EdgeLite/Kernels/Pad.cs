namespace EdgeLite.Kernels;

/// <summary>
/// PAD and PADV2: paddings [rank, 2] (int32 or int64, constant); the pad value is 0 for float, the output zero point
/// for quantized types (PAD), or the constant_values input (PADV2). Any element size.
/// </summary>
internal sealed unsafe class Pad : OpKernel
{
    private const int MaxRank = 6;
    private readonly int[] _before = new int[MaxRank], _inShape = new int[MaxRank], _outShape = new int[MaxRank];
    private int _elem;
    private long _padValue; // bit pattern of one element

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var p = context.Input(1); var y = context.Output(0);
        if (x.Rank > MaxRank) throw context.Unsupported($"rank {x.Rank}");
        if (!p.IsConstant) throw context.Unsupported("non-constant paddings");
        if (p.Rank != 2 || p.Dim(0) != x.Rank || p.Dim(1) != 2) throw context.Invalid($"paddings {p} for input {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _elem = x.ElementSize;
        int offset = MaxRank - x.Rank;
        var shape = new int[x.Rank];
        for (int i = 0; i < MaxRank; i++) { _before[i] = 0; _inShape[i] = 1; _outShape[i] = 1; }
        for (int i = 0; i < x.Rank; i++)
        {
            long before = p.Type == TensorType.Int64 ? p.AsSpan<long>()[2 * i] : p.Type == TensorType.Int32 ? p.AsSpan<int>()[2 * i] : throw context.Invalid($"paddings type {p.Type.ToDTypeName()}");
            long after = p.Type == TensorType.Int64 ? p.AsSpan<long>()[2 * i + 1] : p.AsSpan<int>()[2 * i + 1];
            if (before < 0 || after < 0 || before + after + x.Dim(i) > int.MaxValue) throw context.Invalid($"padding {before},{after} on dimension {i}");
            shape[i] = x.Dim(i) + (int)before + (int)after;
            _before[offset + i] = (int)before; _inShape[offset + i] = x.Dim(i); _outShape[offset + i] = shape[i];
        }
        context.SetOutputShape(0, shape);
        _padValue = 0;
        var cv = context.OptionalInput(2);
        if (cv != null)
        {
            if (cv.Type != x.Type || cv.ElementCount != 1) throw context.Invalid("constant_values must be one element of the input type");
            if (!cv.IsConstant) throw context.Unsupported("non-constant constant_values");
            long v = 0;
            Buffer.MemoryCopy(cv.DataPointer, &v, 8, _elem);
            _padValue = v;
        }
        else if (x.Type is TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 && y.Quantization is { Scales.Count: > 0 } q)
        {
            long v = q.ZeroPoint;
            _padValue = _elem == 1 ? (byte)v : (ushort)v;
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        long total = context.Output(0).ElementCount;
        // fill with the pad value, then copy the input rows into place
        if (_padValue == 0) new Span<byte>(y, (int)(total * _elem)).Clear();
        else if (_elem == 1) new Span<byte>(y, (int)total).Fill((byte)_padValue);
        else for (long i = 0; i < total; i++) { long v = _padValue; Buffer.MemoryCopy(&v, y + i * _elem, _elem, _elem); }
        int rowBytes = _inShape[MaxRank - 1] * _elem;
        long src = 0;
        for (int a = 0; a < _inShape[0]; a++)
        for (int b = 0; b < _inShape[1]; b++)
        for (int c = 0; c < _inShape[2]; c++)
        for (int d = 0; d < _inShape[3]; d++)
        for (int e = 0; e < _inShape[4]; e++)
        {
            long o = ((((long)(a + _before[0]) * _outShape[1] + b + _before[1]) * _outShape[2] + c + _before[2]) * _outShape[3] + d + _before[3]) * _outShape[4] + e + _before[4];
            o = o * _outShape[5] + _before[5];
            Buffer.MemoryCopy(x + src, y + o * _elem, rowBytes, rowBytes);
            src += rowBytes;
        }
    }
}
