using EdgeLite.Vision;

namespace EdgeLite.Tests.Landmarks;

/// <summary>The three two-stage landmarkers on real photos (image mode), and their geometry.</summary>
public class LandmarkerTests
{
    internal static Landmarker Open(LandmarkerKind kind, LandmarkerOptions? o = null)
    {
        var (d, l) = kind switch
        {
            LandmarkerKind.Hand => ("palm_detection_lite", "hand_landmark_lite"),
            LandmarkerKind.Face => ("face_detection_short_range", "face_landmark"),
            _ => ("pose_detection", "pose_landmark_lite"),
        };
        // the models are memory-mapped and must outlive the landmarker: keep them for the test process
        return new Landmarker(kind, Keep(Model.FromFile(SharedData.Model(d))), Keep(Model.FromFile(SharedData.Model(l))), o);
    }

    private static readonly List<Model> Kept = new();
    private static Model Keep(Model m) { lock (Kept) Kept.Add(m); return m; }

    [Fact]
    public void HandLandmarksLieOnTheClaspedHandsOfTheSquat()
    {
        using var hands = Open(LandmarkerKind.Hand);
        var img = RgbImage.Load(SharedData.Image("squat.bmp"));
        var h = Assert.Single(hands.Detect(img));
        Assert.Equal(21, h.Landmarks.Count);
        Assert.Equal(21, h.WorldLandmarks!.Count);
        Assert.True(h.Score > 0.9f);
        Assert.Contains(h.Handedness, new[] { "Left", "Right" });
        // the clasped hands are at x 305..360, y 205..265 of the photo
        Assert.All(h.Landmarks, p => { Assert.InRange(p.X, 300, 365); Assert.InRange(p.Y, 200, 270); });
        // the wrist (0) is below the middle fingertip (12): the hands point up
        Assert.True(h.Landmarks[0].Y > h.Landmarks[12].Y);
        // world landmarks are metres about the hand: a hand is ~0.1-0.25 m long
        var w = h.WorldLandmarks!;
        float len = MathF.Sqrt(MathF.Pow(w[0].X - w[12].X, 2) + MathF.Pow(w[0].Y - w[12].Y, 2) + MathF.Pow(w[0].Z - w[12].Z, 2));
        Assert.InRange(len, 0.05f, 0.3f);
        Assert.True(hands.DetectorRuns == 1 && hands.Frames == 1);
    }

    [Fact]
    public void FaceMeshesCoverBothFacesWithEyesLevel()
    {
        using var faces = Open(LandmarkerKind.Face, new LandmarkerOptions { MaxResults = 2 });
        using var detector = new ObjectDetector(Model.FromFile(SharedData.Model("face_detection_short_range")));
        var img = RgbImage.Load(SharedData.Image("face.jpg"));
        var found = faces.Detect(img);
        Assert.Equal(2, found.Count);
        var boxes = detector.Detect(img);
        foreach (var f in found)
        {
            Assert.Equal(468, f.Landmarks.Count);
            // eye corners 33 and 263 and the nose tip 1 fall inside one detected face box, nose below the eyes
            var box = boxes.Single(b => f.Landmarks[1].X > b.Left && f.Landmarks[1].X < b.Right);
            foreach (int i in new[] { 1, 33, 263 })
            {
                Assert.InRange(f.Landmarks[i].X, box.Left, box.Right);
                Assert.InRange(f.Landmarks[i].Y, box.Top, box.Bottom);
            }
            Assert.True(f.Landmarks[1].Y > f.Landmarks[33].Y && f.Landmarks[1].Y > f.Landmarks[263].Y);
            Assert.InRange(MathF.Abs(f.Landmarks[33].Y - f.Landmarks[263].Y), 0, 15);
        }
    }

    [Fact]
    public void PoseLandmarksAndMaskFitTheSquat()
    {
        using var pose = Open(LandmarkerKind.Pose, new LandmarkerOptions { Segmentation = true });
        var img = RgbImage.Load(SharedData.Image("squat.bmp"));
        var p = Assert.Single(pose.Detect(img));
        var l = p.Landmarks;
        Assert.Equal(33, l.Count);
        Assert.Equal(33, p.WorldLandmarks!.Count);
        // nose at the face (x ~285, y ~200), hips at the shorts (y ~380), ankles near the floor (y > 470)
        Assert.InRange(l[0].X, 255, 310); Assert.InRange(l[0].Y, 170, 230);
        Assert.InRange(l[23].Y, 340, 420); Assert.InRange(l[24].Y, 340, 420);
        Assert.True(l[27].Y > 470 && l[28].Y > 470);
        Assert.True(l[0].Visibility > 0.9f);
        // world landmarks: metres about the hips, the person is taller than 0.5 m (nose to ankle)
        Assert.True(MathF.Abs(p.WorldLandmarks![0].Y - p.WorldLandmarks[27].Y) > 0.5f);
        var mask = p.MaskOnImage(img.Width, img.Height);
        float At(float x, float y) => mask[(int)y * img.Width + (int)x];
        Assert.True(At(l[23].X, l[23].Y) > 0.5f && At(l[11].X, l[11].Y) > 0.5f);   // hip, shoulder
        Assert.True(At(20, 20) < 0.1f && At(450, 100) < 0.1f);                      // the wall
        double share = mask.Count(v => v >= 0.5f) / (double)mask.Length;
        Assert.InRange(share, 0.08, 0.35);
    }

    [Fact]
    public void VideoModeTracksOneIdentityAndSmoothingDampsJitter()
    {
        // a still scene with sensor-like noise: the landmarks should not move, so any motion is jitter
        var img = RgbImage.Load(SharedData.Image("squat.bmp"));
        var rng = new Random(7);
        var frames = Enumerable.Range(0, 12).Select(_ =>
        {
            var px = (byte[])img.Pixels.Clone();
            for (int i = 0; i < px.Length; i++) px[i] = (byte)Math.Clamp(px[i] + rng.Next(-12, 13), 0, 255);
            return new RgbImage(img.Width, img.Height, px);
        }).ToList();
        double Jitter(bool smoothing, out int detectorRuns, out int ids)
        {
            using var pose = Open(LandmarkerKind.Pose, new LandmarkerOptions { Mode = RunningMode.Video, Smoothing = smoothing });
            var results = frames.Select((f, i) => Assert.Single(pose.Detect(f, i * 33L))).ToList();
            detectorRuns = pose.DetectorRuns;
            ids = results.Select(r => r.Id).Distinct().Count();
            double sum = 0; int n = 0;
            for (int i = 2; i < results.Count; i++)
                for (int k = 0; k < 33; k++, n++)
                    sum += MathF.Sqrt(MathF.Pow(results[i].Landmarks[k].X - results[i - 1].Landmarks[k].X, 2) + MathF.Pow(results[i].Landmarks[k].Y - results[i - 1].Landmarks[k].Y, 2));
            return sum / n;
        }
        double raw = Jitter(false, out int runsRaw, out int idsRaw), smooth = Jitter(true, out int runsSmooth, out int idsSmooth);
        Assert.Equal(1, runsRaw); Assert.Equal(1, runsSmooth);    // the detector ran on the first frame only
        Assert.Equal(1, idsRaw); Assert.Equal(1, idsSmooth);
        Assert.True(smooth < raw * 0.7, $"jitter {smooth:F2} px smoothed vs {raw:F2} px raw");
    }

    [Fact]
    public void NoLandmarksWithoutTheObject()
    {
        using var hands = Open(LandmarkerKind.Hand);
        using var faces = Open(LandmarkerKind.Face);
        var cat = RgbImage.Load(SharedData.Image("cat.bmp"));
        Assert.Empty(hands.Detect(cat));
        Assert.Empty(faces.Detect(cat));
    }

    [Fact]
    public void WrongModelsAreRefused()
    {
        using var face = Model.FromFile(SharedData.Model("face_detection_short_range"));
        using var hand = Model.FromFile(SharedData.Model("hand_landmark_lite"));
        using var mobilenet = Model.FromFile(SharedData.Model("mobilenet_v2_1.0_224_quant"));
        Assert.Throws<ArgumentException>(() => new Landmarker(LandmarkerKind.Hand, face, hand));          // face detector for hands
        Assert.Throws<ArgumentException>(() => new Landmarker(LandmarkerKind.Face, face, mobilenet));     // not a landmark model
        Assert.Throws<ArgumentOutOfRangeException>(() => new Landmarker(LandmarkerKind.Face, face, hand, new LandmarkerOptions { MaxResults = 0 }));
    }

    [Fact]
    public void RotatedRectMapsBothWaysAndTransformsLikeMediaPipe()
    {
        var r = new RotatedRect(100, 50, 40, 20, 0.7f);
        var (x, y) = r.ToImage(0.25f, 0.9f);
        var (u, v) = r.FromImage(x, y);
        Assert.Equal(0.25f, u, 4); Assert.Equal(0.9f, v, 4);
        // shift -0.5 of the height along the rotated y axis, square on the long side, scale 2
        var t = r.Transform(2, 2, 0, -0.5f);
        Assert.Equal(80, t.Width, 3); Assert.Equal(80, t.Height, 3);
        Assert.Equal(100 + MathF.Sin(0.7f) * 10, t.CenterX, 3);
        Assert.Equal(50 - MathF.Cos(0.7f) * 10, t.CenterY, 3);
        // a vector pointing straight up needs no rotation to point up; pointing right needs -90° ... +90°
        Assert.Equal(0, RotatedRect.RotationOf(0, 10, 0, 0, MathF.PI / 2), 5);
        Assert.Equal(MathF.PI / 2, RotatedRect.RotationOf(0, 0, 10, 0, MathF.PI / 2), 5);
        // the enclosing rectangle of a rotated square's corners is that square
        var sq = new RotatedRect(30, 40, 10, 10, 0.3f);
        var e = RotatedRect.Enclosing(sq.Corners(), 0.3f);
        Assert.Equal(30, e.CenterX, 3); Assert.Equal(40, e.CenterY, 3); Assert.Equal(10, e.Width, 3);
    }

    [Fact]
    public void RegionSamplerOnTheWholeImageIsTheIdentityAndPadsOutside()
    {
        var img = RgbImage.Load(SharedData.Image("rgb6X4.bmp"));
        using var m = Model.FromFile(SharedData.Model("hand_landmark_lite"));
        using var it = new Interpreter(m);
        it.AllocateTensors();
        // a 4x6 image into a 224x224 tensor is not the identity; check on a synthetic tensor instead via the letterbox of a square image
        var sq = new RgbImage(224, 224, Enumerable.Range(0, 224 * 224 * 3).Select(i => (byte)(i * 7)).ToArray());
        RegionSampler.Fill(it.GetInputTensor(0), sq, new RotatedRect(112, 112, 224, 224, 0), InputNormalization.Raw);
        var t = it.GetInputTensor(0).AsSpan<float>();
        for (int i = 0; i < t.Length; i += 997) Assert.Equal(sq.Pixels[i], t[i], 3);
        // a region beyond the image samples black with a zero border, the edge with replicate
        RegionSampler.Fill(it.GetInputTensor(0), img, new RotatedRect(1000, 1000, 10, 10, 0), InputNormalization.Raw, CropBorder.Zero);
        Assert.All(it.GetInputTensor(0).ToFloatArray(), v => Assert.Equal(0f, v));
        RegionSampler.Fill(it.GetInputTensor(0), img, new RotatedRect(1000, 1000, 10, 10, 0), InputNormalization.Raw, CropBorder.Replicate);
        int last = (img.Width * img.Height - 1) * 3;
        Assert.Equal(img.Pixels[last], it.GetInputTensor(0).AsSpan<float>()[0], 3);
        Assert.Throws<ArgumentException>(() => RegionSampler.Fill(it.GetInputTensor(0), img, new RotatedRect(1, 1, 0, 10, 0), InputNormalization.Raw));
    }

    [Fact]
    public void OneEuroFilterPassesConstantsAndDampsJitter()
    {
        var f = new OneEuroFilter(1f, 0f);
        for (int i = 0; i < 10; i++) Assert.Equal(5f, f.Filter(5f, i / 30.0), 4);
        var g = new OneEuroFilter(0.5f, 0f);
        var rng = new Random(1);
        double rawVar = 0, filtVar = 0;
        for (int i = 0; i < 300; i++)
        {
            float noisy = 100 + (float)(rng.NextDouble() - 0.5) * 10;
            float y = g.Filter(noisy, i / 30.0);
            if (i > 30) { rawVar += Math.Pow(noisy - 100, 2); filtVar += Math.Pow(y - 100, 2); }
        }
        Assert.True(filtVar < rawVar / 4, $"filtered {filtVar} vs raw {rawVar}");
    }
}
