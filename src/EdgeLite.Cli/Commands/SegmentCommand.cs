using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite segment IMAGE --model M [--output mask.png]</c>: per-pixel classes, class shares, a colour mask.</summary>
internal static class SegmentCommand
{
    public static Command Create(CommandIO io)
    {
        var image = new Argument<string>("image") { Description = "Image file (JPEG, PNG, BMP, WebP, GIF)" };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite segmentation model", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (class per line); default: the model's metadata" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the class map as a colour PNG at the image's size" };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("segment", "Segment an image: the share of each class and an optional colour mask") { image, model, labels, output, threads, json, mean, std };
        cmd.SetAction(p =>
        {
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var seg = new ImageSegmenter(mdl, new ImageSegmenterOptions { Labels = labelList, Threads = t, Normalization = norm });
            var path = p.GetValue(image)!;
            var img = RgbImage.Load(path);
            var result = seg.Segment(img);
            var shares = result.ClassFractions();
            if (p.GetValue(output) is { } outPath) result.SaveMask(outPath, img.Width, img.Height);
            if (p.GetValue(json))
            {
                Common.WriteJsonLine(io.Out, w =>
                {
                    w.WriteString("image", path);
                    w.WriteNumber("width", result.Width); w.WriteNumber("height", result.Height);
                    w.WriteStartArray("classes");
                    foreach (var c in shares)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", c.Index); w.WriteString("label", c.Label); w.WriteNumber("fraction", Math.Round(c.Fraction, 6));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            else
            {
                io.Out.WriteLine($"{path}  ({result.Width}x{result.Height} class map)");
                foreach (var c in shares) io.Out.WriteLine($"  {Common.F(100 * c.Fraction, 1),5}%  {c.Label}");
            }
            return Cli.Ok;
        });
        return cmd;
    }
}
