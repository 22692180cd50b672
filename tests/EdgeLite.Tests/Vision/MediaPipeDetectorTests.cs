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
