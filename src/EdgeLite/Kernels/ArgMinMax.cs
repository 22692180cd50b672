namespace EdgeLite.Kernels;

/// <summary>
/// ARG_MAX and ARG_MIN along a constant axis (int32 or int64 axis tensor, negative counts from the end) of float32,
/// uint8, int8 or int32 input; output int32 or int64 (options' output_type) with the axis removed. Ties keep the
/// first index, as TFLite's reference (strict comparison).
/// </summary>
internal sealed unsafe class ArgMinMax(bool max) : OpKernel
{
    private int _outer, _axisSize, _inner;
    private TensorType _in, _out;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axisT = context.Input(1); var y = context.Output(0);
        if (!axisT.IsConstant || axisT.ElementCount != 1 || axisT.Type is not (TensorType.Int32 or TensorType.Int64))
            throw context.Invalid($"axis must be one constant int32/int64, got {axisT}");
        long axis = axisT.Type == TensorType.Int32 ? axisT.AsSpan<int>()[0] : axisT.AsSpan<long>()[0];
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis >= x.Rank) throw context.Invalid($"axis {axis} out of range for {x}");
        _in = x.Type; _out = y.Type;
        if (_in is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int32)) throw context.Unsupported($"input type {_in.ToDTypeName()}");
        if (_out is not (TensorType.Int32 or TensorType.Int64)) throw context.Invalid($"output type {_out.ToDTypeName()}");
        _outer = 1; _inner = 1;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = (int)axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        _axisSize = x.Dim((int)axis);
        if (_axisSize <= 0) throw context.Invalid($"empty axis in {x}");
        var shape = new List<int>();
        for (int i = 0; i < x.Rank; i++) if (i != axis) shape.Add(x.Dim(i));
        context.SetOutputShape(0, shape.ToArray());
    }

    /// <summary>The common segmentation case (class scores in the last dimension, 8-bit): a tight scan per row.</summary>
    private void LastAxisBytes(byte* x, byte* y)
    {
        bool signed = _in == TensorType.Int8;
        int n = _axisSize;
        for (long o = 0; o < _outer; o++)
        {
            byte* row = x + o * n;
            int best = 0;
            int bv = signed ? (sbyte)row[0] : row[0];
            for (int a = 1; a < n; a++)
            {
                int v = signed ? (sbyte)row[a] : row[a];
                if (max ? v > bv : v < bv) { bv = v; best = a; }
            }
            if (_out == TensorType.Int32) ((int*)y)[o] = best; else ((long*)y)[o] = best;
        }
    }

    private float Value(byte* p, long i) => _in switch
    {
        TensorType.Float32 => ((float*)p)[i],
        TensorType.UInt8 => p[i],
        TensorType.Int8 => (sbyte)p[i],
        _ => ((int*)p)[i],
    };

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        if (_inner == 1 && _in is TensorType.UInt8 or TensorType.Int8) { LastAxisBytes(x, y); return; }
        for (int o = 0; o < _outer; o++)
            for (int i = 0; i < _inner; i++)
            {
                long b = (long)o * _axisSize * _inner + i;
                int best = 0;
                if (_in == TensorType.Int32)
                {
                    int bv = ((int*)x)[b];
                    for (int a = 1; a < _axisSize; a++)
                    {
                        int v = ((int*)x)[b + (long)a * _inner];
                        if (max ? v > bv : v < bv) { bv = v; best = a; }
                    }
                }
                else
                {
                    float bv = Value(x, b);
                    for (int a = 1; a < _axisSize; a++)
                    {
                        float v = Value(x, b + (long)a * _inner);
                        if (max ? v > bv : v < bv) { bv = v; best = a; }
                    }
                }
                long oi = (long)o * _inner + i;
                if (_out == TensorType.Int32) ((int*)y)[oi] = best; else ((long*)y)[oi] = best;
            }
    }
}
