namespace EdgeLite.Vision;

/// <summary>One class of a classification result.</summary>
/// <param name="Index">Class index in the model's output.</param>
/// <param name="Label">Label (or the index as text when no labels are known).</param>
/// <param name="Score">Score in [0, 1]: the model's probability (dequantized), or the softmax of its logits (see <see cref="ImageClassifier.OutputIsLogits"/>).</param>
public readonly record struct Classification(int Index, string Label, float Score);

/// <summary>Options of an <see cref="ImageClassifier"/>.</summary>
public sealed class ImageClassifierOptions
{
    /// <summary>Labels; null = from the model's metadata, else indices.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
    /// <summary>How many results to return.</summary>
    public int TopK { get; init; } = 5;
    /// <summary>Float input normalization; null = from metadata, else [-1, 1].</summary>
    public InputNormalization? Normalization { get; init; }
    /// <summary>Interpreter threads.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>
    /// When the model's output is logits (not produced by SOFTMAX or LOGISTIC), turn the scores into probabilities with a
    /// softmax (default true); false = report the raw logits as scores.
    /// </summary>
    public bool SoftmaxLogits { get; init; } = true;
}

/// <summary>Classifies images with an image classification model: preprocess, invoke, top-k.</summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly Interpreter _interpreter;
    private readonly IReadOnlyList<string>? _labels;
    private readonly int _topK;

    /// <summary>Creates a classifier (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The model's input is not an image tensor.</exception>
    public ImageClassifier(Model model, ImageClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ImageClassifierOptions();
        if (options.TopK <= 0) throw new ArgumentOutOfRangeException(nameof(options), "TopK must be positive");
        (_interpreter, var metadata, var normalization) = TaskModel.Open(model, options.Threads, options.Normalization);
        Normalization = normalization;
        _labels = options.Labels ?? metadata?.Labels;
        _topK = options.TopK;
        if (_interpreter.OutputCount < 1) throw new ArgumentException("the model has no output");
        OutputIsLogits = !EndsInProbabilities(model, model.MainSubgraph.Outputs[0]);
        _softmax = OutputIsLogits && options.SoftmaxLogits;
    }

    private readonly bool _softmax;

    /// <summary>
    /// True when the model's output is not produced by SOFTMAX or LOGISTIC (looking through RESHAPE, SQUEEZE, QUANTIZE,
    /// DEQUANTIZE and CAST): its values are logits, which <see cref="Classify"/> turns into probabilities with a softmax
    /// unless <see cref="ImageClassifierOptions.SoftmaxLogits"/> is false.
    /// </summary>
    public bool OutputIsLogits { get; }

    /// <summary>True when <see cref="Classify"/> applies a softmax to the model's logits.</summary>
    public bool AppliesSoftmax => _softmax;

    /// <summary>Number of classes of the output (its element count per image).</summary>
    public int ClassCount => _interpreter.GetOutputTensor(0).ElementCount;

    private static bool EndsInProbabilities(Model model, int tensor)
    {
        var ops = model.MainSubgraph.Operators;
        for (int guard = 0; guard < 16; guard++)
        {
            var producer = ops.FirstOrDefault(o => o.Outputs.Contains(tensor));
            if (producer == null) return false;
            switch (producer.OpName)
            {
                case "SOFTMAX" or "LOGISTIC": return true;
                case "RESHAPE" or "SQUEEZE" or "QUANTIZE" or "DEQUANTIZE" or "CAST" when producer.Inputs.Count > 0 && producer.Inputs[0] >= 0:
                    tensor = producer.Inputs[0];
                    continue;
                default: return false;
            }
        }
        return false;
    }

    /// <summary>Softmax in place (max subtracted first, so large logits do not overflow).</summary>
    public static void Softmax(Span<float> values)
    {
        if (values.IsEmpty) return;
        float max = float.NegativeInfinity;
        foreach (var v in values) if (v > max) max = v;
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += values[i] = MathF.Exp(values[i] - max);
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] / sum);
    }

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => _interpreter;

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>The labels in use (from the options or the model's metadata), or null.</summary>
    public IReadOnlyList<string>? Labels => _labels;

    /// <summary>Classifies one image; returns the top-k classes, best first.</summary>
    public IReadOnlyList<Classification> Classify(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization);
        _interpreter.Invoke();
        var scores = _interpreter.GetOutputTensor(0).ToFloatArray();
        if (_softmax) Softmax(scores);
        return TopK(scores, _topK, _labels);
    }

    /// <summary>Top-k of a score vector (ties broken by lower index).</summary>
    public static IReadOnlyList<Classification> TopK(ReadOnlySpan<float> scores, int k, IReadOnlyList<string>? labels)
    {
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var copy = scores.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var result = new List<Classification>(Math.Min(k, order.Length));
        for (int i = 0; i < Math.Min(k, order.Length); i++)
            result.Add(new Classification(order[i], EdgeLite.Vision.Labels.LabelFor(labels, order[i], scores.Length), copy[order[i]]));
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
