using System.CommandLine;
using System.Globalization;
using EdgeLite.Optimize;
using EdgeLite.Optimize.Calibration;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite quantize --model IN --mode float16|int8 [--calibration DIR|FILE...] --output OUT</c>: post-training
/// quantization with a report of where accuracy went (the quantization debugger).
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create(CommandIO io)
    {
        var model = new Option<string>("--model", "-m") { Description = "The float .tflite model", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the quantized .tflite", Required = true };
        var mode = new Option<string>("--mode") { Description = "float16 (weights as float16), dynamic (int8 weights, float activations) or int8 (full integer, needs --calibration)", DefaultValueFactory = _ => "int8" };
        var calibration = new Option<string[]?>("--calibration", "-c") { Description = "Representative inputs: images or folders of images (fed through the model's preprocessing), or raw .bin tensor files (one per sample, single-input models)", AllowMultipleArgumentsPerToken = true };
        var evaluation = new Option<string[]?>("--eval") { Description = "Inputs for the report (same kinds as --calibration); default: the calibration inputs", AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int?>("--samples") { Description = "Use at most N calibration samples" };
        var ioType = new Option<string>("--io") { Description = "Type of the quantized model's inputs and outputs: float, int8 or uint8", DefaultValueFactory = _ => "float" };
        var calibrator = new Option<string>("--calibrator") { Description = "Activation range estimator: minmax (TFLite's), percentile or mse", DefaultValueFactory = _ => "minmax" };
        var percentile = new Option<double>("--percentile") { Description = "Percentile kept by --calibrator percentile", DefaultValueFactory = _ => 99.99 };
        var keepFloat = new Option<string[]?>("--keep-float") { Description = "Operators to keep float: operator indices or names of their output tensors", AllowMultipleArgumentsPerToken = true };
        var targetSqnr = new Option<double?>("--target-sqnr") { Description = "Keep the worst operators float until every output's SQNR against the float model reaches this many dB" };
        var noBiasCorrection = new Option<bool>("--no-bias-correction") { Description = "Leave convolution and fully connected biases as TFLite's recipe gives them (by default they are corrected for the mean shift of the rounded weights, measured on the calibration inputs)" };
        var perChannelFc = new Option<bool>("--per-channel-fc") { Description = "Per-channel FULLY_CONNECTED weights (default per tensor)" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean for image calibration (default: the model's metadata)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std for image calibration", AllowMultipleArgumentsPerToken = true };
        var fit = new Option<string?>("--fit") { Description = "How images are fitted to the input: stretch (default) or letterbox" };
        var report = new Option<bool>("--report") { Description = "Print the error of every operator's output (SQNR, RMSE) in execution order" };
        var json = new Option<bool>("--json") { Description = "The report as one JSON object" };
        var plot = new Option<string?>("--plot") { Description = "Write the debugger's plot (SQNR of every operator's output, the error each adds) as PNG" };
        var threads = new Option<int>("--threads", "-t") { Description = "Interpreter threads for calibration", DefaultValueFactory = _ => 1 };
        var cmd = new Command("quantize", "Post-training quantization: float16 weights, or full int8 from calibration inputs, with a per-operator error report")
        { model, output, mode, calibration, evaluation, samples, ioType, calibrator, percentile, keepFloat, targetSqnr, noBiasCorrection, perChannelFc, mean, std, fit, report, json, plot, threads };
        cmd.SetAction(p =>
        {
            var m = p.GetValue(mode) switch
            {
                "float16" => QuantizationMode.Float16,
                "int8" => QuantizationMode.Int8,
                "dynamic" => QuantizationMode.Dynamic,
                "int16x8" => throw new UsageException("--mode int16x8 is not implemented yet (float16, dynamic and int8 are)"),
                var x => throw new UsageException($"--mode {x}: expected float16, dynamic or int8"),
            };
            var io2 = p.GetValue(ioType) switch
            {
                "float" => ModelIoType.Float, "int8" => ModelIoType.Int8, "uint8" => ModelIoType.UInt8,
                var x => throw new UsageException($"--io {x}: expected float, int8 or uint8"),
            };
            var method = p.GetValue(calibrator) switch
            {
                "minmax" => CalibrationMethod.MinMax, "percentile" => CalibrationMethod.Percentile, "mse" => CalibrationMethod.Mse,
                var x => throw new UsageException($"--calibrator {x}: expected minmax, percentile or mse"),
            };
            double pct = p.GetValue(percentile);
            if (!(pct > 50 && pct <= 100)) throw new UsageException("--percentile must be in (50, 100]");
            int t = p.GetValue(threads);
            if (t <= 0) throw new UsageException("--threads must be positive");
            if (p.GetValue(samples) is int sn && sn <= 0) throw new UsageException("--samples must be positive");
            var outPath = p.GetValue(output)!;
            var outDir = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (outDir != null && !Directory.Exists(outDir)) throw new DirectoryNotFoundException($"output folder not found: {outDir}");
            var cal = p.GetValue(calibration);
            if (m == QuantizationMode.Int8 && (cal == null || cal.Length == 0)) throw new UsageException("--mode int8 needs --calibration inputs (images, folders or .bin files)");

            using var source = Common.LoadModel(p.GetValue(model)!);
            var norm = Shared.Normalization(p.GetValue(mean), p.GetValue(std));
            var imageFit = Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch;
            bool asJson = p.GetValue(json);
            ICalibrationData? calData = cal is { Length: > 0 } ? Samples(source, cal, p.GetValue(samples), norm, imageFit, io, warn: !asJson) : null;
            var options = new QuantizationOptions
            {
                Mode = m, Io = io2, Calibration = method, Percentile = pct, Threads = t,
                KeepFloat = p.GetValue(keepFloat) ?? [], PerChannelFullyConnected = p.GetValue(perChannelFc), BiasCorrection = !p.GetValue(noBiasCorrection),
            };
            ICalibrationData? evalData = p.GetValue(evaluation) is { Length: > 0 } ev ? Samples(source, ev, null, norm, imageFit, io, warn: false) : calData;
            QuantizationResult result;
            QuantizationReport? rep = null;
            if (p.GetValue(targetSqnr) is double target && m == QuantizationMode.Int8)
            {
                (result, rep) = Quantizer.QuantizeToTarget(source, options, calData!, evalData!, target, Progress(io, asJson, "calibrating"), (worst, sqnr) =>
                {
                    if (!asJson) io.Err.WriteLine($"edgelite: output SQNR {Common.F(sqnr, 1)} dB < {Common.F(target, 1)}: keeping operator {worst.OperatorIndex} ({worst.OpName}, adds {Common.F(worst.SqnrDropDb, 1)} dB of error) float");
                });
            }
            else
            {
                result = Quantizer.Quantize(source, options, calData, Progress(io, asJson, "calibrating"));
                if (evalData != null)
                {
                    using var q = Model.FromBytes(result.Bytes);
                    rep = QuantizationDebugger.Compare(source, q, evalData, t);
                }
            }
            ModelGraph.WriteFile(outPath, result.Bytes);
            if (p.GetValue(plot) is { } plotPath && rep != null) Common.Guard(() => QuantizationPlot.Save(rep, $"{Path.GetFileName(outPath)} vs {Path.GetFileName(p.GetValue(model)!)}", plotPath), plotPath, "--plot");
            Print(io, p.GetValue(model)!, outPath, options, result, rep, calData?.Count ?? 0, p.GetValue(report), asJson);
        });
        return cmd;
    }

    /// <summary><c>edgelite compare --model FLOAT --quantized Q --eval ...</c>: the debugger on any pair (e.g. TFLite's own int8 model and its float source).</summary>
    public static Command CreateCompare(CommandIO io)
    {
        var model = new Option<string>("--model", "-m") { Description = "The float .tflite model", Required = true };
        var quantized = new Option<string>("--quantized", "-q") { Description = "A quantized model made from it (by EdgeLite or TFLite's converter)", Required = true };
        var evaluation = new Option<string[]>("--eval") { Description = "Inputs: images or folders of images (through the float model's preprocessing), or raw .bin tensor files", Required = true, AllowMultipleArgumentsPerToken = true };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean for images (default: the model's metadata)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std for images", AllowMultipleArgumentsPerToken = true };
        var fit = new Option<string?>("--fit") { Description = "How images are fitted to the input: stretch (default) or letterbox" };
        var report = new Option<bool>("--report") { Description = "Print the error of every operator's output whose tensor name both models share" };
        var json = new Option<bool>("--json") { Description = "The report as one JSON object" };
        var plot = new Option<string?>("--plot") { Description = "Write the debugger's plot (SQNR of every operator's output, the error each adds) as PNG" };
        var cmd = new Command("compare", "Quantization debugger: how far a quantized model's outputs (and, with --report, every shared tensor) are from its float source")
        { model, quantized, evaluation, mean, std, fit, report, json, plot };
        cmd.SetAction(p =>
        {
            using var f = Common.LoadModel(p.GetValue(model)!);
            using var q = Common.LoadModel(p.GetValue(quantized)!);
            var data = Samples(f, p.GetValue(evaluation)!, null, Shared.Normalization(p.GetValue(mean), p.GetValue(std)), Common.Fit(p.GetValue(fit)) ?? ImageFit.Stretch, io, warn: !p.GetValue(json));
            var rep = QuantizationDebugger.Compare(f, q, data);
            if (p.GetValue(plot) is { } plotPath) Common.Guard(() => QuantizationPlot.Save(rep, $"{Path.GetFileName(p.GetValue(quantized)!)} vs {Path.GetFileName(p.GetValue(model)!)}", plotPath), plotPath, "--plot");
            PrintReport(io, p.GetValue(quantized)!, rep, p.GetValue(report), p.GetValue(json));
        });
        return cmd;
    }

    private static Action<int, int>? Progress(CommandIO io, bool json, string what)
    {
        if (json) return null;
        int lastPercent = -1;
        return (done, total) =>
        {
            int pct = done * 100 / total;
            if (!io.Interactive || pct == lastPercent) return;
            lastPercent = pct;
            io.Err.Write($"\r{what} {done}/{total} [{new string('#', pct / 5).PadRight(20, '.')}]");
            if (done == total) io.Err.WriteLine();
        };
    }

    // Calibration or evaluation inputs from images (through the model's preprocessing) or raw tensor files.
    private static ICalibrationData Samples(Model model, string[] paths, int? max, InputNormalization? norm, ImageFit fit, CommandIO io, bool warn)
    {
        var raw = new List<string>(); var images = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var bins = Directory.GetFiles(path, "*.bin").Order(StringComparer.Ordinal).ToList();
                if (bins.Count > 0) { raw.AddRange(bins); continue; }
                images.AddRange(Common.ExpandImages([path]));
            }
            else if (!File.Exists(path)) throw new FileNotFoundException($"calibration input not found: {path}", path);
            else if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)) raw.Add(path);
            else images.Add(path);
        }
        if (raw.Count > 0 && images.Count > 0) throw new UsageException("give either images or raw .bin tensors as calibration inputs, not both");
        if (max is int n) { if (raw.Count > n) raw = raw.Take(n).ToList(); if (images.Count > n) images = images.Take(n).ToList(); }
        if (raw.Count > 0)
        {
            if (model.MainSubgraph.Inputs.Count != 1) throw new UsageException("raw .bin calibration files need a single-input model");
            return new RawCalibrationData(raw.Select(f => new[] { File.ReadAllBytes(f) }).ToList());
        }
        return new ImageCalibrationData(model, images, norm, fit, warn ? io.Err : null);
    }

    private static void Print(CommandIO io, string inPath, string outPath, QuantizationOptions options, QuantizationResult r, QuantizationReport? rep, int samples, bool layers, bool json)
    {
        long outBytes = r.Bytes.Length;
        if (json)
        {
            Common.WriteJsonLine(io.Out, w =>
            {
                w.WriteString("model", inPath);
                w.WriteString("output", outPath);
                w.WriteString("mode", options.Mode.ToString().ToLowerInvariant());
                w.WriteString("io", options.Io.ToString().ToLowerInvariant());
                w.WriteString("calibrator", options.Calibration.ToString().ToLowerInvariant());
                w.WriteNumber("calibration_samples", samples);
                w.WriteNumber("bytes_before", r.SourceBytes);
                w.WriteNumber("bytes_after", outBytes);
                w.WriteStartArray("float_operators");
                foreach (var f in r.FloatOperators) { w.WriteStartObject(); w.WriteNumber("index", f.Index); w.WriteString("op", f.OpName); w.WriteString("reason", f.Reason); w.WriteEndObject(); }
                w.WriteEndArray();
                if (rep != null)
                {
                    w.WriteNumber("eval_samples", rep.Samples);
                    if (rep.Top1Agreement is double a) w.WriteNumber("top1_agreement", a);
                    WriteErrors(w, "outputs", rep.Outputs);
                    if (layers) WriteErrors(w, "layers", rep.Layers);
                }
            });
            return;
        }
        io.Out.WriteLine($"{outPath}: {options.Mode.ToString().ToLowerInvariant()}" + (options.Mode == QuantizationMode.Int8 ? $" ({options.Calibration.ToString().ToLowerInvariant()}, {samples} calibration samples, {options.Io.ToString().ToLowerInvariant()} I/O)" : ""));
        io.Out.WriteLine($"  size {r.SourceBytes:N0} -> {outBytes:N0} bytes ({Common.F(100.0 * outBytes / r.SourceBytes, 1)}%)");
        if (r.FloatOperators.Count > 0)
        {
            io.Out.WriteLine($"  {r.FloatOperators.Count} operator(s) kept float:");
            foreach (var g in r.FloatOperators.GroupBy(f => (f.OpName, f.Reason)))
                io.Out.WriteLine($"    {g.Count(),3} x {g.Key.OpName}: {g.Key.Reason} (#{string.Join(", #", g.Select(f => f.Index).Take(8))}{(g.Count() > 8 ? ", ..." : "")})");
        }
        if (rep != null) PrintReport(io, null, rep, layers, json: false);
    }

    private static void PrintReport(CommandIO io, string? title, QuantizationReport rep, bool layers, bool json)
    {
        if (json)
        {
            Common.WriteJsonLine(io.Out, w =>
            {
                if (title != null) w.WriteString("model", title);
                w.WriteNumber("eval_samples", rep.Samples);
                if (rep.Top1Agreement is double a) w.WriteNumber("top1_agreement", a);
                WriteErrors(w, "outputs", rep.Outputs);
                if (layers) WriteErrors(w, "layers", rep.Layers);
            });
            return;
        }
        if (title != null) io.Out.WriteLine(title);
        foreach (var o in rep.Outputs) io.Out.WriteLine($"  output '{o.Tensor}': SQNR {Db(o.SqnrDb)} dB, RMSE {o.Rmse:G4} (vs float, {rep.Samples} samples)");
        if (rep.Top1Agreement is double agree) io.Out.WriteLine($"  top-1 agreement with the float model: {Common.F(100 * agree, 1)}%");
        if (!layers) return;
        io.Out.WriteLine("  #op   operator               SQNR dB   drop dB      RMSE     scale  tensor");
        foreach (var l in rep.Layers)
            io.Out.WriteLine($"  {l.OperatorIndex,4}  {l.OpName,-20} {Db(l.SqnrDb),8} {Db(l.SqnrDropDb),9} {l.Rmse,9:G3} {l.Scale,9:G3}  {l.Tensor}");
    }

    private static void WriteErrors(System.Text.Json.Utf8JsonWriter w, string name, IEnumerable<TensorError> list)
    {
        w.WriteStartArray(name);
        foreach (var e in list)
        {
            w.WriteStartObject();
            w.WriteNumber("op_index", e.OperatorIndex); w.WriteString("op", e.OpName); w.WriteString("tensor", e.Tensor);
            if (double.IsFinite(e.SqnrDb)) w.WriteNumber("sqnr_db", Math.Round(e.SqnrDb, 3)); else w.WriteNull("sqnr_db");
            w.WriteNumber("rmse", e.Rmse); w.WriteNumber("scale", e.Scale);
            if (double.IsFinite(e.SqnrDropDb)) w.WriteNumber("sqnr_drop_db", Math.Round(e.SqnrDropDb, 3));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string Db(double v) => double.IsPositiveInfinity(v) ? "inf" : Common.F(v, 2);
}

/// <summary>Calibration samples from image files, through the model's preprocessing (normalization, fit).</summary>
internal sealed class ImageCalibrationData : ICalibrationData
{
    private readonly IReadOnlyList<string> _paths;
    private readonly InputNormalization _norm;
    private readonly ImageFit _fit;
    private readonly Dictionary<int, byte[]> _cache = [];

    public ImageCalibrationData(Model model, IReadOnlyList<string> paths, InputNormalization? norm, ImageFit fit, TextWriter? warnings)
    {
        _paths = paths; _fit = fit;
        var sg = model.MainSubgraph;
        if (sg.Inputs.Count != 1) throw new UsageException($"image calibration needs a model with one image input; this one has {sg.Inputs.Count} inputs (use raw .bin files)");
        var input = sg.Tensors[sg.Inputs[0]];
        if (input.Shape.Count != 4) throw new UsageException($"image calibration needs an NHWC image input; '{input.Name}' has shape [{string.Join(",", input.Shape)}]");
        var meta = ModelMetadata.Read(model)?.InputNormalization;
        _norm = norm ?? meta ?? InputNormalization.MinusOneToOne;
        if (norm == null && meta == null && input.Type == TensorType.Float32)
            warnings?.WriteLine("edgelite: warning: the model has no normalization metadata; images are fed as (pixel - 127.5) / 127.5 ([-1, 1]); give --mean/--std if it expects something else");
    }

    public int Count => _paths.Count;

    public void Fill(int index, Interpreter interpreter)
    {
        var t = interpreter.GetInputTensor(0);
        if (!_cache.TryGetValue(index, out var bytes))
        {
            ImageTensorWriter.Fill(t, RgbImage.Load(_paths[index]), _norm, _fit);
            _cache[index] = t.AsBytes().ToArray();
            return;
        }
        t.CopyFromBytes(bytes);
    }
}
