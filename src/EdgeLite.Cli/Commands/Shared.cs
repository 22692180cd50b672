using System.CommandLine;
using System.Globalization;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// The options every command spells the same way, and the checks they share: the model (<c>--model/-m</c>, or the
/// .tflite file as the first argument), <c>--threads</c> (0 = all cores), image limits, normalization values, output
/// paths planned (and checked) before the model runs.
/// </summary>
internal static class Shared
{
    /// <summary>Default thread count: the machine's cores, at most 4 (a Raspberry Pi's).</summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 1, 4);

    public static Option<string?> ModelOption(string description) => new("--model", "-m") { Description = description + " (or give the .tflite file as the first argument)" };

    public static Option<int?> ThreadsOption() => new("--threads", "-t")
    { Description = $"Interpreter threads: 0 = all {Environment.ProcessorCount} cores (default: {DefaultThreads}); outputs do not depend on it" };

    public static Option<long?> MaxImagePixelsOption() => new("--max-image-pixels")
    { Description = $"Refuse images larger than this many pixels, read from the header before decoding (default {ImageLoadOptions.DefaultMaxPixels}: fits a 1 GB device)" };

    public static Option<float[]?> MeanOption() => new("--mean") { Description = "Float input normalization mean: one value or one per channel (finite)", AllowMultipleArgumentsPerToken = true };
    public static Option<float[]?> StdOption() => new("--std") { Description = "Float input normalization std: one value or one per channel (positive)", AllowMultipleArgumentsPerToken = true };

    /// <summary>--threads: null = the default, 0 = all cores, else 1..Interpreter.MaxThreads.</summary>
    public static int Threads(int? value)
    {
        if (value == null) return DefaultThreads;
        int v = value.Value;
        if (v == 0) return Math.Clamp(Environment.ProcessorCount, 1, Interpreter.MaxThreads);
        if (v < 0 || v > Interpreter.MaxThreads)
            throw new UsageException($"--threads {v}: expected 0 (all cores) to {Interpreter.MaxThreads}");
        return v;
    }

    /// <summary>
    /// The model path: --model, else the first positional argument when it is a .tflite file (or, for
    /// <paramref name="onlyModel"/> commands, whatever it is), then removed from <paramref name="positionals"/>. No model is
    /// a usage error.
    /// </summary>
    public static string ModelPath(string? option, List<string> positionals, bool onlyModel = false)
    {
        bool firstIsModel = positionals.Count > 0 && (onlyModel || positionals[0].EndsWith(".tflite", StringComparison.OrdinalIgnoreCase));
        if (option != null)
        {
            // with --model every argument is an input (image); a command whose only argument is the model takes one of the two
            if (onlyModel && positionals.Count > 0) throw new UsageException($"two models: --model {option} and {positionals[0]}");
            return option;
        }
        if (firstIsModel)
        {
            var m = positionals[0];
            positionals.RemoveAt(0);
            return m;
        }
        throw new UsageException("no model: give --model M.tflite (or the .tflite file as the first argument)");
    }

    /// <summary>Image decoding limits; <paramref name="minWidth"/>/<paramref name="minHeight"/> &gt; 0: JPEGs may be decoded at reduced scale.</summary>
    public static ImageLoadOptions ImageOptions(long? maxPixels, int minWidth = 0, int minHeight = 0)
    {
        var o = new ImageLoadOptions { MinWidth = minWidth, MinHeight = minHeight };
        if (maxPixels is long p)
        {
            if (p <= 0) throw new UsageException($"--max-image-pixels {p}: must be positive");
            o = o with
            {
                MaxPixels = p,
                MaxDecodeMemoryBytes = Math.Max(ImageLoadOptions.DefaultMaxDecodeMemoryBytes,
                    p > long.MaxValue / 16 ? long.MaxValue / 2 : p * ImageLoadOptions.DecodeBytesPerPixel + ImageLoadOptions.DefaultMaxEncodedBytes),
            };
        }
        return o;
    }

    /// <summary>Height and width of an image input ([1,H,W,C], or [1,C,H,W] with C = 1 or 3), or (0, 0).</summary>
    public static (int Width, int Height, int Channels) InputSize(Interpreter interpreter)
    {
        var s = interpreter.GetInputTensor(0).Shape;
        if (s.Length != 4) return (0, 0, 0);
        if (s[3] is 1 or 3 or 4) return (s[2], s[1], s[3]);
        if (s[1] is 1 or 3) return (s[3], s[2], s[1]);
        return (s[2], s[1], s[3]);
    }

    /// <summary>--mean/--std: finite means, positive finite stds, each one value or one per channel.</summary>
    public static InputNormalization? Normalization(float[]? mean, float[]? std)
    {
        if (mean is not { Length: > 0 } && std is not { Length: > 0 }) return null;
        if (mean is { Length: > 0 } && mean.Any(v => !float.IsFinite(v)))
            throw new UsageException($"--mean {mean.First(v => !float.IsFinite(v)).ToString(CultureInfo.InvariantCulture)}: means must be finite numbers");
        if (std is { Length: > 0 } && std.Any(v => !float.IsFinite(v) || v <= 0))
            throw new UsageException($"--std {std.First(v => !float.IsFinite(v) || v <= 0).ToString(CultureInfo.InvariantCulture)}: standard deviations must be positive finite numbers");
        return new InputNormalization(mean is { Length: > 0 } ? mean : [0f], std is { Length: > 0 } ? std : [1f]);
    }

    /// <summary>Checks --mean/--std against the input's channel count (one value or one per channel).</summary>
    public static void CheckChannels(InputNormalization? norm, int channels)
    {
        if (norm == null || channels <= 0) return;
        if (norm.Mean.Length != 1 && norm.Mean.Length != channels)
            throw new UsageException($"--mean has {norm.Mean.Length} values; the model's input has {channels} channels: give 1 or {channels}");
        if (norm.Std.Length != 1 && norm.Std.Length != channels)
            throw new UsageException($"--std has {norm.Std.Length} values; the model's input has {channels} channels: give 1 or {channels}");
    }

    /// <summary>
    /// A warning when a float input gets the [-1, 1] assumption: no --mean/--std and no normalization in the model's metadata.
    /// </summary>
    public static void WarnAssumedNormalization(CommandIO io, Model model, InputNormalization? given)
    {
        if (given != null) return;
        var sg = model.MainSubgraph;
        if (sg.Inputs.Count == 0 || sg.Tensors[sg.Inputs[0]].Type != TensorType.Float32) return;
        ModelMetadata? meta = null;
        try { meta = ModelMetadata.Read(model); } catch (ModelFormatException) { }
        if (meta?.InputNormalization != null) return;
        io.Warn("the model's float input has no normalization metadata: assuming pixels to [-1, 1] ((x - 127.5) / 127.5); give --mean and --std if it expects otherwise");
    }

    /// <summary>A warning when a label list does not fit the class count (same, or one more with a leading background).</summary>
    public static void CheckLabels(CommandIO io, IReadOnlyList<string>? labels, int classes, string source)
    {
        if (labels == null || labels.Count == 0 || classes <= 0) return;
        if (labels.Count == classes || labels.Count == classes + 1) return;
        io.Warn($"{source} has {labels.Count} labels but the model's output has {classes} classes: " +
            (labels.Count < classes ? $"classes from {labels.Count} on are shown by index" : $"the last {labels.Count - classes} labels are never used"));
    }

    /// <summary>Edit distance (insertions, deletions, substitutions, adjacent swaps).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="word"/>, if close enough to be a typo.</summary>
    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        string w = word.Split('=')[0];
        string? best = null; int bestD = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(w.ToLowerInvariant(), c.ToLowerInvariant());
            // a prefix of a longer name also counts (--thread → --threads)
            if (c.StartsWith(w, StringComparison.OrdinalIgnoreCase) && w.TrimStart('-').Length >= 2) d = Math.Min(d, 1);
            if (d < bestD) (best, bestD) = (c, d);
        }
        int allowed = Math.Max(1, w.TrimStart('-').Length / 3);
        return bestD <= allowed ? best : null;
    }
}

/// <summary>
/// Where each image's drawn results go, decided (and checked) before the model runs: one file for one image; for
/// several, a folder with a file per image named after it — two images with the same name get -2, -3, ... so that no
/// output of a run overwrites another.
/// </summary>
internal sealed class OutputPlan
{
    private readonly Dictionary<(string Option, string Image), string> _files = new();
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    /// <summary>Plans <paramref name="target"/> (the value of <paramref name="option"/>) for every image; checks it can be written.</summary>
    public void Add(string option, string? target, IReadOnlyList<string> images)
    {
        if (target == null) return;
        bool folder = images.Count > 1 || Directory.Exists(target) || target.EndsWith('/') || target.EndsWith(Path.DirectorySeparatorChar);
        if (!folder)
        {
            string full = Path.GetFullPath(target);
            if (!_taken.Add(full)) throw new UsageException($"{option} {target}: the same file as another output");
            CheckWritableFile(option, target);
            _files[(option, images[0])] = target;
            return;
        }
        if (File.Exists(target)) throw new UsageException($"{option} {target}: with {images.Count} images this must be a folder, and it is a file");
        try { Directory.CreateDirectory(target); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {target}: cannot create the folder ({e.Message})", e);
        }
        CheckWritableFolder(option, target);
        foreach (var image in images)
        {
            if (_files.ContainsKey((option, image))) continue; // the same image given twice: one output
            string stem = Path.GetFileNameWithoutExtension(image);
            string candidate = Path.Combine(target, stem + ".png");
            for (int n = 2; !_taken.Add(Path.GetFullPath(candidate)); n++) candidate = Path.Combine(target, $"{stem}-{n}.png");
            _files[(option, image)] = candidate;
        }
    }

    /// <summary>The planned file for <paramref name="image"/> under <paramref name="option"/>, or null when that option was not given.</summary>
    public string? For(string option, string image) => _files.TryGetValue((option, image), out var f) ? f : null;

    private static void CheckWritableFile(string option, string target)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(target));
        if (dir != null && !Directory.Exists(dir)) throw new IOException($"{option} {target}: the folder {dir} does not exist");
        try
        {
            bool existed = File.Exists(target);
            using (new FileStream(target, FileMode.OpenOrCreate, FileAccess.Write)) { }
            if (!existed) File.Delete(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {target}: cannot write there ({e.Message})", e);
        }
    }

    private static void CheckWritableFolder(string option, string folder)
    {
        string probe = Path.Combine(folder, $".edgelite-write-test-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {folder}: cannot write in that folder ({e.Message})", e);
        }
    }
}
