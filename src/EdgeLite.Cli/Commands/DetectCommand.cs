using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite detect IMAGE... --model M [--out annotated.png]</c>: objects with labels, scores and boxes in pixels.</summary>
internal static class DetectCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (or use --source)", Arity = ArgumentArity.ZeroOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite detection model (TFLite_Detection_PostProcess outputs, or raw SSD outputs)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var threshold = new Option<float>("--threshold") { Description = "Minimum score", DefaultValueFactory = _ => 0.5f };
        var maxResults = new Option<int>("--max", "--max-results") { Description = "At most this many objects per image", DefaultValueFactory = _ => 25 };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with boxes and labels drawn (PNG; a folder when there are several images)" };
        var preset = new Option<string>("--anchors") { Description = "Anchor set for raw SSD outputs: auto (MediaPipe face/palm/pose detectors recognised from the model, else ssd300), ssd300 (TF OD API SSD 300x300) or blazeface (MediaPipe short-range face detector)", DefaultValueFactory = _ => "auto" };
        var fit = new Option<string?>("--fit") { Description = "stretch or letterbox the photo to the input size (default: stretch; letterbox for blazeface)" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("detect", "Detect objects: label, score and box (pixels) of each; optionally draw them")
            { images, model, labels, threshold, maxResults, threads, json, output, preset, fit, mean, std };
        var track = new Option<bool>("--track") { Description = "With --source: follow objects across frames (Kalman + IoU, ByteTrack's low-score pass) and report a stable track_id each" };
        var trackLow = new Option<float>("--track-low") { Description = "With --track: detections down to this score keep existing tracks alive", DefaultValueFactory = _ => 0.1f };
        cmd.Options.Add(track); cmd.Options.Add(trackLow);
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads), max = p.GetValue(maxResults);
            float th = p.GetValue(threshold);
            if (t <= 0 || max <= 0) throw new UsageException("--threads and --max must be positive");
            if (th is < 0 or > 1) throw new UsageException("--threshold must be in [0, 1]");
            var imageFit = Common.Fit(p.GetValue(fit));
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            var basis = p.GetValue(preset) switch
            {
                "auto" => new ObjectDetectorOptions(),
                "ssd300" => new ObjectDetectorOptions { Anchors = new SsdAnchorOptions() },
                "blazeface" => ObjectDetectorOptions.BlazeFaceShortRange(),
                var other => throw new UsageException($"--anchors {other}: expected auto, ssd300 or blazeface"),
            };
            var sourceArg = p.GetValue(video.Source);
            var imageArgs = p.GetValue(images) ?? [];
            if (sourceArg == null && imageArgs.Length == 0) throw new UsageException("give images or --source");
            if (sourceArg != null && imageArgs.Length > 0) throw new UsageException("give images or --source, not both");
            bool tracking = p.GetValue(track);
            if (tracking && sourceArg == null) throw new UsageException("--track needs --source (a video)");
            float low = p.GetValue(trackLow);
            if (tracking && !(low > 0 && low <= th)) throw new UsageException("--track-low must be in (0, --threshold]");
            var paths = sourceArg == null ? Common.ExpandImages(imageArgs) : [];
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            var options = basis with
            {
                Labels = labelList ?? basis.Labels, ScoreThreshold = tracking ? low : th, MaxResults = max, Threads = t, Normalization = norm,
                Fit = imageFit ?? basis.Fit,
            };
            using var det = new ObjectDetector(mdl, options);
            bool asJson = p.GetValue(json);
            var outTarget = p.GetValue(output);
            if (sourceArg != null)
            {
                var tracker = tracking ? new ObjectTracker(new TrackerOptions { HighScore = th, LowScore = low, NewTrackScore = Math.Min(1f, th + 0.1f) }) : null;
                return VideoRunner.Run(io, p, video, sourceArg, asJson, outTarget,
                    frame =>
                    {
                        var found = det.Detect(frame.Image);
                        if (tracker == null) return (Objects: found, Ids: (IReadOnlyList<int>?)null);
                        var tracked = tracker.Update(found);
                        return (Objects: tracked.Select(t => t.Detection).ToList(), Ids: tracked.Select(t => t.TrackId).ToList());
                    },
                    (j, r) => WriteObjects(j, r.Objects, r.Ids),
                    (img, r) => Drawing.DrawDetections(img, r.Objects, r.Ids),
                    summary: r => $"{r.Objects.Count} object(s)" + (r.Ids != null ? $" tracks [{string.Join(", ", r.Ids)}]" : ""));
            }
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path);
                var found = det.Detect(img);
                string? written = null;
                if (outTarget != null)
                {
                    written = Common.OutputPath(outTarget, path, paths.Count);
                    Drawing.DrawDetections(img, found).Save(written);
                }
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.Width); j.WriteNumber("height", img.Height);
                        WriteObjects(j, found, null);
                        if (written != null) j.WriteString("annotated", written);
                    });
                }
                else
                {
                    w.WriteLine($"{path}: {found.Count} object(s)");
                    foreach (var d in found)
                        w.WriteLine($"  {Common.F(d.Score, 3)}  {d.Label,-20} box [{Common.F(d.Left, 0)}, {Common.F(d.Top, 0)}, {Common.F(d.Right, 0)}, {Common.F(d.Bottom, 0)}]");
                    if (written != null) w.WriteLine($"  annotated image: {written}");
                }
            });
        });
        return cmd;
    }

    /// <summary>"objects": index, label, score, box [left, top, right, bottom] in pixels, keypoints, and track_id when tracking.</summary>
    internal static void WriteObjects(System.Text.Json.Utf8JsonWriter j, IReadOnlyList<Detection> found, IReadOnlyList<int>? trackIds)
    {
        j.WriteStartArray("objects");
        for (int n = 0; n < found.Count; n++)
        {
            var d = found[n];
            j.WriteStartObject();
            if (trackIds != null) j.WriteNumber("track_id", trackIds[n]);
            j.WriteNumber("index", d.Index); j.WriteString("label", d.Label); j.WriteNumber("score", Math.Round(d.Score, 4));
            j.WriteStartArray("box");
            foreach (var v in new[] { d.Left, d.Top, d.Right, d.Bottom }) j.WriteNumberValue(Math.Round(v, 1));
            j.WriteEndArray();
            if (d.Keypoints is { } kps)
            {
                j.WriteStartArray("keypoints");
                foreach (var (kx, ky) in kps) { j.WriteStartArray(); j.WriteNumberValue(Math.Round(kx, 1)); j.WriteNumberValue(Math.Round(ky, 1)); j.WriteEndArray(); }
                j.WriteEndArray();
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }
}
