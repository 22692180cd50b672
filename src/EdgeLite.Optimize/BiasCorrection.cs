using EdgeLite.Optimize.Calibration;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Optimize;

/// <summary>
/// Bias correction for int8 convolutions and fully connected layers: rounding the weights shifts the mean of each
/// output channel by Σ (W_q − W)[c,·]·E[x] over the kernel (Nagel et al., "Data-Free Quantization", section 4.2, with
/// E[x], the per-channel mean of the layer's float input, measured on the calibration samples); that shift is taken out
/// of the int32 bias. (Correcting the inputs' drift as well, from the quantized model's own means, double-counted the
/// upstream corrections and made vww worse: 24.6 → 1.9 dB.)
/// </summary>
internal static class BiasCorrection
{
    private sealed record Layer(GraphOperator Quantized, GraphOperator Float, string FloatInputName, int Kind, int[] Bias);

    public static int Apply(ModelGraph floatGraph, ModelGraph quantized, ICalibrationData data, int threads)
    {
        var fsg = floatGraph.MainSubgraph; var qsg = quantized.MainSubgraph;
        var floatByOutput = new Dictionary<string, GraphOperator>();
        foreach (var op in fsg.Operators) if (op.Outputs.Count > 0) floatByOutput.TryAdd(op.Outputs[0].Name, op);
        var layers = new List<Layer>();
        foreach (var op in qsg.Operators)
        {
            int kind = op.CustomCode != null ? -1 : op.Code switch
            {
                Fb.BuiltinOperator.CONV_2D => 0, Fb.BuiltinOperator.DEPTHWISE_CONV_2D => 1, Fb.BuiltinOperator.FULLY_CONNECTED => 2, _ => -1,
            };
            if (kind < 0 || op.Inputs.Count < 3 || op.Inputs[0] is not { Type: TensorType.Int8 } || op.Inputs[1] is not { Type: TensorType.Int8 } w
                || op.Inputs[2] is not { Type: TensorType.Int32 } || w.Quantization == null) continue;
            if (!floatByOutput.TryGetValue(op.Outputs[0].Name, out var f) && !floatByOutput.TryGetValue(StripSuffix(op.Outputs[0].Name), out f)) continue;
            if (f.Inputs.Count < 2 || f.Inputs[0] is not { } fx || f.Inputs[1] is not { IsConstant: true, Type: TensorType.Float32 }) continue;
            layers.Add(new Layer(op, f, fx.Name, kind, op.Inputs[2]!.DataAs<int>().ToArray()));
        }
        if (layers.Count == 0) return 0;
        var mf = Means(floatGraph, layers, data, threads);
        int corrected = 0;
        foreach (var l in layers)
            if (mf.TryGetValue(l.FloatInputName, out var f) && Correct(l, f)) corrected++;
        return corrected;
    }

    private static string StripSuffix(string name) => name.EndsWith("_int8", StringComparison.Ordinal) ? name[..^5] : name;

    private static bool Correct(Layer l, double[] mean)
    {
        var wq = l.Quantized.Inputs[1]!; var wf = l.Float.Inputs[1]!; var b = l.Quantized.Inputs[2]!;
        var qv = wq.DataAs<sbyte>(); var fv = wf.DataAs<float>();
        var ws = wq.Quantization!.Scales; var bs = b.Quantization!.Scales;
        var bias = (int[])l.Bias.Clone();
        int channels = bias.Length, cin = mean.Length;
        if (cin == 0 || qv.Length != fv.Length || qv.Length % channels != 0) return false;
        int inner = qv.Length / channels;
        if (l.Kind == 1 && channels % cin != 0) return false;
        if (l.Kind != 1 && inner % cin != 0) return false;
        for (int c = 0; c < channels; c++)
        {
            double delta = 0;
            float s = ws[ws.Count == 1 ? 0 : c];
            if (l.Kind == 1)
            {
                // depthwise [1, H, W, C·m]: channel c reads input channel c / m
                int m = channels / cin;
                for (int t = 0; t < inner; t++) { int i = t * channels + c; delta += (s * qv[i] - fv[i]) * mean[c / m]; }
            }
            else
            {
                // conv [O, H, W, I] / fully connected [O, I]: the inner index runs over taps × input channels
                for (int k = 0; k < inner; k++) { int i = c * inner + k; delta += (s * qv[i] - fv[i]) * mean[k % cin]; }
            }
            double corrected = bias[c] - Math.Round(delta / bs[bs.Count == 1 ? 0 : c], MidpointRounding.AwayFromZero);
            bias[c] = (int)Math.Clamp(corrected, -int.MaxValue, int.MaxValue);
        }
        b.SetData<int>(bias);
        return true;
    }

    // Per-channel (last dimension) means of every layer's float input over the calibration samples.
    private static Dictionary<string, double[]> Means(ModelGraph floatGraph, List<Layer> layers, ICalibrationData data, int threads)
    {
        var copy = ModelGraph.FromBytes(floatGraph.ToBytes());
        var idx = Expose(copy.MainSubgraph, layers.Select(l => l.FloatInputName));
        using var m = copy.ToModel();
        using var it = new Interpreter(m, new InterpreterOptions { Threads = threads });
        it.AllocateTensors();
        var sums = new Dictionary<string, (double[] Sum, long N)>();
        var buf = new float[0];
        for (int s = 0; s < data.Count; s++)
        {
            data.Fill(s, it);
            it.Invoke();
            foreach (var (name, i) in idx) Add(sums, name, it.GetTensor(i), ref buf);
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value.Sum.Select(v => v / Math.Max(1, kv.Value.N)).ToArray());
    }

    private static Dictionary<string, int> Expose(GraphSubgraph sg, IEnumerable<string> names)
    {
        var result = new Dictionary<string, int>();
        foreach (var name in names.Distinct())
            if (sg.FindTensor(name) is { } t) result[name] = sg.Expose(t);
        return result;
    }

    private static void Add(Dictionary<string, (double[] Sum, long N)> acc, string name, Tensor t, ref float[] buf)
    {
        QuantizationDebugger.Values(t, ref buf);
        int n = t.ElementCount, c = t.Rank > 0 ? t.ShapeArray[^1] : 1;
        if (c <= 0) return;
        if (!acc.TryGetValue(name, out var a)) a = (new double[c], 0);
        for (int i = 0; i < n; i++) a.Sum[i % c] += buf[i];
        acc[name] = (a.Sum, a.N + n / c);
    }
}
