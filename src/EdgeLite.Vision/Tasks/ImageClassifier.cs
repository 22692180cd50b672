namespace EdgeLite.Vision;

/// <summary>One class of a classification result.</summary>
/// <param name="Index">Class index in the model's output.</param>
/// <param name="Label">Label (or the index as text when no labels are known).</param>
/// <param name="Score">Score in [0, 1] (dequantized).</param>
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
}

/// <summary>Classifies images with an image classification model: preprocess, invoke, top-k.</summary>
public sealed class ImageClassifier : IDisposable
{
    /// <summary>Creates a classifier (the model stays owned by the caller).</summary>
    public ImageClassifier(Model model, ImageClassifierOptions? options = null) => throw new NotImplementedException();

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => throw new NotImplementedException();

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization => throw new NotImplementedException();

    /// <summary>Classifies one image; returns the top-k classes, best first.</summary>
    public IReadOnlyList<Classification> Classify(RgbImage image) => throw new NotImplementedException();

    /// <summary>Top-k of a score vector (ties broken by lower index).</summary>
    public static IReadOnlyList<Classification> TopK(ReadOnlySpan<float> scores, int k, IReadOnlyList<string>? labels) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
