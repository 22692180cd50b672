using System.Runtime.InteropServices;
using Fb = EdgeLite.Schema;

namespace EdgeLite;

/// <summary>
/// An editable TensorFlow Lite model: subgraphs of tensors and operators, constant buffers, signatures, metadata
/// entries and the archive of associated files appended to the file. Built from a loaded <see cref="Model"/>
/// (<see cref="FromModel"/>) or from scratch, and written as a schema-v3 <c>.tflite</c> with Google.FlatBuffers
/// (<see cref="ToBytes"/>). It is the one way EdgeLite writes models: the quantizer, the ONNX converter,
/// <c>edgelite run --expose-op</c> and the tests' model builder all go through it. Fields the graph does not model
/// explicitly (operator options, sparsity, min/max ranges, variant sub-types, ...) are carried through unchanged.
/// </summary>
/// <remarks>
/// Tensors and buffers are objects: operators, subgraph inputs/outputs and signatures refer to
/// <see cref="GraphTensor"/> instances, and indices are assigned when the model is written, so passes can insert
/// and remove tensors and operators freely. Constant data is held in managed arrays (copied out of the source
/// model), so the graph does not depend on the source model staying open. Not thread-safe.
/// </remarks>
public sealed partial class ModelGraph
{
    /// <summary>Schema version written to the file (3).</summary>
    public uint Version { get; set; } = 3;

    /// <summary>Free-text description (TFLite's converter writes e.g. "MLIR Converted.").</summary>
    public string? Description { get; set; }

    /// <summary>Subgraphs; subgraph 0 is the main graph.</summary>
    public List<GraphSubgraph> Subgraphs { get; } = [];

    /// <summary>Signature defs (named entry points).</summary>
    public List<GraphSignature> Signatures { get; } = [];

    /// <summary>Metadata entries (e.g. <c>TFLITE_METADATA</c>, <c>min_runtime_version</c>), in file order.</summary>
    public List<GraphMetadata> Metadata { get; } = [];

    /// <summary>
    /// The zip archive of associated files (labels, vocabularies) that TFLite's metadata writer appends after the
    /// flatbuffer, byte for byte, or null. Its offsets are relative to its first byte, so it is position independent.
    /// </summary>
    public byte[]? AppendedArchive { get; set; }

    // Deprecated Model.metadata_buffer (buffer indices), carried through.
    internal List<GraphBuffer> LegacyMetadataBuffers { get; } = [];

    // Operator codes in the order of the source file, so a round trip keeps opcode indices; new codes are appended.
    internal List<(int Code, string? Custom, int Version)> OperatorCodeOrder { get; } = [];

    /// <summary>The main subgraph (subgraph 0).</summary>
    /// <exception cref="InvalidOperationException">The graph has no subgraph.</exception>
    public GraphSubgraph MainSubgraph => Subgraphs.Count > 0 ? Subgraphs[0] : throw new InvalidOperationException("the model graph has no subgraph");

    /// <summary>Adds an empty subgraph.</summary>
    public GraphSubgraph AddSubgraph(string name = "")
    {
        var s = new GraphSubgraph { Name = name };
        Subgraphs.Add(s);
        return s;
    }

    /// <summary>Adds or replaces a metadata entry.</summary>
    public void SetMetadata(string name, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        foreach (var m in Metadata)
            if (m.Name == name) { m.Buffer = new GraphBuffer(data); return; }
        Metadata.Add(new GraphMetadata(name, new GraphBuffer(data)));
    }

    /// <summary>
    /// <see cref="GraphSubgraph.RemoveUnusedTensors"/> on <paramref name="subgraph"/>, keeping the tensors the signatures
    /// that run it name. Returns how many were removed.
    /// </summary>
    public int RemoveUnusedTensors(GraphSubgraph subgraph) =>
        subgraph.RemoveUnusedTensors(Signatures.Where(s => s.Subgraph == subgraph).SelectMany(s => s.Inputs.Concat(s.Outputs)).Select(x => x.Tensor));

    /// <summary>The data of the metadata entry named <paramref name="name"/>, or null.</summary>
    public byte[]? GetMetadata(string name) => Metadata.FirstOrDefault(m => m.Name == name)?.Buffer.Data;

    /// <summary>
    /// Replaces the appended archive with a new zip of these files (name → content), or removes it when
    /// <paramref name="files"/> is empty. TFLite metadata refers to associated files by these names.
    /// </summary>
    public void SetAssociatedFiles(IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var list = files.ToList();
        if (list.Count == 0) { AppendedArchive = null; return; }
        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in list)
            {
                var e = zip.CreateEntry(name, System.IO.Compression.CompressionLevel.NoCompression);
                e.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero); // deterministic output
                using var s = e.Open();
                s.Write(content);
            }
        }
        AppendedArchive = ms.ToArray();
    }

    /// <summary>The files of the appended archive (name → content); empty when there is none or it is unreadable.</summary>
    public IReadOnlyDictionary<string, byte[]> ReadAssociatedFiles()
    {
        var result = new Dictionary<string, byte[]>();
        if (AppendedArchive == null) return result;
        try
        {
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(AppendedArchive, writable: false), System.IO.Compression.ZipArchiveMode.Read);
            foreach (var e in zip.Entries)
            {
                if (e.Length > 64 << 20) continue;
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                result[e.FullName] = ms.ToArray();
            }
        }
        catch (InvalidDataException) { result.Clear(); }
        return result;
    }

    /// <summary>Writes the model and loads it back (verified) as a <see cref="Model"/>.</summary>
    public Model ToModel() => Model.FromBytes(ToBytes());

    /// <summary>Writes the model to <paramref name="path"/> (through a temporary file renamed into place).</summary>
    public void Save(string path) => WriteFile(path, ToBytes());

    /// <summary>Writes model bytes to <paramref name="path"/> through a temporary file renamed into place, so a failed write never leaves a partial model.</summary>
    public static void WriteFile(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(bytes);
        var full = Path.GetFullPath(path);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}

/// <summary>A subgraph of a <see cref="ModelGraph"/>: tensors, operators in execution order, inputs and outputs.</summary>
public sealed class GraphSubgraph
{
    /// <summary>Subgraph name (may be empty).</summary>
    public string Name { get; set; } = "";
    /// <summary>All tensors, in the order they are written (their indices in the file).</summary>
    public List<GraphTensor> Tensors { get; } = [];
    /// <summary>Graph inputs in model order.</summary>
    public List<GraphTensor> Inputs { get; } = [];
    /// <summary>Graph outputs in model order.</summary>
    public List<GraphTensor> Outputs { get; } = [];
    /// <summary>Operators in execution order.</summary>
    public List<GraphOperator> Operators { get; } = [];

    internal int DebugMetadataIndex { get; set; } = -1;

    /// <summary>Adds a tensor without data (an activation) to <see cref="Tensors"/>.</summary>
    public GraphTensor AddTensor(string name, TensorType type, int[] shape, QuantizationParameters? quantization = null)
    {
        var t = new GraphTensor(name, type, shape) { Quantization = quantization };
        Tensors.Add(t);
        return t;
    }

    /// <summary>Adds a constant tensor holding <paramref name="data"/> (raw little-endian bytes, not copied).</summary>
    public GraphTensor AddConstant(string name, TensorType type, int[] shape, byte[] data, QuantizationParameters? quantization = null)
    {
        var t = AddTensor(name, type, shape, quantization);
        t.Buffer = new GraphBuffer(data);
        return t;
    }

    /// <summary>Adds a constant tensor from typed values (copied).</summary>
    public GraphTensor AddConstant<T>(string name, TensorType type, int[] shape, ReadOnlySpan<T> values, QuantizationParameters? quantization = null) where T : unmanaged =>
        AddConstant(name, type, shape, MemoryMarshal.AsBytes(values).ToArray(), quantization);

    /// <summary>Adds a builtin operator (TFLite builtin code, e.g. 3 = CONV_2D) at the end of the operator list.</summary>
    public GraphOperator AddOperator(int builtinCode, IEnumerable<GraphTensor?> inputs, IEnumerable<GraphTensor> outputs, int version = 1)
    {
        var op = new GraphOperator(builtinCode, null, version);
        op.Inputs.AddRange(inputs);
        op.Outputs.AddRange(outputs);
        Operators.Add(op);
        return op;
    }

    /// <summary>Adds a custom operator with its options bytes (usually a flexbuffer map).</summary>
    public GraphOperator AddCustomOperator(string customCode, IEnumerable<GraphTensor?> inputs, IEnumerable<GraphTensor> outputs, byte[]? customOptions = null, int version = 1)
    {
        ArgumentNullException.ThrowIfNull(customCode);
        var op = new GraphOperator((int)Fb.BuiltinOperator.CUSTOM, customCode, version) { CustomOptions = customOptions };
        op.Inputs.AddRange(inputs);
        op.Outputs.AddRange(outputs);
        Operators.Add(op);
        return op;
    }

    /// <summary>The operator that writes <paramref name="tensor"/>, or null (input, constant, variable).</summary>
    public GraphOperator? Producer(GraphTensor tensor)
    {
        foreach (var op in Operators) if (op.Outputs.Contains(tensor)) return op;
        return null;
    }

    /// <summary>The operators that read <paramref name="tensor"/>, in execution order.</summary>
    public IEnumerable<GraphOperator> Consumers(GraphTensor tensor) => Operators.Where(op => op.Inputs.Contains(tensor));

    /// <summary>
    /// Makes <paramref name="tensor"/> a graph output too (unless it is an input, a constant or an output already), so a
    /// run keeps its value to the end of Invoke (calibration and the quantization debugger read every activation so).
    /// Returns its index in <see cref="Tensors"/>.
    /// </summary>
    public int Expose(GraphTensor tensor)
    {
        if (!Outputs.Contains(tensor) && !Inputs.Contains(tensor) && !tensor.IsConstant) Outputs.Add(tensor);
        return IndexOf(tensor);
    }

    /// <summary>Index of a tensor in <see cref="Tensors"/> (-1 when absent).</summary>
    public int IndexOf(GraphTensor tensor) => Tensors.IndexOf(tensor);

    /// <summary>The first tensor with this name, or null.</summary>
    public GraphTensor? FindTensor(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// Replaces every use of <paramref name="old"/> as an operator input, graph output or signature tensor of this
    /// subgraph by <paramref name="replacement"/> (the producer of <paramref name="old"/> is left as it is).
    /// </summary>
    public void ReplaceUses(GraphTensor old, GraphTensor replacement, ModelGraph? signaturesOf = null)
    {
        foreach (var op in Operators)
            for (int i = 0; i < op.Inputs.Count; i++)
                if (ReferenceEquals(op.Inputs[i], old)) op.Inputs[i] = replacement;
        for (int i = 0; i < Outputs.Count; i++)
            if (ReferenceEquals(Outputs[i], old)) Outputs[i] = replacement;
        if (signaturesOf != null)
            foreach (var s in signaturesOf.Signatures.Where(s => s.Subgraph == this))
            {
                for (int i = 0; i < s.Inputs.Count; i++) if (ReferenceEquals(s.Inputs[i].Tensor, old)) s.Inputs[i] = new(s.Inputs[i].Name, replacement);
                for (int i = 0; i < s.Outputs.Count; i++) if (ReferenceEquals(s.Outputs[i].Tensor, old)) s.Outputs[i] = new(s.Outputs[i].Name, replacement);
            }
    }

    /// <summary>
    /// Removes tensors that no operator reads or writes and that are neither graph inputs nor outputs (nor listed by
    /// <paramref name="keep"/>, e.g. signature tensors). Returns how many were removed.
    /// </summary>
    public int RemoveUnusedTensors(IEnumerable<GraphTensor>? keep = null)
    {
        var used = new HashSet<GraphTensor>(ReferenceEqualityComparer.Instance);
        foreach (var op in Operators)
        {
            foreach (var t in op.Inputs) if (t != null) used.Add(t);
            foreach (var t in op.Outputs) used.Add(t);
            foreach (var t in op.Intermediates) used.Add(t);
        }
        foreach (var t in Inputs) used.Add(t);
        foreach (var t in Outputs) used.Add(t);
        if (keep != null) foreach (var t in keep) used.Add(t);
        return Tensors.RemoveAll(t => !used.Contains(t));
    }
}

/// <summary>A tensor of a <see cref="GraphSubgraph"/>.</summary>
public sealed class GraphTensor
{
    private QuantizationParameters? _quantization;

    /// <summary>Creates a tensor without data.</summary>
    public GraphTensor(string name, TensorType type, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name; Type = type; Shape = shape;
    }

    /// <summary>Tensor name.</summary>
    public string Name { get; set; }
    /// <summary>Element type.</summary>
    public TensorType Type { get; set; }
    /// <summary>Static shape.</summary>
    public int[] Shape { get; set; }
    /// <summary>Shape signature (-1 = dynamic dimension), or null.</summary>
    public int[]? ShapeSignature { get; set; }
    /// <summary>True for a variable (state) tensor.</summary>
    public bool IsVariable { get; set; }
    /// <summary>TFLite's <c>has_rank</c> flag (the rank is known even if the shape is empty).</summary>
    public bool HasRank { get; set; }
    /// <summary>Constant data, or null for a tensor without data. Buffers may be shared between tensors.</summary>
    public GraphBuffer? Buffer { get; set; }

    /// <summary>
    /// Affine quantization, or null. Setting it drops the calibration ranges and custom quantization details
    /// carried from the source file (they described the old parameters).
    /// </summary>
    public QuantizationParameters? Quantization
    {
        get => _quantization;
        set { _quantization = value; QuantizationMin = null; QuantizationMax = null; QuantizationDetails = null; }
    }

    // Carried through unchanged from the source file.
    internal List<float>? QuantizationMin { get; set; }
    internal List<float>? QuantizationMax { get; set; }
    internal Fb.QuantizationDetailsUnion? QuantizationDetails { get; set; }
    internal Fb.SparsityParametersT? Sparsity { get; set; }
    internal List<Fb.VariantSubTypeT>? VariantTensors { get; set; }
    // A QuantizationParameters table that held no scales (only min/max or details) in the source file.
    internal bool HadQuantizationTable { get; set; }

    /// <summary>True when the tensor has constant data.</summary>
    public bool IsConstant => Buffer is { Data.Length: > 0 };
    /// <summary>True when the constant data is stored sparse (TFLite sparsity parameters).</summary>
    public bool IsSparse => Sparsity != null;

    /// <summary>Number of elements of the static shape.</summary>
    public long ElementCount { get { long n = 1; foreach (var d in Shape) n *= d; return n; } }

    /// <summary>The constant data reinterpreted as <typeparamref name="T"/> (empty without data).</summary>
    public ReadOnlySpan<T> DataAs<T>() where T : unmanaged =>
        Buffer == null ? default : MemoryMarshal.Cast<byte, T>(Buffer.Data);

    /// <summary>Replaces the constant data with a fresh buffer of these values.</summary>
    public void SetData<T>(ReadOnlySpan<T> values) where T : unmanaged => Buffer = new GraphBuffer(MemoryMarshal.AsBytes(values).ToArray());

    /// <inheritdoc />
    public override string ToString() => $"'{Name}' {Type.ToDTypeName()}[{string.Join(",", Shape)}]";
}

/// <summary>Constant bytes of a model (a TFLite buffer).</summary>
/// <param name="data">The raw little-endian bytes (not copied).</param>
public sealed class GraphBuffer(byte[] data)
{
    /// <summary>The raw bytes.</summary>
    public byte[] Data { get; set; } = data ?? throw new ArgumentNullException(nameof(data));
}

/// <summary>An operator of a <see cref="GraphSubgraph"/>.</summary>
public sealed class GraphOperator
{
    /// <summary>Creates an operator: a builtin code (e.g. 3 = CONV_2D), or 32 (CUSTOM) with a custom code.</summary>
    public GraphOperator(int builtinCode, string? customCode = null, int version = 1)
    {
        if (builtinCode < 0) throw new ArgumentOutOfRangeException(nameof(builtinCode));
        BuiltinCode = builtinCode; CustomCode = customCode; Version = version;
    }

    /// <summary>TFLite builtin operator code (32 = CUSTOM).</summary>
    public int BuiltinCode { get; set; }
    /// <summary>The custom code of a custom operator, else null.</summary>
    public string? CustomCode { get; set; }
    /// <summary>Operator version (of the operator code).</summary>
    public int Version { get; set; }
    /// <summary>Builtin name (e.g. <c>CONV_2D</c>) or the custom code.</summary>
    public string OpName => CustomCode ?? Model.BuiltinName(BuiltinCode);

    /// <summary>Inputs; null marks an optional input left out (-1 in the file).</summary>
    public List<GraphTensor?> Inputs { get; } = [];
    /// <summary>Outputs.</summary>
    public List<GraphTensor> Outputs { get; } = [];
    /// <summary>Intermediate tensors (quantization of values inside the operator, e.g. a quantized LSTM's gates).</summary>
    public List<GraphTensor> Intermediates { get; } = [];
    /// <summary>Custom options bytes (usually a flexbuffer map), or null.</summary>
    public byte[]? CustomOptions { get; set; }

    // Builtin options as flatc's object API union: carried through unchanged, edited by EdgeLite's own producers.
    internal Fb.BuiltinOptionsUnion? Options { get; set; }
    internal Fb.BuiltinOptions2Union? Options2 { get; set; }
    internal Fb.CustomOptionsFormat CustomOptionsFormat { get; set; } = Fb.CustomOptionsFormat.FLEXBUFFERS;
    internal List<bool>? MutatingVariableInputs { get; set; }
    internal int DebugMetadataIndex { get; set; } = -1;

    internal Fb.BuiltinOperator Code => (Fb.BuiltinOperator)BuiltinCode;

    /// <summary>A copy with the same code, options and tensor references.</summary>
    public GraphOperator Clone()
    {
        var c = new GraphOperator(BuiltinCode, CustomCode, Version)
        {
            CustomOptions = CustomOptions, Options = Options, Options2 = Options2, CustomOptionsFormat = CustomOptionsFormat,
            MutatingVariableInputs = MutatingVariableInputs, DebugMetadataIndex = DebugMetadataIndex,
        };
        c.Inputs.AddRange(Inputs); c.Outputs.AddRange(Outputs); c.Intermediates.AddRange(Intermediates);
        return c;
    }

    /// <inheritdoc />
    public override string ToString() => OpName;
}

/// <summary>A named input or output of a signature.</summary>
/// <param name="Name">The signature's name for it.</param>
/// <param name="Tensor">The tensor, in the signature's subgraph.</param>
public sealed record GraphSignatureTensor(string Name, GraphTensor Tensor);

/// <summary>A signature def: a named entry point (subgraph) with named inputs and outputs.</summary>
public sealed class GraphSignature(string key, GraphSubgraph subgraph)
{
    /// <summary>Signature key (e.g. <c>serving_default</c>).</summary>
    public string Key { get; set; } = key;
    /// <summary>The subgraph it runs.</summary>
    public GraphSubgraph Subgraph { get; set; } = subgraph;
    /// <summary>Named inputs.</summary>
    public List<GraphSignatureTensor> Inputs { get; } = [];
    /// <summary>Named outputs.</summary>
    public List<GraphSignatureTensor> Outputs { get; } = [];
}

/// <summary>A metadata entry: a name and its bytes.</summary>
public sealed class GraphMetadata(string name, GraphBuffer buffer)
{
    /// <summary>Entry name.</summary>
    public string Name { get; set; } = name;
    /// <summary>Its buffer.</summary>
    public GraphBuffer Buffer { get; set; } = buffer;
}
