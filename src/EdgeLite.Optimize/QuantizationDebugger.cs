using EdgeLite.Optimize.Calibration;

namespace EdgeLite.Optimize;

/// <summary>Error of one tensor of the quantized model against the same tensor of the float model.</summary>
/// <param name="OperatorIndex">Index of the operator of the float model that writes it (-1 for a model input).</param>
/// <param name="OpName">That operator's name.</param>
/// <param name="Tensor">The tensor's name (the same in both models).</param>
/// <param name="SqnrDb">Signal-to-quantization-noise ratio: 10·log10(Σf² / Σ(f−q)²), in dB (higher is better; +∞ when equal).</param>
/// <param name="Rmse">Root-mean-square difference.</param>
/// <param name="Scale">The quantized tensor's scale (0 when it stayed float).</param>
/// <param name="InputSqnrDb">The lowest SQNR of the operator's activation inputs (+∞ when they are exact or not compared).</param>
public sealed record TensorError(int OperatorIndex, string OpName, string Tensor, double SqnrDb, double Rmse, float Scale, double InputSqnrDb = double.PositiveInfinity)
{
    /// <summary>
    /// How much error this operator adds: its inputs' SQNR (capped at 60 dB) minus its output's. The automatic mode keeps
    /// the operators that add the most float.
    /// </summary>
    public double SqnrDropDb => Math.Min(InputSqnrDb, 60) - SqnrDb;
}

/// <summary>What <see cref="QuantizationDebugger.Compare"/> measured.</summary>
/// <param name="Layers">Every float activation written by an operator, in execution order of the float model.</param>
/// <param name="Outputs">The model outputs, in model order.</param>
/// <param name="Top1Agreement">For single-output models with a class-score output: the share of samples whose top-1 class agrees (else null).</param>
/// <param name="Samples">How many samples were compared.</param>
public sealed record QuantizationReport(IReadOnlyList<TensorError> Layers, IReadOnlyList<TensorError> Outputs, double? Top1Agreement, int Samples);

/// <summary>
/// The quantization debugger: runs the float and the quantized model on the same inputs and measures, for every
/// operator output (matched by tensor name), how far the quantized model's value is from the float one — TFLite has this
/// only in Python (tf.lite.experimental.QuantizationDebugger).
/// </summary>
public static class QuantizationDebugger
{
    /// <summary>Compares <paramref name="quantized"/> with <paramref name="floatModel"/> over <paramref name="data"/> (written as for the float model).</summary>
    public static QuantizationReport Compare(Model floatModel, Model quantized, ICalibrationData data, int threads = 1, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(data);
        var fg = ModelGraph.FromModel(floatModel);
        GraphPasses.FoldConstants(fg);
        var qg = ModelGraph.FromModel(quantized);
        var fsg = fg.MainSubgraph; var qsg = qg.MainSubgraph;

        // Pairs (float tensor index, quantized tensor index) by name: every float activation an operator writes.
        var pairs = new List<(int F, int Q, int Op, string OpName)>();
        var qByName = new Dictionary<string, int>();
        for (int i = 0; i < qsg.Tensors.Count; i++) qByName.TryAdd(qsg.Tensors[i].Name, i);
        for (int o = 0; o < fsg.Operators.Count; o++)
            foreach (var t in fsg.Operators[o].Outputs)
                // the operator's own int8 output, when the model's output took its name ("<name>_int8" is the inner tensor)
                if (t.Type == TensorType.Float32 && (qByName.TryGetValue(t.Name + "_int8", out int qi) || qByName.TryGetValue(t.Name, out qi)) && qsg.Tensors[qi].Shape.SequenceEqual(t.Shape)
                    && qsg.Tensors[qi].Type is TensorType.Float32 or TensorType.Int8 or TensorType.UInt8 or TensorType.Int16)
                    pairs.Add((fsg.IndexOf(t), qi, o, fsg.Operators[o].OpName));
        // Model inputs too (the quantized model's may be the QUANTIZE output "<name>_int8"), so the first operators' inputs have an SQNR.
        var inputPairs = new List<(int F, int Q)>();
        foreach (var x in fsg.Inputs)
            if (x.Type == TensorType.Float32 && (qByName.TryGetValue(x.Name + "_int8", out int qx) || qByName.TryGetValue(x.Name, out qx)))
                inputPairs.Add((fsg.IndexOf(x), qx));
        var fOut = fsg.Outputs.Select(fsg.IndexOf).ToArray();
        var qOut = qsg.Outputs.Select(qsg.IndexOf).ToArray();
        foreach (var (f, q, _, _) in pairs) { fsg.Expose(fsg.Tensors[f]); qsg.Expose(qsg.Tensors[q]); }
        foreach (var (_, q) in inputPairs) qsg.Expose(qsg.Tensors[q]);
        var opInputs = fsg.Operators.Select(o => o.Inputs.Where(t => t != null && !t.IsConstant).Select(t => fsg.IndexOf(t!)).ToArray()).ToArray();

        using var fm = fg.ToModel();
        using var qm = qg.ToModel();
        using var fi = new Interpreter(fm, new InterpreterOptions { Threads = threads });
        using var qi2 = new Interpreter(qm, new InterpreterOptions { Threads = threads });
        fi.AllocateTensors(); qi2.AllocateTensors();
        if (fi.InputCount != qi2.InputCount) throw new ArgumentException($"the models have {fi.InputCount} and {qi2.InputCount} inputs");

        var layerAcc = new (double Signal, double Noise, long N)[pairs.Count];
        var inputAcc = new (double Signal, double Noise, long N)[inputPairs.Count];
        var outAcc = new (double Signal, double Noise, long N)[Math.Min(fOut.Length, qOut.Length)];
        int agree = 0;
        bool classifier = fOut.Length == 1 && fsg.Tensors[fOut[0]].ElementCount > 1 && fsg.Tensors[fOut[0]].Shape.Length == 2;
        var fbuf = new float[0]; var qbuf = new float[0];
        for (int s = 0; s < data.Count; s++)
        {
            data.Fill(s, fi);
            fi.Invoke();
            for (int k = 0; k < fi.InputCount; k++) CopyInput(fi.GetInputTensor(k), qi2.GetInputTensor(k));
            qi2.Invoke();
            for (int p = 0; p < pairs.Count; p++) Accumulate(ref layerAcc[p], fi.GetTensor(pairs[p].F), qi2.GetTensor(pairs[p].Q), ref fbuf, ref qbuf);
            for (int p = 0; p < inputPairs.Count; p++) Accumulate(ref inputAcc[p], fi.GetTensor(inputPairs[p].F), qi2.GetTensor(inputPairs[p].Q), ref fbuf, ref qbuf);
            for (int o = 0; o < outAcc.Length; o++) Accumulate(ref outAcc[o], fi.GetTensor(fOut[o]), qi2.GetTensor(qOut[o]), ref fbuf, ref qbuf);
            if (classifier)
            {
                Values(fi.GetTensor(fOut[0]), ref fbuf); Values(qi2.GetTensor(qOut[0]), ref qbuf);
                int n = fi.GetTensor(fOut[0]).ElementCount;
                if (ArgMax(fbuf.AsSpan(0, n)) == ArgMax(qbuf.AsSpan(0, n))) agree++;
            }
            progress?.Invoke(s + 1, data.Count);
        }
        static double Sqnr((double Signal, double Noise, long N) a) => a.Noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(a.Signal / a.Noise);
        // SQNR of every compared float tensor, for the operators' inputs
        var sqnrOf = new Dictionary<int, double>();
        for (int p = 0; p < pairs.Count; p++) sqnrOf[pairs[p].F] = Sqnr(layerAcc[p]);
        for (int p = 0; p < inputPairs.Count; p++) sqnrOf[inputPairs[p].F] = Sqnr(inputAcc[p]);
        TensorError Make((double Signal, double Noise, long N) a, int op, string opName, GraphTensor q)
        {
            double input = double.PositiveInfinity;
            if (op >= 0) foreach (var t in opInputs[op]) if (sqnrOf.TryGetValue(t, out var v)) input = Math.Min(input, v);
            return new(op, opName, q.Name, Sqnr(a), a.N == 0 ? 0 : Math.Sqrt(a.Noise / a.N), q.Type == TensorType.Float32 ? 0 : q.Quantization?.Scale ?? 0, input);
        }
        var layers = pairs.Select((p, i) => Make(layerAcc[i], p.Op, p.OpName, qsg.Tensors[p.Q])).ToArray();
        var outputs = outAcc.Select((a, o) =>
        {
            var t = fsg.Tensors[fOut[o]];
            int op = fsg.Operators.FindIndex(x => x.Outputs.Contains(t));
            return Make(a, op, op >= 0 ? fsg.Operators[op].OpName : "", qsg.Tensors[qOut[o]]);
        }).ToArray();
        return new QuantizationReport(layers, outputs, classifier ? (double)agree / data.Count : null, data.Count);
    }

    // The quantized model's input from the float model's: quantized with the input's parameters, or copied.
    internal static void CopyInput(Tensor f, Tensor q)
    {
        if (f.ElementCount != q.ElementCount) throw new ArgumentException($"input '{q.Name}': {q.ElementCount} elements, the float model's has {f.ElementCount}");
        if (q.Type == f.Type) { f.AsBytes().CopyTo(q.AsBytes()); return; }
        if (f.Type != TensorType.Float32 || q.Quantization is not { } p) throw new ArgumentException($"input '{q.Name}': cannot convert {f.Type.ToDTypeName()} to {q.Type.ToDTypeName()}");
        var src = f.AsSpan<float>();
        switch (q.Type)
        {
            case TensorType.Int8: { var d = q.AsSpan<sbyte>(); for (int i = 0; i < d.Length; i++) d[i] = (sbyte)QuantMath.Quantize(src[i], p.Scale, p.ZeroPoint, -128, 127); break; }
            case TensorType.UInt8: { var d = q.AsSpan<byte>(); for (int i = 0; i < d.Length; i++) d[i] = (byte)QuantMath.Quantize(src[i], p.Scale, p.ZeroPoint, 0, 255); break; }
            case TensorType.Int16: { var d = q.AsSpan<short>(); for (int i = 0; i < d.Length; i++) d[i] = (short)QuantMath.Quantize(src[i], p.Scale, p.ZeroPoint, -32768, 32767); break; }
            default: throw new ArgumentException($"input '{q.Name}': cannot feed {q.Type.ToDTypeName()}");
        }
    }

    /// <summary>A tensor's real values (dequantized for integer tensors) into <paramref name="buffer"/>.</summary>
    internal static void Values(Tensor t, ref float[] buffer)
    {
        int n = t.ElementCount;
        if (buffer.Length < n) buffer = new float[n];
        var b = buffer.AsSpan(0, n);
        var q = t.Quantization;
        float scale = q?.Scale ?? 1; int zp = q?.ZeroPoint ?? 0;
        switch (t.Type)
        {
            case TensorType.Float32: t.AsSpan<float>().CopyTo(b); break;
            case TensorType.Int8: { var s = t.AsSpan<sbyte>(); for (int i = 0; i < n; i++) b[i] = scale * (s[i] - zp); break; }
            case TensorType.UInt8: { var s = t.AsSpan<byte>(); for (int i = 0; i < n; i++) b[i] = scale * (s[i] - zp); break; }
            case TensorType.Int16: { var s = t.AsSpan<short>(); for (int i = 0; i < n; i++) b[i] = scale * (s[i] - zp); break; }
            default: throw new ArgumentException($"tensor '{t.Name}' of type {t.Type.ToDTypeName()} cannot be compared");
        }
    }

    private static void Accumulate(ref (double Signal, double Noise, long N) acc, Tensor f, Tensor q, ref float[] fb, ref float[] qb)
    {
        Values(f, ref fb); Values(q, ref qb);
        int n = f.ElementCount;
        double signal = 0, noise = 0;
        for (int i = 0; i < n; i++) { double x = fb[i], d = x - qb[i]; signal += x * x; noise += d * d; }
        acc = (acc.Signal + signal, acc.Noise + noise, acc.N + n);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
