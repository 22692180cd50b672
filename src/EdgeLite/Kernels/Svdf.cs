using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// SVDF (float32), as TFLite's EvalFloatSVDF: the activation state [batch, filters × memory] (a variable tensor, kept
/// across Invoke) shifts one step left; each filter's newest entry becomes weights_feature[f]·input; each filter's
/// output is weights_time[f]·state[f]; units = filters / rank sum their rank filters, plus the bias, then the fused
/// activation. Inputs: input [batch, in], weights_feature [filters, in], weights_time [filters, memory], bias [units]
/// (optional), state. The integer and hybrid forms are not implemented.
/// </summary>
internal sealed unsafe class Svdf : OpKernel
{
    private int _batch, _in, _filters, _memory, _rank, _units;
    private FusedActivation _act;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var wf = context.Input(1); var wt = context.Input(2); var b = context.OptionalInput(3); var s = context.Input(4);
        var y = context.Output(0);
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32 || s.Type != TensorType.Float32 || b != null && b.Type != TensorType.Float32)
            throw context.Unsupported("only float32 input, bias, state and output are implemented");
        if (wf.Type != TensorType.Float32 || wt.Type != TensorType.Float32) throw context.Unsupported($"{wf.Type.ToDTypeName()} weights (the hybrid and integer forms are not implemented)");
        if (!s.IsVariable) throw context.Invalid($"activation state {s} must be a variable tensor");
        var o = context.Options<Schema.SVDFOptions>();
        _rank = o?.Rank ?? 0;
        _act = (FusedActivation)(sbyte)(o?.FusedActivationFunction ?? 0);
        if (x.Rank != 2 || wf.Rank != 2 || wt.Rank != 2) throw context.Invalid($"input {x}, weights_feature {wf} and weights_time {wt} must be 2-D");
        _batch = x.Dim(0); _in = x.Dim(1); _filters = wf.Dim(0); _memory = wt.Dim(1);
        if (wf.Dim(1) != _in || wt.Dim(0) != _filters) throw context.Invalid($"weights_feature {wf} / weights_time {wt} do not match input {x}");
        if (_rank < 1 || _filters % _rank != 0) throw context.Invalid($"rank {_rank} does not divide {_filters} filters");
        _units = _filters / _rank;
        if (b != null && b.ElementCount != _units) throw context.Invalid($"bias {b} must hold {_units} values");
        if (s.ElementCount != (long)_batch * _filters * _memory) throw context.Invalid($"activation state {s} must hold [{_batch}, {_filters * _memory}]");
        if (_act is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.ReluN1To1 or FusedActivation.Relu6 or FusedActivation.Tanh))
            throw context.Unsupported($"activation {_act}");
        context.SetOutputShape(0, [_batch, _units]);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, wf = (float*)context.Input(1).DataPointer, wt = (float*)context.Input(2).DataPointer;
        var bt = context.OptionalInput(3);
        float* bias = bt == null ? null : (float*)bt.DataPointer;
        float* s = (float*)context.Input(4).DataPointer, y = (float*)context.Output(0).DataPointer;
        long total = (long)_batch * _filters * _memory;
        // shift the whole state one step (each filter's oldest entry drops out; the newest slot is overwritten below)
        Buffer.MemoryCopy(s + 1, s, (total - 1) * 4, (total - 1) * 4);
        for (int b = 0; b < _batch; b++)
            for (int f = 0; f < _filters; f++)
            {
                float dot = 0;
                for (int k = 0; k < _in; k++) dot += wf[(long)f * _in + k] * x[(long)b * _in + k];
                s[((long)b * _filters + f) * _memory + _memory - 1] = dot;
            }
        for (int b = 0; b < _batch; b++)
            for (int u = 0; u < _units; u++)
            {
                float sum = 0;
                for (int r = 0; r < _rank; r++)
                {
                    int f = u * _rank + r;
                    float* sf = s + ((long)b * _filters + f) * _memory;
                    float dot = 0;
                    for (int k = 0; k < _memory; k++) dot += wt[(long)f * _memory + k] * sf[k];
                    sum += dot;
                }
                float v = (bias != null ? bias[u] : 0f) + sum;
                y[(long)b * _units + u] = _act switch
                {
                    FusedActivation.Relu => Math.Max(0f, v),
                    FusedActivation.ReluN1To1 => Math.Clamp(v, -1f, 1f),
                    FusedActivation.Relu6 => Math.Clamp(v, 0f, 6f),
                    FusedActivation.Tanh => MathF.Tanh(v),
                    _ => v,
                };
            }
    }
}
