using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite detect IMAGE --model M</c>: objects with labels, scores and boxes in pixels.</summary>
internal static class DetectCommand
{
    public static Command Create(CommandIO io)
    {
        var image = new Argument<string>("image") { Description = "Image file (JPEG, PNG, BMP, WebP, GIF)" };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite detection model (TFLite_Detection_PostProcess outputs, or raw SSD outputs)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var threshold = new Option<float>("--threshold") { Description = "Minimum score", DefaultValueFactory = _ => 0.5f };
        var maxResults = new Option<int>("--max-results") { Description = "At most this many objects", DefaultValueFactory = _ => 25 };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object" };
        var preset = new Option<string>("--anchors") { Description = "Anchor set for raw SSD outputs: ssd300 (TF OD API SSD 300x300) or blazeface (MediaPipe short-range face detector)", DefaultValueFactory = _ => "ssd300" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("detect", "Detect objects: label, score and box (pixels) of each") { image, model, labels, threshold, maxResults, threads, json, preset, mean, std };
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads), max = p.GetValue(maxResults);
            float th = p.GetValue(threshold);
            if (t <= 0 || max <= 0) throw new UsageException("--threads and --max-results must be positive");
            if (th is < 0 or > 1) throw new UsageException("--threshold must be in [0, 1]");
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            var basis = p.GetValue(preset) switch
            {
                "ssd300" => new ObjectDetectorOptions(),
                "blazeface" => ObjectDetectorOptions.BlazeFaceShortRange(),
                var other => throw new UsageException($"--anchors {other}: expected ssd300 or blazeface"),
            };
            var options = basis with { Labels = labelList ?? basis.Labels, ScoreThreshold = th, MaxResults = max, Threads = t, Normalization = norm };
            using var det = new ObjectDetector(mdl, options);
            var path = p.GetValue(image)!;
            var found = det.Detect(RgbImage.Load(path));
            if (p.GetValue(json))
            {
                Common.WriteJsonLine(io.Out, w =>
                {
                    w.WriteString("image", path);
                    w.WriteStartArray("objects");
                    foreach (var d in found)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", d.Index); w.WriteString("label", d.Label); w.WriteNumber("score", Math.Round(d.Score, 4));
                        w.WriteStartArray("box");
                        foreach (var v in new[] { d.Left, d.Top, d.Right, d.Bottom }) w.WriteNumberValue(Math.Round(v, 1));
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                io.Out.WriteLine($"{path}: {found.Count} object(s)");
                foreach (var d in found)
                    io.Out.WriteLine($"  {Common.F(d.Score, 3)}  {d.Label,-20} box [{Common.F(d.Left, 0)}, {Common.F(d.Top, 0)}, {Common.F(d.Right, 0)}, {Common.F(d.Bottom, 0)}]");
            }
            return Cli.Ok;
        });
        return cmd;
    }
}
