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
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (or use --source)", Arity = ArgumentArity.ZeroOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite pose model: single-pose (MoveNet) or multi-pose (PoseNet/BodyPix with PosenetDecoderOp)", Required = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var minScore = new Option<float>("--min-score") { Description = "Leave out poses scored below this (0..1)", DefaultValueFactory = _ => 0f };
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with the skeletons drawn (PNG; a folder when there are several images)" };
        var fit = new Option<string?>("--fit") { Description = "stretch (default) or letterbox the photo to the input size" };
        var cmd = new Command("pose", "Estimate body keypoints of each person: position in pixels and score; optionally draw the skeletons") { images, model, threads, minScore, json, output, fit };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            float min = p.GetValue(minScore);
            if (!(min >= 0f && min <= 1f)) throw new UsageException("--min-score must be in [0, 1]");
            var imageFit = Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch;
            var sourceArg = p.GetValue(video.Source);
            var imageArgs = p.GetValue(images) ?? [];
            if (sourceArg == null && imageArgs.Length == 0) throw new UsageException("give images or --source");
            if (sourceArg != null && imageArgs.Length > 0) throw new UsageException("give images or --source, not both");
            var paths = sourceArg == null ? Common.ExpandImages(imageArgs) : [];
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var est = new PoseEstimator(mdl, t, fit: imageFit);
            bool asJson = p.GetValue(json);
            var outTarget = p.GetValue(output);
            if (sourceArg != null)
            {
                return VideoRunner.Run(io, p, video, sourceArg, asJson, outTarget,
                    frame => est.EstimatePoses(frame.Image).Where(q => q.Score >= min).ToList(),
                    (j, poses) => WritePoses(j, poses),
                    (img, poses) => Drawing.DrawPoses(img, poses.Select(q => (IReadOnlyList<(float, float, float)>)q.Keypoints.Select(k => (k.X, k.Y, k.Score)).ToArray())),
                    summary: poses => $"{poses.Count} pose(s)");
            }
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path);
                var poses = est.EstimatePoses(img).Where(q => q.Score >= min).ToList();
                string? written = null;
                if (outTarget != null)
                {
                    written = Common.OutputPath(outTarget, path, paths.Count);
                    Drawing.DrawPoses(img, poses.Select(q => (IReadOnlyList<(float, float, float)>)q.Keypoints.Select(k => (k.X, k.Y, k.Score)).ToArray())).Save(written);
                }
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.Width); j.WriteNumber("height", img.Height);
                        WritePoses(j, poses);
                        if (written != null) j.WriteString("annotated", written);
                    });
                }
                else
                {
                    w.WriteLine(est.IsMultiPose ? $"{path}: {poses.Count} pose(s)" : path);
                    for (int i = 0; i < poses.Count; i++)
                    {
                        if (est.IsMultiPose) w.WriteLine($"pose {i}  score {Common.F(poses[i].Score, 3)}");
                        foreach (var k in poses[i].Keypoints)
                            w.WriteLine($"  {k.Name,-15} x {Common.F(k.X, 1),7}  y {Common.F(k.Y, 1),7}  score {Common.F(k.Score, 3)}");
                    }
                    if (written != null) w.WriteLine($"  annotated image: {written}");
                }
            });
        });
        return cmd;
    }

    /// <summary>"keypoints" (the best pose's, what single-pose consumers read) and "poses" (all of them).</summary>
    private static void WritePoses(System.Text.Json.Utf8JsonWriter j, IReadOnlyList<Pose> poses)
    {
        j.WriteStartArray("keypoints");
        if (poses.Count > 0) foreach (var k in poses[0].Keypoints) WriteKeypoint(j, k);
        j.WriteEndArray();
        j.WriteStartArray("poses");
        foreach (var q in poses)
        {
            j.WriteStartObject();
            j.WriteNumber("score", Math.Round(q.Score, 4));
            j.WriteStartArray("keypoints");
            foreach (var k in q.Keypoints) WriteKeypoint(j, k);
            j.WriteEndArray();
            j.WriteEndObject();
        }
        j.WriteEndArray();
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
