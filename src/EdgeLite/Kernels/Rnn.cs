using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// RNN (one step) and UNIDIRECTIONAL_SEQUENCE_RNN, float32: h_t = act(W·x_t + R·h_{t-1} + b), as TFLite's
/// RnnBatchStep — the bias first, then the input product, then the recurrent product (each a k-ordered dot product),
/// then the fused activation (NONE, RELU, RELU_N1_TO_1, RELU6, TANH). Inputs: input, weights [units, input],
/// recurrent weights [units, units], bias [units], hidden state (a variable tensor [batch, units], updated in place
/// and kept across Invoke as TFLite does). The sequence form reads [time, batch, input] (time_major) or
/// [batch, time, input] and writes every step's h. The hybrid form (int8 weights) is not implemented.
/// </summary>
internal sealed unsafe class Rnn(bool sequence) : OpKernel
{
    private readonly bool _sequence = sequence;
    private bool _timeMajor;
    private FusedActivation _act;
    private int _batch, _time, _inputSize, _units;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var w = context.Input(1); var r = context.Input(2); var b = context.Input(3); var h = context.Input(4);
        var y = context.Output(0);
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32 || h.Type != TensorType.Float32 || b.Type != TensorType.Float32)
            throw context.Unsupported("only float32 input, bias, state and output are implemented");
        if (w.Type != TensorType.Float32 || r.Type != TensorType.Float32) throw context.Unsupported($"{w.Type.ToDTypeName()} weights (the hybrid form is not implemented)");
        if (!h.IsVariable) throw context.Invalid($"hidden state {h} must be a variable tensor");
        if (w.Rank != 2 || r.Rank != 2 || b.Rank != 1) throw context.Invalid($"weights {w}, recurrent weights {r} and bias {b} must be 2-D, 2-D and 1-D");
        _units = w.Dim(0); _inputSize = w.Dim(1);
        if (r.Dim(0) != _units || r.Dim(1) != _units || b.Dim(0) != _units) throw context.Invalid($"recurrent weights {r} / bias {b} do not match {_units} units");
        if (_sequence)
        {
            var o = context.Options<Schema.SequenceRNNOptions>();
            _timeMajor = o?.TimeMajor ?? false;
            _act = (FusedActivation)(sbyte)(o?.FusedActivationFunction ?? 0);
            if (x.Rank != 3 || x.Dim(2) != _inputSize) throw context.Invalid($"input {x} must be 3-D with {_inputSize} features");
            _time = _timeMajor ? x.Dim(0) : x.Dim(1);
            _batch = _timeMajor ? x.Dim(1) : x.Dim(0);
            context.SetOutputShape(0, _timeMajor ? [_time, _batch, _units] : [_batch, _time, _units]);
        }
        else
        {
            _act = (FusedActivation)(sbyte)(context.Options<Schema.RNNOptions>()?.FusedActivationFunction ?? 0);
            if (x.Rank != 2 || x.Dim(1) != _inputSize) throw context.Invalid($"input {x} must be [batch, {_inputSize}]");
            _batch = x.Dim(0); _time = 1;
            context.SetOutputShape(0, [_batch, _units]);
        }
        if (_act is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.ReluN1To1 or FusedActivation.Relu6 or FusedActivation.Tanh))
            throw context.Unsupported($"activation {_act}");
        if (h.ElementCount != _batch * _units) throw context.Invalid($"hidden state {h} must hold [{_batch}, {_units}]");
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, w = (float*)context.Input(1).DataPointer, r = (float*)context.Input(2).DataPointer;
        float* bias = (float*)context.Input(3).DataPointer, h = (float*)context.Input(4).DataPointer, y = (float*)context.Output(0).DataPointer;
        for (int t = 0; t < _time; t++)
            for (int bi = 0; bi < _batch; bi++)
            {
                // element offsets of step t, batch bi
                long xo = _timeMajor || !_sequence ? ((long)t * _batch + bi) * _inputSize : ((long)bi * _time + t) * _inputSize;
                long yo = _timeMajor || !_sequence ? ((long)t * _batch + bi) * _units : ((long)bi * _time + t) * _units;
                float* hb = h + (long)bi * _units;
                float* yb = y + yo;
                for (int u = 0; u < _units; u++)
                {
                    float acc = bias[u];
                    float dot = 0;
                    for (int k = 0; k < _inputSize; k++) dot += w[(long)u * _inputSize + k] * x[xo + k];
                    acc += dot;
                    dot = 0;
                    for (int k = 0; k < _units; k++) dot += r[(long)u * _units + k] * hb[k];
                    acc += dot;
                    yb[u] = Activate(acc);
                }
                // the new state (after every unit read the old one)
                Buffer.MemoryCopy(yb, hb, (long)_units * 4, (long)_units * 4);
            }
    }

    private float Activate(float v) => _act switch
    {
        FusedActivation.Relu => Math.Max(0f, v),
        FusedActivation.ReluN1To1 => Math.Clamp(v, -1f, 1f),
        FusedActivation.Relu6 => Math.Clamp(v, 0f, 6f),
        FusedActivation.Tanh => MathF.Tanh(v),
        _ => v,
    };
}

/// <summary>
/// BIDIRECTIONAL_SEQUENCE_RNN (float32, without the auxiliary input): a forward RNN over time (inputs 1–4: weights,
/// recurrent weights, bias, hidden state) and a backward one over reversed time (inputs 5–8), on the same input; each
/// step as <see cref="Rnn"/>. Outputs: forward and backward sequences, or with merge_outputs one output whose last
/// dimension is the forward units then the backward units. Both hidden states are variable tensors.
/// </summary>
internal sealed unsafe class BidirectionalSequenceRnn : OpKernel
{
    private bool _timeMajor, _merge;
    private FusedActivation _act;
    private int _batch, _time, _inputSize, _fwUnits, _bwUnits;

    public override void Prepare(KernelContext context)
    {
        if (context.InputCount < 9) throw context.Invalid($"expects 9 or 12 inputs, got {context.InputCount}");
        for (int i = 9; i < context.InputCount; i++)
            if (context.OptionalInput(i) != null) throw context.Unsupported("the auxiliary input");
        var o = context.Options<Schema.BidirectionalSequenceRNNOptions>();
        _timeMajor = o?.TimeMajor ?? false; _merge = o?.MergeOutputs ?? false;
        _act = (FusedActivation)(sbyte)(o?.FusedActivationFunction ?? 0);
        if (_act is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.ReluN1To1 or FusedActivation.Relu6 or FusedActivation.Tanh))
            throw context.Unsupported($"activation {_act}");
        var x = context.Input(0);
        if (x.Type != TensorType.Float32) throw context.Unsupported($"{x.Type.ToDTypeName()} input");
        if (x.Rank != 3) throw context.Invalid($"input {x} must be 3-D");
        _time = _timeMajor ? x.Dim(0) : x.Dim(1);
        _batch = _timeMajor ? x.Dim(1) : x.Dim(0);
        _inputSize = x.Dim(2);
        _fwUnits = CheckDirection(context, 1, "forward");
        _bwUnits = CheckDirection(context, 5, "backward");
        if (context.OutputCount != (_merge ? 1 : 2)) throw context.Invalid($"expects {(_merge ? 1 : 2)} outputs with merge_outputs {_merge}");
        int[] Shape(int units) => _timeMajor ? [_time, _batch, units] : [_batch, _time, units];
        if (_merge) context.SetOutputShape(0, Shape(_fwUnits + _bwUnits));
        else { context.SetOutputShape(0, Shape(_fwUnits)); context.SetOutputShape(1, Shape(_bwUnits)); }
        for (int i = 0; i < context.OutputCount; i++)
            if (context.Output(i).Type != TensorType.Float32) throw context.Invalid($"output {i} must be float32");
    }

    private int CheckDirection(KernelContext context, int first, string name)
    {
        var w = context.Input(first); var r = context.Input(first + 1); var b = context.Input(first + 2); var h = context.Input(first + 3);
        if (w.Type != TensorType.Float32 || r.Type != TensorType.Float32 || b.Type != TensorType.Float32 || h.Type != TensorType.Float32)
            throw context.Unsupported($"{name} {w.Type.ToDTypeName()} weights (float32 only; the hybrid form is not implemented)");
        if (w.Rank != 2 || w.Dim(1) != _inputSize) throw context.Invalid($"{name} weights {w} must be [units, {_inputSize}]");
        int units = w.Dim(0);
        if (r.Rank != 2 || r.Dim(0) != units || r.Dim(1) != units || b.ElementCount != units) throw context.Invalid($"{name} recurrent weights {r} / bias {b} do not match {units} units");
        if (!h.IsVariable || h.ElementCount != _batch * units) throw context.Invalid($"{name} hidden state {h} must be a variable tensor of [{_batch}, {units}]");
        return units;
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer;
        float* fw = (float*)context.Output(0).DataPointer;
        float* bw = _merge ? fw + _fwUnits : (float*)context.Output(1).DataPointer;
        int outStride = _merge ? _fwUnits + _bwUnits : 0;
        Direction(context, 1, _fwUnits, x, fw, _merge ? outStride : _fwUnits, backward: false);
        Direction(context, 5, _bwUnits, x, bw, _merge ? outStride : _bwUnits, backward: true);
    }

    private void Direction(KernelContext context, int first, int units, float* x, float* y, int yStride, bool backward)
    {
        float* w = (float*)context.Input(first).DataPointer, r = (float*)context.Input(first + 1).DataPointer;
        float* bias = (float*)context.Input(first + 2).DataPointer, h = (float*)context.Input(first + 3).DataPointer;
        for (int s = 0; s < _time; s++)
        {
            int t = backward ? _time - 1 - s : s;
            for (int bi = 0; bi < _batch; bi++)
            {
                long step = _timeMajor ? (long)t * _batch + bi : (long)bi * _time + t;
                float* xb = x + step * _inputSize, hb = h + (long)bi * units, yb = y + step * yStride;
                for (int u = 0; u < units; u++)
                {
                    float acc = bias[u], dot = 0;
                    for (int k = 0; k < _inputSize; k++) dot += w[(long)u * _inputSize + k] * xb[k];
                    acc += dot;
                    dot = 0;
                    for (int k = 0; k < units; k++) dot += r[(long)u * units + k] * hb[k];
                    acc += dot;
                    yb[u] = _act switch
                    {
                        FusedActivation.Relu => Math.Max(0f, acc),
                        FusedActivation.ReluN1To1 => Math.Clamp(acc, -1f, 1f),
                        FusedActivation.Relu6 => Math.Clamp(acc, 0f, 6f),
                        FusedActivation.Tanh => MathF.Tanh(acc),
                        _ => acc,
                    };
                }
                for (int u = 0; u < units; u++) hb[u] = yb[u];
            }
        }
    }
}
