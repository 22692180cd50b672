using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite classify IMAGE... --model M</c>: top-k labels per image.</summary>
internal static class ClassifyCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF)", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite classification model", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (one per line); default: the labels embedded in the model" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Number of results per image", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("classify", "Classify images: top-k labels with scores in [0, 1]") { images, model, labels, topK, threads, json, mean, std };
        cmd.SetAction(p =>
        {
            int k = p.GetValue(topK), t = p.GetValue(threads);
            if (k <= 0) throw new UsageException("--top-k must be positive");
            if (t <= 0) throw new UsageException("--threads must be positive");
            var m = p.GetValue(mean); var s = p.GetValue(std);
            InputNormalization? norm = null;
            if (m is { Length: > 0 } || s is { Length: > 0 })
            {
                if (m is not { Length: > 0 }) m = [0f];
                if (s is not { Length: > 0 }) s = [1f];
                if (m.Length == 0 || s.Length == 0 || s.Any(v => v == 0)) throw new UsageException("--mean/--std need values and a non-zero std");
                norm = new InputNormalization(m, s);
            }
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var classifier = new ImageClassifier(mdl, new ImageClassifierOptions { TopK = k, Threads = t, Labels = labelList, Normalization = norm });
            foreach (var path in p.GetValue(images)!)
            {
                var results = classifier.Classify(RgbImage.Load(path));
                if (p.GetValue(json))
                {
                    using var ms = new MemoryStream();
                    using (var w = new Utf8JsonWriter(ms))
                    {
                        w.WriteStartObject();
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
                        w.WriteEndObject();
                    }
                    io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
                }
                else
                {
                    io.Out.WriteLine(path);
                    foreach (var r in results) io.Out.WriteLine($"  {Common.F(r.Score, 4)}  {r.Label}");
                }
            }
            return Cli.Ok;
        });
        return cmd;
    }
}
