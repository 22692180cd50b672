using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite classify IMAGE... --model M</c>: top-k labels per image.</summary>
internal static class ClassifyCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (or use --source)", Arity = ArgumentArity.ZeroOrMore };
        var model = new Option<string>("--model", "-m") { Description = "The .tflite classification model", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Label file (one per line); default: the labels embedded in the model" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Number of results per image", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std (per channel or one value)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("classify", "Classify images (files or folders of images): top-k labels with scores in [0, 1]") { images, model, labels, topK, threads, json, mean, std };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int k = p.GetValue(topK), t = p.GetValue(threads);
            if (k <= 0) throw new UsageException("--top-k must be positive");
            if (t <= 0) throw new UsageException("--threads must be positive");
            var norm = Common.Normalization(p.GetValue(mean), p.GetValue(std));
            IReadOnlyList<string>? labelList = p.GetValue(labels) is { } lf ? Labels.Load(lf) : null;
            using var mdl = Common.LoadModel(p.GetValue(model)!);
            using var classifier = new ImageClassifier(mdl, new ImageClassifierOptions { TopK = k, Threads = t, Labels = labelList, Normalization = norm });
            bool asJson = p.GetValue(json);
            if (p.GetValue(video.Source) is { } source)
            {
                if ((p.GetValue(images) ?? []).Length > 0) throw new UsageException("give images or --source, not both");
                return VideoRunner.Run(io, p, video, source, asJson, null, frame => classifier.Classify(frame.Image), (j, results) =>
                {
                    j.WriteStartArray("results");
                    foreach (var r in results)
                    {
                        j.WriteStartObject();
                        j.WriteNumber("index", r.Index); j.WriteString("label", r.Label); j.WriteNumber("score", Math.Round(r.Score, 6));
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();
                }, (img, _) => img, summary: results => results.Count > 0 ? $"{results[0].Label} {Common.F(results[0].Score, 3)}" : "-");
            }
            if ((p.GetValue(images) ?? []).Length == 0) throw new UsageException("give images or --source");
            var paths = Common.ExpandImages(p.GetValue(images)!);
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var results = classifier.Classify(RgbImage.Load(path));
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteStartArray("results");
                        foreach (var r in results)
                        {
                            j.WriteStartObject();
                            j.WriteNumber("index", r.Index);
                            j.WriteString("label", r.Label);
                            j.WriteNumber("score", Math.Round(r.Score, 6));
                            j.WriteEndObject();
                        }
                        j.WriteEndArray();
                    });
                }
                else
                {
                    w.WriteLine(path);
                    foreach (var r in results) w.WriteLine($"  {Common.F(r.Score, 4)}  {r.Label}");
                }
            });
        });
        return cmd;
    }
}
