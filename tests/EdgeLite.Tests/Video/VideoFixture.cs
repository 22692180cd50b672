using System.Diagnostics;
using EdgeLite.Vision;

namespace EdgeLite.Tests.Video;

/// <summary>A fact that is skipped, saying why, when ffmpeg is not installed (.ci/run installs it).</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (!VideoFixture.HasFfmpeg) Skip = "ffmpeg not installed (apt-get install ffmpeg, as .ci/run does)";
    }
}

/// <summary>
/// Test videos made at test time from ../shared/images with ffmpeg: a pan over pets.jpg (two dogs), a pan and zoom
/// over face.jpg (two faces), a zoom into squat.bmp (one body, clasped hands). Small and short, H.264 in MP4.
/// </summary>
public sealed class VideoFixture : IDisposable
{
    private static readonly Lazy<bool> Available = new(() => FfmpegSource.IsAvailable());
    public static bool HasFfmpeg => Available.Value;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "edgelite-video-" + Guid.NewGuid().ToString("N")[..8]);
    public string Pets => Path.Combine(Dir, "pets.mp4");
    public string Face => Path.Combine(Dir, "face.mp4");
    public string Squat => Path.Combine(Dir, "squat.mp4");

    public VideoFixture()
    {
        Directory.CreateDirectory(Dir);
        if (!HasFfmpeg) return;
        Make(SharedData.Image("pets.jpg"), "crop=w=420:h=315:x='min(t*60,iw-420)':y='min(t*20,ih-315)',scale=320:240", 12, 2, Pets);
        Make(SharedData.Image("face.jpg"), "scale=w='trunc(iw*(0.7+t*0.1)/2)*2':h=-2:eval=frame,crop=320:222:x='t*20':y='t*8'", 10, 2, Face);
        Make(SharedData.Image("squat.bmp"), "scale=w='trunc(iw*(0.6+t*0.03)/2)*2':h=-2:eval=frame,crop=300:366:x='t*5':y='t*5'", 8, 2, Squat);
    }

    private static void Make(string image, string filter, int fps, int seconds, string output)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", image, "-vf", filter, "-t", seconds.ToString(), "-r", fps.ToString(),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", output })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {output}: {err}");
    }

    /// <summary>Every frame of <paramref name="path"/> as decoded by the ffmpeg source (copies).</summary>
    public static List<RgbImage> Decode(string path)
    {
        using var src = FrameSource.Open(path);
        var frames = new List<RgbImage>();
        var f = new VideoFrame(src.Width, src.Height);
        while (src.Read(f)) frames.Add(new RgbImage(src.Width, src.Height, (byte[])f.Image.Pixels.Clone()));
        return frames;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition("video")]
public sealed class VideoCollection : ICollectionFixture<VideoFixture>;
