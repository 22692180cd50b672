using EdgeLite.Vision;

namespace EdgeLite.Tests.Vision;

public class ObjectDetectorTests
{
    private static ObjectDetector Ssd(Model m, float threshold = 0.5f) => new(m, new ObjectDetectorOptions
    {
        Labels = Labels.Load(Path.Combine(SharedData.Labels, "oidv4_objectron_labelmap.txt")),
        ScoreThreshold = threshold,
    });

    [Fact]
    public void TfOdApiAnchorsAreTheSsd1917Grid()
    {
        var a = new SsdAnchorOptions().Generate();
        Assert.Equal(1917, a.Length);
        // first cell of the 19x19 layer: centre (0.5/19, 0.5/19), the reduced lowest-layer boxes: 0.1 at 1:1 first
        Assert.Equal(0.5f / 19, a[0].Y, 5);
        Assert.Equal(0.1f, a[0].H, 5);
        Assert.Equal(0.1f, a[0].W, 5);
        // second anchor: scale 0.2 at 2:1 → h = 0.2/√2, w = 0.2·√2
        Assert.Equal(0.2f / MathF.Sqrt(2), a[1].H, 5);
        Assert.Equal(0.2f * MathF.Sqrt(2), a[1].W, 5);
        // the last one: the 1x1 layer's interpolated anchor between scale 0.95 and 1
        Assert.Equal(0.5f, a[^1].Y, 5);
        Assert.Equal(MathF.Sqrt(0.95f), a[^1].H, 4);
    }

    [Fact]
    public void FindsTheCatAndTheTwoDogs()
    {
        using var m = Model.FromFile(SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"));
        using var det = Ssd(m);
        var cat = det.Detect(RgbImage.Load(Path.Combine(SharedData.Images, "cat.bmp")));
        Assert.Equal("Cat", Assert.Single(cat).Label);
        Assert.True(cat[0].Score > 0.7f);
        Assert.True(cat[0].Right > cat[0].Left && cat[0].Bottom > cat[0].Top);
        var pets = RgbImage.Load(Path.Combine(SharedData.Images, "pets.jpg"));
        var dogs = det.Detect(pets);
        Assert.Equal(2, dogs.Count(d => d.Label == "Dog"));
        Assert.All(dogs, d => Assert.InRange(d.Right, 0, pets.Width));
        // the two dogs are separate boxes (suppression did not merge them)
        Assert.True(dogs[0].Right < dogs[1].Left || dogs[1].Right < dogs[0].Left || dogs[0].Bottom < dogs[1].Top || dogs[1].Bottom < dogs[0].Top
            || Math.Abs(dogs[0].Left - dogs[1].Left) > 100);
    }

    [Fact]
    public void BlazeFaceFindsFacesAndNoneOnACat()
    {
        using var m = Model.FromFile(SharedData.Model("face_detection_short_range"));
        Assert.Equal(896, ObjectDetectorOptions.BlazeFaceShortRange().Anchors!.Generate().Length);
        using var det = new ObjectDetector(m, ObjectDetectorOptions.BlazeFaceShortRange());
        var hopper = RgbImage.Load(Path.Combine(SharedData.Images, "grace_hopper.bmp"));
        var face = Assert.Single(det.Detect(hopper));
        Assert.Equal("face", face.Label);
        Assert.True(face.Score > 0.8f);
        // the face is in the upper middle of the portrait
        float cx = (face.Left + face.Right) / 2 / hopper.Width, cy = (face.Top + face.Bottom) / 2 / hopper.Height;
        Assert.InRange(cx, 0.3f, 0.7f);
        Assert.InRange(cy, 0.2f, 0.6f);
        Assert.True(det.Detect(RgbImage.Load(Path.Combine(SharedData.Images, "face.jpg"))).Count >= 2);
        Assert.Empty(det.Detect(RgbImage.Load(Path.Combine(SharedData.Images, "cat.bmp"))));
    }

    [Fact]
    public void WrongModelsAndAnchorCountsAreRefused()
    {
        using var mobilenet = Model.FromFile(SharedData.Model("mobilenet_v2_1.0_224_quant"));
        Assert.Throws<ArgumentException>(() => new ObjectDetector(mobilenet));
        using var ssd = Model.FromFile(SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"));
        Assert.Throws<ArgumentException>(() => new ObjectDetector(ssd, new ObjectDetectorOptions { Anchors = new SsdAnchorOptions { Strides = [16, 32] } }));
    }
}
