using System.Numerics;

namespace EdgeLite.Kernels;

/// <summary>
/// CUMSUM along a constant int32 axis (float32, int32, int64; exclusive and reverse options), as TFLite's cumsum.cc:
/// a running sum in the tensor's type, in order along the axis (from the end when reversed), the exclusive form
/// writing the sum before adding.
/// </summary>
internal sealed unsafe class CumSum : OpKernel
{
    private TensorType _type;
    private int _outer, _len, _inner;
    private bool _exclusive, _reverse;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axis = context.Input(1); var y = context.Output(0);
        _type = x.Type;
        if (_type is not (TensorType.Float32 or TensorType.Int32 or TensorType.Int64)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        if (y.Type != _type) throw context.Invalid("input and output types differ");
        if (axis.Type != TensorType.Int32 || axis.ElementCount != 1) throw context.Invalid($"axis {axis} is not one int32");
        if (!axis.IsConstant) throw context.Unsupported("non-constant axis");
        int a = axis.AsSpan<int>()[0];
        if (a < 0) a += x.Rank;
        if (a < 0 || a >= x.Rank) throw context.Invalid($"axis {axis.AsSpan<int>()[0]} out of range for {x}");
        var o = context.Options<Schema.CumsumOptions>();
        _exclusive = o?.Exclusive ?? false; _reverse = o?.Reverse ?? false;
        _outer = 1; _inner = 1; _len = x.Dim(a);
        for (int i = 0; i < a; i++) _outer *= x.Dim(i);
        for (int i = a + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        switch (_type)
        {
            case TensorType.Float32: Run((float*)x, (float*)y); break;
            case TensorType.Int32: Run((int*)x, (int*)y); break;
            default: Run((long*)x, (long*)y); break;
        }
    }

    private void Run<T>(T* x, T* y) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < _outer; o++)
            for (int i = 0; i < _inner; i++)
            {
                long b = (long)o * _len * _inner + i;
                T acc = T.Zero;
                for (int k = 0; k < _len; k++)
                {
                    long idx = b + (long)(_reverse ? _len - 1 - k : k) * _inner;
                    if (_exclusive) { y[idx] = acc; acc = unchecked(acc + x[idx]); }
                    else { acc = unchecked(acc + x[idx]); y[idx] = acc; }
                }
            }
    }
}

/// <summary>
/// TOPK_V2: the k largest values of each row (last dimension) and their int32 indices, sorted by value descending,
/// ties broken by the smaller index (TFLite's TopContainer order, a total order, so any correct sort gives its
/// result); float32, uint8, int8, int32, int64; k must be a constant int32 no larger than the row.
/// </summary>
internal sealed unsafe class TopKV2 : OpKernel
{
    private TensorType _type;
    private int _rows, _row, _k;
    private int[] _order = [];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var kt = context.Input(1); var values = context.Output(0); var indices = context.Output(1);
        _type = x.Type;
        if (_type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int32 or TensorType.Int64)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        if (values.Type != _type) throw context.Invalid("values output type differs from the input");
        if (indices.Type != TensorType.Int32) throw context.Unsupported($"{indices.Type.ToDTypeName()} indices (int32 only, as TFLite)");
        if (kt.Type != TensorType.Int32 || kt.ElementCount != 1) throw context.Invalid($"k {kt} is not one int32");
        if (!kt.IsConstant) throw context.Unsupported("non-constant k");
        if (x.Rank < 1) throw context.Invalid("TOPK_V2 of a scalar");
        _k = kt.AsSpan<int>()[0];
        _row = x.Dim(x.Rank - 1);
        if (_k < 0 || _k > _row) throw context.Invalid($"k = {_k} for rows of {_row}");
        _rows = _row == 0 ? 0 : x.ElementCount / _row;
        var shape = x.ShapeArray; shape[^1] = _k;
        context.SetOutputShape(0, shape);
        context.SetOutputShape(1, shape);
        _order = context.AllocatePersistent<int>(Math.Max(1, _row));
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, v = context.Output(0).DataPointer;
        int* idx = (int*)context.Output(1).DataPointer;
        switch (_type)
        {
            case TensorType.Float32: Run((float*)x, (float*)v, idx); break;
            case TensorType.UInt8: Run(x, v, idx); break;
            case TensorType.Int8: Run((sbyte*)x, (sbyte*)v, idx); break;
            case TensorType.Int32: Run((int*)x, (int*)v, idx); break;
            default: Run((long*)x, (long*)v, idx); break;
        }
    }

    private void Run<T>(T* x, T* v, int* idx) where T : unmanaged, INumber<T>
    {
        fixed (int* order = _order)
            for (int r = 0; r < _rows; r++)
            {
                T* row = x + (long)r * _row;
                for (int i = 0; i < _row; i++) order[i] = i;
                HeapSort(order, _row, new Before<T> { Row = row });
                for (int j = 0; j < _k; j++)
                {
                    idx[(long)r * _k + j] = order[j];
                    v[(long)r * _k + j] = row[order[j]];
                }
            }
    }

    /// <summary>In-place heapsort by <paramref name="cmp"/> (no allocation: the framework's Span.Sort boxes a struct comparer).</summary>
    private static void HeapSort<TCmp>(int* a, int n, TCmp cmp) where TCmp : struct, IComparer<int>
    {
        for (int start = n / 2 - 1; start >= 0; start--) SiftDown(a, start, n, cmp);
        for (int end = n - 1; end > 0; end--)
        {
            (a[0], a[end]) = (a[end], a[0]);
            SiftDown(a, 0, end, cmp);
        }
    }

    private static void SiftDown<TCmp>(int* a, int root, int n, TCmp cmp) where TCmp : struct, IComparer<int>
    {
        while (true)
        {
            int child = 2 * root + 1;
            if (child >= n) return;
            if (child + 1 < n && cmp.Compare(a[child], a[child + 1]) < 0) child++;
            if (cmp.Compare(a[root], a[child]) >= 0) return;
            (a[root], a[child]) = (a[child], a[root]);
            root = child;
        }
    }

    /// <summary>Larger value first, then smaller index.</summary>
    private struct Before<T> : IComparer<int> where T : unmanaged, INumber<T>
    {
        public T* Row;
        public readonly int Compare(int a, int b)
        {
            T va = Row[a], vb = Row[b];
            if (vb < va) return -1;
            if (vb > va) return 1;
            return a.CompareTo(b);
        }
    }
}
