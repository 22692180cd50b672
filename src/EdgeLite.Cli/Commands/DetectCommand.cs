using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite detect [MODEL] IMAGE... [--model M] [--out annotated.png]</c>: objects with labels, scores and boxes in pixels.</summary>
internal static class DetectCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (first the .tflite model when --model is not given); or --source", Arity = ArgumentArity.ZeroOrMore };
        var model = Shared.ModelOption("The .tflite detection model (TFLite_Detection_PostProcess outputs, or raw SSD outputs)");
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var threshold = new Option<float>("--threshold") { Description = "Minimum score", DefaultValueFactory = _ => 0.5f };
        var maxResults = new Option<int>("--max", "--max-results") { Description = "At most this many objects per image", DefaultValueFactory = _ => 25 };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar (errors and warnings: JSON on stderr)" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with boxes and labels drawn (PNG; a folder when there are several images)" };
        var preset = new Option<string>("--anchors") { Description = "Anchor set for raw SSD outputs: auto (MediaPipe face/palm/pose detectors recognised from the model, else ssd300), ssd300 (TF OD API SSD 300x300) or blazeface (MediaPipe short-range face detector)", DefaultValueFactory = _ => "auto" };
        var fit = new Option<string?>("--fit") { Description = "stretch or letterbox the photo to the input size (default: stretch; letterbox for blazeface)" };
        var mean = Shared.MeanOption();
        var std = Shared.StdOption();
        var maxPixels = Shared.MaxImagePixelsOption();
        var cmd = new Command("detect", "Detect objects: label, score and box (pixels) of each; optionally draw them")
            { images, model, labels, threshold, maxResults, threads, json, output, preset, fit, mean, std, maxPixels };
        var track = new Option<bool>("--track") { Description = "With --source: follow objects across frames (Kalman + IoU, ByteTrack's low-score pass) and report a stable track_id each" };
        var trackLow = new Option<float>("--track-low") { Description = "With --track: detections down to this score keep existing tracks alive", DefaultValueFactory = _ => 0.1f };
        cmd.Options.Add(track); cmd.Options.Add(trackLow);
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = Shared.Threads(p.GetValue(threads)), max = p.GetValue(maxResults);
            float th = p.GetValue(threshold);
            if (max <= 0) throw new UsageException($"--max {max}: must be positive");
            if (!(th >= 0 && th <= 1)) throw new UsageException($"--threshold {th}: must be in [0, 1]");
            var imageFit = Common.Fit(p.GetValue(fit));
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            var norm = Shared.Normalization(p.GetValue(mean), p.GetValue(std));
            var limits = Shared.ImageOptions(p.GetValue(maxPixels));
            var basis = p.GetValue(preset) switch
            {
                "auto" => new ObjectDetectorOptions(),
                "ssd300" => new ObjectDetectorOptions { Anchors = new SsdAnchorOptions() },
                "blazeface" => ObjectDetectorOptions.BlazeFaceShortRange(),
                var other => throw new UsageException($"--anchors {other}: expected auto, ssd300 or blazeface"),
            };
            var sourceArg = p.GetValue(video.Source);
            var positionals = (p.GetValue(images) ?? []).ToList();
            var modelPath = Shared.ModelPath(p.GetValue(model), positionals);
            if (sourceArg == null && positionals.Count == 0) throw new UsageException("no images given (or --source)");
            if (sourceArg != null && positionals.Count > 0) throw new UsageException("give images or --source, not both");
            bool tracking = p.GetValue(track);
            if (tracking && sourceArg == null) throw new UsageException("--track needs --source (a video)");
            float low = p.GetValue(trackLow);
            if (tracking && !(low > 0 && low <= th)) throw new UsageException("--track-low must be in (0, --threshold]");
            var paths = sourceArg == null ? Common.ExpandImages(positionals) : [];
            var outTarget = p.GetValue(output);
            var plan = new OutputPlan();
            if (sourceArg == null) plan.Add("--out", outTarget, paths);
            using var mdl = Common.LoadModel(modelPath);
            var options = basis with
            {
                Labels = labelList ?? basis.Labels, ScoreThreshold = tracking ? low : th, MaxResults = max, Threads = t, Normalization = norm,
                Fit = imageFit ?? basis.Fit,
            };
            using var det = new ObjectDetector(mdl, options);
            var (inW, inH, channels) = Shared.InputSize(det.Interpreter);
            Shared.CheckChannels(norm, channels);
            Shared.WarnAssumedNormalization(io, mdl, norm);
            if (p.GetValue(labels) is { } labelFile && labelList != null && ClassScores(mdl) is int withBackground)
                Shared.CheckLabels(io, labelList, withBackground - 1, $"the label file {labelFile}");
            // without a drawing, big JPEGs are decoded at the smallest scale that covers the input; boxes are scaled back
            if (outTarget == null) limits = limits with { MinWidth = inW, MinHeight = inH };
            bool asJson = p.GetValue(json);
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
                var img = RgbImage.Load(path, limits);
                float sx = (float)img.FullWidth / img.Width, sy = (float)img.FullHeight / img.Height;
                var found = det.Detect(img).Select(d => sx == 1 && sy == 1 ? d : d with
                {
                    Left = d.Left * sx, Right = d.Right * sx, Top = d.Top * sy, Bottom = d.Bottom * sy,
                    Keypoints = d.Keypoints?.Select(k => (k.X * sx, k.Y * sy)).ToArray(),
                }).ToList();
                string? written = plan.For("--out", path);
                if (written != null) Common.Save(Drawing.DrawDetections(img, found), written, "--out");
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.FullWidth); j.WriteNumber("height", img.FullHeight);
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

    /// <summary>
    /// Classes the model scores, background included: the last dimension of the class scores (raw SSD output 1, or the
    /// class-predictions input of TFLite_Detection_PostProcess), or null when the model has neither.
    /// </summary>
    private static int? ClassScores(Model model)
    {
        var sg = model.MainSubgraph;
        var post = sg.Operators.FirstOrDefault(o => o.IsCustom && o.CustomCode == "TFLite_Detection_PostProcess");
        int tensor = post != null ? (post.Inputs.Count > 1 ? post.Inputs[1] : -1) : (sg.Outputs.Count > 1 ? sg.Outputs[1] : -1);
        if (tensor < 0) return null;
        var shape = sg.Tensors[tensor].Shape;
        return shape.Count == 3 && shape[2] > 1 ? shape[2] : null;
    }
}
