namespace EdgeLite.Vision;

/// <summary>What the TFLite metadata (the <c>TFLITE_METADATA</c> entry and the zip of associated files appended to the model) says.</summary>
public sealed class ModelMetadata
{
    /// <summary>Model name.</summary>
    public string? Name { get; init; }
    /// <summary>Model description.</summary>
    public string? Description { get; init; }
    /// <summary>Version string.</summary>
    public string? Version { get; init; }
    /// <summary>Author.</summary>
    public string? Author { get; init; }
    /// <summary>License.</summary>
    public string? License { get; init; }
    /// <summary>Normalization of input 0 (mean/std), when the metadata gives one.</summary>
    public InputNormalization? InputNormalization { get; init; }
    /// <summary>Names of the associated files (label files etc.).</summary>
    public IReadOnlyList<string> AssociatedFiles { get; init; } = [];
    /// <summary>Labels of output 0 from the associated label file (TENSOR_AXIS_LABELS), or null.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Reads the metadata of a model, or returns null when it has none.</summary>
    /// <exception cref="ModelFormatException">The metadata entry is present but malformed.</exception>
    public static ModelMetadata? Read(Model model) => throw new NotImplementedException();
}
