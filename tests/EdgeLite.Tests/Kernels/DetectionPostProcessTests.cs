using EdgeLite.Tests.Infrastructure;

namespace EdgeLite.Tests.Kernels;

public class DetectionPostProcessTests
{
    // Anchors in centre-size form (y, x, h, w).
    private static readonly float[] Anchors =
    [
        0.50f, 0.50f, 0.2f, 0.2f, // A0
        0.52f, 0.50f, 0.2f, 0.2f, // A1: overlaps A0 (IoU 0.82)
        0.10f, 0.10f, 0.1f, 0.1f, // A2
        0.90f, 0.90f, 0.1f, 0.1f, // A3
    ];

    // Scores [4 anchors, background + 2 classes].
    private static readonly float[] Scores =
    [
        0.0f, 0.1f, 0.9f,
        0.0f, 0.6f, 0.8f,
        0.0f, 0.7f, 0.1f,
        0.0f, 0.1f, 0.2f,
    ];

    private static Dictionary<string, object> Options(bool regular, int maxDetections = 3, float iou = 0.5f) => new()
    {
        ["max_detections"] = maxDetections, ["max_classes_per_detection"] = 1, ["detections_per_class"] = 10,
        ["use_regular_nms"] = regular, ["nms_score_threshold"] = 0.3f, ["nms_iou_threshold"] = iou, ["num_classes"] = 2,
        ["y_scale"] = 10f, ["x_scale"] = 10f, ["h_scale"] = 5f, ["w_scale"] = 5f,
    };

    internal static Interpreter Build(Dictionary<string, object> options, bool quantized = false)
    {
        var b = new OpModelBuilder();
        int boxes, scores, anchors;
        if (quantized)
        {
            boxes = b.Input("boxes", TensorType.UInt8, [1, 4, 4], Quant.PerTensor(0.1f, 128));
            scores = b.Input("scores", TensorType.UInt8, [1, 4, 3], Quant.PerTensor(0.1f, 0));
            anchors = b.Constant("anchors", TensorType.UInt8, [4, 4], Anchors.Select(a => (byte)Math.Round(a / 0.02f)).ToArray(), Quant.PerTensor(0.02f, 0));
        }
        else
        {
            boxes = b.Input("boxes", TensorType.Float32, [1, 4, 4]);
            scores = b.Input("scores", TensorType.Float32, [1, 4, 3]);
            anchors = b.Constant("anchors", TensorType.Float32, [4, 4], Anchors);
        }
        int o0 = b.Output("detection_boxes", TensorType.Float32, []);
        int o1 = b.Output("detection_classes", TensorType.Float32, []);
        int o2 = b.Output("detection_scores", TensorType.Float32, []);
        int o3 = b.Output("num_detections", TensorType.Float32, []);
        b.Custom("TFLite_Detection_PostProcess", [boxes, scores, anchors], [o0, o1, o2, o3], FlexMapWriter.Write(options));
        return b.BuildInterpreter();
    }

    private static (float[] Boxes, float[] Classes, float[] Scores, int Count) Run(Interpreter it, float[]? encodings = null)
    {
        if (it.GetInputTensor(0).Type == TensorType.Float32)
        {
            it.GetInputTensor(0).CopyFrom<float>(encodings ?? new float[16]);
            it.GetInputTensor(1).CopyFrom<float>(Scores);
        }
        else
        {
            it.GetInputTensor(0).CopyFrom<byte>((encodings ?? new float[16]).Select(e => (byte)(Math.Round(e / 0.1f) + 128)).ToArray());
            it.GetInputTensor(1).CopyFrom<byte>(Scores.Select(s => (byte)Math.Round(s / 0.1f)).ToArray());
        }
        it.Invoke();
        return (it.GetOutputTensor(0).ToArray<float>(), it.GetOutputTensor(1).ToArray<float>(),
            it.GetOutputTensor(2).ToArray<float>(), (int)it.GetOutputTensor(3).ToArray<float>()[0]);
    }

    [Fact]
    public void FastNmsKeepsTheBestClassPerAnchorAndSuppressesOverlaps()
    {
        using var it = Build(Options(regular: false));
        Assert.Equal(new[] { 1, 3, 4 }, it.GetOutputTensor(0).ShapeArray);
        var (boxes, classes, scores, count) = Run(it);
        Assert.Equal(2, count);
        Assert.Equal(new[] { 1f, 0f, 0f }, classes);
        Assert.Equal(new[] { 0.9f, 0.7f, 0f }, scores);
        Assert.Equal(new[] { 0.4f, 0.4f, 0.6f, 0.6f }, boxes[..4], new FloatTolerance(1e-6f));
        Assert.Equal(new[] { 0.05f, 0.05f, 0.15f, 0.15f }, boxes[4..8], new FloatTolerance(1e-6f));
        Assert.All(boxes[8..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RegularNmsRunsPerClassAndMergesByScore()
    {
        using var it = Build(Options(regular: true));
        var (boxes, classes, scores, count) = Run(it);
        Assert.Equal(3, count);
        Assert.Equal(new[] { 1f, 0f, 0f }, classes);          // A0 class 1, A2 class 0, A1 class 0
        Assert.Equal(new[] { 0.9f, 0.7f, 0.6f }, scores);
        Assert.Equal(0.42f, boxes[8], 5);                    // A1's ymin
    }

    [Fact]
    public void RegularNmsStopsAtMaxDetections()
    {
        using var it = Build(Options(regular: true, maxDetections: 2));
        var (_, classes, scores, count) = Run(it);
        Assert.Equal(2, count);
        Assert.Equal(new[] { 0.9f, 0.7f }, scores);
        Assert.Equal(new[] { 1f, 0f }, classes);
    }

    [Fact]
    public void IouThresholdOfOneKeepsOverlappingBoxes()
    {
        using var it = Build(Options(regular: false, iou: 1f));
        var (_, _, scores, count) = Run(it);
        Assert.Equal(3, count);
        Assert.Equal(new[] { 0.9f, 0.8f, 0.7f }, scores);
    }

    [Fact]
    public void EncodingsAreDecodedAgainstAnchors()
    {
        using var it = Build(Options(regular: false));
        var enc = new float[16];
        enc[0] = 1f; enc[1] = -1f; enc[2] = 5f * MathF.Log(2f); // A0: y += 0.1*0.2, x -= 0.1*0.2, h doubles
        var (boxes, _, _, _) = Run(it, enc);
        Assert.Equal(new[] { 0.52f - 0.2f, 0.48f - 0.1f, 0.52f + 0.2f, 0.48f + 0.1f }, boxes[..4], new FloatTolerance(1e-5f));
    }

    [Fact]
    public void QuantizedInputsGiveTheSameDetections()
    {
        using var f = Build(Options(regular: false));
        using var q = Build(Options(regular: false), quantized: true);
        var a = Run(f);
        var b = Run(q);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Classes, b.Classes);
        Assert.Equal(a.Scores, b.Scores, new FloatTolerance(1e-5f));
        Assert.Equal(a.Boxes, b.Boxes, new FloatTolerance(1e-5f));
    }

    [Theory]
    [InlineData("nms_iou_threshold", 0f)]
    [InlineData("num_classes", 5)]
    [InlineData("max_classes_per_detection", 0)]
    [InlineData("max_detections", -1)]
    public void BadOptionsAreRefusedAtAllocateTensors(string key, object value)
    {
        var o = Options(regular: false);
        o[key] = value;
        Assert.Throws<ModelFormatException>(() => Build(o));
    }

    [Fact]
    public void InvokeAllocatesNothing()
    {
        using var it = Build(Options(regular: true));
        Run(it);
        Assert.Equal(0, Allocations.OfInvoke(it));
    }
}

internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(float v) => 0;
}
