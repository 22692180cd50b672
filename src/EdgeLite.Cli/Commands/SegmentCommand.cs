using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite segment [MODEL] IMAGE... [--model M] [--out mask.png] [--overlay overlay.png]</c>: per-pixel classes, class shares, colour mask and overlay.</summary>
internal static class SegmentCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (first the .tflite model when --model is not given); or --source", Arity = ArgumentArity.ZeroOrMore };
        var model = Shared.ModelOption("The .tflite segmentation model");
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var output = new Option<string?>("--out", "--output", "-o") { Description = "Write the class map as a colour PNG at the image's size (a folder when there are several images)" };
        var overlay = new Option<string?>("--overlay") { Description = "Write the photo with the classes painted over it (PNG; a folder when there are several images)" };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar (errors and warnings: JSON on stderr)" };
        var fit = new Option<string?>("--fit") { Description = "stretch (default) or letterbox the photo to the input size" };
        var mean = Shared.MeanOption();
        var std = Shared.StdOption();
        var maxPixels = Shared.MaxImagePixelsOption();
        var cmd = new Command("segment", "Segment images: the share of each class, a colour mask and an overlay") { images, model, labels, output, overlay, threads, json, fit, mean, std, maxPixels };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = Shared.Threads(p.GetValue(threads));
            var norm = Shared.Normalization(p.GetValue(mean), p.GetValue(std));
            var imageFit = Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch;
            var limits = Shared.ImageOptions(p.GetValue(maxPixels));
            var labelFile = p.GetValue(labels);
            IReadOnlyList<string>? labelList = labelFile is { } lf ? Labels.Load(lf) : null;
            var sourceArg = p.GetValue(video.Source);
            var positionals = (p.GetValue(images) ?? []).ToList();
            var modelPath = Shared.ModelPath(p.GetValue(model), positionals);
            if (sourceArg == null && positionals.Count == 0) throw new UsageException("no images given (or --source)");
            if (sourceArg != null && positionals.Count > 0) throw new UsageException("give images or --source, not both");
            var paths = sourceArg == null ? Common.ExpandImages(positionals) : [];
            string? maskTarget = p.GetValue(output), overlayTarget = p.GetValue(overlay);
            if (sourceArg != null)
            {
                if (maskTarget != null) throw new UsageException("with --source, write the painted video with --overlay VIDEO");
                using var vmdl = Common.LoadModel(modelPath);
                using var vseg = new ImageSegmenter(vmdl, new ImageSegmenterOptions { Labels = labelList, Threads = t, Normalization = norm, Fit = imageFit });
                Shared.WarnAssumedNormalization(io, vmdl, norm);
                return VideoRunner.Run(io, p, video, sourceArg, p.GetValue(json), overlayTarget, frame => vseg.Segment(frame.Image), (j, result) =>
                {
                    j.WriteStartArray("classes");
                    foreach (var c in result.ClassFractions())
                    {
                        j.WriteStartObject();
                        j.WriteNumber("index", c.Index); j.WriteString("label", c.Label); j.WriteNumber("fraction", Math.Round(c.Fraction, 6));
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();
                }, (img, result) => result.Overlay(img), summary: result => string.Join(", ", result.ClassFractions().Take(3).Select(c => $"{c.Label} {Common.F(100 * c.Fraction, 1)}%")));
            }
            if (maskTarget != null && overlayTarget != null && Path.GetFullPath(maskTarget) == Path.GetFullPath(overlayTarget) && paths.Count == 1 && !Directory.Exists(maskTarget))
                throw new UsageException("--out and --overlay name the same path");
            var plan = new OutputPlan();
            plan.Add("--out", maskTarget, paths);
            plan.Add("--overlay", overlayTarget, paths);
            using var mdl = Common.LoadModel(modelPath);
            using var seg = new ImageSegmenter(mdl, new ImageSegmenterOptions { Labels = labelList, Threads = t, Normalization = norm, Fit = imageFit });
            var (inW, inH, channels) = Shared.InputSize(seg.Interpreter);
            Shared.CheckChannels(norm, channels);
            Shared.WarnAssumedNormalization(io, mdl, norm);
            var scores = seg.Interpreter.GetOutputTensor(0);
            if (scores.Rank == 4 && scores.Shape[3] > 1)
                Shared.CheckLabels(io, labelList, scores.Shape[3], $"the label file {labelFile}");
            // without an overlay (which needs the photo at full size) big JPEGs are decoded at reduced scale
            if (overlayTarget == null) limits = limits with { MinWidth = inW, MinHeight = inH };
            bool asJson = p.GetValue(json);
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path, limits);
                var result = seg.Segment(img);
                var shares = result.ClassFractions();
                string? maskPath = plan.For("--out", path), overlayPath = plan.For("--overlay", path);
                if (maskPath != null) Common.Guard(() => result.SaveMask(maskPath, img.FullWidth, img.FullHeight), maskPath, "--out");
                if (overlayPath != null) Common.Save(result.Overlay(img), overlayPath, "--overlay");
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", result.Width); j.WriteNumber("height", result.Height);
                        j.WriteStartArray("classes");
                        foreach (var c in shares)
                        {
                            j.WriteStartObject();
                            j.WriteNumber("index", c.Index); j.WriteString("label", c.Label); j.WriteNumber("fraction", Math.Round(c.Fraction, 6));
                            j.WriteEndObject();
                        }
                        j.WriteEndArray();
                        if (maskPath != null) j.WriteString("mask", maskPath);
                        if (overlayPath != null) j.WriteString("overlay", overlayPath);
                    });
                }
                else
                {
                    w.WriteLine($"{path}  ({result.Width}x{result.Height} class map)");
                    foreach (var c in shares) w.WriteLine($"  {Common.F(100 * c.Fraction, 1),5}%  {c.Label}");
                    if (maskPath != null) w.WriteLine($"  mask: {maskPath}");
                    if (overlayPath != null) w.WriteLine($"  overlay: {overlayPath}");
                }
            });
        });
        return cmd;
    }
}
