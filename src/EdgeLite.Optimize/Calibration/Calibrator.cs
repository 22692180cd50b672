namespace EdgeLite.Optimize.Calibration;

/// <summary>
/// Runs a float model over a representative dataset and records the range of every float activation. The model is
/// rewritten so that every float tensor an operator writes is also a graph output: outputs stay alive until the end of
/// <see cref="Interpreter.Invoke"/>, so each tensor is read after the run with EdgeLite's normal kernels.
/// </summary>
internal static class Calibrator
{
    /// <summary>Statistics per tensor index of the main subgraph of <paramref name="graph"/> (which is not modified).</summary>
    public static Dictionary<int, RangeStatistics> Run(ModelGraph graph, ICalibrationData data, CalibrationMethod method, int threads, Action<int, int>? progress)
    {
        if (data.Count == 0) throw new ArgumentException("calibration needs at least one sample");
        var copy = ModelGraph.FromBytes(graph.ToBytes());
        var sg = copy.MainSubgraph;
        var watched = new List<int>();
        for (int i = 0; i < sg.Tensors.Count; i++)
        {
            var t = sg.Tensors[i];
            if (t.Type != TensorType.Float32 || t.IsConstant) continue;
            bool produced = sg.Operators.Any(o => o.Outputs.Contains(t));
            if (!produced && !sg.Inputs.Contains(t)) continue;
            watched.Add(i);
            sg.Expose(t);
        }
        var stats = watched.ToDictionary(i => i, _ => new RangeStatistics());
        using var model = copy.ToModel();
        using var it = new Interpreter(model, new InterpreterOptions { Threads = threads });
        it.AllocateTensors();
        int passes = method == CalibrationMethod.MinMax ? 1 : 2;
        int total = passes * data.Count, done = 0;
        for (int pass = 0; pass < passes; pass++)
            for (int s = 0; s < data.Count; s++)
            {
                data.Fill(s, it);
                it.Invoke();
                foreach (var i in watched)
                {
                    var values = it.GetTensor(i).AsSpan<float>();
                    if (pass == 0) stats[i].AddRange(values); else stats[i].AddHistogram(values);
                }
                progress?.Invoke(++done, total);
            }
        return stats;
    }
}
