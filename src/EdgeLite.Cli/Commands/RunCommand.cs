using System.CommandLine;
using System.Text.Json;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite run [MODEL] [--model M] (--input FILE... | --random-seed N) --output-dir D</c>: raw tensors in and out in the
/// tflite-reference tool's format (input_K.bin, output_K.bin, meta.json), so outputs compare byte for byte.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CommandIO io)
    {
        var modelArg = new Argument<string?>("model") { Description = "The .tflite model (or --model)", Arity = ArgumentArity.ZeroOrOne };
        var model = Shared.ModelOption("The .tflite model");
        var inputs = new Option<string[]?>("--input", "-i") { Description = "Raw little-endian input files, one per model input, in order", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<uint?>("--random-seed") { Description = "Random inputs from the reference tool's xorshift32 generator" };
        var image = new Option<string?>("--image") { Description = "An image fed to input 0 through EdgeLite's preprocessing (resize, the model's normalization or --mean/--std); input_0.bin is what the model saw" };
        var mean = new Option<float[]?>("--mean") { Description = "Float input normalization mean for --image (default: the model's metadata, else [-1, 1])", AllowMultipleArgumentsPerToken = true };
        var std = new Option<float[]?>("--std") { Description = "Float input normalization std for --image", AllowMultipleArgumentsPerToken = true };
        var fit = new Option<string?>("--fit") { Description = "How --image is fitted to the input: stretch (default) or letterbox" };
        var outDir = new Option<string>("--output-dir", "-o") { Description = "Folder for input_K.bin, output_K.bin and meta.json", Required = true };
        var threads = Shared.ThreadsOption();
        var expose = new Option<int?>("--expose-op") { Description = "Make operator K's output the model's first output (also writes the rewritten model as model.tflite, for the reference tool): bisect where two runtimes differ" };
        var cmd = new Command("run", "Run a model on raw, random or image inputs; write tensors as the reference tool does") { modelArg, model, inputs, seed, image, mean, std, fit, outDir, threads, expose };
        cmd.SetAction(p =>
        {
            var files = p.GetValue(inputs);
            var s = p.GetValue(seed);
            var img = p.GetValue(image);
            int sources = (files is { Length: > 0 } ? 1 : 0) + (s != null ? 1 : 0) + (img != null ? 1 : 0);
            if (sources != 1) throw new UsageException("give one of --input FILE..., --random-seed N or --image FILE");
            int threadCount = Shared.Threads(p.GetValue(threads));
            var modelPath = Shared.ModelPath(p.GetValue(model), p.GetValue(modelArg) is { } ma ? [ma] : [], onlyModel: true);
            var dir = p.GetValue(outDir)!;
            // the output folder is checked (created) before anything runs
            if (File.Exists(dir)) throw new IOException($"--output-dir {dir}: is a file, not a folder");
            try { Directory.CreateDirectory(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new IOException($"--output-dir {dir}: cannot create the folder ({e.Message})", e); }
            Model m;
            if (p.GetValue(expose) is int op)
            {
                if (!File.Exists(modelPath)) throw new FileNotFoundException($"model not found: {modelPath}", modelPath);
                if (op < 0) throw new UsageException("--expose-op must not be negative");
                byte[] patched;
                try { patched = Model.WithOperatorOutputExposed(File.ReadAllBytes(modelPath), op); }
                catch (ArgumentOutOfRangeException e) { throw new UsageException($"--expose-op {op}: {e.Message.Split(" (Parameter")[0]}"); }
                Common.Guard(() => File.WriteAllBytes(Path.Combine(dir, "model.tflite"), patched), Path.Combine(dir, "model.tflite"), "--output-dir");
                m = Model.FromBytes(patched);
            }
            else m = Common.LoadModel(modelPath);
            using var _model = m;
            using var it = new Interpreter(m, new InterpreterOptions { Threads = threadCount });
            it.AllocateTensors();
            if (files != null && files.Length > 0)
            {
                if (files.Length != it.InputCount) throw new UsageException($"the model has {it.InputCount} inputs, got {files.Length} --input files");
                for (int k = 0; k < files.Length; k++)
                {
                    if (!File.Exists(files[k])) throw new FileNotFoundException($"input file not found: {files[k]}", files[k]);
                    var bytes = File.ReadAllBytes(files[k]);
                    var t = it.GetInputTensor(k);
                    if (bytes.Length != t.ByteLength)
                        throw new InterpreterException($"input {k} '{t.Name}' ({t.Type.ToDTypeName()}[{string.Join(",", t.ShapeArray)}]) needs {t.ByteLength} bytes, {files[k]} has {bytes.Length}");
                    t.CopyFromBytes(bytes);
                }
            }
            else if (img != null)
            {
                var norm = Shared.Normalization(p.GetValue(mean), p.GetValue(std)) ?? EdgeLite.Vision.ModelMetadata.Read(m)?.InputNormalization ?? EdgeLite.Vision.InputNormalization.MinusOneToOne;
                EdgeLite.Vision.ImageTensorWriter.Fill(it.GetInputTensor(0), EdgeLite.Vision.RgbImage.Load(img), norm, Common.Fit(p.GetValue(fit)) ?? EdgeLite.Vision.ImageFit.Stretch);
            }
            else Common.FillRandom(it, s!.Value);
            it.Invoke();
            Common.Guard(() =>
            {
            for (int k = 0; k < it.InputCount; k++) File.WriteAllBytes(Path.Combine(dir, $"input_{k}.bin"), it.GetInputTensor(k).AsBytes().ToArray());
            for (int k = 0; k < it.OutputCount; k++) File.WriteAllBytes(Path.Combine(dir, $"output_{k}.bin"), it.GetOutputTensor(k).AsBytes().ToArray());
            using (var fs = File.Create(Path.Combine(dir, "meta.json")))
            using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("runtime", "EdgeLite " + typeof(Interpreter).Assembly.GetName().Version);
                w.WriteNumber("threads", it.Threads);
                w.WriteString("model", Path.GetFileName(modelPath));
                w.WriteString("model_sha256", Sha256.HashHex(m.GetFileBytes()));
                w.WriteStartObject("ops");
                foreach (var g in m.MainSubgraph.Operators.GroupBy(o => o.OpName)) w.WriteNumber(g.Key, g.Count());
                w.WriteEndObject();
                if (s != null) w.WriteNumber("random_seed", s.Value); else w.WriteNull("random_seed");
                w.WriteStartArray("inputs"); for (int k = 0; k < it.InputCount; k++) Common.WriteTensor(w, it.GetInputTensor(k), k); w.WriteEndArray();
                w.WriteStartArray("outputs"); for (int k = 0; k < it.OutputCount; k++) Common.WriteTensor(w, it.GetOutputTensor(k), k); w.WriteEndArray();
                w.WriteEndObject();
            }
            }, dir, "--output-dir");
            io.Out.WriteLine($"wrote {it.InputCount} inputs and {it.OutputCount} outputs to {dir}");
            return Cli.Ok;
        });
        return cmd;
    }
}
