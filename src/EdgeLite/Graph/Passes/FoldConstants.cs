namespace EdgeLite;

/// <summary>Named passes over a <see cref="ModelGraph"/>.</summary>
public static partial class GraphPasses
{
    /// <summary>
    /// Constant folding: every operator whose inputs are all constants (e.g. <c>DEQUANTIZE</c> of float16 weights,
    /// <c>DENSIFY</c> of sparse weights) is evaluated once with EdgeLite's own kernel and replaced by its constant
    /// outputs. Operators with state (variable inputs or outputs) or that <paramref name="keep"/> returns true for are
    /// left alone. Tensors no longer used are removed. Returns how many operators were folded.
    /// </summary>
    /// <param name="graph">The graph to fold in place.</param>
    /// <param name="keep">Operators not to fold (e.g. the float16 DEQUANTIZE a float16 model keeps on purpose).</param>
    /// <param name="resolver">Kernels for the evaluation (custom ops); null = the builtin ones.</param>
    public static int FoldConstants(ModelGraph graph, Func<GraphOperator, bool>? keep = null, OpResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int folded = 0;
        foreach (var sg in graph.Subgraphs)
        {
            for (int i = 0; i < sg.Operators.Count; i++)
            {
                var op = sg.Operators[i];
                if (op.Outputs.Count == 0 || op.Inputs.All(t => t == null)) continue;
                if (op.Inputs.Any(t => t != null && (!t.IsConstant || t.IsVariable)) || op.Outputs.Any(t => t.IsVariable || t.IsConstant)) continue;
                if (keep?.Invoke(op) == true) continue;
                var values = Evaluate(op, resolver);
                if (values == null) continue;
                for (int k = 0; k < op.Outputs.Count; k++) op.Outputs[k].Buffer = new GraphBuffer(values[k]);
                sg.Operators.RemoveAt(i--);
                folded++;
            }
            graph.RemoveUnusedTensors(sg);
        }
        return folded;
    }

    // Runs one operator on its constant inputs; null when EdgeLite cannot (no kernel, a shape known only at run time).
    private static byte[][]? Evaluate(GraphOperator op, OpResolver? resolver)
    {
        var g = new ModelGraph();
        var sg = g.AddSubgraph("fold");
        var map = new Dictionary<GraphTensor, GraphTensor>(ReferenceEqualityComparer.Instance);
        GraphTensor Copy(GraphTensor t, bool withData)
        {
            if (map.TryGetValue(t, out var c)) return c;
            c = new GraphTensor(t.Name, t.Type, t.Shape)
            {
                ShapeSignature = t.ShapeSignature, Quantization = t.Quantization, Buffer = withData ? t.Buffer : null,
                Sparsity = withData ? t.Sparsity : null, HasRank = t.HasRank,
            };
            sg.Tensors.Add(c);
            return map[t] = c;
        }
        var one = op.Clone();
        for (int k = 0; k < one.Inputs.Count; k++) if (one.Inputs[k] is { } t) one.Inputs[k] = Copy(t, withData: true);
        for (int k = 0; k < one.Outputs.Count; k++) { one.Outputs[k] = Copy(one.Outputs[k], withData: false); sg.Outputs.Add(one.Outputs[k]); }
        one.Intermediates.Clear();
        foreach (var t in op.Intermediates) one.Intermediates.Add(Copy(t, withData: false));
        sg.Operators.Add(one);
        try
        {
            using var m = g.ToModel();
            using var it = new Interpreter(m, new InterpreterOptions { Resolver = resolver });
            it.AllocateTensors();
            it.Invoke();
            var result = new byte[it.OutputCount][];
            for (int k = 0; k < result.Length; k++)
            {
                var t = it.GetOutputTensor(k);
                if (!t.ShapeArray.SequenceEqual(op.Outputs[k].Shape)) return null;
                result[k] = t.AsBytes().ToArray();
            }
            return result;
        }
        catch (Exception e) when (e is UnsupportedOperatorException or InterpreterException or ModelFormatException or NotSupportedException)
        {
            return null;
        }
    }
}
