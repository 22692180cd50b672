using System.Numerics;

namespace EdgeLite.Kernels;

/// <summary>The reductions of <see cref="Segment"/>.</summary>
internal enum SegmentKind { SortedSum, Sum, Max, Min, Prod }

/// <summary>
/// SEGMENT_SUM and UNSORTED_SEGMENT_SUM/MAX/MIN/PROD on float32 and int32, as TFLite's reference kernels: output slice
/// s folds every data slice i with segment_ids[i] == s (in order), starting from 0 / lowest / max / 1 (slices no id
/// names keep that value). SEGMENT_SUM's ids must be constant, start anywhere from 0 and grow by 0 or 1, as TFLite requires (its output has max(id)+1 rows); the
/// unsorted ops take num_segments rows (a constant) and ids that may change at every Invoke: negative ids are
/// skipped, as in TFLite, ids of num_segments or more raise <see cref="InterpreterException"/>.
/// </summary>
internal sealed unsafe class Segment(SegmentKind kind) : OpKernel
{
    private TensorType _type;
    private int _ids, _slice, _segments;

    public override void Prepare(KernelContext context)
    {
        var data = context.Input(0); var ids = context.Input(1); var y = context.Output(0);
        _type = data.Type;
        if (_type is not (TensorType.Float32 or TensorType.Int32)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        if (y.Type != _type) throw context.Invalid("data and output types differ");
        if (ids.Type != TensorType.Int32) throw context.Invalid($"segment ids are {ids.Type.ToDTypeName()}, not int32");
        if (data.Rank < 1 || ids.Rank < 1 || ids.Rank > data.Rank) throw context.Invalid($"segment ids {ids} do not index data {data}");
        for (int i = 0; i < ids.Rank; i++)
            if (ids.Dim(i) != data.Dim(i)) throw context.Invalid($"segment ids {ids} do not match the leading dimensions of data {data}");
        _ids = ids.ElementCount;
        _slice = 1;
        for (int i = ids.Rank; i < data.Rank; i++) _slice *= data.Dim(i);
        if (kind == SegmentKind.SortedSum)
        {
            if (ids.Rank != 1) throw context.Invalid("SEGMENT_SUM needs rank-1 segment ids");
            if (!ids.IsConstant) throw context.Unsupported("non-constant segment ids (the output shape would depend on them)");
            var v = ids.AsSpan<int>();
            for (int i = 0; i < v.Length; i++)
            {
                if (v[i] < 0) throw context.Invalid($"negative segment id {v[i]}");
                if (i > 0 && v[i] != v[i - 1] && v[i] != v[i - 1] + 1) throw context.Invalid($"segment ids must be sorted and consecutive (TFLite: steps of 0 or 1), got {v[i - 1]} then {v[i]}");
            }
            _segments = v.Length == 0 ? 0 : v[^1] + 1;
        }
        else
        {
            var n = context.Input(2);
            if (n.Type != TensorType.Int32 || n.ElementCount != 1 || n.Rank > 1) throw context.Invalid($"num_segments {n} is not one int32");
            if (!n.IsConstant) throw context.Unsupported("non-constant num_segments (the output shape would depend on it)");
            _segments = n.AsSpan<int>()[0];
            if (_segments < 0) throw context.Invalid($"num_segments {_segments}");
            if (ids.IsConstant)
                foreach (var s in ids.AsSpan<int>())
                    if (s >= _segments) throw context.Invalid($"segment id {s} >= num_segments {_segments}");
        }
        var shape = new int[data.Rank - ids.Rank + 1];
        shape[0] = _segments;
        for (int i = ids.Rank; i < data.Rank; i++) shape[i - ids.Rank + 1] = data.Dim(i);
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        int* ids = (int*)context.Input(1).DataPointer;
        if (_type == TensorType.Float32) Run((float*)x, ids, (float*)y); else Run((int*)x, ids, (int*)y);
    }

    private void Run<T>(T* x, int* ids, T* y) where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        // float.MinValue/MaxValue are ±FLT_MAX, TFLite's numeric_limits lowest()/max()
        T init = kind switch { SegmentKind.Max => T.MinValue, SegmentKind.Min => T.MaxValue, SegmentKind.Prod => T.One, _ => T.Zero };
        new Span<T>(y, _segments * _slice).Fill(init);
        for (int i = 0; i < _ids; i++)
        {
            int s = ids[i];
            if (s < 0) continue;
            if (s >= _segments) throw new InterpreterException($"{kind} segment: id {s} >= num_segments {_segments}");
            T* src = x + (long)i * _slice; T* dst = y + (long)s * _slice;
            for (int j = 0; j < _slice; j++)
            {
                T a = dst[j], b = src[j];
                dst[j] = kind switch
                {
                    SegmentKind.Max => a > b ? a : b,
                    SegmentKind.Min => a < b ? a : b,
                    SegmentKind.Prod => unchecked(a * b),
                    _ => unchecked(a + b),
                };
            }
        }
    }
}
