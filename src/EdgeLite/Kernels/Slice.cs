namespace EdgeLite.Kernels;

/// <summary>
/// A strided walk over an input of rank ≤ <see cref="MaxRank"/> (front-padded with 1s) that writes the visited elements
/// sequentially: per dimension a start, a step (may be negative) and a count. Shared by SLICE and STRIDED_SLICE.
/// </summary>
internal sealed unsafe class StridedCopy
{
    public const int MaxRank = 6;
    private readonly long[] _start = new long[MaxRank], _step = new long[MaxRank];
    private readonly int[] _count = new int[MaxRank];
    private int _elem;

    /// <summary>Sets the walk: <paramref name="shape"/> is the input shape, the other spans are per dimension (same rank).</summary>
    public void Set(ReadOnlySpan<int> shape, ReadOnlySpan<int> start, ReadOnlySpan<int> step, ReadOnlySpan<int> count, int elem)
    {
        int off = MaxRank - shape.Length;
        long stride = 1;
        for (int d = MaxRank - 1; d >= 0; d--)
        {
            if (d < off) { _start[d] = 0; _step[d] = 0; _count[d] = 1; continue; }
            _start[d] = start[d - off] * stride;
            _step[d] = step[d - off] * stride;
            _count[d] = count[d - off];
            stride *= shape[d - off];
        }
        _elem = elem;
    }

    public void Run(byte* x, byte* y)
    {
        for (int d = 0; d < MaxRank; d++) if (_count[d] == 0) return;
        int e = _elem;
        bool contiguous = _step[MaxRank - 1] == 1;
        long rowBytes = (long)_count[MaxRank - 1] * e;
        for (int a = 0; a < _count[0]; a++)
        {
            long i0 = _start[0] + a * _step[0];
            for (int b = 0; b < _count[1]; b++)
            {
                long i1 = i0 + _start[1] + b * _step[1];
                for (int c = 0; c < _count[2]; c++)
                {
                    long i2 = i1 + _start[2] + c * _step[2];
                    for (int d = 0; d < _count[3]; d++)
                    {
                        long i3 = i2 + _start[3] + d * _step[3];
                        for (int f = 0; f < _count[4]; f++)
                        {
                            long i4 = i3 + _start[4] + f * _step[4] + _start[5];
                            if (contiguous)
                            {
                                Buffer.MemoryCopy(x + i4 * e, y, rowBytes, rowBytes);
                                y += rowBytes;
                                continue;
                            }
                            long st = _step[5];
                            for (int g = 0; g < _count[5]; g++, y += e)
                                Elements.CopyOne(x + (i4 + g * st) * e, y, e);
                        }
                    }
                }
            }
        }
    }
}

/// <summary>
/// SLICE: out = in[begin[i] : begin[i] + size[i]] per dimension, size -1 = to the end; begin and size constant int32
/// or int64 with one entry per input dimension; 0 ≤ begin ≤ dim and begin + size ≤ dim (TFLite's slice.cc). Any
/// element type (bytes are copied).
/// </summary>
internal sealed unsafe class Slice : OpKernel
{
    private readonly StridedCopy _copy = new();

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var begin = context.Input(1); var size = context.Input(2); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        int elem = Elements.CopyableSize(context, x);
        if (x.Rank > StridedCopy.MaxRank) throw context.Unsupported($"rank {x.Rank}");
        if (begin.Rank != 1 || size.Rank != 1 || begin.ElementCount != x.Rank || size.ElementCount != x.Rank)
            throw context.Invalid($"begin {begin} and size {size} must have one entry per dimension of {x}");
        if (!begin.IsConstant || !size.IsConstant) throw context.Unsupported("dynamic begin/size (non-constant tensors)");
        var b = Elements.ReadInts(context, begin, "begin");
        var s = Elements.ReadInts(context, size, "size");
        var steps = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            int dim = x.Dim(i);
            if (b[i] < 0 || b[i] > dim) throw context.Invalid($"begin {b[i]} out of range for dimension {i} of size {dim}");
            if (s[i] == -1) s[i] = dim - b[i];
            else if (s[i] < 0 || (long)b[i] + s[i] > dim) throw context.Invalid($"begin {b[i]} and size {s[i]} out of range for dimension {i} of size {dim}");
            steps[i] = 1;
        }
        _copy.Set(x.Shape, b, steps, s, elem);
        context.SetOutputShape(0, s);
    }

    public override void Eval(KernelContext context) => _copy.Run(context.Input(0).DataPointer, context.Output(0).DataPointer);
}

/// <summary>
/// STRIDED_SLICE as TFLite's strided_slice.cc: constant int32 begin/end/strides; begin_mask/end_mask take the full
/// range, negative indices count from the end and are clamped, negative strides walk backwards, offset makes end
/// relative to begin, shrink_axis_mask drops a dimension (taking one element), new_axis_mask inserts a size-1
/// dimension, ellipsis_mask expands to the dimensions not named; dimensions beyond the spec are taken whole.
/// Any element type (bytes are copied).
/// </summary>
internal sealed unsafe class StridedSlice : OpKernel
{
    private readonly StridedCopy _copy = new();

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var beginT = context.Input(1); var endT = context.Input(2); var stridesT = context.Input(3);
        var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        int elem = Elements.CopyableSize(context, x);
        if (beginT.Rank != 1 || endT.Rank != 1 || stridesT.Rank != 1) throw context.Invalid("begin, end and strides must be 1-D");
        if (beginT.Type != TensorType.Int32 || endT.Type != TensorType.Int32 || stridesT.Type != TensorType.Int32)
            throw context.Invalid("begin, end and strides must be int32");
        int n = beginT.ElementCount;
        if (endT.ElementCount != n || stridesT.ElementCount != n) throw context.Invalid("begin, end and strides differ in length");
        if (!beginT.IsConstant || !endT.IsConstant || !stridesT.IsConstant) throw context.Unsupported("dynamic begin/end/strides (non-constant tensors)");
        var o = context.Options<Schema.StridedSliceOptions>() ?? default;
        var beginData = beginT.AsSpan<int>(); var endData = endT.AsSpan<int>(); var strideData = stridesT.AsSpan<int>();
        int inRank = x.Rank;

        // Expand ellipsis and new axes into an "effective" input of rank inRank + newAxes (TFLite's BuildStridedSliceParams).
        int ellipsisMask = o.EllipsisMask, newAxisMask = o.NewAxisMask;
        if (n > 31) throw context.Invalid($"{n} slice entries");
        int numAddAxis = 0;
        for (int i = 0; i < n; i++)
            if ((ellipsisMask & (1 << i)) == 0 && (newAxisMask & (1 << i)) != 0) numAddAxis++;
        int eff = inRank + numAddAxis;
        if (eff > StridedCopy.MaxRank) throw context.Unsupported($"effective rank {eff} (input rank {inRank} plus new axes)");
        if (eff < n && ellipsisMask == 0) throw context.Invalid($"{n} slice entries for an input of rank {inRank}");
        int effEllipsis = 0, effNewAxis = 0, ellipsisStart = eff, expanded = 0;
        bool seenEllipsis = false;
        for (int i = 0; i < eff;)
        {
            if (!seenEllipsis && i - expanded < n && (ellipsisMask & (1 << (i - expanded))) != 0)
            {
                seenEllipsis = true;
                ellipsisStart = i;
                int endIdx = Math.Max(i + 1, Math.Min(i + 1 + numAddAxis + inRank - n, eff));
                expanded = endIdx - ellipsisStart - 1;
                for (; i < endIdx; i++) effEllipsis |= 1 << i;
                continue;
            }
            if (i - expanded < n && (newAxisMask & (1 << (i - expanded))) != 0) effNewAxis |= 1 << i;
            i++;
        }
        var shape = new int[eff]; var start = new int[eff]; var stop = new int[eff]; var stride = new int[eff];
        int beginMask = 0, endMask = 0, shrinkMask = 0;
        int addedAxes = 0, addedEllipsis = 0;
        for (int i = 0; i < eff; i++)
        {
            if ((effEllipsis & (1 << i)) != 0)
            {
                addedEllipsis = Math.Max(0, i - ellipsisStart);
                beginMask |= 1 << i; endMask |= 1 << i; stride[i] = 1;
                shape[i] = x.Dim(i - addedAxes);
            }
            else if ((effNewAxis & (1 << i)) != 0)
            {
                start[i] = 0; stop[i] = 1; stride[i] = 1; shape[i] = 1;
                addedAxes++;
            }
            else if (i >= n + expanded)
            {
                beginMask |= 1 << i; endMask |= 1 << i; stride[i] = 1;
                shape[i] = x.Dim(i - addedAxes);
            }
            else
            {
                int k = i - addedEllipsis;
                start[i] = beginData[k]; stop[i] = endData[k]; stride[i] = strideData[k];
                if ((o.BeginMask & (1 << k)) != 0) beginMask |= 1 << i;
                if ((o.EndMask & (1 << k)) != 0) endMask |= 1 << i;
                if ((o.ShrinkAxisMask & (1 << k)) != 0) shrinkMask |= 1 << i;
                shape[i] = x.Dim(i - addedAxes);
            }
        }

        var first = new int[eff]; var step = new int[eff]; var count = new int[eff];
        var outShape = new List<int>();
        for (int i = 0; i < eff; i++)
        {
            int size = shape[i], s = stride[i];
            if (s == 0) throw context.Invalid($"stride of dimension {i} is zero");
            bool shrink = (shrinkMask & (1 << i)) != 0;
            if (shrink)
            {
                int b0 = (beginMask & (1 << i)) != 0 ? (s > 0 ? 0 : size - 1) : start[i];
                if (b0 < -size || b0 >= size) throw context.Invalid($"shrink index {start[i]} out of range for dimension {i} of size {size}");
                first[i] = b0 < 0 ? b0 + size : b0; step[i] = 1; count[i] = 1;
                continue;
            }
            int b = start[i];
            if (b < 0) b += size;
            b = s > 0 ? Math.Clamp(b, 0, size) : Math.Clamp(b, -1, size - 1);
            if ((beginMask & (1 << i)) != 0) b = s > 0 ? 0 : size - 1;
            long e = stop[i];
            if (o.Offset) e += b;
            if (e < 0) e += size;
            e = s > 0 ? Math.Clamp(e, 0, size) : Math.Clamp(e, -1, size - 1);
            if ((endMask & (1 << i)) != 0) e = s > 0 ? size : -1;
            long span = s > 0 ? e - b : b - e;
            long abs = Math.Abs((long)s);
            int c = span <= 0 ? 0 : (int)((span + abs - 1) / abs);
            first[i] = c == 0 ? 0 : b; step[i] = s; count[i] = c;
            outShape.Add(c);
        }
        _copy.Set(shape, first, step, count, elem);
        context.SetOutputShape(0, outShape.ToArray());
    }

    public override void Eval(KernelContext context) => _copy.Run(context.Input(0).DataPointer, context.Output(0).DataPointer);
}
