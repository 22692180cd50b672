using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite pose [MODEL] IMAGE... [--model M]</c>: body keypoints in image pixels — one person (MoveNet) or several (PoseNet /
/// BodyPix with Coral's decoder op).
/// </summary>
internal static class PoseCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (first the .tflite model when --model is not given); or --source", Arity = ArgumentArity.ZeroOrMore };
        var model = Shared.ModelOption("The .tflite pose model: single-pose (MoveNet) or multi-pose (PoseNet/BodyPix with PosenetDecoderOp)");
        var threads = Shared.ThreadsOption();
        var minScore = new Option<float>("--min-score") { Description = "Leave out poses scored below this (0..1)", DefaultValueFactory = _ => 0f };
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar (errors and warnings: JSON on stderr)" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with the skeletons drawn (PNG; a folder when there are several images)" };
        var fit = new Option<string?>("--fit") { Description = "stretch (default) or letterbox the photo to the input size" };
        var maxPixels = Shared.MaxImagePixelsOption();
        var cmd = new Command("pose", "Estimate body keypoints of each person: position in pixels and score; optionally draw the skeletons") { images, model, threads, minScore, json, output, fit, maxPixels };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = Shared.Threads(p.GetValue(threads));
            float min = p.GetValue(minScore);
            if (!(min >= 0f && min <= 1f)) throw new UsageException($"--min-score {min}: must be in [0, 1]");
            var imageFit = Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch;
            var limits = Shared.ImageOptions(p.GetValue(maxPixels));
            var sourceArg = p.GetValue(video.Source);
            var positionals = (p.GetValue(images) ?? []).ToList();
            var modelPath = Shared.ModelPath(p.GetValue(model), positionals);
            if (sourceArg == null && positionals.Count == 0) throw new UsageException("no images given (or --source)");
            if (sourceArg != null && positionals.Count > 0) throw new UsageException("give images or --source, not both");
            var paths = sourceArg == null ? Common.ExpandImages(positionals) : [];
            var outTarget = p.GetValue(output);
            var plan = new OutputPlan();
            if (sourceArg == null) plan.Add("--out", outTarget, paths);
            using var mdl = Common.LoadModel(modelPath);
            using var est = new PoseEstimator(mdl, t, fit: imageFit);
            var (inW, inH, _) = Shared.InputSize(est.Interpreter);
            Shared.WarnAssumedNormalization(io, mdl, null);
            if (outTarget == null) limits = limits with { MinWidth = inW, MinHeight = inH };
            bool asJson = p.GetValue(json);
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
                var img = RgbImage.Load(path, limits);
                float sx = (float)img.FullWidth / img.Width, sy = (float)img.FullHeight / img.Height;
                var poses = est.EstimatePoses(img).Where(q => q.Score >= min)
                    .Select(q => sx == 1 && sy == 1 ? q : q with { Keypoints = q.Keypoints.Select(k => k with { X = k.X * sx, Y = k.Y * sy }).ToArray() }).ToList();
                string? written = plan.For("--out", path);
                if (written != null)
                    Common.Save(Drawing.DrawPoses(img, poses.Select(q => (IReadOnlyList<(float, float, float)>)q.Keypoints.Select(k => (k.X, k.Y, k.Score)).ToArray())), written, "--out");
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.FullWidth); j.WriteNumber("height", img.FullHeight);
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
