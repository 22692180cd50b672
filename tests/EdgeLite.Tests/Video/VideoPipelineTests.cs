using System.IO.Pipes;
using System.Text.Json;
using EdgeLite.Tests.Landmarks;
using EdgeLite.Vision;

namespace EdgeLite.Tests.Video;

/// <summary>Video end to end: files and pipes through detect, pose and the landmarkers; tracking; drops; encoding.</summary>
[Collection("video")]
public class VideoPipelineTests(VideoFixture v)
{
    private static readonly string Ssd = SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16");
    private static readonly string OidLabels = Path.Combine(SharedData.Labels, "oidv4_objectron_labelmap.txt");

    private static (int Code, List<JsonElement> Lines, string Err) Cli(string[] args, Stream? stdin = null)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = EdgeLite.Cli.Cli.Run(args, o, e, false, stdin);
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (code, lines, e.ToString());
    }

    private static float[] Box(JsonElement o) => o.GetProperty("box").EnumerateArray().Select(x => x.GetSingle()).ToArray();

    private static void AssertSameObjects(IReadOnlyList<Detection> expected, JsonElement frame)
    {
        var objs = frame.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(expected.Count, objs.Count);
        for (int i = 0; i < objs.Count; i++)
        {
            Assert.Equal(expected[i].Label, objs[i].GetProperty("label").GetString());
            Assert.Equal(Math.Round(expected[i].Score, 4), objs[i].GetProperty("score").GetDouble());
            Assert.Equal(new[] { expected[i].Left, expected[i].Top, expected[i].Right, expected[i].Bottom }.Select(x => (float)Math.Round(x, 1)), Box(objs[i]));
        }
    }

    [FfmpegFact]
    public void DetectOnAFileAndOnPipesEqualsTheStillImageResultOfEachDecodedFrame()
    {
        var frames = VideoFixture.Decode(v.Pets);
        Assert.Equal(24, frames.Count);
        using var m = Model.FromFile(Ssd);
        using var det = new ObjectDetector(m, new ObjectDetectorOptions { Labels = Labels.Load(OidLabels) });
        var expected = frames.Select(f => det.Detect(f)).ToList();
        // both dogs on most frames (the left one's score hovers about 0.5 while it runs)
        Assert.All(expected, e => Assert.InRange(e.Count(d => d.Label == "Dog"), 1, 2));
        Assert.True(expected.Count(e => e.Count(d => d.Label == "Dog") == 2) >= 18);
        string[] baseArgs = ["detect", "-m", Ssd, "--labels", OidLabels, "--json"];
        // from the file
        var file = Cli([.. baseArgs, "--source", v.Pets]);
        Assert.Equal(0, file.Code);
        Assert.Equal(24, file.Lines.Count);
        for (int i = 0; i < 24; i++)
        {
            Assert.Equal(i, file.Lines[i].GetProperty("frame").GetInt64());
            Assert.Equal((long)Math.Round(i * 1000 / 12.0), file.Lines[i].GetProperty("pts_ms").GetInt64());
            AssertSameObjects(expected[i], file.Lines[i]);
        }
        Assert.Contains("24 frame(s) processed, 0 dropped", file.Err);
        // the same MP4 piped to standard input (ffmpeg decodes the pipe), every frame kept
        using (var mp4 = File.OpenRead(v.Pets))
        {
            var piped = Cli([.. baseArgs, "--source", "-", "--drop", "never"], mp4);
            Assert.Equal(0, piped.Code);
            Assert.Equal(24, piped.Lines.Count);
            for (int i = 0; i < 24; i++) AssertSameObjects(expected[i], piped.Lines[i]);
        }
        // raw RGB frames on standard input
        var raw = new MemoryStream();
        foreach (var f in frames) raw.Write(f.Pixels);
        raw.Position = 0;
        var rawRun = Cli([.. baseArgs, "--source", "-", "--raw-size", "320x240", "--drop", "never"], raw);
        Assert.Equal(0, rawRun.Code);
        Assert.Equal(24, rawRun.Lines.Count);
        for (int i = 0; i < 24; i++) AssertSameObjects(expected[i], rawRun.Lines[i]);
    }

    [FfmpegFact]
    public void TrackIdsStayOnTheSameDogWhileItIsInView()
    {
        var run = Cli(["detect", "-m", Ssd, "--labels", OidLabels, "--json", "--source", v.Pets, "--track"]);
        Assert.Equal(0, run.Code);
        Assert.Equal(24, run.Lines.Count);
        int? leftId = null, rightId = null;
        // the right-hand dog scores 0.4-0.6 at first: its track is born once it reaches the new-track score (0.6) and
        // confirmed on the next frame; from then on both dogs are tracked on every frame, also where the detector
        // scores one under the threshold (ByteTrack's low-score pass)
        static int Dogs(JsonElement l) => l.GetProperty("objects").EnumerateArray().Count(o => o.GetProperty("label").GetString() == "Dog");
        int first = run.Lines.FindIndex(l => Dogs(l) == 2);
        Assert.InRange(first, 0, 8);
        Assert.All(run.Lines.Take(first), l => Assert.Equal(1, Dogs(l)));
        foreach (var line in run.Lines.Skip(first))
        {
            var dogs = line.GetProperty("objects").EnumerateArray().Where(o => o.GetProperty("label").GetString() == "Dog").ToList();
            Assert.Equal(2, dogs.Count);
            var byX = dogs.OrderBy(o => Box(o)[0]).ToList();
            int l = byX[0].GetProperty("track_id").GetInt32(), r = byX[1].GetProperty("track_id").GetInt32();
            leftId ??= l; rightId ??= r;
            Assert.Equal(leftId, l);
            Assert.Equal(rightId, r);
        }
        Assert.NotEqual(leftId, rightId);
    }

    [FfmpegFact]
    public void LandmarkersInVideoModeTrackFromLandmarksAndMatchTheApiOnTheDecodedFrames()
    {
        foreach (var (kind, video, name, max) in new[]
        {
            (LandmarkerKind.Face, v.Face, "face-landmarks", 2), (LandmarkerKind.Pose, v.Squat, "pose-landmarks", 1), (LandmarkerKind.Hand, v.Squat, "hands", 1),
        })
        {
            var frames = VideoFixture.Decode(video);
            using var api = LandmarkerTests.Open(kind, new LandmarkerOptions { Mode = RunningMode.Video, MaxResults = max });
            using var still = LandmarkerTests.Open(kind, new LandmarkerOptions { MaxResults = max });
            var fps = kind == LandmarkerKind.Face ? 10.0 : 8.0;
            var expected = frames.Select((f, i) => api.Detect(f, (long)Math.Round(i * 1000 / fps))).ToList();
            // the detector ran on a minority of frames: the crops came from the previous landmarks
            Assert.True(api.DetectorRuns * 2 < api.Frames, $"{kind}: detector on {api.DetectorRuns} of {api.Frames} frames");
            Assert.All(expected, e => Assert.Equal(max, e.Count));
            // tracked landmarks agree with the image-mode (detector every frame) ones on the same frame
            for (int i = 0; i < frames.Count; i += 5)
            {
                var s = still.Detect(frames[i]);
                foreach (var r in expected[i])
                {
                    var nearest = s.MinBy(q => Dist(q.Landmarks[0], r.Landmarks[0]))!;
                    float size = r.Region.Width;
                    double mean = r.Landmarks.Zip(nearest.Landmarks, Dist).Average();
                    // 5% of the region, at least 5 px (the squat's hands are ~25 px across)
                    Assert.True(mean < Math.Max(0.05 * size, 5), $"{kind} frame {i}: mean landmark distance {mean:F1} px for a {size:F0} px region");
                }
            }
            var dets = kind switch { LandmarkerKind.Hand => "palm_detection_lite", LandmarkerKind.Face => "face_detection_short_range", _ => "pose_detection" };
            var lms = kind switch { LandmarkerKind.Hand => "hand_landmark_lite", LandmarkerKind.Face => "face_landmark", _ => "pose_landmark_lite" };
            var run = Cli([name, "-d", SharedData.Model(dets), "-m", SharedData.Model(lms), "--max", max.ToString(), "--json", "--source", video]);
            Assert.Equal(0, run.Code);
            Assert.Equal(frames.Count, run.Lines.Count);
            Assert.Matches(@"detector on \d+ of \d+ frames", run.Err);
            string key = kind switch { LandmarkerKind.Hand => "hands", LandmarkerKind.Face => "faces", _ => "poses" };
            for (int i = 0; i < frames.Count; i++)
            {
                var got = run.Lines[i].GetProperty(key).EnumerateArray().ToList();
                Assert.Equal(expected[i].Count, got.Count);
                for (int k = 0; k < got.Count; k++)
                {
                    Assert.Equal(expected[i][k].Id, got[k].GetProperty("id").GetInt32());
                    var pts = got[k].GetProperty("landmarks").EnumerateArray().ToList();
                    for (int p = 0; p < pts.Count; p += 7)
                    {
                        Assert.Equal(Math.Round(expected[i][k].Landmarks[p].X, 2), pts[p][0].GetDouble());
                        Assert.Equal(Math.Round(expected[i][k].Landmarks[p].Y, 2), pts[p][1].GetDouble());
                    }
                }
            }
            // one identity per object for the whole clip
            Assert.Equal(max, expected.SelectMany(e => e.Select(r => r.Id)).Distinct().Count());

            // the same frames as raw RGB on a pipe (a live source: timestamps from the capture clock, so smoothing,
            // which depends on them, is off on both sides; --drop never keeps every frame)
            using var unsmoothed = LandmarkerTests.Open(kind, new LandmarkerOptions { Mode = RunningMode.Video, MaxResults = max, Smoothing = false });
            var plain = frames.Select((f, i) => unsmoothed.Detect(f, i)).ToList();
            var raw = new MemoryStream();
            foreach (var f in frames) raw.Write(f.Pixels);
            raw.Position = 0;
            var piped = Cli([name, "-d", SharedData.Model(dets), "-m", SharedData.Model(lms), "--max", max.ToString(), "--json", "--no-smoothing",
                "--source", "-", "--raw-size", $"{frames[0].Width}x{frames[0].Height}", "--drop", "never"], raw);
            Assert.Equal(0, piped.Code);
            Assert.Equal(frames.Count, piped.Lines.Count);
            for (int i = 0; i < frames.Count; i++)
            {
                var got = piped.Lines[i].GetProperty(key).EnumerateArray().ToList();
                Assert.Equal(plain[i].Count, got.Count);
                for (int k = 0; k < got.Count; k++)
                {
                    var pts = got[k].GetProperty("landmarks").EnumerateArray().ToList();
                    for (int p = 0; p < pts.Count; p += 5)
                    {
                        Assert.Equal(Math.Round(plain[i][k].Landmarks[p].X, 2), pts[p][0].GetDouble());
                        Assert.Equal(Math.Round(plain[i][k].Landmarks[p].Y, 2), pts[p][1].GetDouble());
                    }
                }
            }
        }
    }

    private static float Dist(Landmark a, Landmark b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    [FfmpegFact]
    public void PoseCommandAndAnAnnotatedVideo()
    {
        string outVideo = Path.Combine(v.Dir, "pose_annotated.mp4");
        var run = Cli(["pose-landmarks", "-d", SharedData.Model("pose_detection"), "-m", SharedData.Model("pose_landmark_lite"), "--json", "--source", v.Squat, "--out", outVideo]);
        Assert.Equal(0, run.Code);
        Assert.Equal(16, run.Lines.Count);
        var written = VideoFixture.Decode(outVideo);
        Assert.Equal(16, written.Count);
        Assert.Equal(300, written[0].Width);
        // the drawing changed the frames
        var original = VideoFixture.Decode(v.Squat);
        Assert.True(written[8].Pixels.Zip(original[8].Pixels, (a, b) => Math.Abs(a - b)).Count(d => d > 60) > 200);
        // MoveNet through `pose --source`: each frame's keypoints are the still-image ones of the decoded frame
        var movenet = Cli(["pose", "-m", SharedData.Model("movenet_single_pose_lightning_ptq"), "--json", "--source", v.Squat]);
        Assert.Equal(0, movenet.Code);
        using (var mm = Model.FromFile(SharedData.Model("movenet_single_pose_lightning_ptq")))
        using (var est = new PoseEstimator(mm))
            for (int i = 0; i < original.Count; i++)
            {
                var want = est.EstimatePoses(original[i])[0].Keypoints;
                var got = movenet.Lines[i].GetProperty("keypoints").EnumerateArray().ToList();
                Assert.Equal(17, got.Count);
                for (int k = 0; k < 17; k++)
                {
                    Assert.Equal(Math.Round(want[k].X, 2), got[k].GetProperty("x").GetDouble());
                    Assert.Equal(Math.Round(want[k].Y, 2), got[k].GetProperty("y").GetDouble());
                }
            }
        // --no-store refuses an output that writes frames
        var refused = Cli(["pose", "-m", SharedData.Model("movenet_single_pose_lightning_ptq"), "--source", v.Squat, "--no-store", "--out", outVideo]);
        Assert.Equal(2, refused.Code);
    }

    [FfmpegFact]
    public void ALivePipeFedFasterThanInferenceDropsStaleFramesWithBoundedLatency()
    {
        var frames = VideoFixture.Decode(v.Pets);
        using var m = Model.FromFile(Ssd);
        using var det = new ObjectDetector(m);
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        const int sent = 240;
        var writer = new Thread(() =>
        {
            // as fast as the pipe takes them: ten times the clip, far faster than the detector
            for (int i = 0; i < sent; i++) server.Write(frames[i % frames.Count].Pixels);
            server.Dispose();
        });
        using var src = new RawFrameSource(client, 320, 240, 30, live: true);
        var latencies = new List<double>();
        var pipeline = new VideoPipeline<IReadOnlyList<Detection>>(src, f => det.Detect(f.Image), (f, r, t) => latencies.Add(t.LatencyMs));
        writer.Start();
        var stats = pipeline.Run();
        writer.Join();
        Assert.Equal(sent, stats.Captured);
        Assert.True(stats.Dropped > sent / 3, $"{stats.Dropped} of {sent} dropped");
        Assert.Equal(stats.Captured, stats.Processed + stats.Dropped);
        // newest-frame policy: a frame waits at most for the one being processed, so latency stays within a few
        // processing times instead of growing with the backlog (without dropping, the last frame would wait ~sent x)
        Assert.True(stats.LatencyMaxMs < 4 * stats.InferenceMeanMs + 100, $"max latency {stats.LatencyMaxMs:F0} ms, processing {stats.InferenceMeanMs:F0} ms");
        Assert.True(pipeline.PoolSize <= 8);
    }

    [FfmpegFact]
    public void SteadyStateReusesFrameBuffers()
    {
        var frames = VideoFixture.Decode(v.Pets);
        long Run(int count)
        {
            var raw = new MemoryStream();
            for (int i = 0; i < count; i++) raw.Write(frames[i % frames.Count].Pixels);
            raw.Position = 0;
            using var src = new RawFrameSource(raw, 320, 240, 30, live: false);
            var seen = new HashSet<VideoFrame>(ReferenceEqualityComparer.Instance);
            var pipeline = new VideoPipeline<int>(src, f => f.Image.Pixels[0], (f, r, t) => seen.Add(f));
            long before = GC.GetTotalAllocatedBytes(true);
            var stats = pipeline.Run();
            long bytes = GC.GetTotalAllocatedBytes(true) - before;
            Assert.Equal(count, stats.Processed);
            Assert.True(seen.Count <= pipeline.PoolSize);
            return bytes;
        }
        Run(20);
        long small = Run(40), large = Run(240);
        // 200 more frames of 230 KB each allocate (almost) nothing more: buffers come from the pool
        double perFrame = (large - small) / 200.0;
        Assert.True(perFrame < 2048, $"{perFrame:F0} bytes allocated per frame");
    }

    [FfmpegFact]
    public void ImageFoldersAndSequencesAreSourcesToo()
    {
        var frames = VideoFixture.Decode(v.Pets).Take(5).ToList();
        string folder = Path.Combine(v.Dir, "frames");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < frames.Count; i++) frames[i].Save(Path.Combine(folder, $"f{i:D3}.png"));
        using var m = Model.FromFile(Ssd);
        using var det = new ObjectDetector(m, new ObjectDetectorOptions { Labels = Labels.Load(OidLabels) });
        string[] baseArgs = ["detect", "-m", Ssd, "--labels", OidLabels, "--json"];
        // a folder (EdgeLite's decoder, sorted by name) and a printf pattern (ffmpeg's image2), at --fps
        foreach (var source in new[] { folder, Path.Combine(folder, "f%03d.png") })
        {
            var run = Cli([.. baseArgs, "--source", source, "--fps", "5"]);
            Assert.Equal(0, run.Code);
            Assert.Equal(5, run.Lines.Count);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(i * 200, run.Lines[i].GetProperty("pts_ms").GetInt64());
                AssertSameObjects(det.Detect(frames[i]), run.Lines[i]);
            }
        }
    }

    [FfmpegFact]
    public void BadSourcesGiveClearErrors()
    {
        Assert.Throws<FileNotFoundException>(() => FrameSource.Open(Path.Combine(v.Dir, "missing.mp4")));
        string text = Path.Combine(v.Dir, "not_a_video.mp4");
        File.WriteAllText(text, "hello");
        Assert.Throws<VideoException>(() => FrameSource.Open(text));
        using var half = new RawFrameSource(new MemoryStream(new byte[320 * 240 * 3 + 100]), 320, 240, 30, live: false);
        var f = new VideoFrame(320, 240);
        Assert.True(half.Read(f));
        Assert.Throws<VideoException>(() => half.Read(f));
        var run = Cli(["detect", "-m", Ssd, "--source", text]);
        Assert.Equal(1, run.Code);
        Assert.Contains("ffmpeg could not open", run.Err);
        Assert.Equal(2, Cli(["detect", "-m", Ssd, "--source", v.Pets, "--raw-size", "320x240"]).Code);
        Assert.Equal(2, Cli(["detect", "-m", Ssd, "--source", v.Pets, "--size", "big"]).Code);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoFrame(100_000, 100_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RawFrameSource(new MemoryStream(), 0, 10, 30, live: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FfmpegEncoder(Path.Combine(v.Dir, "x.mp4"), -1, 10, 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoPipeline<int>(new RawFrameSource(new MemoryStream(), 4, 4, 30, false), _ => 0, (_, _, _) => { }, new VideoPipelineOptions { QueueCapacity = 0 }));
    }
}
