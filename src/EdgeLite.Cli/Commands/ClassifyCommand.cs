using System.CommandLine;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite classify [MODEL] IMAGE... [--model M]</c>: top-k labels per image.</summary>
internal static class ClassifyCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Argument<string[]>("images") { Description = "Image files (JPEG, PNG, BMP, WebP, GIF) or folders of them (first the .tflite model when --model is not given); or --source", Arity = ArgumentArity.ZeroOrMore };
        var model = Shared.ModelOption("The .tflite classification model");
        var labels = new Option<string?>("--labels") { Description = "Label file (one per line); default: the labels embedded in the model" };
        var topK = new Option<int>("--top-k", "-k") { Description = "Number of results per image", DefaultValueFactory = _ => 5 };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per image (errors and warnings: JSON on stderr)" };
        var mean = Shared.MeanOption();
        var std = Shared.StdOption();
        var maxPixels = Shared.MaxImagePixelsOption();
        var raw = new Option<bool>("--logits") { Description = "For a model whose output is logits: print the raw logits instead of their softmax" };
        var cmd = new Command("classify", "Classify images (files or folders of images): top-k labels with probabilities in [0, 1]")
            { images, model, labels, topK, threads, json, mean, std, maxPixels, raw };
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int k = p.GetValue(topK), t = Shared.Threads(p.GetValue(threads));
            if (k <= 0) throw new UsageException($"--top-k {k}: must be positive");
            var norm = Shared.Normalization(p.GetValue(mean), p.GetValue(std));
            var positionals = p.GetValue(images)!.ToList();
            var modelPath = Shared.ModelPath(p.GetValue(model), positionals);
            var source = p.GetValue(video.Source);
            if (source != null && positionals.Count > 0) throw new UsageException("give images or --source, not both");
            if (source == null && positionals.Count == 0) throw new UsageException("no images given (or --source)");
            var limits = Shared.ImageOptions(p.GetValue(maxPixels));
            var labelFile = p.GetValue(labels);
            IReadOnlyList<string>? labelList = labelFile is { } lf ? Labels.Load(lf) : null;
            var paths = source == null ? Common.ExpandImages(positionals) : [];
            using var mdl = Common.LoadModel(modelPath);
            using var classifier = new ImageClassifier(mdl, new ImageClassifierOptions
                { TopK = k, Threads = t, Labels = labelList, Normalization = norm, SoftmaxLogits = !p.GetValue(raw) });
            var (inW, inH, channels) = Shared.InputSize(classifier.Interpreter);
            Shared.CheckChannels(norm, channels);
            Shared.WarnAssumedNormalization(io, mdl, norm);
            Shared.CheckLabels(io, classifier.Labels, classifier.ClassCount, labelFile != null ? $"the label file {labelFile}" : "the model's label file");
            string kind = !classifier.OutputIsLogits ? "probability" : classifier.AppliesSoftmax ? "softmax" : "logit";
            // the model sees the photo at its input size: big JPEGs are decoded at the smallest scale that covers it
            limits = limits with { MinWidth = inW, MinHeight = inH };
            bool asJson = p.GetValue(json);
            if (source != null)
            {
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
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var results = classifier.Classify(RgbImage.Load(path, limits));
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteString("score_kind", kind);
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
                    w.WriteLine(kind switch
                    {
                        "softmax" => $"{path}  (softmax of the model's logits)",
                        "logit" => $"{path}  (raw logits)",
                        _ => path,
                    });
                    foreach (var r in results) w.WriteLine($"  {Common.F(r.Score, 4)}  {r.Label}");
                }
            });
        });
        return cmd;
    }
}
