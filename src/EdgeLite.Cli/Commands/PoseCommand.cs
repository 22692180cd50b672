using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite pose IMAGE --model M</c>: the 17 body keypoints of one person (MoveNet).</summary>
internal static class PoseCommand
{
    public static Command Create(CommandIO io)
    {
        var image = new Argument<string>("image") { Description = "Image file (JPEG, PNG, BMP, WebP, GIF)" };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite single-pose model (MoveNet)", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object" };
        var cmd = new Command("pose", "Estimate the body keypoints of one person: position in pixels and score") { image, model, threads, json };
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var est = new PoseEstimator(mdl, t);
            var path = p.GetValue(image)!;
            var img = RgbImage.Load(path);
            var kps = est.Estimate(img);
            if (p.GetValue(json))
            {
                Common.WriteJsonLine(io.Out, w =>
                {
                    w.WriteString("image", path);
                    w.WriteStartArray("keypoints");
                    foreach (var k in kps)
                    {
                        w.WriteStartObject();
                        w.WriteString("name", k.Name);
                        w.WriteNumber("x", Math.Round(k.X * img.Width, 2)); w.WriteNumber("y", Math.Round(k.Y * img.Height, 2));
                        w.WriteNumber("score", Math.Round(k.Score, 4));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                io.Out.WriteLine(path);
                foreach (var k in kps) io.Out.WriteLine($"  {k.Name,-15} x {Common.F(k.X * img.Width, 1),7}  y {Common.F(k.Y * img.Height, 1),7}  score {Common.F(k.Score, 3)}");
            }
            return Cli.Ok;
        });
        return cmd;
    }
}
