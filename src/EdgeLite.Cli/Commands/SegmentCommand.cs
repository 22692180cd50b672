using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite segment IMAGE... --model M [--out mask.png] [--overlay overlay.png]</c>: per-pixel classes, class shares, colour mask and overlay.</summary>
internal static class SegmentCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (or use --source)", Arity = ArgumentArity.ZeroOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite segmentation model", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var output = new Option<string?>("--out", "--output", "-o") { Description = "Write the class map as a colour PNG at the image's size (a folder when there are several images)" };
        var overlay = new Option<string?>("--overlay") { Description = "Write the photo with the classes painted over it (PNG; a folder when there are several images)" };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image, no progress bar" };
        var fit = new Option<string?>("--fit") { Description = "stretch (default) or letterbox the photo to the input size" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("segment", "Segment images: the share of each class, a colour mask and an overlay") { images, model, labels, output, overlay, threads, json, fit, mean, std };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            var imageFit = Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch;
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            var sourceArg = p.GetValue(video.Source);
            var imageArgs = p.GetValue(images) ?? [];
            if (sourceArg == null && imageArgs.Length == 0) throw new UsageException("give images or --source");
            if (sourceArg != null && imageArgs.Length > 0) throw new UsageException("give images or --source, not both");
            var paths = sourceArg == null ? Common.ExpandImages(imageArgs) : [];
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var seg = new ImageSegmenter(mdl, new ImageSegmenterOptions { Labels = labelList, Threads = t, Normalization = norm, Fit = imageFit });
            bool asJson = p.GetValue(json);
            string? maskTarget = p.GetValue(output), overlayTarget = p.GetValue(overlay);
            if (sourceArg != null)
            {
                if (maskTarget != null) throw new UsageException("with --source, write the painted video with --overlay VIDEO");
                return VideoRunner.Run(io, p, video, sourceArg, asJson, overlayTarget, frame => seg.Segment(frame.Image), (j, result) =>
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
            if (maskTarget != null && overlayTarget != null && Path.GetFullPath(maskTarget) == Path.GetFullPath(overlayTarget))
                throw new UsageException("--out and --overlay name the same path");
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path);
                var result = seg.Segment(img);
                var shares = result.ClassFractions();
                string? maskPath = null, overlayPath = null;
                if (maskTarget != null) result.SaveMask(maskPath = Common.OutputPath(maskTarget, path, paths.Count), img.Width, img.Height);
                if (overlayTarget != null) result.Overlay(img).Save(overlayPath = Common.OutputPath(overlayTarget, path, paths.Count));
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
