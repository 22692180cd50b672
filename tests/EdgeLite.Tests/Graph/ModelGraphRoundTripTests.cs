using System.Text.Json;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Graph;

/// <summary>
/// Every zoo model read → written → read: the same tensors, operators (with options), buffers, signatures,
/// metadata and associated files; identical outputs; and writing is idempotent (written bytes read and written
/// again give the same bytes).
/// </summary>
public class ModelGraphRoundTripTests
{
    [Theory]
    [MemberData(nameof(SharedData.ModelStems), MemberType = typeof(SharedData))]
    public void ZooModelRoundTrips(string stem)
    {
        var path = SharedData.Model(stem);
        using var original = Model.FromFile(path);
        var graph = ModelGraph.FromModel(original);
        var bytes = graph.ToBytes();
        using var written = Model.FromBytes(bytes);
        // For checking the written files with the real TFLite reference tool (docs/model-writer.md).
        if (Environment.GetEnvironmentVariable("EDGELITE_ROUNDTRIP_DIR") is { Length: > 0 } dir)
            File.WriteAllBytes(Path.Combine(dir, stem + ".tflite"), bytes);

        AssertSameModel(original, written, stem);

        // Idempotent: the written model, read and written again, gives the same bytes.
        Assert.True(bytes.AsSpan().SequenceEqual(ModelGraph.FromModel(written).ToBytes()), $"{stem}: second write differs");

        // Associated files (labels in the appended zip) are carried.
        var a = ModelGraph.FromModel(original).ReadAssociatedFiles();
        var b = ModelGraph.FromModel(written).ReadAssociatedFiles();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.True(a[k].AsSpan().SequenceEqual(b[k]), $"{stem}: associated file {k} differs");
        // ... and the Vision metadata reader still finds the label file in the written model.
        var labelsBefore = EdgeLite.Vision.ModelMetadata.Read(original)?.Labels;
        var labelsAfter = EdgeLite.Vision.ModelMetadata.Read(written)?.Labels;
        Assert.Equal(labelsBefore, labelsAfter);

        if (stem == "model_invoking_error") return; // the negative test model: it is refused, not run
        var o1 = Run(original);
        var o2 = Run(written);
        Assert.Equal(o1.Length, o2.Length);
        for (int i = 0; i < o1.Length; i++) Assert.True(o1[i].AsSpan().SequenceEqual(o2[i]), $"{stem}: output {i} differs after the round trip");
    }

    private static byte[][] Run(Model m)
    {
        using var it = new Interpreter(m);
        it.AllocateTensors();
        var rng = new Random(7);
        for (int i = 0; i < it.InputCount; i++)
        {
            var t = it.GetInputTensor(i);
            if (t.Type == TensorType.Float32) { var f = t.AsSpan<float>(); for (int k = 0; k < f.Length; k++) f[k] = (float)(rng.NextDouble() * 2 - 1); }
            else rng.NextBytes(t.AsBytes());
        }
        it.Invoke();
        return Enumerable.Range(0, it.OutputCount).Select(o => it.GetOutputTensor(o).AsBytes().ToArray()).ToArray();
    }

    internal static void AssertSameModel(Model a, Model b, string what)
    {
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(a.Description, b.Description);
        Assert.Equal(a.Subgraphs.Count, b.Subgraphs.Count);
        for (int s = 0; s < a.Subgraphs.Count; s++)
        {
            var sa = a.Subgraphs[s]; var sb = b.Subgraphs[s];
            Assert.Equal(sa.Name, sb.Name);
            Assert.Equal(sa.Inputs, sb.Inputs);
            Assert.Equal(sa.Outputs, sb.Outputs);
            Assert.Equal(sa.Tensors.Count, sb.Tensors.Count);
            for (int i = 0; i < sa.Tensors.Count; i++)
            {
                var ta = sa.Tensors[i]; var tb = sb.Tensors[i];
                string where = $"{what} subgraph {s} tensor {ta}";
                Assert.Equal(ta.Name, tb.Name);
                Assert.Equal(ta.Type, tb.Type);
                Assert.Equal(ta.Shape, tb.Shape);
                Assert.Equal(ta.ShapeSignature, tb.ShapeSignature);
                Assert.Equal(ta.IsVariable, tb.IsVariable);
                Assert.Equal(ta.IsSparse, tb.IsSparse);
                Assert.Equal(ta.Quantization?.Scales, tb.Quantization?.Scales);
                Assert.Equal(ta.Quantization?.ZeroPoints, tb.Quantization?.ZeroPoints);
                if (ta.Quantization?.IsPerChannel == true) Assert.Equal(ta.Quantization.QuantizedDimension, tb.Quantization!.QuantizedDimension);
                Assert.True(Data(a, ta).SequenceEqual(Data(b, tb)), $"{where}: data differs");
                var fa = a.Flatbuffer.Subgraphs(s)!.Value.Tensors(i)!.Value; var fb = b.Flatbuffer.Subgraphs(s)!.Value.Tensors(i)!.Value;
                Assert.Equal(Json(fa.Sparsity?.UnPack()), Json(fb.Sparsity?.UnPack()));
                // Min/max ranges and details carried; quantized_dimension as EdgeLite reads it (a rank-1 bias written
                // with axis 3 by TFLite Micro's converter, person_detect, is written back with axis 0).
                var qa = fa.Quantization?.UnPack(); var qb = fb.Quantization?.UnPack();
                if (qa != null && ta.Quantization != null) qa.QuantizedDimension = ta.Quantization.QuantizedDimension;
                Assert.Equal(Json(qa), Json(qb));
                Assert.Equal(fa.HasRank, fb.HasRank);
            }
            Assert.Equal(sa.Operators.Count, sb.Operators.Count);
            for (int i = 0; i < sa.Operators.Count; i++)
            {
                var oa = sa.Operators[i]; var ob = sb.Operators[i];
                Assert.Equal(oa.OpName, ob.OpName);
                Assert.Equal(oa.BuiltinCode, ob.BuiltinCode);
                Assert.Equal(oa.Version, ob.Version);
                Assert.Equal(oa.Inputs, ob.Inputs);
                Assert.Equal(oa.Outputs, ob.Outputs);
                Assert.Equal(oa.Intermediates, ob.Intermediates);
                var ua = oa.Fb.UnPack(); var ub = ob.Fb.UnPack();
                ua.OpcodeIndex = ub.OpcodeIndex = 0;
                Assert.Equal(Json(ua), Json(ub));
            }
        }
        Assert.Equal(a.Signatures.Count, b.Signatures.Count);
        for (int i = 0; i < a.Signatures.Count; i++) Assert.Equal(Json(a.Signatures[i]), Json(b.Signatures[i]));
        Assert.Equal(a.Metadata.Select(m => m.Name), b.Metadata.Select(m => m.Name));
        foreach (var m in a.Metadata) Assert.True(a.GetMetadata(m.Name).SequenceEqual(b.GetMetadata(m.Name)), $"{what}: metadata {m.Name} differs");
    }

    private static ReadOnlySpan<byte> Data(Model m, TensorDescription t) => t.BufferIndex < m.BufferCount ? m.GetBuffer(t.BufferIndex) : default;

    private static readonly JsonSerializerOptions JsonOptions = new() { IncludeFields = true };
    private static string Json(object? o) => o == null ? "null" : JsonSerializer.Serialize(o, o.GetType(), JsonOptions);
}
