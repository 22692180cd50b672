using EdgeLite.Vision;

namespace EdgeLite.Tests.Vision;

/// <summary>MediaPipe's three detectors, recognised from the model (no anchor flag): boxes and keypoints on real photos.</summary>
public class MediaPipeDetectorTests
{
    private static string Mp(string stem) => SharedData.Model(stem);

    [Theory]
    [InlineData(896, 128, 128, 6, "face")]
    [InlineData(2016, 192, 192, 7, "palm")]
    [InlineData(2254, 224, 224, 4, "person")]
    public void PresetsGiveTheModelsAnchorCounts(int anchors, int h, int w, int keypoints, string label)
    {
        var p = ObjectDetectorOptions.ForMediaPipe(anchors, h, w)!;
        Assert.Equal(anchors, p.Anchors!.Generate().Length);
        Assert.Equal(keypoints, p.KeypointCount);
        Assert.Equal(label, Assert.Single(p.Labels!));
        Assert.Null(ObjectDetectorOptions.ForMediaPipe(anchors, h + 1, w));
        // SsdAnchorsCalculator with fixed-size anchors: two per cell of the stride-8 layer first (centre half a cell
        // in), all 1x1; the last anchor sits in the last cell of the coarsest layer
        var a = p.Anchors.Generate();
        int fine = (h + 7) / 8, coarse = (h + p.Anchors.Strides[^1] - 1) / p.Anchors.Strides[^1];
        Assert.Equal(0.5f / fine, a[0].X, 6); Assert.Equal(0.5f / fine, a[0].Y, 6);
        Assert.Equal(a[0], a[1]);
        Assert.Equal(1.5f / fine, a[2].X, 6);
        Assert.All(a, x => Assert.True(x.W == 1 && x.H == 1));
        Assert.Equal((coarse - 0.5f) / coarse, a[^1].X, 6); Assert.Equal((coarse - 0.5f) / coarse, a[^1].Y, 6);
    }

    [Fact]
    public void CliDetectAndLandmarkCommandsOnPhotos()
    {
        static System.Text.Json.JsonElement Json(params string[] args)
        {
            var o = new StringWriter(); var e = new StringWriter();
            Assert.Equal(0, EdgeLite.Cli.Cli.Run(args, o, e));
            return System.Text.Json.JsonDocument.Parse(o.ToString()).RootElement.Clone();
        }
        var faces = Json("detect", SharedData.Image("face.jpg"), "-m", Mp("face_detection_short_range"), "--json");
        Assert.All(faces.GetProperty("objects").EnumerateArray(), f => Assert.Equal(6, f.GetProperty("keypoints").GetArrayLength()));
        var hands = Json("hands", SharedData.Image("squat.bmp"), "-d", Mp("palm_detection_lite"), "-m", Mp("hand_landmark_lite"), "--json");
        var hand = Assert.Single(hands.GetProperty("hands").EnumerateArray());
        Assert.Equal(21, hand.GetProperty("landmarks").GetArrayLength());
        Assert.Equal(21, hand.GetProperty("world_landmarks").GetArrayLength());
        var pose = Json("pose-landmarks", SharedData.Image("squat.bmp"), "-d", Mp("pose_detection"), "-m", Mp("pose_landmark_lite"), "--segmentation", "--json");
        Assert.Equal(33, Assert.Single(pose.GetProperty("poses").EnumerateArray()).GetProperty("landmarks").GetArrayLength());
        Assert.InRange(pose.GetProperty("mask_fraction").GetDouble(), 0.08, 0.35);
        // usage error: neither images nor --source; --segmentation is not a hands option (the parser takes the
        // unknown token for an image path, which does not exist)
        Assert.Equal(2, EdgeLite.Cli.Cli.Run(["hands", "-d", Mp("palm_detection_lite"), "-m", Mp("hand_landmark_lite")], new StringWriter(), new StringWriter()));
        Assert.NotEqual(0, EdgeLite.Cli.Cli.Run(["hands", SharedData.Image("squat.bmp"), "-d", Mp("palm_detection_lite"), "-m", Mp("hand_landmark_lite"), "--segmentation"], new StringWriter(), new StringWriter()));
        // the wrong detector for the landmarker is a clear error (exit 1)
        var err = new StringWriter();
        Assert.Equal(1, EdgeLite.Cli.Cli.Run(["hands", SharedData.Image("squat.bmp"), "-d", Mp("face_detection_short_range"), "-m", Mp("hand_landmark_lite")], new StringWriter(), err));
        Assert.Contains("palm_detection", err.ToString());
    }

    [Fact]
    public void FaceDetectorIsRecognisedAndFindsBothFacesWithEyesAboveTheMouth()
    {
        using var m = Model.FromFile(Mp("face_detection_short_range"));
        using var det = new ObjectDetector(m);
        Assert.True(det.MediaPipeModel);
        var faces = det.Detect(RgbImage.Load(SharedData.Image("face.jpg")));
        Assert.Equal(2, faces.Count);
        foreach (var f in faces)
        {
            var k = f.Keypoints!;
            Assert.Equal(6, k.Length);
            // eyes (0, 1) above the nose tip (2) above the mouth (3), all inside the box
            Assert.True(k[0].Y < k[2].Y && k[1].Y < k[2].Y && k[2].Y < k[3].Y);
            for (int i = 0; i < 4; i++) { Assert.InRange(k[i].X, f.Left, f.Right); Assert.InRange(k[i].Y, f.Top, f.Bottom); }
        }
        // the right-hand face of the photo: box around x 254..358, y 69..173
        var right = faces.MaxBy(f => f.Left);
        Assert.InRange(right.Left, 245, 265); Assert.InRange(right.Right, 345, 365);
    }

    [Fact]
    public void PoseDetectorKeypointsAreHipsAndShouldersOfTheSquat()
    {
        using var m = Model.FromFile(Mp("pose_detection"));
        using var det = new ObjectDetector(m);
        Assert.True(det.MediaPipeModel);
        var img = RgbImage.Load(SharedData.Image("squat.bmp"));
        var p = Assert.Single(det.Detect(img));
        Assert.True(p.Score > 0.9f);
        var k = p.Keypoints!;
        Assert.Equal(4, k.Length);
        // hip centre (0) at the shorts (x ~185, y ~390), shoulder centre (2) above it at chest height (y ~250)
        Assert.InRange(k[0].X, 150, 220); Assert.InRange(k[0].Y, 360, 420);
        Assert.InRange(k[2].X, 210, 280); Assert.InRange(k[2].Y, 220, 290);
    }

    [Fact]
    public void PalmDetectorFindsTheClaspedHandsOfTheSquatAndNoPalmOnTheCat()
    {
        using var m = Model.FromFile(Mp("palm_detection_lite"));
        using var det = new ObjectDetector(m);
        Assert.True(det.MediaPipeModel);
        Assert.Equal(0f, det.Normalization.Mean[0]);   // palm detection takes [0, 1]
        var palm = Assert.Single(det.Detect(RgbImage.Load(SharedData.Image("squat.bmp"))));
        Assert.Equal(7, palm.Keypoints!.Length);
        float cx = (palm.Left + palm.Right) / 2, cy = (palm.Top + palm.Bottom) / 2;
        Assert.InRange(cx, 310, 355); Assert.InRange(cy, 215, 260);
        Assert.Empty(det.Detect(RgbImage.Load(SharedData.Image("cat.bmp"))));
    }
}
