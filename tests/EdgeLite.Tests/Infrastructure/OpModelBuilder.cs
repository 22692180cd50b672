using System.Runtime.InteropServices;
using Google.FlatBuffers;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Infrastructure;

/// <summary>Quantization of a test tensor: per-tensor (one scale) or per-channel along <see cref="Axis"/>.</summary>
public sealed record Quant(float[] Scale, long[] ZeroPoint, int Axis = 0)
{
    public static Quant PerTensor(float scale, long zeroPoint) => new([scale], [zeroPoint]);
}

/// <summary>
/// Builds small .tflite models (usually one operator) in memory with the generated schema builders, so kernel
/// tests go through the real path: Model verification, Interpreter, Prepare, arena, Eval.
/// <code>
/// var b = new OpModelBuilder();
/// int x = b.Input("x", TensorType.Float32, [1, 4, 4, 2]);
/// int w = b.Constant("w", TensorType.Float32, [3, 1, 1, 2], weights);
/// int y = b.Output("y", TensorType.Float32, [1, 4, 4, 3]);
/// b.Op(Fb.BuiltinOperator.CONV_2D, [x, w, -1], [y], Fb.BuiltinOptions.Conv2DOptions,
///      f => Fb.Conv2DOptions.CreateConv2DOptions(f, Fb.Padding.SAME, 1, 1).Value);
/// using var interp = b.BuildInterpreter();
/// </code>
/// </summary>
internal sealed class OpModelBuilder
{
    private sealed record TensorSpec(string Name, Fb.TensorType Type, int[] Shape, byte[]? Data, Quant? Quant, int[]? ShapeSignature, bool IsVariable = false);
    private sealed record OpSpec(Fb.BuiltinOperator Code, string? Custom, int Version, int[] Inputs, int[] Outputs,
        Fb.BuiltinOptions OptionsType, Func<FlatBufferBuilder, int>? Options, byte[]? CustomOptions, int[]? Intermediates = null);

    private readonly List<TensorSpec> _tensors = [];
    private readonly Dictionary<int, SparseSpec> _sparse = new();

    /// <summary>Sparsity of a constant tensor: traversal order, block map, and per level (in traversal order) either a
    /// dense size or CSR segments and indices (int32 vectors).</summary>
    public sealed record SparseSpec(int[] Traversal, int[] BlockMap, (int DenseSize, int[]? Segments, int[]? Indices)[] Levels);

    /// <summary>Adds a constant sparse tensor: <paramref name="values"/> are the stored (non-zero) elements.</summary>
    public int SparseConstant(string name, TensorType type, int[] shape, float[] values, SparseSpec sparsity)
    {
        int i = Constant(name, type, shape, values);
        _sparse[i] = sparsity;
        return i;
    }
    private readonly List<OpSpec> _ops = [];
    private readonly List<int> _inputs = [];
    private readonly List<int> _outputs = [];

    /// <summary>Adds a graph input (activation) tensor.</summary>
    public int Input(string name, TensorType type, int[] shape, Quant? quant = null, int[]? shapeSignature = null)
    {
        int i = Tensor(name, type, shape, null, quant, shapeSignature);
        _inputs.Add(i);
        return i;
    }

    /// <summary>Adds a graph output tensor.</summary>
    public int Output(string name, TensorType type, int[] shape, Quant? quant = null)
    {
        int i = Tensor(name, type, shape, null, quant);
        _outputs.Add(i);
        return i;
    }

    /// <summary>Makes an existing tensor (e.g. a subgraph input passed through unchanged) a graph output too.</summary>
    public OpModelBuilder MarkOutput(int tensor) { _outputs.Add(tensor); return this; }

    /// <summary>Makes an existing tensor a graph input.</summary>
    public OpModelBuilder MarkInput(int tensor) { _inputs.Add(tensor); return this; }

    /// <summary>Adds an intermediate (neither input nor output, no data) tensor.</summary>
    public int Intermediate(string name, TensorType type, int[] shape, Quant? quant = null) => Tensor(name, type, shape, null, quant);

    /// <summary>Adds a variable (state) tensor (is_variable, no data), such as an LSTM's output or cell state.</summary>
    public int Variable(string name, TensorType type, int[] shape, Quant? quant = null)
    {
        _tensors.Add(new TensorSpec(name, (Fb.TensorType)(sbyte)type, shape, null, quant, null, IsVariable: true));
        return _tensors.Count - 1;
    }

    /// <summary>Adds a variable tensor that also carries initial data (TFLite refuses such models).</summary>
    public int VariableWithData<T>(string name, TensorType type, int[] shape, T[] values) where T : unmanaged
    {
        _tensors.Add(new TensorSpec(name, (Fb.TensorType)(sbyte)type, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), null, null, IsVariable: true));
        return _tensors.Count - 1;
    }

    /// <summary>Adds a constant tensor with raw little-endian data.</summary>
    public int Constant(string name, TensorType type, int[] shape, byte[] data, Quant? quant = null) =>
        Tensor(name, type, shape, data, quant);

    /// <summary>Adds a constant tensor from typed values.</summary>
    public int Constant<T>(string name, TensorType type, int[] shape, T[] values, Quant? quant = null) where T : unmanaged =>
        Tensor(name, type, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), quant);

    private int Tensor(string name, TensorType type, int[] shape, byte[]? data, Quant? quant, int[]? sig = null)
    {
        _tensors.Add(new TensorSpec(name, (Fb.TensorType)(sbyte)type, shape, data, quant, sig));
        return _tensors.Count - 1;
    }

    /// <summary>Adds a builtin operator; <paramref name="options"/> builds its options table and returns its offset.</summary>
    public OpModelBuilder Op(Fb.BuiltinOperator code, int[] inputs, int[] outputs,
        Fb.BuiltinOptions optionsType = Fb.BuiltinOptions.NONE, Func<FlatBufferBuilder, int>? options = null, int version = 1, int[]? intermediates = null)
    {
        _ops.Add(new OpSpec(code, null, version, inputs, outputs, optionsType, options, null, intermediates));
        return this;
    }

    /// <summary>Adds a custom operator (operator code version <paramref name="version"/>).</summary>
    public OpModelBuilder Custom(string code, int[] inputs, int[] outputs, byte[]? customOptions = null, int version = 1)
    {
        _ops.Add(new OpSpec(Fb.BuiltinOperator.CUSTOM, code, version, inputs, outputs, Fb.BuiltinOptions.NONE, null, customOptions));
        return this;
    }

    private readonly List<OpModelBuilder> _subgraphs = [];
    private readonly OpModelBuilder? _root;
    private readonly string _name = "main";

    public OpModelBuilder() { }
    private OpModelBuilder(OpModelBuilder root, string name) { _root = root; _name = name; }

    /// <summary>
    /// Adds another subgraph (for IF/WHILE/CALL_ONCE) and returns a builder for it: add its tensors, inputs, outputs and
    /// operators with the same methods. Its index is <see cref="SubgraphIndex"/> (1, 2, ... in the order added).
    /// </summary>
    public OpModelBuilder AddSubgraph(string name)
    {
        if (_root != null) return _root.AddSubgraph(name);
        var g = new OpModelBuilder(this, name);
        _subgraphs.Add(g);
        g.SubgraphIndex = _subgraphs.Count;
        return g;
    }

    private readonly List<(string Key, int Subgraph, (string Name, int Tensor)[] Inputs, (string Name, int Tensor)[] Outputs)> _signatures = [];

    /// <summary>Adds a signature def running <paramref name="subgraph"/> (tensor indices are that subgraph's).</summary>
    public OpModelBuilder AddSignature(string key, OpModelBuilder subgraph, (string Name, int Tensor)[] inputs, (string Name, int Tensor)[] outputs)
    {
        (_root ?? this)._signatures.Add((key, subgraph.SubgraphIndex, inputs, outputs));
        return this;
    }

    /// <summary>Index of this subgraph in the model (0 = the main one, this builder).</summary>
    public int SubgraphIndex { get; private set; }

    /// <summary>Serialises the model (built from the root builder whichever subgraph builder it is called on).</summary>
    public byte[] Build()
    {
        if (_root != null) return _root.Build();
        var f = new FlatBufferBuilder(1024);
        // Buffers: 0 is the empty sentinel, then one per constant tensor.
        var bufferOffsets = new List<Offset<Fb.Buffer>> { Fb.Buffer.CreateBuffer(f) };
        var codes = new List<(Fb.BuiltinOperator Code, string? Custom, int Version)>();
        // The operator codes are written right after the last subgraph's operators (so a one-subgraph model has the
        // byte layout this builder always produced: the op-conformance references hash those bytes).
        Offset<Fb.OperatorCode>[] codeOffsets = [];
        var all = new List<OpModelBuilder> { this };
        all.AddRange(_subgraphs);
        var graphs = new List<Offset<Fb.SubGraph>>();
        for (int k = 0; k < all.Count; k++)
            graphs.Add(all[k].BuildSubgraph(f, bufferOffsets, codes, k == all.Count - 1 ? () => codeOffsets = CodeOffsets(f, codes) : null));
        VectorOffset sigs = default;
        if (_signatures.Count > 0)
        {
            Offset<Fb.TensorMap>[] Maps((string Name, int Tensor)[] m) =>
                m.Select(x => Fb.TensorMap.CreateTensorMap(f, f.CreateString(x.Name), (uint)x.Tensor)).ToArray();
            var defs = _signatures.Select(sg =>
            {
                var ins = Fb.SignatureDef.CreateInputsVector(f, Maps(sg.Inputs));
                var outs = Fb.SignatureDef.CreateOutputsVector(f, Maps(sg.Outputs));
                return Fb.SignatureDef.CreateSignatureDef(f, ins, outs, f.CreateString(sg.Key), (uint)sg.Subgraph);
            }).ToArray();
            sigs = Fb.Model.CreateSignatureDefsVector(f, defs);
        }
        var model = Fb.Model.CreateModel(f, 3,
            Fb.Model.CreateOperatorCodesVector(f, codeOffsets),
            Fb.Model.CreateSubgraphsVector(f, graphs.ToArray()),
            f.CreateString("EdgeLite test model"),
            Fb.Model.CreateBuffersVector(f, bufferOffsets.ToArray()),
            signature_defsOffset: sigs);
        f.Finish(model.Value, "TFL3");
        return f.SizedByteArray();
    }

    private static Offset<Fb.OperatorCode>[] CodeOffsets(FlatBufferBuilder f, List<(Fb.BuiltinOperator Code, string? Custom, int Version)> codes) =>
        codes.Select(c =>
        {
            StringOffset cc = c.Custom != null ? f.CreateString(c.Custom) : default;
            sbyte deprecated = (int)c.Code < 127 ? (sbyte)c.Code : (sbyte)127;
            return Fb.OperatorCode.CreateOperatorCode(f, deprecated, cc, c.Version, c.Code);
        }).ToArray();

    private Offset<Fb.SubGraph> BuildSubgraph(FlatBufferBuilder f, List<Offset<Fb.Buffer>> bufferOffsets, List<(Fb.BuiltinOperator Code, string? Custom, int Version)> codes, Action? afterOperators)
    {
        var tensorBuffer = new uint[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            var d = _tensors[i].Data;
            if (d == null) continue;
            f.StartVector(1, d.Length, 16);
            for (int k = d.Length - 1; k >= 0; k--) f.PutByte(d[k]);
            var vec = f.EndVector();
            tensorBuffer[i] = (uint)bufferOffsets.Count;
            bufferOffsets.Add(Fb.Buffer.CreateBuffer(f, vec));
        }

        var tensorOffsets = new Offset<Fb.Tensor>[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            var name = f.CreateString(t.Name);
            var shape = Fb.Tensor.CreateShapeVector(f, t.Shape);
            VectorOffset sig = t.ShapeSignature != null ? Fb.Tensor.CreateShapeSignatureVector(f, t.ShapeSignature) : default;
            Offset<Fb.QuantizationParameters> q = default;
            if (t.Quant != null)
            {
                var sc = Fb.QuantizationParameters.CreateScaleVector(f, t.Quant.Scale);
                var zp = Fb.QuantizationParameters.CreateZeroPointVector(f, t.Quant.ZeroPoint);
                q = Fb.QuantizationParameters.CreateQuantizationParameters(f, scaleOffset: sc, zero_pointOffset: zp, quantized_dimension: t.Quant.Axis);
            }
            Offset<Fb.SparsityParameters> sp = default;
            if (_sparse.TryGetValue(i, out var ss))
            {
                var dims = new Offset<Fb.DimensionMetadata>[ss.Levels.Length];
                for (int l = 0; l < dims.Length; l++)
                {
                    var (dense, seg, idx) = ss.Levels[l];
                    if (seg == null) { dims[l] = Fb.DimensionMetadata.CreateDimensionMetadata(f, Fb.DimensionType.DENSE, dense); continue; }
                    var segV = Fb.Int32Vector.CreateInt32Vector(f, Fb.Int32Vector.CreateValuesVector(f, seg));
                    var idxV = Fb.Int32Vector.CreateInt32Vector(f, Fb.Int32Vector.CreateValuesVector(f, idx!));
                    dims[l] = Fb.DimensionMetadata.CreateDimensionMetadata(f, Fb.DimensionType.SPARSE_CSR, 0,
                        Fb.SparseIndexVector.Int32Vector, segV.Value, Fb.SparseIndexVector.Int32Vector, idxV.Value);
                }
                sp = Fb.SparsityParameters.CreateSparsityParameters(f, Fb.SparsityParameters.CreateTraversalOrderVector(f, ss.Traversal),
                    Fb.SparsityParameters.CreateBlockMapVector(f, ss.BlockMap), Fb.SparsityParameters.CreateDimMetadataVector(f, dims));
            }
            tensorOffsets[i] = Fb.Tensor.CreateTensor(f, shape, t.Type, tensorBuffer[i], name, q, is_variable: t.IsVariable, sparsityOffset: sp, shape_signatureOffset: sig);
        }

        // Operator codes, one per distinct (code, custom, version).
        var opOffsets = new Offset<Fb.Operator>[_ops.Count];
        for (int i = 0; i < _ops.Count; i++)
        {
            var o = _ops[i];
            var key = (o.Code, o.Custom, o.Version);
            int ci = codes.IndexOf(key);
            if (ci < 0) { codes.Add(key); ci = codes.Count - 1; }
            var ins = Fb.Operator.CreateInputsVector(f, o.Inputs);
            var outs = Fb.Operator.CreateOutputsVector(f, o.Outputs);
            int opts = o.Options != null ? o.Options(f) : 0;
            VectorOffset custom = o.CustomOptions != null ? Fb.Operator.CreateCustomOptionsVector(f, o.CustomOptions) : default;
            VectorOffset inter = o.Intermediates != null ? Fb.Operator.CreateIntermediatesVector(f, o.Intermediates) : default;
            opOffsets[i] = Fb.Operator.CreateOperator(f, (uint)ci, ins, outs, o.OptionsType, opts, custom, intermediatesOffset: inter);
        }
        afterOperators?.Invoke();
        var sgTensors = Fb.SubGraph.CreateTensorsVector(f, tensorOffsets);
        var sgIn = Fb.SubGraph.CreateInputsVector(f, _inputs.ToArray());
        var sgOut = Fb.SubGraph.CreateOutputsVector(f, _outputs.ToArray());
        var sgOps = Fb.SubGraph.CreateOperatorsVector(f, opOffsets);
        var sgName = f.CreateString(_name);
        return Fb.SubGraph.CreateSubGraph(f, sgTensors, sgIn, sgOut, sgOps, sgName);
    }

    /// <summary>Builds the model and an interpreter over it with tensors allocated.</summary>
    public Interpreter BuildInterpreter(int threads = 1, OpResolver? resolver = null)
    {
        if (_root != null) return _root.BuildInterpreter(threads, resolver);
        var interp = new Interpreter(EdgeLite.Model.FromBytes(Build()), new InterpreterOptions { Threads = threads, Resolver = resolver });
        interp.AllocateTensors();
        return interp;
    }
}
