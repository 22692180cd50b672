using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite detect [MODEL] IMAGE... [--model M] [--out annotated.png]</c>: objects with labels, scores and boxes in pixels.</summary>
internal static class DetectCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (first the .tflite model when --model is not given)", Arity = ArgumentArity.OneOrMore };
        var model = Shared.ModelOption("The .tflite detection model (TFLite_Detection_PostProcess outputs, or raw SSD outputs)");
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var threshold = new Option<float>("--threshold") { Description = "Minimum score", DefaultValueFactory = _ => 0.5f };
        var maxResults = new Option<int>("--max", "--max-results") { Description = "At most this many objects per image", DefaultValueFactory = _ => 25 };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar (errors and warnings: JSON on stderr)" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with boxes and labels drawn (PNG; a folder when there are several images)" };
        var preset = new Option<string>("--anchors") { Description = "Anchor set for raw SSD outputs: ssd300 (TF OD API SSD 300x300) or blazeface (MediaPipe short-range face detector)", DefaultValueFactory = _ => "ssd300" };
        var fit = new Option<string?>("--fit") { Description = "stretch or letterbox the photo to the input size (default: stretch; letterbox for blazeface)" };
        var mean = Shared.MeanOption();
        var std = Shared.StdOption();
        var maxPixels = Shared.MaxImagePixelsOption();
        var cmd = new Command("detect", "Detect objects: label, score and box (pixels) of each; optionally draw them")
            { images, model, labels, threshold, maxResults, threads, json, output, preset, fit, mean, std, maxPixels };
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
                "ssd300" => new ObjectDetectorOptions(),
                "blazeface" => ObjectDetectorOptions.BlazeFaceShortRange(),
                var other => throw new UsageException($"--anchors {other}: expected ssd300 or blazeface"),
            };
            var positionals = p.GetValue(images)!.ToList();
            var modelPath = Shared.ModelPath(p.GetValue(model), positionals);
            if (positionals.Count == 0) throw new UsageException("no images given");
            var paths = Common.ExpandImages(positionals);
            var outTarget = p.GetValue(output);
            var plan = new OutputPlan();
            plan.Add("--out", outTarget, paths);
            using var mdl = Common.LoadModel(modelPath);
            var options = basis with
            {
                Labels = labelList ?? basis.Labels, ScoreThreshold = th, MaxResults = max, Threads = t, Normalization = norm,
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
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path, limits);
                float sx = (float)img.FullWidth / img.Width, sy = (float)img.FullHeight / img.Height;
                var found = det.Detect(img).Select(d => sx == 1 && sy == 1 ? d : d with { Left = d.Left * sx, Right = d.Right * sx, Top = d.Top * sy, Bottom = d.Bottom * sy }).ToList();
                string? written = plan.For("--out", path);
                if (written != null) Common.Save(Drawing.DrawDetections(img, found), written, "--out");
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.FullWidth); j.WriteNumber("height", img.FullHeight);
                        j.WriteStartArray("objects");
                        foreach (var d in found)
                        {
                            j.WriteStartObject();
                            j.WriteNumber("index", d.Index); j.WriteString("label", d.Label); j.WriteNumber("score", Math.Round(d.Score, 4));
                            j.WriteStartArray("box");
                            foreach (var v in new[] { d.Left, d.Top, d.Right, d.Bottom }) j.WriteNumberValue(Math.Round(v, 1));
                            j.WriteEndArray();
                            j.WriteEndObject();
                        }
                        j.WriteEndArray();
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
