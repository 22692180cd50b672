namespace EdgeLite.Kernels;

/// <summary>
/// DENSIFY: a constant sparse tensor (TFLite's TACO-style sparsity: traversal order, block map, per level DENSE or
/// SPARSE_CSR with segments and indices) to its dense form, as TFLite's FormatConverter; any element size. Every
/// index, segment and count is checked against the shapes and the data length (a malformed model gives
/// <see cref="ModelFormatException"/>). Its input is constant, so the interpreter runs it once at AllocateTensors.
/// </summary>
internal sealed unsafe class Densify : OpKernel
{
    private const int MaxLevels = 12;
    private int[] _traversal = [], _blockMap = [], _blockSize = [], _denseShape = [], _levelSize = [];
    private bool[] _sparse = [];
    private int[][] _segments = [], _indices = [];
    private long _srcCount, _leafStride;
    private int _elem;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (!x.IsConstant) throw context.Unsupported("non-constant sparse input");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        var sp = context.Model.SparsityOf(context.Graph.Index, x.Index) ?? throw context.Invalid($"input {x} has no sparsity parameters");
        int n = x.Rank;
        _denseShape = x.ShapeArray;
        _elem = x.ElementSize;
        _traversal = new int[sp.TraversalOrderLength];
        for (int i = 0; i < _traversal.Length; i++) _traversal[i] = sp.TraversalOrder(i);
        _blockMap = new int[sp.BlockMapLength];
        for (int i = 0; i < _blockMap.Length; i++) _blockMap[i] = sp.BlockMap(i);
        int levels = n + _blockMap.Length;
        if (levels == 0) throw context.Invalid("sparsity parameters on a scalar");
        if (levels > MaxLevels || _traversal.Length != levels || sp.DimMetadataLength != levels)
            throw context.Invalid($"sparsity: {_traversal.Length} traversal entries and {sp.DimMetadataLength} dimension metadata for rank {n} with {_blockMap.Length} blocks");
        var seen = new bool[levels];
        for (int i = 0; i < levels; i++)
        {
            int t = _traversal[i];
            if ((uint)t >= (uint)levels || seen[t]) throw context.Invalid("sparsity: traversal order is not a permutation");
            seen[t] = true;
            if (i < n && t >= n) throw context.Invalid("sparsity: block dimensions must follow the original ones in traversal order");
        }
        _blockSize = new int[_blockMap.Length];
        var blocked = (int[])_denseShape.Clone();
        for (int b = 0; b < _blockMap.Length; b++)
        {
            int d = _blockMap[b];
            var md = sp.DimMetadata(n + b) ?? throw context.Invalid("sparsity: missing dimension metadata");
            int bs = md.DenseSize;
            if ((uint)d >= (uint)n || bs <= 0 || _denseShape[d] % bs != 0) throw context.Invalid($"sparsity: block {b} of size {bs} on dimension {d}");
            _blockSize[b] = bs;
            blocked[d] = _denseShape[d] / bs;
        }
        _sparse = new bool[levels]; _levelSize = new int[levels];
        _segments = new int[levels][]; _indices = new int[levels][];
        for (int l = 0; l < levels; l++)
        {
            int t = _traversal[l];
            int size = t < n ? blocked[t] : _blockSize[t - n];
            _levelSize[l] = size;
            // dim_metadata is in traversal order (as TFLite's FormatConverter reads it)
            var md = sp.DimMetadata(l) ?? throw context.Invalid("sparsity: missing dimension metadata");
            if (md.Format == Schema.DimensionType.DENSE)
            {
                if (md.DenseSize != size) throw context.Invalid($"sparsity: level {l} dense size {md.DenseSize}, expected {size}");
                _segments[l] = []; _indices[l] = [];
            }
            else
            {
                _sparse[l] = true;
                _segments[l] = ReadVector(context, md, segments: true);
                _indices[l] = ReadVector(context, md, segments: false);
                foreach (var v in _indices[l]) if ((uint)v >= (uint)size) throw context.Invalid($"sparsity: index {v} out of range at level {l} ({size})");
                for (int i = 0; i < _segments[l].Length; i++)
                    if (_segments[l][i] < 0 || _segments[l][i] > _indices[l].Length || (i > 0 && _segments[l][i] < _segments[l][i - 1]))
                        throw context.Invalid($"sparsity: bad segment {_segments[l][i]} at level {l}");
            }
        }
        _srcCount = x.Description.DataLength / Math.Max(1, _elem);
        _leafStride = LeafStride();
        context.SetOutputShape(0, _denseShape);
    }

    private static int[] ReadVector(KernelContext context, Schema.DimensionMetadata md, bool segments)
    {
        var type = segments ? md.ArraySegmentsType : md.ArrayIndicesType;
        switch (type)
        {
            // whole vectors at once (a per-element accessor call took a tenth of pose_detection's load time)
            case Schema.SparseIndexVector.Int32Vector:
            {
                var v = segments ? md.ArraySegmentsAsInt32Vector() : md.ArrayIndicesAsInt32Vector();
                return v.ValuesLength == 0 ? [] : v.GetValuesArray();
            }
            case Schema.SparseIndexVector.Uint16Vector:
            {
                var v = segments ? md.ArraySegmentsAsUint16Vector() : md.ArrayIndicesAsUint16Vector();
                if (v.ValuesLength == 0) return [];
                var src = v.GetValuesArray(); var a = new int[src.Length]; for (int i = 0; i < a.Length; i++) a[i] = src[i]; return a;
            }
            case Schema.SparseIndexVector.Uint8Vector:
            {
                var v = segments ? md.ArraySegmentsAsUint8Vector() : md.ArrayIndicesAsUint8Vector();
                if (v.ValuesLength == 0) return [];
                var src = v.GetValuesArray(); var a = new int[src.Length]; for (int i = 0; i < a.Length; i++) a[i] = src[i]; return a;
            }
            default: throw context.Invalid($"sparsity: missing {(segments ? "segments" : "indices")}");
        }
    }

    public override void Eval(KernelContext context)
    {
        var yt = context.Output(0);
        byte* src = context.Input(0).DataPointer, dst = yt.DataPointer;
        new Span<byte>(dst, yt.ByteLength).Clear();
        Span<int> idx = stackalloc int[MaxLevels];
        long next = 0;
        Populate(src, dst, idx, 0, 0, ref next);
    }

    private void Populate(byte* src, byte* dst, Span<int> idx, int level, int prev, ref long next)
    {
        int levels = _traversal.Length;
        if (level == levels - 1)
        {
            // the last level: its index moves the element by a fixed stride, so the run is placed from one base offset
            idx[level] = 0;
            long flat = Flat(idx), stride = _leafStride;
            int start, end;
            if (_sparse[level])
            {
                var segs = _segments[level];
                if (prev + 1 >= segs.Length) throw new InterpreterException($"DENSIFY: segment {prev} missing at level {level}");
                start = segs[prev]; end = segs[prev + 1];
            }
            else { start = 0; end = _levelSize[level]; }
            if (next + (end - start) > _srcCount) throw new InterpreterException("DENSIFY: the sparse data is shorter than its metadata says");
            int[] indices = _indices[level];
            bool sparse = _sparse[level];
            for (int i = start; i < end; i++, next++)
            {
                long at = flat + (sparse ? indices[i] : i) * stride;
                Elements.CopyOne(src + next * _elem, dst + at * _elem, _elem);
            }
            return;
        }
        if (!_sparse[level])
        {
            int size = _levelSize[level];
            for (int i = 0; i < size; i++) { idx[level] = i; Populate(src, dst, idx, level + 1, prev * size + i, ref next); }
            return;
        }
        var seg = _segments[level];
        if (prev + 1 >= seg.Length) throw new InterpreterException($"DENSIFY: segment {prev} missing at level {level}");
        for (int i = seg[prev]; i < seg[prev + 1]; i++) { idx[level] = _indices[level][i]; Populate(src, dst, idx, level + 1, i, ref next); }
    }

    /// <summary>The dense element offset of the index tuple (in traversal order; block levels refine their dimension).</summary>
    private long Flat(Span<int> idx)
    {
        int levels = _traversal.Length, n = _denseShape.Length;
        Span<long> orig = stackalloc long[MaxLevels];
        for (int i = 0; i < n; i++) orig[_traversal[i]] = idx[i];
        for (int i = n; i < levels; i++)
        {
            int b = _traversal[i] - n;
            orig[_blockMap[b]] = orig[_blockMap[b]] * _blockSize[b] + idx[i];
        }
        long flat = 0;
        for (int d = 0; d < n; d++) flat = flat * _denseShape[d] + orig[d];
        return flat;
    }

    /// <summary>
    /// Elements one step of the last traversal level moves: it is an original dimension (no blocks) or the innermost
    /// block of one, and either way adds 1 to that dimension's index.
    /// </summary>
    private long LeafStride()
    {
        int n = _denseShape.Length, t = _traversal[^1];
        int d = t < n ? t : _blockMap[t - n];
        long stride = 1;
        for (int k = d + 1; k < n; k++) stride *= _denseShape[k];
        return stride;
    }
}
