namespace EdgeLite.Vision;

/// <summary>Label files: one label per line.</summary>
public static class Labels
{
    /// <summary>Reads a label file (one label per line, trailing empty lines ignored).</summary>
    public static string[] Load(string path) => throw new NotImplementedException();

    /// <summary>
    /// The label of class <paramref name="index"/> of an output with <paramref name="classCount"/> classes: a label list
    /// with one entry more than the output has a leading "background" label the model lacks, and is read with offset 1.
    /// </summary>
    public static string LabelFor(IReadOnlyList<string>? labels, int index, int classCount) => throw new NotImplementedException();
}
