namespace EdgeLite.Kernels.Common;

/// <summary>
/// The axis handling shared by the reductions (MEAN, SUM, REDUCE_MAX/MIN/PROD/ANY/ALL), precomputed at Prepare: the
/// constant int32 axes (negative ones counted from the end, duplicates allowed, as TFLite's ResolveAxis), the output
/// shape (reduced dimensions dropped, or kept as 1 with keep_dims), and the input extended to <see cref="MaxRank"/>
/// dimensions with an output stride per dimension (0 where reduced). <see cref="ForEach"/> walks the input in order
/// (TFLite's reference order) yielding the output element each input element folds into.
/// </summary>
internal sealed class ReduceAxes
{
    public const int MaxRank = 6;
    public readonly int[] Shape = new int[MaxRank];
    public readonly bool[] Reduced = new bool[MaxRank];
    public readonly int[] OutStride = new int[MaxRank];
    /// <summary>Input elements folded into each output element.</summary>
    public int ReducedCount;
    /// <summary>Output elements.</summary>
    public int OutCount;
    /// <summary>Input elements.</summary>
    public int InCount;
    /// <summary>Number of distinct reduced axes of the input.</summary>
    public int AxisCount;

    /// <summary>Resolves the axes of <paramref name="x"/>; throws a typed error for non-constant or out-of-range axes.</summary>
    public static ReduceAxes Prepare(KernelContext context, Tensor x, Tensor axes, bool keepDims, out int[] outputShape)
    {
        if (x.Rank > MaxRank) throw context.Unsupported($"rank {x.Rank}");
        if (axes.Type != TensorType.Int32) throw context.Invalid($"axes are {axes.Type.ToDTypeName()}, not int32");
        if (!axes.IsConstant) throw context.Unsupported("non-constant axes");
        var r = new ReduceAxes();
        int off = MaxRank - x.Rank;
        for (int i = 0; i < MaxRank; i++) r.Shape[i] = i < off ? 1 : x.Dim(i - off);
        foreach (var a0 in axes.AsSpan<int>())
        {
            int a = a0 < 0 ? a0 + x.Rank : a0;
            if (a < 0 || a >= x.Rank) throw context.Invalid($"axis {a0} out of range for {x}");
            if (!r.Reduced[off + a]) r.AxisCount++;
            r.Reduced[off + a] = true;
        }
        var outShape = new List<int>();
        r.ReducedCount = 1; r.OutCount = 1; r.InCount = x.ElementCount;
        for (int i = 0; i < x.Rank; i++)
        {
            if (r.Reduced[off + i]) { r.ReducedCount *= x.Dim(i); if (keepDims) outShape.Add(1); }
            else { outShape.Add(x.Dim(i)); r.OutCount *= x.Dim(i); }
        }
        outputShape = outShape.ToArray();
        int stride = 1;
        for (int d = MaxRank - 1; d >= 0; d--) { r.OutStride[d] = r.Reduced[d] ? 0 : stride; if (!r.Reduced[d]) stride *= r.Shape[d]; }
        return r;
    }

    /// <summary>Calls <paramref name="op"/>.Apply(inputIndex, outputIndex) for every input element in order.</summary>
    public void ForEach<TOp>(ref TOp op) where TOp : struct, IReduceOp
    {
        int i = 0;
        int a0 = OutStride[0], a1 = OutStride[1], a2 = OutStride[2], a3 = OutStride[3], a4 = OutStride[4], a5 = OutStride[5];
        for (int a = 0; a < Shape[0]; a++)
        for (int b = 0; b < Shape[1]; b++)
        for (int c = 0; c < Shape[2]; c++)
        for (int d = 0; d < Shape[3]; d++)
        for (int e = 0; e < Shape[4]; e++)
        {
            int ob = a * a0 + b * a1 + c * a2 + d * a3 + e * a4;
            for (int f = 0; f < Shape[5]; f++, i++) op.Apply(i, ob + f * a5);
        }
    }
}

/// <summary>One step of a reduction applied by <see cref="ReduceAxes.ForEach"/>.</summary>
internal interface IReduceOp
{
    void Apply(int input, int output);
}
