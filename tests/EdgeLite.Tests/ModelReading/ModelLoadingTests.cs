namespace EdgeLite.Tests.ModelReading;

public class ModelLoadingTests
{
    [Theory]
    [MemberData(nameof(SharedData.ModelStems), MemberType = typeof(SharedData))]
    public void EveryZooModelLoadsFromFileAndBytesAlike(string stem)
    {
        var path = SharedData.Model(stem);
        using var mapped = EdgeLite.Model.FromFile(path);
        using var inMemory = EdgeLite.Model.FromBytes(File.ReadAllBytes(path));
        Assert.Equal(3u, mapped.Version);
        Assert.NotEmpty(mapped.Subgraphs);
        Assert.Equal(mapped.Subgraphs[0].Tensors.Count, inMemory.Subgraphs[0].Tensors.Count);
        Assert.Equal(mapped.Subgraphs[0].Operators.Select(o => o.OpName), inMemory.Subgraphs[0].Operators.Select(o => o.OpName));
        // Constant data read through the memory map equals the bytes read from the array.
        for (int b = 0; b < mapped.BufferCount; b++)
            Assert.True(mapped.GetBuffer(b).SequenceEqual(inMemory.GetBuffer(b)), $"buffer {b} differs");
    }

    [Fact]
    public void MobileNetV1DescriptionMatchesManifest()
    {
        using var m = EdgeLite.Model.FromFile(SharedData.Model("mobilenet_v1_0.25_128_quant"));
        var g = m.MainSubgraph;
        var input = g.Tensors[g.Inputs[0]];
        Assert.Equal(TensorType.UInt8, input.Type);
        Assert.Equal(new[] { 1, 128, 128, 3 }, input.Shape);
        Assert.Equal(0.0078125f, input.Quantization!.Scale);
        Assert.Equal(128, input.Quantization.ZeroPoint);
        var output = g.Tensors[g.Outputs[0]];
        Assert.Equal(new[] { 1, 1001 }, output.Shape);
        var hist = g.Operators.GroupBy(o => o.OpName).ToDictionary(x => x.Key, x => x.Count());
        Assert.Equal(15, hist["CONV_2D"]);
        Assert.Equal(13, hist["DEPTHWISE_CONV_2D"]);
        Assert.Equal(1, hist["SOFTMAX"]);
        Assert.True(m.HasMetadata("TFLITE_METADATA"));
    }

    [Fact]
    public void SignaturesAndPerChannelQuantizationAreExposed()
    {
        using var m = EdgeLite.Model.FromFile(SharedData.Model("movenet_single_pose_lightning_ptq"));
        Assert.Contains(m.Signatures, s => s.Key == "serving_default");
        Assert.Contains(m.MainSubgraph.Tensors, t => t.Quantization is { IsPerChannel: true });
    }

    [Fact]
    public void PersonDetectRank1BiasQuantizationIsToleratedAsAxis0()
    {
        using var m = EdgeLite.Model.FromFile(SharedData.Model("person_detect"));
        var bias = m.MainSubgraph.Tensors.First(t => t.Shape.Count == 1 && t.Quantization is { IsPerChannel: true });
        Assert.Equal(0, bias.Quantization!.QuantizedDimension);
    }

    [Fact]
    public void ASymbolicLinkIsFollowedToItsTarget()
    {
        // FileInfo.Length of a link is the length of the target's path: the model must be mapped at the target's size,
        // also through a chain of links and a relative link.
        var dir = Directory.CreateTempSubdirectory("edgelite-link-");
        try
        {
            string target = SharedData.Model("mobilenet_v1_0.25_128_quant");
            string link1 = Path.Combine(dir.FullName, "first.tflite");
            string link2 = Path.Combine(dir.FullName, "second.tflite");
            File.CreateSymbolicLink(link1, target);
            File.CreateSymbolicLink(link2, "first.tflite");
            using var direct = EdgeLite.Model.FromFile(target);
            foreach (var link in new[] { link1, link2 })
            {
                using var m = EdgeLite.Model.FromFile(link);
                Assert.Equal(new FileInfo(target).Length, m.SizeBytes);
                Assert.Equal(direct.MainSubgraph.Operators.Count, m.MainSubgraph.Operators.Count);
                using var it = new Interpreter(m);
                it.AllocateTensors();
                it.Invoke();
            }
            string dangling = Path.Combine(dir.FullName, "dangling.tflite");
            File.CreateSymbolicLink(dangling, Path.Combine(dir.FullName, "missing.tflite"));
            Assert.Throws<FileNotFoundException>(() => EdgeLite.Model.FromFile(dangling));
        }
        finally { dir.Delete(recursive: true); }
    }
}
