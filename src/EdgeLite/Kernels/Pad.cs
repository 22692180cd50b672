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
    private bool _channelsOnly; // only the last dimension is padded: PadChannels

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
        _channelsOnly = ChannelsOnly();
    }

    /// <summary>Only the last dimension is padded (BlazeFace widens its channels before a residual ADD).</summary>
    private bool ChannelsOnly()
    {
        for (int j = 0; j < MaxRank - 1; j++) if (_inShape[j] != _outShape[j]) return false;
        return _inShape[MaxRank - 1] != _outShape[MaxRank - 1] && _elem is 1 or 2 or 4;
    }

    /// <summary>Per pixel: the pad value before, the input's channels, the pad value after; no full-output fill.</summary>
    private void PadChannels(byte* x, byte* y, long total)
    {
        int inC = _inShape[MaxRank - 1], outC = _outShape[MaxRank - 1], before = _before[MaxRank - 1], after = outC - inC - before;
        long pixels = total / outC;
        long rowBytes = (long)inC * _elem;
        for (long n = 0; n < pixels; n++)
        {
            byte* d = y + n * outC * _elem;
            Fill(d, before);
            Elements.CopyShort(x + n * rowBytes, d + (long)before * _elem, rowBytes);
            Fill(d + (long)(before + inC) * _elem, after);
        }
    }

    private void Fill(byte* d, int count)
    {
        switch (_elem)
        {
            case 1: for (int i = 0; i < count; i++) d[i] = (byte)_padValue; break;
            case 2: for (int i = 0; i < count; i++) ((ushort*)d)[i] = (ushort)_padValue; break;
            default: for (int i = 0; i < count; i++) ((uint*)d)[i] = (uint)_padValue; break;
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        long total = context.Output(0).ElementCount;
        if (_channelsOnly) { PadChannels(x, y, total); return; }
        // fill with the pad value, then copy the input rows into place
        if (_padValue == 0) new Span<byte>(y, (int)(total * _elem)).Clear();
        else if (_elem == 1) new Span<byte>(y, (int)total).Fill((byte)_padValue);
        else for (long i = 0; i < total; i++) { long v = _padValue; Buffer.MemoryCopy(&v, y + i * _elem, _elem, _elem); }
        // Copy runs as long as possible: trailing dimensions without padding join the innermost copied run (for an
        // NHWC image padded in H and W, one run is a whole input row of W·C values instead of C).
        int r = MaxRank - 1;
        while (r > 0 && _inShape[r] == _outShape[r]) r--;
        long run = _elem, outInner = 1;
        for (int j = r; j < MaxRank; j++) run *= _inShape[j];
        for (int j = r + 1; j < MaxRank; j++) outInner *= _outShape[j];
        Span<int> idx = stackalloc int[MaxRank];
        long outer = 1;
        for (int j = 0; j < r; j++) outer *= _inShape[j];
        long src = 0;
        for (long n = 0; n < outer; n++)
        {
            long o = 0;
            for (int j = 0; j < r; j++) o = o * _outShape[j] + idx[j] + _before[j];
            o = (o * _outShape[r] + _before[r]) * outInner;
            Buffer.MemoryCopy(x + src, y + o * _elem, run, run);
            src += run;
            for (int j = r - 1; j >= 0; j--) { if (++idx[j] < _inShape[j]) break; idx[j] = 0; }
        }
    }
}
