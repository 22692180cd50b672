using BenchmarkDotNet.Attributes;
using EdgeLite.Vision;

namespace EdgeLite.Benchmarks;

/// <summary>
/// The video pipeline (capture, processing, output on three threads) per task at 1 and 2 interpreter threads, on a
/// 48-frame pan over a shared photo at 320 px wide (raw frames from memory, so decoding is not measured):
/// <c>Throughput</c> is the time per frame when frames are always waiting (1000 / mean = FPS); <c>Latency</c> is one
/// frame's way from being read off the source to its result reaching the output thread, with nothing queued (what
/// a live source's newest frame waits, on top of the frame being processed when it arrives).
/// Landmarkers run in video mode (crops from the previous frame's landmarks).
/// </summary>
[MemoryDiagnoser]
public class VideoPipelineBenchmarks
{
    private const int Frames = 48;
    private byte[] _frames = [];
    private int _w, _h;
    private Func<VideoFrame, int> _process = null!;
    private readonly List<IDisposable> _owned = new();

    [Params("detect-ssd", "face-landmarks", "hands", "pose-landmarks")]
    public string Task { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string photo = Task switch { "detect-ssd" => "pets.jpg", "face-landmarks" => "face.jpg", _ => "squat.bmp" };
        var img = RgbImage.Load(Path.Combine(SharedPaths.Root, "images", photo));
        // a pan: 48 windows of 90% of the photo, 1 px apart, scaled to 320 px wide
        int cw = img.Width * 9 / 10, ch = img.Height * 9 / 10;
        _w = 320; _h = (int)Math.Round(320.0 * ch / cw) / 2 * 2;
        var all = new MemoryStream();
        for (int f = 0; f < Frames; f++)
        {
            var px = new byte[cw * ch * 3];
            for (int y = 0; y < ch; y++) Array.Copy(img.Pixels, ((y + f / 2) * img.Width + f) * 3, px, y * cw * 3, cw * 3);
            all.Write(new RgbImage(cw, ch, px).ResizeBilinear(_w, _h).Pixels);
        }
        _frames = all.ToArray();
        Model M(string rel) { var m = Model.FromFile(SharedPaths.Model(rel)); _owned.Add(m); return m; }
        var o = new LandmarkerOptions { Mode = RunningMode.Video, Threads = Threads };
        long ts = 0;
        switch (Task)
        {
            case "detect-ssd":
            {
                var det = new ObjectDetector(M("detection/object_detection_ssd_mobilenetv2_oidv4_fp16"), new ObjectDetectorOptions { Threads = Threads });
                _owned.Add(det);
                _process = f => det.Detect(f.Image).Count;
                break;
            }
            default:
            {
                var lm = Task switch
                {
                    "face-landmarks" => Landmarker.Faces(M("mediapipe/face_detection_short_range"), M("mediapipe/face_landmark"), o),
                    "hands" => Landmarker.Hands(M("mediapipe/palm_detection_lite"), M("mediapipe/hand_landmark_lite"), o),
                    _ => Landmarker.Poses(M("mediapipe/pose_detection"), M("mediapipe/pose_landmark_lite"), o),
                };
                _owned.Add(lm);
                _process = f => lm.Detect(f.Image, ts += 33).Count;
                break;
            }
        }
    }

    private PipelineStats RunOver(int frames)
    {
        using var src = new RawFrameSource(new MemoryStream(_frames, 0, frames * _w * _h * 3, writable: false), _w, _h, 30, live: false);
        return new VideoPipeline<int>(src, _process, (_, _, _) => { }).Run();
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public double Throughput() => RunOver(Frames).Fps;

    // Latency: a pipeline that stays up, fed one frame at a time by a gated source
    private GatedSource? _gated;
    private Thread? _running;
    private readonly SemaphoreSlim _done = new(0);

    [GlobalSetup(Target = nameof(Latency))]
    public void SetupLatency()
    {
        Setup();
        _gated = new GatedSource(_frames, _w, _h, Frames);
        var pipeline = new VideoPipeline<int>(_gated, _process, (_, _, _) => _done.Release());
        _running = new Thread(() => pipeline.Run()) { IsBackground = true };
        _running.Start();
    }

    [Benchmark]
    public void Latency()
    {
        _gated!.Next();
        _done.Wait();
    }

    private sealed class GatedSource(byte[] frames, int w, int h, int count) : FrameSource
    {
        private readonly SemaphoreSlim _gate = new(0);
        private volatile bool _closed;
        private long _i;
        public override int Width => w;
        public override int Height => h;
        public override double Fps => 30;
        public override bool IsLive => true;
        public override string Description => "gated frames";
        public void Next() => _gate.Release();
        public override bool Read(VideoFrame frame)
        {
            _gate.Wait();
            if (_closed) return false;
            int k = (int)(_i % count);
            Array.Copy(frames, (long)k * w * h * 3, frame.Image.Pixels, 0, w * h * 3);
            frame.Index = _i++;
            frame.PtsMs = frame.Index * 33;
            frame.CapturedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            return true;
        }
        public override void Dispose() { _closed = true; _gate.Release(); }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_gated != null) { _gated.Dispose(); _running!.Join(5000); _gated = null; }
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
