using Spectre.Console;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace EdgeLite.Cli.Commands;

/// <summary>Helpers shared by the commands: model loading, the reference tool's random inputs, JSON bits.</summary>
internal static class Common
{
    public static Model LoadModel(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model not found: {path}", path);
        return Model.FromFile(path);
    }

    /// <summary>
    /// Fills the inputs with the tflite-reference tool's random values: one xorshift32 stream (seed 0 → 1) over all
    /// inputs in model order, one step per element, converted per dtype exactly as the tool does.
    /// </summary>
    public static void FillRandom(Interpreter interpreter, uint seed, double lo = -1, double hi = 1)
    {
        var stream = new RandomInputStream(seed, lo, hi);
        for (int k = 0; k < interpreter.InputCount; k++)
        {
            var t = interpreter.GetInputTensor(k);
            if (!stream.TryFill(t.Type, t.AsBytes(), t.ElementCount))
                throw new InterpreterException($"input {k} '{t.Name}': no random values for {t.Type.ToDTypeName()}");
        }
    }

    public static void WriteTensor(Utf8JsonWriter w, Tensor t, int index)
    {
        w.WriteStartObject();
        w.WriteString("name", t.Name);
        w.WriteNumber("index", index);
        w.WriteNumber("tensor_index", t.Index);
        w.WriteString("dtype", t.Type.ToDTypeName());
        w.WriteStartArray("shape"); foreach (var d in t.Shape) w.WriteNumberValue(d); w.WriteEndArray();
        if (t.ShapeSignature is { } sig && !sig.SequenceEqual(t.ShapeArray))
        { w.WriteStartArray("shape_signature"); foreach (var d in sig) w.WriteNumberValue(d); w.WriteEndArray(); }
        var q = t.Quantization;
        if (q == null || q.Scales.Count == 0) w.WriteNull("quantization");
        else
        {
            w.WriteStartObject("quantization");
            w.WriteStartArray("scale"); foreach (var s in q.Scales) w.WriteNumberValue((double)s); w.WriteEndArray();
            w.WriteStartArray("zero_point"); foreach (var z in q.ZeroPoints) w.WriteNumberValue(z); w.WriteEndArray();
            w.WriteNumber("quantized_dimension", q.QuantizedDimension);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Writes one JSON object (built by <paramref name="body"/>) as a line.</summary>
    public static void WriteJsonLine(TextWriter output, Action<System.Text.Json.Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];

    /// <summary>Arguments as given; a folder stands for its image files (by extension, sorted by name, not recursive).</summary>
    public static IReadOnlyList<string> ExpandImages(IEnumerable<string> args)
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

    /// <summary>
    /// Runs <paramref name="work"/> on each image (its path and the writer for its result lines). In a batch, an image
    /// that cannot be read is reported on stderr and skipped, and the exit code says so; one image fails as usual.
    /// On a terminal, several images without --json show a progress bar (results print above it).
    /// </summary>
    public static int ForEachImage(CommandIO io, IReadOnlyList<string> paths, bool json, Action<string, TextWriter> work)
    {
        int failed = 0;
        bool Step(string path, TextWriter output)
        {
            try { work(path, output); return true; }
            catch (Exception e) when (paths.Count > 1 && e is EdgeLite.Vision.ImageFormatException or FileNotFoundException or IOException or UnauthorizedAccessException)
            {
                // an ImageFormatException names the path already
                string message = e is EdgeLite.Vision.ImageFormatException && e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message;
                io.Error((e is EdgeLite.Vision.ImageFormatException ? "unreadable image: " : "") + message, path);
                failed++;
                return false;
            }
        }
        if (!io.Interactive || json || paths.Count < 2)
        {
            foreach (var path in paths) Step(path, io.Out);
            return failed == 0 ? Cli.Ok : Cli.Failure;
        }
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(io.Out) });
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("images", maxValue: paths.Count);
            foreach (var path in paths)
            {
                task.Description = Spectre.Console.Markup.Escape(Path.GetFileName(path));
                using var buffer = new StringWriter();
                if (Step(path, buffer)) console.Write(new Spectre.Console.Text(buffer.ToString()));
                task.Increment(1);
            }
        });
        return failed == 0 ? Cli.Ok : Cli.Failure;
    }

    /// <summary>Writes an image result; a failure names the option and the path (not a bare .NET message).</summary>
    public static void Save(EdgeLite.Vision.RgbImage image, string path, string option) => Guard(() => image.Save(path), path, option);

    /// <summary>Runs a write of <paramref name="path"/>; IO failures become one line naming the option and the path.</summary>
    public static void Guard(Action write, string path, string option)
    {
        try { write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write the image ({e.Message})", e);
        }
    }

    /// <summary>--fit: stretch or letterbox, or null (the task's default).</summary>
    public static EdgeLite.Vision.ImageFit? Fit(string? value) => value switch
    {
        null => null,
        "stretch" => EdgeLite.Vision.ImageFit.Stretch,
        "letterbox" => EdgeLite.Vision.ImageFit.Letterbox,
        _ => throw new UsageException($"--fit {value}: expected stretch or letterbox"),
    };

    public static string F(double v, int digits = 3) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}

/// <summary>
/// The tflite-reference tool's random input stream: one xorshift32 state (seed 0 → 1) continued across inputs in
/// model order, one step per element (two per complex64 element), converted per dtype exactly as the tool does.
/// </summary>
internal sealed class RandomInputStream(uint seed, double lo = -1, double hi = 1)
{
    private uint _state = seed == 0 ? 1 : seed;

    private uint Next() { _state ^= _state << 13; _state ^= _state >> 17; _state ^= _state << 5; return _state; }

    /// <summary>Fills <paramref name="count"/> elements of <paramref name="type"/>; false (nothing consumed) for a type the tool cannot generate.</summary>
    public bool TryFill(TensorType type, Span<byte> bytes, int count)
    {
        if (type is not (TensorType.Float32 or TensorType.Float64 or TensorType.Float16 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int32
            or TensorType.Int64 or TensorType.Int16 or TensorType.UInt16 or TensorType.UInt32 or TensorType.UInt64 or TensorType.Bool or TensorType.Complex64))
            return false;
        for (int i = 0; i < count; i++)
        {
            uint r = Next();
            switch (type)
            {
                case TensorType.Float32: BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 4)..], (float)((r >> 8) / 16777216.0 * (hi - lo) + lo)); break;
                case TensorType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(bytes[(i * 8)..], (r >> 8) / 16777216.0 * (hi - lo) + lo); break;
                case TensorType.Float16: BinaryPrimitives.WriteHalfLittleEndian(bytes[(i * 2)..], (Half)(float)((r >> 8) / 16777216.0 * (hi - lo) + lo)); break;
                case TensorType.UInt8: bytes[i] = (byte)(r >> 24); break;
                case TensorType.Int8: bytes[i] = (byte)(sbyte)((int)(r >> 24) - 128); break;
                case TensorType.Int32: BinaryPrimitives.WriteInt32LittleEndian(bytes[(i * 4)..], (int)(r >> 24) - 128); break;
                case TensorType.Int64: BinaryPrimitives.WriteInt64LittleEndian(bytes[(i * 8)..], (long)(r >> 24) - 128); break;
                case TensorType.Int16: BinaryPrimitives.WriteInt16LittleEndian(bytes[(i * 2)..], (short)((int)(r >> 16) - 32768)); break;
                case TensorType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(bytes[(i * 2)..], (ushort)(r >> 16)); break;
                case TensorType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], r >> 24); break;
                case TensorType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(bytes[(i * 8)..], r >> 24); break;
                case TensorType.Bool: bytes[i] = (byte)(r >> 31); break;
                default: // Complex64
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 8)..], (float)((r >> 8) / 16777216.0 * (hi - lo) + lo));
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 8 + 4)..], (float)((Next() >> 8) / 16777216.0 * (hi - lo) + lo));
                    break;
            }
        }
        return true;
    }
}
