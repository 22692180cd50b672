using Fb = EdgeLite.Schema;

namespace EdgeLite;

public static partial class GraphPasses
{
    /// <summary>
    /// Activation fusion, as TFLite's converter does it: a RELU, RELU6 or RELU_N1_TO_1 whose input is written by an
    /// ADD, SUB, MUL, CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED without a fused activation, and read by nothing else
    /// (nor a graph output), becomes that operator's fused activation. Float results are unchanged (the same clamp);
    /// for quantization the operator's output then has only the clamped range. Returns how many were fused.
    /// </summary>
    public static int FuseActivations(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int fused = 0;
        foreach (var sg in graph.Subgraphs)
        {
            var keep = new HashSet<GraphTensor>(sg.Outputs, ReferenceEqualityComparer.Instance);
            foreach (var s in graph.Signatures.Where(s => s.Subgraph == sg)) foreach (var x in s.Outputs) keep.Add(x.Tensor);
            for (int i = 0; i < sg.Operators.Count; i++)
            {
                var act = sg.Operators[i];
                var fn = act.CustomCode != null ? (Fb.ActivationFunctionType?)null : act.Code switch
                {
                    Fb.BuiltinOperator.RELU => Fb.ActivationFunctionType.RELU,
                    Fb.BuiltinOperator.RELU6 => Fb.ActivationFunctionType.RELU6,
                    Fb.BuiltinOperator.RELU_N1_TO_1 => Fb.ActivationFunctionType.RELU_N1_TO_1,
                    _ => null,
                };
                if (fn == null || act.Inputs.Count != 1 || act.Outputs.Count != 1 || act.Inputs[0] is not { } x) continue;
                if (x.Type != TensorType.Float32 || keep.Contains(x) || sg.Inputs.Contains(x)) continue;
                var producer = sg.Producer(x);
                if (producer == null || producer.Outputs.Count != 1 || sg.Consumers(x).Count() != 1) continue;
                if (!TrySetActivation(producer, fn.Value)) continue;
                producer.Outputs[0] = act.Outputs[0];
                sg.Operators.RemoveAt(i--);
                fused++;
            }
            graph.RemoveUnusedTensors(sg);
        }
        return fused;
    }

    // Sets the fused activation of an operator that has none; false when it has one or cannot take one.
    private static bool TrySetActivation(GraphOperator op, Fb.ActivationFunctionType fn)
    {
        if (op.CustomCode != null) return false;
        var u = op.Options;
        switch (op.Code)
        {
            case Fb.BuiltinOperator.ADD:
                op.Options = u ??= Fb.BuiltinOptionsUnion.FromAddOptions(new Fb.AddOptionsT());
                return Set(u.AsAddOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            case Fb.BuiltinOperator.SUB:
                op.Options = u ??= Fb.BuiltinOptionsUnion.FromSubOptions(new Fb.SubOptionsT());
                return Set(u.AsSubOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            case Fb.BuiltinOperator.MUL:
                op.Options = u ??= Fb.BuiltinOptionsUnion.FromMulOptions(new Fb.MulOptionsT());
                return Set(u.AsMulOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            case Fb.BuiltinOperator.CONV_2D:
                return u != null && Set(u.AsConv2DOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            case Fb.BuiltinOperator.DEPTHWISE_CONV_2D:
                return u != null && Set(u.AsDepthwiseConv2DOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            case Fb.BuiltinOperator.FULLY_CONNECTED:
                return u != null && Set(u.AsFullyConnectedOptions(), o => o.FusedActivationFunction, (o, v) => o.FusedActivationFunction = v);
            default: return false;
        }

        bool Set<T>(T? o, Func<T, Fb.ActivationFunctionType> get, Action<T, Fb.ActivationFunctionType> set) where T : class
        {
            if (o == null || get(o) != Fb.ActivationFunctionType.NONE) return false;
            set(o, fn);
            return true;
        }
    }
}
