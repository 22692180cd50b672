namespace EdgeLite.Kernels;

/// <summary>TRANSPOSE with a constant permutation (rank ≤ 6), any element size: out[i_perm] = in[i].</summary>
internal sealed unsafe class Transpose : OpKernel
{
    private const int MaxRank = 6;
    private readonly int[] _outShape = new int[MaxRank], _inStride = new int[MaxRank];
    private int _elem;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var p = context.Input(1);
        if (x.Rank > MaxRank) throw context.Unsupported($"rank {x.Rank}");
        if (!p.IsConstant || p.Type != TensorType.Int32 || p.ElementCount != x.Rank) throw context.Invalid($"permutation {p} for input {x}");
        var perm = p.AsSpan<int>();
        var seen = new bool[x.Rank];
        var shape = new int[x.Rank];
        var strides = new int[x.Rank];
        int s = 1;
        for (int i = x.Rank - 1; i >= 0; i--) { strides[i] = s; s *= x.Dim(i); }
        int off = MaxRank - x.Rank;
        for (int i = 0; i < MaxRank; i++) { _outShape[i] = 1; _inStride[i] = 0; }
        for (int i = 0; i < x.Rank; i++)
        {
            int a = perm[i] < 0 ? perm[i] + x.Rank : perm[i];
            if (a < 0 || a >= x.Rank || seen[a]) throw context.Invalid($"invalid permutation [{string.Join(",", perm.ToArray())}]");
            seen[a] = true;
            shape[i] = x.Dim(a);
            _outShape[off + i] = shape[i];
            _inStride[off + i] = strides[a];
        }
        _elem = x.ElementSize;
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        switch (_elem)
        {
            case 1: Run<byte>(x, y); break;
            case 2: Run<short>(x, y); break;
            case 4: Run<int>(x, y); break;
            case 8: Run<long>(x, y); break;
            default: RunBytes(x, y); break;
        }
    }

    /// <summary>
    /// Output order over the outer four dimensions; the inner two as a tile. When the last output dimension is short
    /// (NCHW → NHWC of an RGB image: 3) the tile is walked along the longer one, so the inner loop stays long.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Run<T>(byte* xb, byte* yb) where T : unmanaged
    {
        T* x = (T*)xb, y = (T*)yb;
        int n4 = _outShape[4], n5 = _outShape[5];
        long s4 = _inStride[4], s5 = _inStride[5];
        bool columns = n5 < 8 && n4 > n5;
        for (int a = 0; a < _outShape[0]; a++)
        for (int b = 0; b < _outShape[1]; b++)
        for (int c = 0; c < _outShape[2]; c++)
        for (int d = 0; d < _outShape[3]; d++)
        {
            T* src = x + (long)a * _inStride[0] + (long)b * _inStride[1] + (long)c * _inStride[2] + (long)d * _inStride[3];
            if (columns)
                for (int g = 0; g < n5; g++)
                {
                    T* sp = src + g * s5, dp = y + g;
                    for (int f = 0; f < n4; f++) dp[(long)f * n5] = sp[f * s4];
                }
            else
                for (int f = 0; f < n4; f++)
                {
                    T* sp = src + f * s4, dp = y + (long)f * n5;
                    for (int g = 0; g < n5; g++) dp[g] = sp[g * s5];
                }
            y += (long)n4 * n5;
        }
    }

    private void RunBytes(byte* x, byte* y)
    {
        long o = 0;
        int e = _elem;
        for (int a = 0; a < _outShape[0]; a++)
        for (int b = 0; b < _outShape[1]; b++)
        for (int c = 0; c < _outShape[2]; c++)
        for (int d = 0; d < _outShape[3]; d++)
        for (int f = 0; f < _outShape[4]; f++)
        {
            long ib = (long)a * _inStride[0] + (long)b * _inStride[1] + (long)c * _inStride[2] + (long)d * _inStride[3] + (long)f * _inStride[4];
            for (int g = 0; g < _outShape[5]; g++, o++)
                Buffer.MemoryCopy(x + (ib + (long)g * _inStride[5]) * e, y + o * e, e, e);
        }
    }
}
