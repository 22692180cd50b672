using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite pose IMAGE --model M</c>: body keypoints in image pixels — one person (MoveNet) or several (PoseNet /
/// BodyPix with Coral's decoder op).
/// </summary>
internal static class PoseCommand
{
    public static Command Create(CommandIO io)
    {
        var image = new Argument<string>("image") { Description = "Image file (JPEG, PNG, BMP, WebP, GIF)" };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite pose model: single-pose (MoveNet) or multi-pose (PoseNet/BodyPix with PosenetDecoderOp)", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var minScore = new Option<float>("--min-score") { Description = "Leave out poses scored below this (0..1)", DefaultValueFactory = _ => 0f };
        var json = new Option<bool>("--json") { Description = "One JSON object" };
        var cmd = new Command("pose", "Estimate body keypoints of each person: position in pixels and score") { image, model, threads, minScore, json };
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            float min = p.GetValue(minScore);
            if (!(min >= 0f && min <= 1f)) throw new UsageException("--min-score must be in [0, 1]");
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var est = new PoseEstimator(mdl, t);
            var path = p.GetValue(image)!;
            var img = RgbImage.Load(path);
            var poses = est.EstimatePoses(img).Where(q => q.Score >= min).ToList();
            if (p.GetValue(json))
            {
                Common.WriteJsonLine(io.Out, w =>
                {
                    w.WriteString("image", path);
                    w.WriteNumber("width", img.Width); w.WriteNumber("height", img.Height);
                    // "keypoints": the best pose's (what single-pose consumers read); "poses": all of them
                    w.WriteStartArray("keypoints");
                    if (poses.Count > 0) foreach (var k in poses[0].Keypoints) WriteKeypoint(w, k);
                    w.WriteEndArray();
                    w.WriteStartArray("poses");
                    foreach (var q in poses)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("score", Math.Round(q.Score, 4));
                        w.WriteStartArray("keypoints");
                        foreach (var k in q.Keypoints) WriteKeypoint(w, k);
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                io.Out.WriteLine(est.IsMultiPose ? $"{path}: {poses.Count} pose(s)" : path);
                for (int i = 0; i < poses.Count; i++)
                {
                    if (est.IsMultiPose) io.Out.WriteLine($"pose {i}  score {Common.F(poses[i].Score, 3)}");
                    foreach (var k in poses[i].Keypoints)
                        io.Out.WriteLine($"  {k.Name,-15} x {Common.F(k.X, 1),7}  y {Common.F(k.Y, 1),7}  score {Common.F(k.Score, 3)}");
                }
            }
            return Cli.Ok;
        });
        return cmd;
    }

    private static void WriteKeypoint(System.Text.Json.Utf8JsonWriter w, PixelKeypoint k)
    {
        w.WriteStartObject();
        w.WriteString("name", k.Name);
        w.WriteNumber("x", Math.Round(k.X, 2)); w.WriteNumber("y", Math.Round(k.Y, 2));
        w.WriteNumber("score", Math.Round(k.Score, 4));
        w.WriteEndObject();
    }
}
