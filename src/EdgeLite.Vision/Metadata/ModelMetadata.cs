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
    public static ModelMetadata? Read(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bytes = model.GetMetadata("TFLITE_METADATA");
        if (bytes.IsEmpty) return null;
        try
        {
            var bb = new Google.FlatBuffers.ByteBuffer(bytes.ToArray());
            var verifier = new Google.FlatBuffers.Verifier(bb, new Google.FlatBuffers.Options(maxDepth: 64, maxTables: 1_000_000, stringEndCheck: true, alignmentCheck: false));
            if (!Model.QuietVerify(() => verifier.VerifyBuffer(null, false, Schema.Metadata.ModelMetadataVerify.Verify)))
                throw new ModelFormatException("TFLITE_METADATA does not verify as a TFLite ModelMetadata flatbuffer");
            var root = Schema.Metadata.ModelMetadata.GetRootAsModelMetadata(bb);
            InputNormalization? norm = null;
            var files = new List<(string Name, Schema.Metadata.AssociatedFileType Type)>();
            void AddFiles(int n, Func<int, Schema.Metadata.AssociatedFile?> get)
            {
                for (int i = 0; i < Math.Min(n, 1024); i++)
                    if (get(i) is { } f && f.Name is { } name) files.Add((name, f.Type));
            }
            AddFiles(root.AssociatedFilesLength, root.AssociatedFiles);
            if (root.SubgraphMetadataLength > 0 && root.SubgraphMetadata(0) is { } sg)
            {
                AddFiles(sg.AssociatedFilesLength, sg.AssociatedFiles);
                if (sg.InputTensorMetadataLength > 0 && sg.InputTensorMetadata(0) is { } input)
                    for (int i = 0; i < Math.Min(input.ProcessUnitsLength, 64); i++)
                        if (input.ProcessUnits(i) is { } pu && pu.OptionsType == Schema.Metadata.ProcessUnitOptions.NormalizationOptions
                            && pu.Options<Schema.Metadata.NormalizationOptions>() is { } no && no.MeanLength > 0 && no.StdLength > 0)
                            norm = new InputNormalization(no.GetMeanArray(), no.GetStdArray());
                for (int o = 0; o < Math.Min(sg.OutputTensorMetadataLength, 64); o++)
                    if (sg.OutputTensorMetadata(o) is { } output) AddFiles(output.AssociatedFilesLength, output.AssociatedFiles);
            }
            IReadOnlyList<string>? labels = null;
            var labelFile = files.FirstOrDefault(f => f.Type == Schema.Metadata.AssociatedFileType.TENSOR_AXIS_LABELS).Name
                ?? files.FirstOrDefault(f => f.Name.Contains("label", StringComparison.OrdinalIgnoreCase)).Name;
            if (labelFile != null && ReadZipEntry(model.GetFileBytes(), labelFile) is { } text)
                labels = EdgeLite.Vision.Labels.Parse(text);
            return new ModelMetadata
            {
                Name = root.Name, Description = root.Description, Version = root.Version, Author = root.Author, License = root.License,
                InputNormalization = norm, AssociatedFiles = files.Select(f => f.Name).Distinct().ToArray(), Labels = labels,
            };
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException or NullReferenceException)
        {
            throw new ModelFormatException($"TFLITE_METADATA is malformed: {e.Message}", e);
        }
    }

    /// <summary>Reads a file of the zip archive appended to the model (TFLite metadata's associated files), or null.</summary>
    internal static string? ReadZipEntry(ReadOnlySpan<byte> file, string name)
    {
        // The archive's end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        int start = Math.Max(0, file.Length - 65_557);
        int eocd = file[start..].LastIndexOf("PK\u0005\u0006"u8);
        if (eocd < 0) return null;
        eocd += start;
        if (eocd + 22 > file.Length) return null;
        uint cdSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 12)..]);
        uint cdOffset = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 16)..]);
        // Offsets in the archive are relative to its first byte, which is where the central directory says it is.
        long zipStart = eocd - (long)cdSize - cdOffset;
        if (zipStart < 0 || cdSize > (uint)file.Length) return null;
        try
        {
            using var ms = new MemoryStream(file[(int)zipStart..].ToArray(), writable: false);
            using var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Read);
            var entry = zip.GetEntry(name) ?? zip.Entries.FirstOrDefault(e => e.Name == name);
            if (entry == null || entry.Length > 16 << 20) return null;
            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd();
        }
        catch (InvalidDataException) { return null; }
    }
}
