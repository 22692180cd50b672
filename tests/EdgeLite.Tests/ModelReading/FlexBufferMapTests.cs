namespace EdgeLite.Tests.ModelReading;

public class FlexBufferMapTests
{
    [Fact]
    public void ReadsDetectionPostProcessOptionsOfARealModel()
    {
        using var model = EdgeLite.Model.FromFile(SharedData.Model("traffic_model"));
        var op = model.MainSubgraph.Operators.Single(o => o.CustomCode == "TFLite_Detection_PostProcess");
        var seg = op.Fb.GetCustomOptionsBytes();
        var map = FlexBufferMap.Parse(seg!.Value.AsSpan());
        foreach (var k in map.Keys) Console.WriteLine($"{k} = {map.GetFloat(k)}");
        Assert.Equal(40, map.GetInt("max_detections"));
        Assert.True(map.GetFloat("nms_iou_threshold") is > 0 and <= 1);
        Assert.True(map.GetInt("num_classes") > 0);
        Assert.Equal(10.0, map.GetFloat("y_scale"), 3);
    }

    [Fact]
    public void EmptyBufferIsAnEmptyMap() => Assert.Empty(FlexBufferMap.Parse([]).Keys);

    [Fact]
    public void GarbageIsAModelFormatException()
    {
        var rng = new Random(5);
        for (int n = 1; n < 200; n++)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            try { FlexBufferMap.Parse(b); }
            catch (ModelFormatException) { }
        }
    }

    [Fact]
    public void EveryTruncationOfRealOptionsFailsCleanly()
    {
        using var model = EdgeLite.Model.FromFile(SharedData.Model("traffic_model"));
        var op = model.MainSubgraph.Operators.Single(o => o.CustomCode == "TFLite_Detection_PostProcess");
        var full = op.Fb.GetCustomOptionsBytes()!.Value.ToArray();
        for (int n = 0; n < full.Length; n++)
        {
            try { FlexBufferMap.Parse(full.AsSpan(0, n)); }
            catch (ModelFormatException) { }
        }
    }
}
