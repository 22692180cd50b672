namespace EdgeLite;

/// <summary>A tensor as the model file declares it (shape, type, quantization, constant data).</summary>
public sealed class TensorDescription
{
    internal TensorDescription(int index, string name, TensorType type, int[] shape, int[]? shapeSignature,
        QuantizationParameters? quantization, int bufferIndex, bool isVariable, bool isSparse, long dataOffset, long dataLength)
    {
        Index = index; Name = name; Type = type; Shape = shape; ShapeSignature = shapeSignature;
        Quantization = quantization; BufferIndex = bufferIndex; IsVariable = isVariable; IsSparse = isSparse;
        DataOffset = dataOffset; DataLength = dataLength;
    }

    /// <summary>Index of the tensor in its subgraph.</summary>
    public int Index { get; }
    /// <summary>Tensor name (may be empty).</summary>
    public string Name { get; }
    /// <summary>Element type.</summary>
    public TensorType Type { get; }
    /// <summary>Static shape from the file.</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Shape signature (-1 marks a dynamic dimension), or null when the file has none.</summary>
    public IReadOnlyList<int>? ShapeSignature { get; }
    /// <summary>Quantization, or null for a non-quantized tensor.</summary>
    public QuantizationParameters? Quantization { get; }
    /// <summary>Index of the model buffer holding the tensor's constant data (0 = none).</summary>
    public int BufferIndex { get; }
    /// <summary>True for a variable (state) tensor, such as an LSTM's.</summary>
    public bool IsVariable { get; }
    /// <summary>True when the constant data is stored sparse (needs DENSIFY).</summary>
    public bool IsSparse { get; }
    /// <summary>True when the tensor has constant data in the model.</summary>
    public bool IsConstant => DataLength > 0;
    /// <summary>Number of elements of the static shape.</summary>
    public long ElementCount { get { long n = 1; foreach (var d in Shape) n *= d; return n; } }

    internal long DataOffset { get; }
    internal long DataLength { get; }

    /// <inheritdoc />
    public override string ToString() => $"#{Index} '{Name}' {Type.ToDTypeName()}[{string.Join(",", Shape)}]";
}

/// <summary>An operator of a subgraph, in execution order.</summary>
public sealed class OperatorDescription
{
    internal OperatorDescription(int index, int opcodeIndex, string opName, int builtinCode, string? customCode, int version, int[] inputs, int[] outputs, int[] intermediates, Schema.Operator fb)
    {
        Index = index; OpcodeIndex = opcodeIndex; OpName = opName; BuiltinCode = builtinCode; CustomCode = customCode;
        Version = version; Inputs = inputs; Outputs = outputs; Intermediates = intermediates; Fb = fb;
    }

    /// <summary>Position in the subgraph's operator list (its execution order).</summary>
    public int Index { get; }
    /// <summary>Index into the model's operator codes.</summary>
    public int OpcodeIndex { get; }
    /// <summary>Builtin name (e.g. <c>CONV_2D</c>) or, for a custom op, its custom code.</summary>
    public string OpName { get; }
    /// <summary>TFLite builtin operator code (32 = CUSTOM).</summary>
    public int BuiltinCode { get; }
    /// <summary>The custom code for a custom operator, else null.</summary>
    public string? CustomCode { get; }
    /// <summary>Operator version from the operator code.</summary>
    public int Version { get; }
    /// <summary>Input tensor indices (-1 = optional input left out).</summary>
    public IReadOnlyList<int> Inputs { get; }
    /// <summary>Output tensor indices.</summary>
    public IReadOnlyList<int> Outputs { get; }
    /// <summary>
    /// Intermediate tensor indices: tensors that carry only quantization parameters of values inside the operator
    /// (e.g. the gate outputs of a quantized LSTM); they hold no data. Usually empty.
    /// </summary>
    public IReadOnlyList<int> Intermediates { get; }
    /// <summary>True for a custom operator.</summary>
    public bool IsCustom => CustomCode != null;

    internal Schema.Operator Fb { get; }
    internal int[] InputArray => (int[])Inputs;
    internal int[] OutputArray => (int[])Outputs;
    internal int[] IntermediateArray => (int[])Intermediates;

    /// <inheritdoc />
    public override string ToString() => $"#{Index} {OpName}";
}

/// <summary>One subgraph: tensors, operators, inputs and outputs.</summary>
public sealed class SubgraphDescription
{
    internal SubgraphDescription(int index, string name, TensorDescription[] tensors, OperatorDescription[] operators, int[] inputs, int[] outputs)
    {
        Index = index; Name = name; Tensors = tensors; Operators = operators; Inputs = inputs; Outputs = outputs;
    }

    /// <summary>Index of the subgraph (0 = main).</summary>
    public int Index { get; }
    /// <summary>Subgraph name (may be empty).</summary>
    public string Name { get; }
    /// <summary>All tensors.</summary>
    public IReadOnlyList<TensorDescription> Tensors { get; }
    /// <summary>Operators in execution order.</summary>
    public IReadOnlyList<OperatorDescription> Operators { get; }
    /// <summary>Input tensor indices in model order.</summary>
    public IReadOnlyList<int> Inputs { get; }
    /// <summary>Output tensor indices in model order.</summary>
    public IReadOnlyList<int> Outputs { get; }
}

/// <summary>An operator code entry of the model.</summary>
/// <param name="Name">Builtin name or custom code.</param>
/// <param name="BuiltinCode">Builtin operator code (32 = CUSTOM).</param>
/// <param name="CustomCode">Custom code, or null for a builtin.</param>
/// <param name="Version">Operator version.</param>
public sealed record OperatorCodeDescription(string Name, int BuiltinCode, string? CustomCode, int Version);

/// <summary>A named input or output of a signature, mapped to a tensor.</summary>
/// <param name="Name">The signature's name for the tensor.</param>
/// <param name="TensorIndex">Tensor index in the signature's subgraph.</param>
public sealed record SignatureTensor(string Name, int TensorIndex);

/// <summary>A signature def: a named entry point with named inputs and outputs.</summary>
/// <param name="Key">Signature key (e.g. <c>serving_default</c>).</param>
/// <param name="SubgraphIndex">Subgraph the signature runs.</param>
/// <param name="Inputs">Named inputs.</param>
/// <param name="Outputs">Named outputs.</param>
public sealed record SignatureDescription(string Key, int SubgraphIndex, IReadOnlyList<SignatureTensor> Inputs, IReadOnlyList<SignatureTensor> Outputs);

/// <summary>A metadata entry of the model (e.g. <c>TFLITE_METADATA</c>, <c>min_runtime_version</c>).</summary>
/// <param name="Name">Entry name.</param>
/// <param name="BufferIndex">The buffer holding its bytes.</param>
public sealed record MetadataEntry(string Name, int BufferIndex);
