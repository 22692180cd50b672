namespace EdgeLite.Kernels.Common;

/// <summary>
/// NumPy-style broadcasting of two inputs to one output (TFLite's ProcessBroadcastShapes), precomputed at Prepare:
/// shapes are right-aligned and extended to <see cref="MaxRank"/>; a dimension of 1 broadcasts (stride 0).
/// <see cref="ForEach"/> walks the output in order, yielding the two input offsets, without allocating.
/// </summary>
internal sealed class Broadcast
{
    public const int MaxRank = 6;
    public readonly int[] OutShape = new int[MaxRank];
    public readonly int[] Stride1 = new int[MaxRank];
    public readonly int[] Stride2 = new int[MaxRank];
    /// <summary>True when both inputs have the output's shape (no broadcasting needed).</summary>
    public bool Same;
    /// <summary>Input 1 or input 2 is a single element.</summary>
    public bool Scalar1, Scalar2;
    public int Count;

    /// <summary>Computes the output shape; throws <see cref="ModelFormatException"/> when the shapes cannot broadcast.</summary>
    public static Broadcast Prepare(KernelContext context, Tensor a, Tensor b, out int[] outputShape)
    {
        if (a.Rank > MaxRank || b.Rank > MaxRank) throw context.Unsupported($"broadcast of rank {Math.Max(a.Rank, b.Rank)}");
        int rank = Math.Max(a.Rank, b.Rank);
        outputShape = new int[rank];
        var r = new Broadcast();
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Rank) >= 0 ? a.Dim(i - (rank - a.Rank)) : 1;
            int db = i - (rank - b.Rank) >= 0 ? b.Dim(i - (rank - b.Rank)) : 1;
            if (da != db && da != 1 && db != 1) throw context.Invalid($"shapes {a} and {b} do not broadcast");
            outputShape[i] = da == 1 ? db : da;
        }
        // extended to MaxRank, with strides (0 where broadcast)
        int s1 = 1, s2 = 1;
        for (int i = MaxRank - 1; i >= 0; i--)
        {
            int k = i - (MaxRank - rank);
            int o = k >= 0 ? outputShape[k] : 1;
            int ka = k - (rank - a.Rank), kb = k - (rank - b.Rank);
            int da = k >= 0 && ka >= 0 ? a.Dim(ka) : 1;
            int db = k >= 0 && kb >= 0 ? b.Dim(kb) : 1;
            r.OutShape[i] = o;
            r.Stride1[i] = da == 1 ? 0 : s1;
            r.Stride2[i] = db == 1 ? 0 : s2;
            s1 *= da; s2 *= db;
        }
        r.Count = 1;
        foreach (var d in outputShape) r.Count *= d;
        r.Same = a.ElementCount == r.Count && b.ElementCount == r.Count;
        r.Scalar1 = a.ElementCount == 1;
        r.Scalar2 = b.ElementCount == 1;
        return r;
    }

    /// <summary>Calls <paramref name="op"/>.Apply(outIndex, index1, index2) for every output element in order.</summary>
    public void ForEach<TOp>(ref TOp op) where TOp : struct, IBroadcastOp
    {
        if (Count == 0) return;
        if (Same) { for (int i = 0; i < Count; i++) op.Apply(i, i, i); return; }
        if (Scalar1 && Scalar2) { for (int i = 0; i < Count; i++) op.Apply(i, 0, 0); return; }
        if (Scalar2 && !Scalar1 && IsDense(Stride1)) { for (int i = 0; i < Count; i++) op.Apply(i, i, 0); return; }
        if (Scalar1 && !Scalar2 && IsDense(Stride2)) { for (int i = 0; i < Count; i++) op.Apply(i, 0, i); return; }
        int o = 0;
        for (int d0 = 0; d0 < OutShape[0]; d0++)
        for (int d1 = 0; d1 < OutShape[1]; d1++)
        for (int d2 = 0; d2 < OutShape[2]; d2++)
        for (int d3 = 0; d3 < OutShape[3]; d3++)
        for (int d4 = 0; d4 < OutShape[4]; d4++)
        {
            int i1 = d0 * Stride1[0] + d1 * Stride1[1] + d2 * Stride1[2] + d3 * Stride1[3] + d4 * Stride1[4];
            int i2 = d0 * Stride2[0] + d1 * Stride2[1] + d2 * Stride2[2] + d3 * Stride2[3] + d4 * Stride2[4];
            int n = OutShape[5], s1 = Stride1[5], s2 = Stride2[5];
            for (int d5 = 0; d5 < n; d5++) op.Apply(o++, i1 + d5 * s1, i2 + d5 * s2);
        }
    }

    private bool IsDense(int[] strides)
    {
        int expect = 1;
        for (int i = MaxRank - 1; i >= 0; i--)
        {
            if (OutShape[i] == 1) continue;
            if (strides[i] != expect) return false;
            expect *= OutShape[i];
        }
        return true;
    }
}

/// <summary>An element-wise operation applied by <see cref="Broadcast.ForEach"/>.</summary>
internal interface IBroadcastOp
{
    void Apply(int output, int input1, int input2);
}
