using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeLite.Vision;

/// <summary>
/// Frames decoded by an ffmpeg subprocess to raw RGB on a pipe (<c>-f rawvideo -pix_fmt rgb24 pipe:1</c>): any file
/// ffmpeg reads, V4L2 cameras (<c>/dev/videoN</c>, <c>-f v4l2</c>), RTSP (over TCP), HTTP and UDP streams, printf-style
/// image sequences, standard input. The frame size and rate are read from ffmpeg's description of its output stream.
/// Files are decoded at constant frame rate, so a frame's time is its index over the rate.
/// </summary>
public sealed partial class FfmpegSource : FrameSource
{
    private readonly Process _process;
    private readonly RawFrameSource _raw;
    private readonly StderrLog _log;
    private readonly Thread? _stdinPump;
    private readonly string _source;
    private readonly bool _live;
    private readonly long _start = Stopwatch.GetTimestamp();

    private FfmpegSource(Process process, StderrLog log, Thread? pump, string source, int w, int h, double fps, bool live)
    {
        _process = process; _log = log; _stdinPump = pump; _source = source; _live = live;
        _raw = new RawFrameSource(process.StandardOutput.BaseStream, w, h, fps, live: false, $"ffmpeg ({source})");
    }

    /// <inheritdoc />
    public override int Width => _raw.Width;
    /// <inheritdoc />
    public override int Height => _raw.Height;
    /// <inheritdoc />
    public override double Fps => _raw.Fps;
    /// <inheritdoc />
    public override bool IsLive => _live;
    /// <inheritdoc />
    public override string Description => _source;

    /// <summary>Largest decoded frame accepted (3840 x 2160): the pipeline pools seven frames of this size.</summary>
    public const long MaxPixels = 3840L * 2160;

    /// <summary>Starts ffmpeg on <paramref name="source"/> and waits for the description of its output.</summary>
    /// <exception cref="VideoException">ffmpeg is missing or cannot open the source.</exception>
    public static FfmpegSource Start(string source, FrameSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        bool live = IsLiveName(source);
        var args = new List<string> { "-hide_banner", "-loglevel", "info" };
        if (source != "-") args.Add("-nostdin");
        // cameras and network streams: no input buffering, so frames are as fresh as possible (not for pipes: ffmpeg
        // drops the B-frame-delayed frames of a piped H.264 file with low_delay)
        if (live && source != "-") args.AddRange(["-fflags", "nobuffer", "-flags", "low_delay"]);
        if (source.StartsWith("/dev/video", StringComparison.Ordinal))
        {
            args.AddRange(["-f", "v4l2"]);
            if (options.Fps is { } f) args.AddRange(["-framerate", f.ToString(CultureInfo.InvariantCulture)]);
        }
        else if (source.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase)) args.AddRange(["-rtsp_transport", "tcp"]);
        else if (source.Contains('%', StringComparison.Ordinal) && !source.Contains("://", StringComparison.Ordinal))
            args.AddRange(["-framerate", (options.Fps ?? 30).ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-i", source == "-" ? "pipe:0" : source, "-an", "-sn"]);
        if (options.Size is { } size) args.AddRange(["-vf", $"scale={size.Width}:{size.Height}"]);
        args.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        var process = StartProcess(options.Ffmpeg, args, redirectStdin: source == "-");
        var log = new StderrLog(process);
        Thread? pump = null;
        if (source == "-")
        {
            var input = options.Stdin ?? Console.OpenStandardInput();
            pump = new Thread(() =>
            {
                try { input.CopyTo(process.StandardInput.BaseStream); }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
                finally { try { process.StandardInput.Close(); } catch (IOException) { } }
            }) { IsBackground = true, Name = "ffmpeg stdin" };
            pump.Start();
        }
        var (w, h, fps) = log.WaitForOutputStream(TimeSpan.FromSeconds(live ? 30 : 15));
        if (w <= 0)
        {
            try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { }
            process.WaitForExit(2000);
            throw new VideoException($"ffmpeg could not open {source}: {log.LastLines()}");
        }
        if ((long)w * h > MaxPixels)
        {
            try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { }
            throw new VideoException($"{source}: frames of {w}x{h} are larger than {MaxPixels} pixels (4K UHD); scale them with --size / FrameSourceOptions.Size");
        }
        return new FfmpegSource(process, log, pump, source, w, h, fps > 0 ? fps : options.Fps ?? 30, live);
    }

    internal static Process StartProcess(string ffmpeg, IEnumerable<string> args, bool redirectStdin)
    {
        var psi = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectStdin, UseShellExecute = false, CreateNoWindow = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try { return Process.Start(psi) ?? throw new VideoException($"could not start {ffmpeg}"); }
        catch (Win32Exception e) { throw new VideoException($"ffmpeg not found ({ffmpeg}): install it (Debian/Raspberry Pi OS: apt-get install ffmpeg)", e); }
    }

    /// <summary>Whether ffmpeg can be started.</summary>
    public static bool IsAvailable(string ffmpeg = "ffmpeg")
    {
        try
        {
            using var p = StartProcess(ffmpeg, ["-hide_banner", "-version"], false);
            p.StandardOutput.ReadToEnd();
            p.WaitForExit(10000);
            return p.ExitCode == 0;
        }
        catch (VideoException) { return false; }
    }

    /// <inheritdoc />
    public override bool Read(VideoFrame frame)
    {
        bool ok = _raw.Read(frame);
        if (!ok)
        {
            _process.WaitForExit(5000);
            if (_disposed) return false;
            if (_process.HasExited && _process.ExitCode != 0)
                throw new VideoException($"ffmpeg failed on {_source} (exit {_process.ExitCode}): {_log.LastLines()}");
            if (_frames == 0) throw new VideoException($"ffmpeg decoded no frames from {_source}: {_log.LastLines()}");
            return false;
        }
        _frames++;
        if (_live) frame.PtsMs = NextLivePts((long)Stopwatch.GetElapsedTime(_start, frame.CapturedAt).TotalMilliseconds);
        return true;
    }

    private volatile bool _disposed;
    private long _frames;

    /// <inheritdoc />
    public override void Dispose()
    {
        _disposed = true;
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _raw.Dispose();
        _process.Dispose();
    }

    /// <summary>Reads ffmpeg's stderr on a thread: the output stream's size and rate, and the last lines for errors.</summary>
    internal sealed partial class StderrLog
    {
        private readonly Queue<string> _last = new();
        private readonly ManualResetEventSlim _found = new();
        private int _w, _h;
        private double _fps;
        private bool _inOutput;

        public StderrLog(Process p)
        {
            var t = new Thread(() =>
            {
                try
                {
                    string? line;
                    while ((line = p.StandardError.ReadLine()) != null) OnLine(line);
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
                finally { _found.Set(); }
            }) { IsBackground = true, Name = "ffmpeg stderr" };
            t.Start();
        }

        private void OnLine(string line)
        {
            lock (_last)
            {
                _last.Enqueue(line);
                while (_last.Count > 8) _last.Dequeue();
            }
            if (line.StartsWith("Output #0", StringComparison.Ordinal)) _inOutput = true;
            if (_inOutput && _w == 0 && line.Contains("Video: rawvideo", StringComparison.Ordinal))
            {
                var m = SizeRegex().Match(line);
                if (m.Success)
                {
                    _w = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    _h = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                    var f = FpsRegex().Match(line);
                    if (f.Success) _fps = double.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture);
                    _found.Set();
                }
            }
        }

        public (int W, int H, double Fps) WaitForOutputStream(TimeSpan timeout)
        {
            _found.Wait(timeout);
            return (_w, _h, _fps);
        }

        public string LastLines()
        {
            lock (_last) return string.Join(" | ", _last.Where(l => !l.StartsWith("  ", StringComparison.Ordinal)).TakeLast(3));
        }

        [GeneratedRegex(@", (\d{1,5})x(\d{1,5})[ ,\[]")]
        private static partial Regex SizeRegex();
        [GeneratedRegex(@"([\d.]+) (?:fps|tbr)")]
        private static partial Regex FpsRegex();
    }
}

/// <summary>
/// Encodes RGB frames to a video file with an ffmpeg subprocess (raw frames on its stdin; H.264 in yuv420p for .mp4 /
/// .mkv / .mov, the container's default codec otherwise).
/// </summary>
public sealed class FfmpegEncoder : IDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly FfmpegSource.StderrLog _log;
    private readonly string _path;
    private bool _closed;

    /// <summary>Starts ffmpeg writing <paramref name="path"/> from <paramref name="width"/> x <paramref name="height"/> frames at <paramref name="fps"/>.</summary>
    /// <exception cref="VideoException">ffmpeg is missing.</exception>
    public FfmpegEncoder(string path, int width, int height, double fps, string ffmpeg = "ffmpeg")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (width <= 0 || height <= 0 || (long)width * height > FfmpegSource.MaxPixels)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} out of range (at most {FfmpegSource.MaxPixels} pixels)");
        _path = path; Width = width; Height = height;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
            "-r", (fps > 0 ? fps : 30).ToString("0.###", CultureInfo.InvariantCulture), "-i", "pipe:0",
        };
        if (ext is ".mp4" or ".mkv" or ".mov")
            args.AddRange(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]);
        args.Add(path);
        _process = FfmpegSource.StartProcess(ffmpeg, args, redirectStdin: true);
        _log = new FfmpegSource.StderrLog(_process);
        _stdin = _process.StandardInput.BaseStream;
    }

    /// <summary>Frame width.</summary>
    public int Width { get; }
    /// <summary>Frame height.</summary>
    public int Height { get; }

    /// <summary>Appends a frame (the encoder's size).</summary>
    /// <exception cref="VideoException">ffmpeg stopped.</exception>
    public void Write(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Width || frame.Height != Height) throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, the video {Width}x{Height}");
        try { _stdin.Write(frame.Pixels, 0, frame.Pixels.Length); }
        catch (IOException e) { throw new VideoException($"ffmpeg stopped writing {_path}: {_log.LastLines()}", e); }
    }

    /// <summary>Finishes the file and waits for ffmpeg.</summary>
    /// <exception cref="VideoException">ffmpeg failed.</exception>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        try { _stdin.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(60000)) { _process.Kill(); throw new VideoException($"ffmpeg did not finish {_path}"); }
        if (_process.ExitCode != 0) throw new VideoException($"ffmpeg failed writing {_path} (exit {_process.ExitCode}): {_log.LastLines()}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_closed)
        {
            _closed = true;
            try { _stdin.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(10000)) try { _process.Kill(); } catch (InvalidOperationException) { }
        }
        _process.Dispose();
    }
}
