using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// CONCATENATION along an axis, any element size; quantized inputs whose scale or zero point differ from the
/// output's are requantized as TFLite's ConcatenationWithScaling (round(x · s_in/s_out - zp_in · s_in/s_out) + zp_out).
/// </summary>
internal sealed unsafe class Concatenation : OpKernel
{
    private int _outer, _elem, _n;
    private int[] _inner = [];     // elements per outer step of each input
    private float[] _scale = [], _bias = [];
    private bool[] _rescale = [];
    private int _zpOut, _qmin, _qmax;
    private TensorType _type;

    public override void Prepare(KernelContext context)
    {
        _n = context.InputCount;
        var first = context.Input(0); var y = context.Output(0);
        var o = context.Options<Schema.ConcatenationOptions>() ?? default;
        if (o.FusedActivationFunction != Schema.ActivationFunctionType.NONE && first.Type != TensorType.Float32)
            throw context.Unsupported("fused activation on a quantized concatenation");
        int rank = first.Rank;
        int axis = o.Axis < 0 ? o.Axis + rank : o.Axis;
        if (axis < 0 || axis >= rank) throw context.Invalid($"axis {o.Axis} for rank {rank}");
        _type = first.Type; _elem = first.ElementSize;
        var shape = first.ShapeArray;
        shape[axis] = 0;
        _inner = new int[_n]; _scale = new float[_n]; _bias = new float[_n]; _rescale = new bool[_n];
        _outer = 1;
        for (int i = 0; i < axis; i++) _outer *= first.Dim(i);
        int innerBase = 1;
        for (int i = axis + 1; i < rank; i++) innerBase *= first.Dim(i);
        var qo = y.Quantization;
        bool quant = _type is TensorType.UInt8 or TensorType.Int8;
        if (quant && (qo == null || qo.Scales.Count == 0)) throw context.Invalid("quantized concatenation without output quantization");
        if (quant) { _zpOut = qo!.ZeroPoint; (_qmin, _qmax) = QuantizationUtils.TypeRange(_type); }
        for (int k = 0; k < _n; k++)
        {
            var t = context.Input(k);
            if (t.Type != _type || t.Rank != rank) throw context.Invalid($"input {k} {t} does not match {first}");
            for (int d = 0; d < rank; d++)
                if (d != axis && t.Dim(d) != first.Dim(d)) throw context.Invalid($"input {k} {t} does not match {first} outside axis {axis}");
            shape[axis] += t.Dim(axis);
            _inner[k] = t.Dim(axis) * innerBase;
            if (quant)
            {
                var qi = t.Quantization;
                if (qi == null || qi.Scales.Count == 0) throw context.Invalid($"input {k} without quantization");
                _rescale[k] = qi.Scale != qo!.Scale || qi.ZeroPoint != qo.ZeroPoint;
                _scale[k] = qi.Scale / qo.Scale;
                _bias[k] = -qi.ZeroPoint * _scale[k];
            }
        }
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* y = context.Output(0).DataPointer;
        long dst = 0;
        for (int outer = 0; outer < _outer; outer++)
            for (int k = 0; k < _n; k++)
            {
                byte* x = context.Input(k).DataPointer + (long)outer * _inner[k] * _elem;
                int count = _inner[k];
                if (!_rescale[k]) Buffer.MemoryCopy(x, y + dst * _elem, (long)count * _elem, (long)count * _elem);
                else
                {
                    bool signed = _type == TensorType.Int8;
                    for (int i = 0; i < count; i++)
                    {
                        int v = signed ? ((sbyte*)x)[i] : x[i];
                        int q = (int)MathF.Round(v * _scale[k] + _bias[k], MidpointRounding.AwayFromZero) + _zpOut;
                        q = q < _qmin ? _qmin : q > _qmax ? _qmax : q;
                        if (signed) ((sbyte*)y)[dst + i] = (sbyte)q; else y[dst + i] = (byte)q;
                    }
                }
                dst += count;
            }
    }
}
