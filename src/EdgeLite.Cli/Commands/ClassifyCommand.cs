using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite classify IMAGE... --model M</c>: top-k labels per image.</summary>
internal static class ClassifyCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite classification model", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (one per line); default: the labels embedded in the model" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Number of results per image", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("classify", "Classify images (files or folders of images): top-k labels with scores in [0, 1]") { images, model, labels, topK, threads, json, mean, std };
        cmd.SetAction(p =>
        {
            int k = p.GetValue(topK), t = p.GetValue(threads);
            if (k <= 0) throw new UsageException("--top-k must be positive");
            if (t <= 0) throw new UsageException("--threads must be positive");
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var classifier = new ImageClassifier(mdl, new ImageClassifierOptions { TopK = k, Threads = t, Labels = labelList, Normalization = norm });
            var paths = ExpandImages(p.GetValue(images)!);
            int failed = 0;
            foreach (var path in paths)
            {
                IReadOnlyList<Classification> results;
                try { results = classifier.Classify(RgbImage.Load(path)); }
                catch (Exception e) when (paths.Count > 1 && e is ImageFormatException or FileNotFoundException or IOException or UnauthorizedAccessException)
                {
                    // in a batch, one bad file does not stop the others; the exit code still reports it
                    io.Err.WriteLine($"edgelite: error: {path}: {(e is ImageFormatException ? "unreadable image: " : "")}{e.Message}");
                    failed++;
                    continue;
                }
                if (p.GetValue(json))
                {
                    Common.WriteJsonLine(io.Out, w =>
                    {
                        w.WriteString("image", path);
                        w.WriteStartArray("results");
                        foreach (var r in results)
                        {
                            w.WriteStartObject();
                            w.WriteNumber("index", r.Index);
                            w.WriteString("label", r.Label);
                            w.WriteNumber("score", Math.Round(r.Score, 6));
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                }
                else
                {
                    io.Out.WriteLine(path);
                    foreach (var r in results) io.Out.WriteLine($"  {Common.F(r.Score, 4)}  {r.Label}");
                }
            }
            return failed == 0 ? Cli.Ok : Cli.Failure;
        });
        return cmd;
    }

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];

    /// <summary>Arguments as given; a folder stands for its image files (by extension, sorted by name, not recursive).</summary>
    internal static IReadOnlyList<string> ExpandImages(IEnumerable<string> args)
    {
        var list = new List<string>();
        foreach (var a in args)
        {
            if (!Directory.Exists(a)) { list.Add(a); continue; }
            var files = Directory.GetFiles(a)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new UsageException($"no images (jpg, png, bmp, webp, gif) in folder {a}");
            list.AddRange(files);
        }
        return list;
    }
}
