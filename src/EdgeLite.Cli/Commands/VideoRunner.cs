using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>The options every task command gets for video: --source and how it is read, written and paced.</summary>
internal sealed class VideoOptions
{
    public required Option<string?> Source { get; init; }
    public required Option<double?> Fps { get; init; }
    public required Option<string?> Size { get; init; }
    public required Option<string?> RawSize { get; init; }
    public required Option<string> Drop { get; init; }
    public required Option<long> MaxFrames { get; init; }
    public required Option<bool> NoStore { get; init; }

    public static VideoOptions AddTo(Command cmd)
    {
        var v = new VideoOptions
        {
            Source = new Option<string?>("--source", "-s") { Description = "Video instead of images: a file, a camera (/dev/video0), an rtsp:// or http:// URL, an image folder or sequence (frame%04d.png), or - (standard input)" },
            Fps = new Option<double?>("--fps") { Description = "Frame rate of image folders, sequences and raw stdin frames (default 30), or asked of a camera" },
            Size = new Option<string?>("--size") { Description = "Scale frames to WxH while decoding (ffmpeg sources)" },
            RawSize = new Option<string?>("--raw-size") { Description = "With --source -: standard input carries raw RGB frames of WxH (no ffmpeg)" },
            Drop = new Option<string>("--drop") { Description = "auto (live sources keep only the newest frame, files every frame), always, or never", DefaultValueFactory = _ => "auto" },
            MaxFrames = new Option<long>("--max-frames") { Description = "Stop after this many frames (0 = until the source ends)", DefaultValueFactory = _ => 0 },
            NoStore = new Option<bool>("--no-store") { Description = "Privacy guard: frames stay in memory only; refuses any option that would write frames (--out)" },
        };
        cmd.Options.Add(v.Source); cmd.Options.Add(v.Fps); cmd.Options.Add(v.Size); cmd.Options.Add(v.RawSize);
        cmd.Options.Add(v.Drop); cmd.Options.Add(v.MaxFrames); cmd.Options.Add(v.NoStore);
        return v;
    }

    public static (int W, int H)? ParseSize(string? s, string option)
    {
        if (s == null) return null;
        var parts = s.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w > 0 && h > 0 && w <= 16384 && h <= 16384)
            return (w, h);
        throw new UsageException($"{option} {s}: expected WIDTHxHEIGHT, e.g. 640x480");
    }
}

/// <summary>
/// Runs a task over a video source through <see cref="VideoPipeline{T}"/>: one JSON object per frame on stdout (or
/// a line per frame), an annotated video with --out, a summary (frames, drops, FPS, latency) on stderr.
/// </summary>
internal static class VideoRunner
{
    private static readonly string[] VideoExtensions = [".mp4", ".mkv", ".mov", ".avi", ".webm"];

    public static int Run<T>(CommandIO io, ParseResult p, VideoOptions v, string source, bool json, string? outTarget,
        Func<VideoFrame, T> infer, Action<Utf8JsonWriter, T> writeJson, Func<RgbImage, T, RgbImage> draw,
        Func<Dictionary<string, double>>? extraStats = null, Func<T, string>? summary = null)
    {
        bool noStore = p.GetValue(v.NoStore);
        if (noStore && outTarget != null) throw new UsageException("--no-store: frames stay in memory, so --out (which writes them) is refused");
        if (outTarget != null && !VideoExtensions.Contains(Path.GetExtension(outTarget).ToLowerInvariant()))
            throw new UsageException($"--out {outTarget}: with --source the annotated output is a video (.mp4, .mkv, .mov, .avi, .webm)");
        bool? dropStale = p.GetValue(v.Drop) switch
        {
            "auto" => null, "always" => true, "never" => false,
            var other => throw new UsageException($"--drop {other}: expected auto, always or never"),
        };
        var rawSize = VideoOptions.ParseSize(p.GetValue(v.RawSize), "--raw-size");
        if (rawSize != null && source != "-") throw new UsageException("--raw-size is for --source - (raw frames on standard input)");
        long maxFrames = p.GetValue(v.MaxFrames);
        if (maxFrames < 0) throw new UsageException("--max-frames must not be negative");
        double? fps = p.GetValue(v.Fps);
        if (fps is <= 0 or > 1000) throw new UsageException("--fps must be in (0, 1000]");
        var sourceOptions = new FrameSourceOptions { Size = VideoOptions.ParseSize(p.GetValue(v.Size), "--size"), Fps = fps, RawSize = rawSize, Stdin = io.In };
        using var src = FrameSource.Open(source, sourceOptions);
        FfmpegEncoder? encoder = outTarget != null ? new FfmpegEncoder(outTarget, src.Width, src.Height, src.Fps) : null;
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        PipelineStats stats;
        try
        {
            var buffer = new MemoryStream();
            var pipeline = new VideoPipeline<T>(src, infer, (frame, result, timing) =>
            {
                if (json)
                {
                    buffer.SetLength(0);
                    using (var w = new Utf8JsonWriter(buffer))
                    {
                        w.WriteStartObject();
                        w.WriteNumber("frame", frame.Index);
                        w.WriteNumber("pts_ms", frame.PtsMs);
                        w.WriteNumber("latency_ms", Math.Round(timing.LatencyMs, 2));
                        w.WriteNumber("width", frame.Image.Width); w.WriteNumber("height", frame.Image.Height);
                        writeJson(w, result);
                        w.WriteEndObject();
                    }
                    io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                }
                else if (summary != null) io.Out.WriteLine($"frame {frame.Index}  {frame.PtsMs} ms  {summary(result)}  ({Common.F(timing.LatencyMs, 1)} ms)");
                encoder?.Write(draw(frame.Image, result));
            }, new VideoPipelineOptions { DropStale = dropStale, MaxFrames = maxFrames });
            stats = pipeline.Run(cancel.Token);
            encoder?.Close();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            encoder?.Dispose();
        }
        var extra = extraStats?.Invoke();
        string detector = extra != null && extra.TryGetValue("detector_runs", out var runs) && extra.TryGetValue("frames", out var frames) && frames > 0
            ? $", detector on {runs:0} of {frames:0} frames ({100 * runs / frames:0.#}%)" : "";
        io.Err.WriteLine($"edgelite: {src.Description}: {stats.Processed} frame(s) processed, {stats.Dropped} dropped, {Common.F(stats.Fps, 1)} fps, " +
            $"capture→result latency median {Common.F(stats.LatencyMedianMs, 1)} ms, p90 {Common.F(stats.LatencyP90Ms, 1)} ms, max {Common.F(stats.LatencyMaxMs, 1)} ms, " +
            $"processing {Common.F(stats.InferenceMeanMs, 1)} ms/frame{detector}{(outTarget != null ? $"; annotated video: {outTarget}" : "")}");
        return Cli.Ok;
    }
}
