using System.Diagnostics;

namespace EdgeLite.Vision;

/// <summary>A video source or sink failed (ffmpeg missing, unreadable stream, bad frame size).</summary>
public class VideoException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VideoException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public VideoException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// One decoded frame. Frames are pooled by the <see cref="VideoPipeline{T}"/>: the pixel buffer is reused once the
/// frame's result has been written, so keep a copy of <see cref="Image"/> to hold on to it.
/// </summary>
public sealed class VideoFrame
{
    /// <summary>A frame with its own pixel buffer of the given size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive or exceeds <see cref="FfmpegSource.MaxPixels"/>.</exception>
    public VideoFrame(int width, int height)
    {
        if (width <= 0 || height <= 0 || (long)width * height > FfmpegSource.MaxPixels)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} out of range (at most {FfmpegSource.MaxPixels} pixels)");
        Image = new RgbImage(width, height, new byte[width * height * 3]);
    }

    /// <summary>The pixels (RGB).</summary>
    public RgbImage Image { get; }
    /// <summary>Position in the source, from 0 (frames dropped by a live source leave gaps).</summary>
    public long Index { get; set; }
    /// <summary>Presentation time in milliseconds: from the frame rate for files and sequences, from the capture clock for live sources.</summary>
    public long PtsMs { get; set; }
    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the frame was read from the source.</summary>
    public long CapturedAt { get; set; }
}

/// <summary>Options of <see cref="FrameSource.Open"/>.</summary>
public sealed record FrameSourceOptions
{
    /// <summary>Scale every frame to this size (ffmpeg sources), or null = the source's own size.</summary>
    public (int Width, int Height)? Size { get; init; }
    /// <summary>Frame rate of image folders and raw pipes (and the rate asked of cameras), frames per second.</summary>
    public double? Fps { get; init; }
    /// <summary>Raw RGB frames of this size on the input stream (no ffmpeg), for <c>-</c>; null = ffmpeg decodes whatever arrives.</summary>
    public (int Width, int Height)? RawSize { get; init; }
    /// <summary>The stream <c>-</c> reads (default: this process's standard input).</summary>
    public Stream? Stdin { get; init; }
    /// <summary>The ffmpeg executable (default: <c>ffmpeg</c> on PATH).</summary>
    public string Ffmpeg { get; init; } = "ffmpeg";
}

/// <summary>
/// Where frames come from: a video file, a V4L2 camera (<c>/dev/videoN</c>), an RTSP/HTTP/UDP URL, an image folder or
/// printf-style sequence (<c>frame%04d.png</c>), or <c>-</c> (standard input: anything ffmpeg decodes, or raw RGB
/// frames of a given size). Files and sequences yield every frame; cameras, URLs and pipes are <see cref="IsLive"/>.
/// </summary>
public abstract class FrameSource : IDisposable
{
    /// <summary>Frame width in pixels.</summary>
    public abstract int Width { get; }
    /// <summary>Frame height in pixels.</summary>
    public abstract int Height { get; }
    /// <summary>Frames per second (nominal; 0 = unknown).</summary>
    public abstract double Fps { get; }
    /// <summary>Frames arrive in real time (camera, network, pipe): a slow consumer must drop frames, not queue them.</summary>
    public abstract bool IsLive { get; }
    /// <summary>What was opened, for messages.</summary>
    public abstract string Description { get; }

    /// <summary>Reads the next frame into <paramref name="frame"/> (its size must be the source's); false at the end.</summary>
    /// <exception cref="VideoException">The stream broke or its frames do not have the expected size.</exception>
    public abstract bool Read(VideoFrame frame);

    /// <summary>Stops the source (and its ffmpeg process).</summary>
    public abstract void Dispose();

    private long _lastLivePts = -1;

    /// <summary>A live frame's timestamp from the capture clock, made strictly increasing.</summary>
    protected long NextLivePts(long clockMs)
    {
        _lastLivePts = Math.Max(clockMs, _lastLivePts + 1);
        return _lastLivePts;
    }

    /// <summary>Whether <paramref name="source"/> names a live source (camera device, network URL, standard input).</summary>
    public static bool IsLiveName(string source) =>
        source == "-" || source.StartsWith("/dev/video", StringComparison.Ordinal) || source.Contains("://", StringComparison.Ordinal) && !source.StartsWith("file://", StringComparison.Ordinal);

    /// <summary>Opens <paramref name="source"/>.</summary>
    /// <exception cref="VideoException">ffmpeg is missing, or the source cannot be opened or decoded.</exception>
    /// <exception cref="FileNotFoundException">A file or folder source does not exist.</exception>
    public static FrameSource Open(string source, FrameSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var o = options ?? new FrameSourceOptions();
        if (source == "-" && o.RawSize is { } raw)
            return new RawFrameSource(o.Stdin ?? Console.OpenStandardInput(), raw.Width, raw.Height, o.Fps ?? 30, live: true, "standard input (raw RGB)");
        if (Directory.Exists(source)) return new ImageFolderSource(source, o.Fps ?? 30);
        bool pattern = source.Contains('%', StringComparison.Ordinal);
        if (source != "-" && !IsLiveName(source) && !pattern && !File.Exists(source))
            throw new FileNotFoundException($"video source not found: {source}", source);
        return FfmpegSource.Start(source, o);
    }
}

/// <summary>Raw RGB frames of a fixed size read back to back from a stream (a pipe, ffmpeg's output).</summary>
public sealed class RawFrameSource : FrameSource
{
    private readonly Stream _stream;
    private readonly bool _live;
    private readonly string _description;
    private long _index;
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>Frames of <paramref name="width"/> x <paramref name="height"/> from <paramref name="stream"/>.</summary>
    public RawFrameSource(Stream stream, int width, int height, double fps, bool live, string description = "raw RGB stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (width <= 0 || height <= 0 || (long)width * height > FfmpegSource.MaxPixels) throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height} out of range (at most {FfmpegSource.MaxPixels} pixels)");
        _stream = stream; Width = width; Height = height; Fps = fps; _live = live; _description = description;
    }

    /// <inheritdoc />
    public override int Width { get; }
    /// <inheritdoc />
    public override int Height { get; }
    /// <inheritdoc />
    public override double Fps { get; }
    /// <inheritdoc />
    public override bool IsLive => _live;
    /// <inheritdoc />
    public override string Description => _description;

    /// <inheritdoc />
    public override bool Read(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Image.Width != Width || frame.Image.Height != Height) throw new ArgumentException($"frame buffer is {frame.Image.Width}x{frame.Image.Height}, the source {Width}x{Height}");
        var buf = frame.Image.Pixels;
        int got = 0;
        while (got < buf.Length)
        {
            int n;
            try { n = _stream.Read(buf, got, buf.Length - got); }
            catch (IOException e) { throw new VideoException($"{_description}: read failed: {e.Message}", e); }
            catch (ObjectDisposedException) { return false; }
            if (n <= 0) break;
            got += n;
        }
        if (got == 0) return false;
        if (got < buf.Length) throw new VideoException($"{_description}: stream ended inside a frame ({got} of {buf.Length} bytes): is the frame size {Width}x{Height} right?");
        long now = Stopwatch.GetTimestamp();
        frame.Index = _index;
        // live: the capture clock, kept strictly increasing (frames read within the same millisecond get the next one)
        frame.PtsMs = _live ? NextLivePts((long)Stopwatch.GetElapsedTime(_start, now).TotalMilliseconds) : (long)Math.Round(_index * 1000.0 / (Fps > 0 ? Fps : 30));
        frame.CapturedAt = now;
        _index++;
        return true;
    }

    /// <inheritdoc />
    public override void Dispose() => _stream.Dispose();
}

/// <summary>The images of a folder (sorted by name) as frames; every image must have the first one's size.</summary>
public sealed class ImageFolderSource : FrameSource
{
    private readonly string[] _files;
    private readonly string _folder;
    private int _next;

    /// <summary>Opens the image files (jpg, png, bmp, webp, gif) of <paramref name="folder"/>.</summary>
    public ImageFolderSource(string folder, double fps)
    {
        _folder = folder;
        string[] ext = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"];
        _files = Directory.GetFiles(folder).Where(f => ext.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();
        if (_files.Length == 0) throw new VideoException($"no images in folder {folder}");
        var first = RgbImage.Load(_files[0]);
        if ((long)first.Width * first.Height > FfmpegSource.MaxPixels) throw new VideoException($"{_files[0]}: {first.Width}x{first.Height} is larger than a video frame may be ({FfmpegSource.MaxPixels} pixels)");
        Width = first.Width; Height = first.Height; Fps = fps;
    }

    /// <inheritdoc />
    public override int Width { get; }
    /// <inheritdoc />
    public override int Height { get; }
    /// <inheritdoc />
    public override double Fps { get; }
    /// <inheritdoc />
    public override bool IsLive => false;
    /// <inheritdoc />
    public override string Description => $"image folder {_folder}";

    /// <inheritdoc />
    public override bool Read(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_next >= _files.Length) return false;
        var img = RgbImage.Load(_files[_next]);
        if (img.Width != Width || img.Height != Height) throw new VideoException($"{_files[_next]} is {img.Width}x{img.Height}; the sequence is {Width}x{Height}");
        img.Pixels.CopyTo(frame.Image.Pixels, 0);
        frame.Index = _next;
        frame.PtsMs = (long)Math.Round(_next * 1000.0 / (Fps > 0 ? Fps : 30));
        frame.CapturedAt = Stopwatch.GetTimestamp();
        _next++;
        return true;
    }

    /// <inheritdoc />
    public override void Dispose() { }
}
