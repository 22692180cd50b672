using EdgeLite.Optimize.Calibration;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Optimize;

/// <summary>What <see cref="Quantizer.Quantize"/> produced.</summary>
public sealed class QuantizationResult
{
    internal QuantizationResult(ModelGraph graph, IReadOnlyList<(int Index, string Op, string Why)> floatOps, long sourceBytes)
    {
        Graph = graph; Bytes = graph.ToBytes(); SourceBytes = sourceBytes;
        FloatOperators = floatOps.Select(f => new FloatOperator(f.Index, f.Op, f.Why)).ToArray();
    }

    /// <summary>The quantized model as an editable graph.</summary>
    public ModelGraph Graph { get; }
    /// <summary>The quantized model file.</summary>
    public byte[] Bytes { get; }
    /// <summary>Size of the source model file.</summary>
    public long SourceBytes { get; }
    /// <summary>Operators of the source model left float, with the reason.</summary>
    public IReadOnlyList<FloatOperator> FloatOperators { get; }
}

/// <summary>An operator the quantizer left float.</summary>
/// <param name="Index">Its index in the source model's main subgraph (after constant folding).</param>
/// <param name="OpName">Its operator name.</param>
/// <param name="Reason">Why.</param>
public sealed record FloatOperator(int Index, string OpName, string Reason);

/// <summary>
/// Post-training quantization of a float <c>.tflite</c> model, as TFLite's converter does it, in .NET: float16 weights,
/// or full integer int8 from a calibration dataset.
/// </summary>
public static class Quantizer
{
    /// <summary>Quantizes <paramref name="model"/>.</summary>
    /// <param name="model">A float model (float32 compute; float16 or sparse weights are folded to float32 first).</param>
    /// <param name="options">Mode, I/O type, calibration method.</param>
    /// <param name="calibration">Representative inputs (int8 mode).</param>
    /// <param name="progress">Called with (samples done, total) during calibration.</param>
    /// <exception cref="ArgumentException">int8 without calibration data.</exception>
    public static QuantizationResult Quantize(Model model, QuantizationOptions options, ICalibrationData? calibration = null, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var graph = ModelGraph.FromModel(model);
        // float16 weights (DEQUANTIZE of constants) and sparse weights (DENSIFY) become plain float32 constants.
        GraphPasses.FoldConstants(graph);
        switch (options.Mode)
        {
            case QuantizationMode.Float16:
                Float16Weights(graph);
                return new QuantizationResult(graph, [], model.SizeBytes);
            case QuantizationMode.Dynamic:
                DynamicRangeWeights(graph);
                return new QuantizationResult(graph, [], model.SizeBytes);
            case QuantizationMode.Int8:
            {
                var (prepared, stats) = Calibrate(graph, options, calibration, progress);
                return Int8(model, prepared, stats, options, calibration!);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "unknown quantization mode");
        }
    }

    /// <summary>
    /// The automatic mode of the quantization debugger: int8 quantization, then, while an output's SQNR against the float
    /// model on <paramref name="evaluation"/> is below <paramref name="targetSqnrDb"/>, the operator that adds the most error
    /// (<see cref="TensorError.SqnrDropDb"/>) is kept float and the model quantized again (calibration runs once). Stops at
    /// the target, when no integer operator is left, or after 64 rounds.
    /// </summary>
    /// <param name="model">A float model.</param>
    /// <param name="options">int8 options (their <see cref="QuantizationOptions.KeepFloat"/> operators stay float from the start).</param>
    /// <param name="calibration">Representative inputs.</param>
    /// <param name="evaluation">Inputs the SQNR is measured on.</param>
    /// <param name="targetSqnrDb">The SQNR every output must reach.</param>
    /// <param name="progress">Called with (samples done, total) during calibration.</param>
    /// <param name="keptFloat">Called for each operator kept float, with the lowest output SQNR before it.</param>
    public static (QuantizationResult Result, QuantizationReport Report) QuantizeToTarget(Model model, QuantizationOptions options, ICalibrationData calibration,
        ICalibrationData evaluation, double targetSqnrDb, Action<int, int>? progress = null, Action<TensorError, double>? keptFloat = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (options.Mode != QuantizationMode.Int8) throw new ArgumentException("a target SQNR needs int8 quantization");
        var graph = ModelGraph.FromModel(model);
        GraphPasses.FoldConstants(graph);
        var (prepared, stats) = Calibrate(graph, options, calibration, progress);
        int threads = Math.Max(1, options.Threads);
        var result = Int8(model, prepared, stats, options, calibration);
        QuantizationReport Report()
        {
            using var q = Model.FromBytes(result.Bytes);
            return QuantizationDebugger.Compare(model, q, evaluation, threads);
        }
        var report = Report();
        var keep = new HashSet<string>(options.KeepFloat);
        for (int round = 0; round < 64 && report.Outputs.Any(o => o.SqnrDb < targetSqnrDb); round++)
        {
            var floatOps = result.FloatOperators.Select(f => f.Index).ToHashSet();
            var worst = report.Layers.Where(l => l.OperatorIndex >= 0 && !floatOps.Contains(l.OperatorIndex) && l.Scale > 0)
                .OrderByDescending(l => l.SqnrDropDb).FirstOrDefault();
            if (worst == null) break;
            keptFloat?.Invoke(worst, report.Outputs.Min(o => o.SqnrDb));
            keep.Add(worst.OperatorIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
            result = Int8(model, prepared, stats, options with { KeepFloat = keep.ToArray() }, calibration);
            report = Report();
        }
        return (result, report);
    }

    // Constant folding is done; activations fused, then the calibration statistics of the graph's float tensors (by
    // index of the returned graph bytes, which every quantization round starts from).
    private static (byte[] Prepared, Dictionary<int, RangeStatistics> Stats) Calibrate(ModelGraph graph, QuantizationOptions options, ICalibrationData? calibration,
        Action<int, int>? progress)
    {
        if (calibration == null || calibration.Count == 0) throw new ArgumentException("int8 quantization needs calibration samples");
        // RELU after ADD/convolution becomes the fused activation (as TFLite's converter does): the int8 output then
        // spends its 256 codes on the clamped range only.
        GraphPasses.FuseActivations(graph);
        var stats = Calibrator.Run(graph, calibration, options.Calibration, Math.Max(1, options.Threads), progress);
        return (graph.ToBytes(), stats);
    }

    private static QuantizationResult Int8(Model model, byte[] prepared, Dictionary<int, RangeStatistics> stats, QuantizationOptions options, ICalibrationData calibration)
    {
        var graph = ModelGraph.FromBytes(prepared);
        var ranges = new Dictionary<GraphTensor, (double, double)>(ReferenceEqualityComparer.Instance);
        foreach (var (i, s) in stats) if (s.Seen) ranges[graph.MainSubgraph.Tensors[i]] = s.Range(options.Calibration, options.Percentile);
        var q = new Int8Quantizer(graph, options, ranges);
        q.Run();
        if (options.BiasCorrection) BiasCorrection.Apply(ModelGraph.FromBytes(prepared), graph, calibration, Math.Max(1, options.Threads));
        return new QuantizationResult(graph, q.FloatOperators, model.SizeBytes);
    }

    /// <summary>
    /// Dynamic-range quantization as TFLite's converter writes it: a float32 constant weight tensor of CONV_2D or
    /// FULLY_CONNECTED with at least 1024 elements (smaller ones gain nothing) becomes symmetric int8 with one scale
    /// (max|w|/127), zero point 0; biases and activations stay float (CONV_2D version 2, FULLY_CONNECTED 3: the hybrid forms).
    /// </summary>
    internal static void DynamicRangeWeights(ModelGraph graph)
    {
        const int MinElements = 1024;
        foreach (var sg in graph.Subgraphs)
        {
            var done = new Dictionary<GraphTensor, GraphTensor>(ReferenceEqualityComparer.Instance);
            foreach (var op in sg.Operators)
            {
                if (op.CustomCode != null || op.Code is not (Fb.BuiltinOperator.CONV_2D or Fb.BuiltinOperator.FULLY_CONNECTED)) continue;
                if (op.Inputs.Count < 2 || op.Inputs[0] is not { Type: TensorType.Float32 } || op.Inputs[1] is not { IsConstant: true, Type: TensorType.Float32, IsSparse: false } w) continue;
                if (w.ElementCount < MinElements) continue;
                if (!done.TryGetValue(w, out var q))
                {
                    var data = w.DataAs<float>();
                    float scale = QuantMath.SymmetricScales(data, [data.Length], 0).Max();
                    var values = QuantMath.QuantizeSymmetric(data, w.Shape, 0, [scale]);
                    q = sg.AddConstant(w.Name, TensorType.Int8, w.Shape, (byte[])(Array)values, new QuantizationParameters([scale], [0], 0));
                    done[w] = q;
                }
                op.Inputs[1] = q;
                op.Version = Math.Max(op.Version, op.Code == Fb.BuiltinOperator.CONV_2D ? 2 : 3);
            }
            graph.RemoveUnusedTensors(sg);
        }
    }

    /// <summary>
    /// TFLite's float16 quantization: every float32 constant an operator reads is stored as float16 and widened by a
    /// DEQUANTIZE at the start of the graph (EdgeLite and TFLite fold it once at load).
    /// </summary>
    internal static void Float16Weights(ModelGraph graph)
    {
        foreach (var sg in graph.Subgraphs)
        {
            var widened = new Dictionary<GraphTensor, GraphTensor>(ReferenceEqualityComparer.Instance);
            var dequantize = new List<GraphOperator>();
            foreach (var op in sg.Operators)
                for (int k = 0; k < op.Inputs.Count; k++)
                {
                    if (op.Inputs[k] is not { IsConstant: true, Type: TensorType.Float32, IsSparse: false } t) continue;
                    if (!widened.TryGetValue(t, out var f))
                    {
                        var src = t.DataAs<float>();
                        var half = new Half[src.Length];
                        for (int i = 0; i < src.Length; i++) half[i] = (Half)src[i];
                        var h = sg.AddConstant<Half>(t.Name, TensorType.Float16, t.Shape, half);
                        f = sg.AddTensor(t.Name + "_dequantize", TensorType.Float32, t.Shape);
                        var d = new GraphOperator((int)Fb.BuiltinOperator.DEQUANTIZE, null, 3);
                        d.Inputs.Add(h); d.Outputs.Add(f);
                        dequantize.Add(d);
                        widened[t] = f;
                    }
                    op.Inputs[k] = f;
                }
            sg.Operators.InsertRange(0, dequantize);
            graph.RemoveUnusedTensors(sg);
        }
    }
}
