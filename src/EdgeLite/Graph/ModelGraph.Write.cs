using Google.FlatBuffers;
using Fb = EdgeLite.Schema;

namespace EdgeLite;

public sealed partial class ModelGraph
{
    /// <summary>
    /// Serializes the model: a schema-v3 flatbuffer (identifier <c>TFL3</c>) built with Google.FlatBuffers, followed
    /// by the appended archive when there is one. Buffer 0 is the empty sentinel; each constant buffer is written once
    /// (16-byte aligned, after the structure, as TFLite's converter lays them out), in order of first use.
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph is inconsistent (an operator, output or signature refers to a
    /// tensor that is not in its subgraph's <see cref="GraphSubgraph.Tensors"/>, or the model exceeds 2 GiB).</exception>
    public byte[] ToBytes()
    {
        if (Subgraphs.Count == 0) throw new InvalidOperationException("the model graph has no subgraph");

        // Buffers: 0 = empty sentinel, then every distinct non-empty buffer in order of first use.
        var bufferIndex = new Dictionary<GraphBuffer, int>(ReferenceEqualityComparer.Instance);
        var bufferList = new List<GraphBuffer?> { null };
        long dataBytes = 0;
        int IndexOfBuffer(GraphBuffer b, bool allowEmpty)
        {
            if (!allowEmpty && b.Data.Length == 0) return 0;
            if (bufferIndex.TryGetValue(b, out int i)) return i;
            bufferIndex[b] = i = bufferList.Count;
            bufferList.Add(b);
            dataBytes += b.Data.Length + 16;
            return i;
        }
        var tensorIndex = new Dictionary<GraphTensor, int>[Subgraphs.Count];
        var tensorBuffer = new int[Subgraphs.Count][];
        for (int s = 0; s < Subgraphs.Count; s++)
        {
            var sg = Subgraphs[s];
            tensorIndex[s] = new Dictionary<GraphTensor, int>(ReferenceEqualityComparer.Instance);
            tensorBuffer[s] = new int[sg.Tensors.Count];
            for (int i = 0; i < sg.Tensors.Count; i++)
            {
                var t = sg.Tensors[i];
                if (!tensorIndex[s].TryAdd(t, i)) throw new InvalidOperationException($"subgraph {s}: tensor {t} is listed twice");
                tensorBuffer[s][i] = t.Buffer == null ? 0 : IndexOfBuffer(t.Buffer, allowEmpty: false);
            }
        }
        var metadataBuffers = Metadata.Select(m => IndexOfBuffer(m.Buffer, allowEmpty: true)).ToArray();
        var legacyBuffers = LegacyMetadataBuffers.Select(b => IndexOfBuffer(b, allowEmpty: true)).ToArray();
        if (dataBytes > int.MaxValue - (64 << 20)) throw new InvalidOperationException($"the model's {dataBytes} bytes of constants exceed what a 2 GiB flatbuffer holds");

        var f = new FlatBufferBuilder((int)Math.Min(int.MaxValue / 2, dataBytes + (1 << 20)));

        // Constant data first: the builder writes back to front, so it ends up after the structure.
        var bufferOffsets = new Offset<Fb.Buffer>[bufferList.Count];
        for (int i = bufferList.Count - 1; i >= 1; i--)
        {
            var d = bufferList[i]!.Data;
            f.StartVector(1, d.Length, 16);
            f.Add(d);
            var vec = f.EndVector();
            bufferOffsets[i] = Fb.Buffer.CreateBuffer(f, vec);
        }
        bufferOffsets[0] = Fb.Buffer.CreateBuffer(f);

        // Operator codes: the source file's order first (keeps opcode indices on a round trip), then new ones.
        var codes = new List<(int Code, string? Custom, int Version)>();
        var codeIndex = new Dictionary<(int, string?, int), int>();
        foreach (var c in OperatorCodeOrder.Concat(Subgraphs.SelectMany(sg => sg.Operators).Select(o => (o.BuiltinCode, o.CustomCode, o.Version))))
        {
            if (codeIndex.ContainsKey(c)) continue;
            if (!Subgraphs.Any(sg => sg.Operators.Any(o => (o.BuiltinCode, o.CustomCode, o.Version) == c))) continue;
            codeIndex[c] = codes.Count;
            codes.Add(c);
        }

        var subgraphOffsets = new Offset<Fb.SubGraph>[Subgraphs.Count];
        for (int s = 0; s < Subgraphs.Count; s++)
            subgraphOffsets[s] = WriteSubgraph(f, s, Subgraphs[s], tensorIndex[s], tensorBuffer[s], codeIndex);

        var codeOffsets = codes.Select(c =>
        {
            StringOffset custom = c.Custom != null ? f.CreateString(c.Custom) : default;
            // deprecated_builtin_code holds codes below 127 (PLACEHOLDER_FOR_GREATER_OP_CODES above), as TFLite writes it.
            sbyte deprecated = (sbyte)Math.Min(c.Code, 127);
            return Fb.OperatorCode.CreateOperatorCode(f, deprecated, custom, c.Version, (Fb.BuiltinOperator)c.Code);
        }).ToArray();

        var sigOffsets = new Offset<Fb.SignatureDef>[Signatures.Count];
        for (int i = 0; i < Signatures.Count; i++)
        {
            var sig = Signatures[i];
            int s = Subgraphs.IndexOf(sig.Subgraph);
            if (s < 0) throw new InvalidOperationException($"signature '{sig.Key}': its subgraph is not in the model");
            VectorOffset Maps(List<GraphSignatureTensor> list, string what) => Fb.SignatureDef.CreateInputsVector(f, list.Select(x =>
            {
                if (!tensorIndex[s].TryGetValue(x.Tensor, out int ti)) throw new InvalidOperationException($"signature '{sig.Key}' {what} '{x.Name}': tensor {x.Tensor} is not in subgraph {s}");
                return Fb.TensorMap.CreateTensorMap(f, f.CreateString(x.Name), (uint)ti);
            }).ToArray());
            var ins = Maps(sig.Inputs, "input");
            var outs = Maps(sig.Outputs, "output");
            sigOffsets[i] = Fb.SignatureDef.CreateSignatureDef(f, ins, outs, f.CreateString(sig.Key), (uint)s);
        }

        var metaOffsets = new Offset<Fb.Metadata>[Metadata.Count];
        for (int i = 0; i < Metadata.Count; i++)
            metaOffsets[i] = Fb.Metadata.CreateMetadata(f, f.CreateString(Metadata[i].Name), (uint)metadataBuffers[i]);

        var model = Fb.Model.CreateModel(f, Version,
            Fb.Model.CreateOperatorCodesVector(f, codeOffsets),
            Fb.Model.CreateSubgraphsVector(f, subgraphOffsets),
            Description != null ? f.CreateString(Description) : default,
            Fb.Model.CreateBuffersVector(f, bufferOffsets),
            legacyBuffers.Length > 0 ? Fb.Model.CreateMetadataBufferVector(f, legacyBuffers) : default,
            metaOffsets.Length > 0 ? Fb.Model.CreateMetadataVector(f, metaOffsets) : default,
            sigOffsets.Length > 0 ? Fb.Model.CreateSignatureDefsVector(f, sigOffsets) : default);
        f.Finish(model.Value, "TFL3");

        var bb = f.DataBuffer;
        int start = bb.Position, length = bb.Length - bb.Position;
        if (AppendedArchive == null) return f.SizedByteArray();
        // The archive is appended 16-byte aligned, with its offsets from the start of the file (as Python's zipfile writes them).
        int at = (length + 15) & ~15;
        var archive = AppendedZip.ForPosition(AppendedArchive, at);
        var result = new byte[at + archive.Length];
        bb.ToArraySegment(start, length).AsSpan().CopyTo(result);
        archive.CopyTo(result.AsSpan(at));
        return result;
    }

    private static Offset<Fb.SubGraph> WriteSubgraph(FlatBufferBuilder f, int s, GraphSubgraph sg, Dictionary<GraphTensor, int> index, int[] buffers,
        Dictionary<(int, string?, int), int> codeIndex)
    {
        int IndexOf(GraphTensor t, string where) =>
            index.TryGetValue(t, out int i) ? i : throw new InvalidOperationException($"subgraph {s} {where}: tensor {t} is not in the subgraph's tensor list");

        var tensorOffsets = new Offset<Fb.Tensor>[sg.Tensors.Count];
        for (int i = 0; i < sg.Tensors.Count; i++)
        {
            var t = sg.Tensors[i];
            var name = f.CreateString(t.Name);
            var shape = Fb.Tensor.CreateShapeVector(f, t.Shape);
            VectorOffset sig = t.ShapeSignature != null ? Fb.Tensor.CreateShapeSignatureVector(f, t.ShapeSignature) : default;
            Offset<Fb.QuantizationParameters> q = default;
            if (t.Quantization != null || t.HadQuantizationTable || t.QuantizationMin != null || t.QuantizationMax != null || t.QuantizationDetails != null)
            {
                var qt = new Fb.QuantizationParametersT
                {
                    Min = t.QuantizationMin, Max = t.QuantizationMax, Details = t.QuantizationDetails,
                    Scale = t.Quantization != null ? [.. t.Quantization.Scales] : null,
                    ZeroPoint = t.Quantization != null ? [.. t.Quantization.ZeroPoints] : null,
                    QuantizedDimension = t.Quantization?.QuantizedDimension ?? 0,
                };
                q = Fb.QuantizationParameters.Pack(f, qt);
            }
            Offset<Fb.SparsityParameters> sp = t.Sparsity != null ? Fb.SparsityParameters.Pack(f, t.Sparsity) : default;
            VectorOffset variants = default;
            if (t.VariantTensors != null)
                variants = Fb.Tensor.CreateVariantTensorsVector(f, t.VariantTensors.Select(v => Fb.VariantSubType.Pack(f, v)).ToArray());
            tensorOffsets[i] = Fb.Tensor.CreateTensor(f, shape, (Fb.TensorType)(sbyte)t.Type, (uint)buffers[i], name, q, t.IsVariable, sp, sig, t.HasRank, variants);
        }

        var opOffsets = new Offset<Fb.Operator>[sg.Operators.Count];
        for (int i = 0; i < sg.Operators.Count; i++)
        {
            var o = sg.Operators[i];
            string where = $"operator {i} ({o.OpName})";
            var ins = Fb.Operator.CreateInputsVector(f, o.Inputs.Select(t => t == null ? -1 : IndexOf(t, where)).ToArray());
            var outs = Fb.Operator.CreateOutputsVector(f, o.Outputs.Select(t => IndexOf(t, where)).ToArray());
            int opts = o.Options != null ? Fb.BuiltinOptionsUnion.Pack(f, o.Options) : 0;
            int opts2 = o.Options2 != null ? Fb.BuiltinOptions2Union.Pack(f, o.Options2) : 0;
            VectorOffset custom = o.CustomOptions != null ? Fb.Operator.CreateCustomOptionsVector(f, o.CustomOptions) : default;
            VectorOffset mutating = o.MutatingVariableInputs != null ? Fb.Operator.CreateMutatingVariableInputsVector(f, [.. o.MutatingVariableInputs]) : default;
            VectorOffset inter = o.Intermediates.Count > 0 ? Fb.Operator.CreateIntermediatesVector(f, o.Intermediates.Select(t => IndexOf(t, where)).ToArray()) : default;
            opOffsets[i] = Fb.Operator.CreateOperator(f, (uint)codeIndex[(o.BuiltinCode, o.CustomCode, o.Version)], ins, outs,
                o.Options?.Type ?? Fb.BuiltinOptions.NONE, opts, custom, o.CustomOptionsFormat, mutating, inter, 0, 0,
                o.Options2?.Type ?? Fb.BuiltinOptions2.NONE, opts2, o.DebugMetadataIndex);
        }

        var sgIn = Fb.SubGraph.CreateInputsVector(f, sg.Inputs.Select(t => IndexOf(t, "input")).ToArray());
        var sgOut = Fb.SubGraph.CreateOutputsVector(f, sg.Outputs.Select(t => IndexOf(t, "output")).ToArray());
        return Fb.SubGraph.CreateSubGraph(f, Fb.SubGraph.CreateTensorsVector(f, tensorOffsets), sgIn, sgOut,
            Fb.SubGraph.CreateOperatorsVector(f, opOffsets), f.CreateString(sg.Name), sg.DebugMetadataIndex);
    }
}
