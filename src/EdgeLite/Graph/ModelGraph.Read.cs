using Fb = EdgeLite.Schema;

namespace EdgeLite;

public sealed partial class ModelGraph
{
    /// <summary>
    /// An editable copy of a loaded model: every subgraph, tensor, operator (with its options), buffer, signature,
    /// metadata entry and the appended archive of associated files. Constant data is copied, so the graph stays
    /// valid after <paramref name="model"/> is disposed.
    /// </summary>
    /// <exception cref="NotSupportedException">The model uses a construct the graph cannot carry (large custom options of models over 2 GiB).</exception>
    public static ModelGraph FromModel(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = new ModelGraph { Version = model.Version, Description = model.Description };
        foreach (var c in model.OperatorCodes) g.OperatorCodeOrder.Add((c.BuiltinCode, c.CustomCode, c.Version));

        var buffers = new GraphBuffer?[model.BufferCount];
        GraphBuffer BufferAt(int i)
        {
            if (buffers[i] != null) return buffers[i]!;
            var data = model.GetBuffer(i);
            return buffers[i] = new GraphBuffer(data.IsEmpty ? [] : data.ToArray());
        }

        var fb = model.Flatbuffer;
        foreach (var sd in model.Subgraphs)
        {
            var fsg = fb.Subgraphs(sd.Index)!.Value;
            var sg = new GraphSubgraph { Name = sd.Name, DebugMetadataIndex = fsg.DebugMetadataIndex };
            foreach (var td in sd.Tensors)
            {
                var ft = fsg.Tensors(td.Index)!.Value;
                var t = new GraphTensor(td.Name, td.Type, [.. td.Shape])
                {
                    ShapeSignature = td.ShapeSignature?.ToArray(),
                    IsVariable = td.IsVariable,
                    HasRank = ft.HasRank,
                    Quantization = td.Quantization,
                };
                if (ft.Quantization is { } fq)
                {
                    t.HadQuantizationTable = true;
                    if (fq.MinLength > 0) t.QuantizationMin = [.. fq.GetMinArray()];
                    if (fq.MaxLength > 0) t.QuantizationMax = [.. fq.GetMaxArray()];
                    if (fq.DetailsType != Fb.QuantizationDetails.NONE) t.QuantizationDetails = fq.UnPack().Details;
                }
                if (ft.Sparsity is { } sp) t.Sparsity = sp.UnPack();
                if (ft.VariantTensorsLength > 0)
                {
                    t.VariantTensors = [];
                    for (int k = 0; k < ft.VariantTensorsLength; k++) t.VariantTensors.Add(ft.VariantTensors(k)!.Value.UnPack());
                }
                if (td.BufferIndex != 0 && td.BufferIndex < buffers.Length && td.DataLength > 0) t.Buffer = BufferAt(td.BufferIndex);
                sg.Tensors.Add(t);
            }
            GraphTensor? At(int i) => i < 0 ? null : sg.Tensors[i];
            foreach (var i in sd.Inputs) sg.Inputs.Add(sg.Tensors[i]);
            foreach (var i in sd.Outputs) sg.Outputs.Add(sg.Tensors[i]);
            foreach (var od in sd.Operators)
            {
                var fo = od.Fb;
                if (fo.LargeCustomOptionsSize != 0)
                    throw new NotSupportedException($"subgraph {sd.Index} operator {od.Index} ({od.OpName}): large custom options (models over 2 GiB) cannot be rewritten");
                var op = new GraphOperator(od.BuiltinCode, od.CustomCode, od.Version)
                {
                    CustomOptionsFormat = fo.CustomOptionsFormat,
                    DebugMetadataIndex = fo.DebugMetadataIndex,
                };
                foreach (var i in od.Inputs) op.Inputs.Add(At(i));
                foreach (var i in od.Outputs) op.Outputs.Add(sg.Tensors[i]);
                foreach (var i in od.Intermediates) op.Intermediates.Add(sg.Tensors[i]);
                if (fo.CustomOptionsLength > 0) op.CustomOptions = fo.GetCustomOptionsArray();
                if (fo.MutatingVariableInputsLength > 0)
                {
                    op.MutatingVariableInputs = [];
                    for (int k = 0; k < fo.MutatingVariableInputsLength; k++) op.MutatingVariableInputs.Add(fo.MutatingVariableInputs(k));
                }
                if (fo.BuiltinOptionsType != Fb.BuiltinOptions.NONE || fo.BuiltinOptions2Type != Fb.BuiltinOptions2.NONE)
                {
                    // flatc's object API unpacks the options union (and would copy the custom options too: cheap).
                    var unpacked = fo.UnPack();
                    if (fo.BuiltinOptionsType != Fb.BuiltinOptions.NONE) op.Options = unpacked.BuiltinOptions;
                    if (fo.BuiltinOptions2Type != Fb.BuiltinOptions2.NONE) op.Options2 = unpacked.BuiltinOptions2;
                }
                sg.Operators.Add(op);
            }
            g.Subgraphs.Add(sg);
        }

        foreach (var s in model.Signatures)
        {
            var sg = g.Subgraphs[s.SubgraphIndex];
            var sig = new GraphSignature(s.Key, sg);
            foreach (var x in s.Inputs) sig.Inputs.Add(new GraphSignatureTensor(x.Name, sg.Tensors[x.TensorIndex]));
            foreach (var x in s.Outputs) sig.Outputs.Add(new GraphSignatureTensor(x.Name, sg.Tensors[x.TensorIndex]));
            g.Signatures.Add(sig);
        }
        foreach (var m in model.Metadata) g.Metadata.Add(new GraphMetadata(m.Name, BufferAt(m.BufferIndex)));
        for (int i = 0; i < fb.MetadataBufferLength; i++)
        {
            int b = fb.MetadataBuffer(i);
            if ((uint)b < (uint)buffers.Length) g.LegacyMetadataBuffers.Add(BufferAt(b));
        }
        g.AppendedArchive = AppendedZip.Extract(model.GetFileBytes(), model.PayloadEnd);
        return g;
    }

    /// <summary>Reads and verifies a model file and returns an editable copy of it.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid TFLite model.</exception>
    public static ModelGraph FromFile(string path)
    {
        using var m = Model.FromFile(path);
        return FromModel(m);
    }

    /// <summary>Verifies model bytes and returns an editable copy of the model.</summary>
    /// <exception cref="ModelFormatException">The bytes are not a valid TFLite model.</exception>
    public static ModelGraph FromBytes(byte[] data)
    {
        using var m = Model.FromBytes(data);
        return FromModel(m);
    }
}
