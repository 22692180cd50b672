namespace EdgeLite.Vision;

/// <summary>Label files: one label per line.</summary>
public static class Labels
{
    /// <summary>Reads a label file (one label per line, trailing empty lines ignored).</summary>
    public static string[] Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"label file not found: {path}", path);
        return Parse(File.ReadAllText(path));
    }

    /// <summary>Splits label text into lines (CR/LF tolerant), trimming each and dropping trailing empty lines.</summary>
    public static string[] Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines.ToArray();
    }

    /// <summary>
    /// The label of class <paramref name="index"/> of an output with <paramref name="classCount"/> classes: a label list
    /// with one entry more than the output has a leading "background" label the model lacks, and is read with offset 1.
    /// </summary>
    public static string LabelFor(IReadOnlyList<string>? labels, int index, int classCount)
    {
        if (labels == null || labels.Count == 0) return index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int offset = labels.Count == classCount + 1 ? 1 : 0;
        int i = index + offset;
        return (uint)i < (uint)labels.Count ? labels[i] : "#" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
