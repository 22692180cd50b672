using EdgeLite.Tests.Conformance;

namespace EdgeLite.Tests.Graph;

/// <summary>The named passes over <see cref="ModelGraph"/>.</summary>
public class GraphPassTests
{
    private static ModelGraph AddThenRelu(bool reluOutputIsAlsoRead = false)
    {
        var g = new ModelGraph();
        var sg = g.AddSubgraph("main");
        var a = sg.AddTensor("a", TensorType.Float32, [1, 4]);
        var b = sg.AddConstant<float>("b", TensorType.Float32, [1, 4], [1f, -2f, 0.5f, -0.25f]);
        var sum = sg.AddTensor("sum", TensorType.Float32, [1, 4]);
        var y = sg.AddTensor("y", TensorType.Float32, [1, 4]);
        sg.Inputs.Add(a); sg.Outputs.Add(y);
        sg.AddOperator(0 /* ADD */, [a, b], [sum]);
        sg.AddOperator(19 /* RELU */, [sum], [y]);
        if (reluOutputIsAlsoRead) sg.Outputs.Add(sum);
        return g;
    }

    private static float[] Run(ModelGraph g, float[] x)
    {
        using var m = g.ToModel();
        using var it = new Interpreter(m);
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFromBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()));
        it.Invoke();
        return it.GetOutputTensor(0).ToArray<float>();
    }

    [Fact]
    public void ReluAfterAddBecomesTheFusedActivationWithTheSameResults()
    {
        float[] x = [-3f, 1f, 0.1f, 2f];
        var before = Run(AddThenRelu(), x);
        var g = AddThenRelu();
        Assert.Equal(1, GraphPasses.FuseActivations(g));
        var op = Assert.Single(g.MainSubgraph.Operators);
        Assert.Equal("ADD", op.OpName);
        Assert.Equal("y", op.Outputs[0].Name);
        Assert.Equal(Schema.ActivationFunctionType.RELU, op.Options!.AsAddOptions().FusedActivationFunction);
        Assert.Equal(before, Run(g, x));
        Assert.Null(g.MainSubgraph.FindTensor("sum")); // removed with the RELU
    }

    [Fact]
    public void AnActivationInputThatIsReadElsewhereIsNotFused()
    {
        var g = AddThenRelu(reluOutputIsAlsoRead: true);
        Assert.Equal(0, GraphPasses.FuseActivations(g));
        Assert.Equal(2, g.MainSubgraph.Operators.Count);
    }

    [Fact]
    public void FoldConstantsEvaluatesFloat16DequantizeOnce()
    {
        var g = ModelGraph.FromFile(SharedData.Model("face_detection_short_range"));
        int dequantize = g.MainSubgraph.Operators.Count(o => o.OpName == "DEQUANTIZE");
        Assert.Equal(dequantize, GraphPasses.FoldConstants(g));
        Assert.DoesNotContain(g.MainSubgraph.Operators, o => o.OpName == "DEQUANTIZE");
        Assert.DoesNotContain(g.MainSubgraph.Tensors, t => t.Type == TensorType.Float16);
        // same outputs as the original on the conformance input
        var c = new ConformanceCase("face_detection_short_range", "random-seed-1");
        using var m = g.ToModel();
        using var it = new Interpreter(m);
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFromBytes(c.Input(0, it.GetInputTensor(0)));
        it.Invoke();
        for (int o = 0; o < it.OutputCount; o++)
        {
            var r = ConformanceRunner.Compare(o, it.GetOutputTensor(o), File.ReadAllBytes(Path.Combine(c.Directory, $"output_{o}.bin")));
            Assert.True(r.MaxRelDiff <= ConformanceRunner.FloatTolerance, r.ToString());
        }
    }

    [Fact]
    public void GraphBuiltFromScratchRoundTrips()
    {
        var g = AddThenRelu();
        g.Description = "from scratch";
        g.SetMetadata("min_runtime_version", "1.5.0"u8.ToArray());
        g.SetAssociatedFiles([new("labels.txt", "a\nb\n"u8.ToArray())]);
        var sig = new GraphSignature("serving_default", g.MainSubgraph);
        sig.Inputs.Add(new("in", g.MainSubgraph.Inputs[0])); sig.Outputs.Add(new("out", g.MainSubgraph.Outputs[0]));
        g.Signatures.Add(sig);
        var bytes = g.ToBytes();
        using var m = Model.FromBytes(bytes);
        Assert.Equal("from scratch", m.Description);
        Assert.Equal("1.5.0", System.Text.Encoding.ASCII.GetString(m.GetMetadata("min_runtime_version")));
        Assert.Equal("serving_default", Assert.Single(m.Signatures).Key);
        var again = ModelGraph.FromModel(m);
        Assert.Equal("a\nb\n", System.Text.Encoding.ASCII.GetString(again.ReadAssociatedFiles()["labels.txt"]));
        Assert.Equal(bytes, again.ToBytes());
    }

    [Fact]
    public void AHostileZipTrailerIsIgnoredNotTrusted()
    {
        var model = AddThenRelu().ToBytes();
        // an end-of-central-directory record whose entries and offsets point anywhere
        foreach (var (entries, cdSize, cdOffset) in new (ushort, uint, uint)[] { (1, 46, 0), (3, 0xFFFFFF, 7), (1, 0, 0xFFFFFFF0), (0xFFFF, 10, 0) })
        {
            var eocd = new byte[22];
            "PK\u0005\u0006"u8.CopyTo(eocd);
            BitConverter.GetBytes(entries).CopyTo(eocd, 8); BitConverter.GetBytes(entries).CopyTo(eocd, 10);
            BitConverter.GetBytes(cdSize).CopyTo(eocd, 12); BitConverter.GetBytes(cdOffset).CopyTo(eocd, 16);
            var file = model.Concat(new byte[64]).Concat(eocd).ToArray();
            var g = ModelGraph.FromBytes(file);
            Assert.Null(g.AppendedArchive);
            Assert.Empty(g.ReadAssociatedFiles());
        }
        // a well-formed central directory entry whose local header lies past the end of the file
        var cd = new byte[46];
        BitConverter.GetBytes(0x02014b50u).CopyTo(cd, 0);
        BitConverter.GetBytes(0x7FFFFFF0u).CopyTo(cd, 42);
        var end = new byte[22];
        "PK\u0005\u0006"u8.CopyTo(end);
        BitConverter.GetBytes((ushort)1).CopyTo(end, 8); BitConverter.GetBytes((ushort)1).CopyTo(end, 10);
        BitConverter.GetBytes(46u).CopyTo(end, 12); BitConverter.GetBytes((uint)model.Length).CopyTo(end, 16);
        var hostile = model.Concat(cd).Concat(end).ToArray();
        Assert.Null(ModelGraph.FromBytes(hostile).AppendedArchive);
    }

    [Fact]
    public void WritingATensorThatIsNotInTheSubgraphIsAnError()
    {
        var g = AddThenRelu();
        g.MainSubgraph.Operators[1].Outputs[0] = new GraphTensor("stray", TensorType.Float32, [1, 4]);
        var e = Assert.Throws<InvalidOperationException>(() => g.ToBytes());
        Assert.Contains("stray", e.Message);
    }
}
