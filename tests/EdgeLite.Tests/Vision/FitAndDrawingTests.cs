using EdgeLite.Vision;

namespace EdgeLite.Tests.Vision;

/// <summary>Letterboxing, mapping results back to the photo, and the drawings (boxes, overlays, skeletons).</summary>
public class FitAndDrawingTests
{
    private static RgbImage Solid(int w, int h, byte r, byte g, byte b)
    {
        var px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) { px[i * 3] = r; px[i * 3 + 1] = g; px[i * 3 + 2] = b; }
        return new RgbImage(w, h, px);
    }

    private static (byte R, byte G, byte B) At(RgbImage img, int x, int y)
    {
        int o = (y * img.Width + x) * 3;
        return (img.Pixels[o], img.Pixels[o + 1], img.Pixels[o + 2]);
    }

    [Fact]
    public void LetterboxKeepsTheAspectRatioAndPadsBlack()
    {
        var wide = Solid(200, 100, 200, 100, 50);
        var (img, t) = ImageTensorWriter.Fit(wide, 64, 64, ImageFit.Letterbox);
        Assert.Equal((64, 64), (img.Width, img.Height));
        // 200x100 → 64x32, centred: rows 16..47 are the photo, the rest black
        Assert.Equal((0f, 0.25f, 1f, 0.5f), (t.Left, t.Top, t.Width, t.Height));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(img, 10, 5));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(img, 10, 60));
        Assert.Equal(((byte)200, (byte)100, (byte)50), At(img, 10, 16));
        Assert.Equal(((byte)200, (byte)100, (byte)50), At(img, 63, 47));
        // the centre of the input is the centre of the photo; the content's corners are the photo's corners
        Assert.Equal((100f, 50f), t.ToImage(0.5f, 0.5f));
        Assert.Equal((0f, 0f), t.ToImage(0f, 0.25f));
        Assert.Equal((200f, 100f), t.ToImage(1f, 0.75f));
        var (nx, ny) = t.FromImage(50, 25);
        Assert.Equal((50f, 25f), t.ToImage(nx, ny));

        // tall photo: padded left and right; same aspect ratio: nothing to pad
        var (_, tall) = ImageTensorWriter.Fit(Solid(30, 90, 1, 2, 3), 60, 60, ImageFit.Letterbox);
        Assert.Equal((20f / 60, 0f, 20f / 60, 1f), (tall.Left, tall.Top, tall.Width, tall.Height));
        var (_, same) = ImageTensorWriter.Fit(Solid(120, 60, 1, 2, 3), 40, 20, ImageFit.Letterbox);
        Assert.Equal(ImageTransform.Stretched(120, 60), same);
        var (stretched, st) = ImageTensorWriter.Fit(wide, 64, 64, ImageFit.Stretch);
        Assert.Equal(((byte)200, (byte)100, (byte)50), At(stretched, 10, 5));
        Assert.Equal((100f, 50f), st.ToImage(0.5f, 0.5f));
    }

    [Fact]
    public void FillReportsWhereThePhotoLanded()
    {
        using var m = Model.FromFile(SharedData.Model("face_detection_short_range"));
        using var interp = new Interpreter(m);
        interp.AllocateTensors();
        var input = interp.GetInputTensor(0);
        var t = ImageTensorWriter.Fill(input, Solid(256, 128, 255, 255, 255), InputNormalization.MinusOneToOne, ImageFit.Letterbox);
        Assert.Equal(0.25f, t.Top);
        var v = input.AsSpan<float>();
        Assert.Equal(-1f, v[0]);                        // padding: black → -1
        Assert.Equal(1f, v[(64 * 128 + 64) * 3]);       // the centre: white → 1
    }

    [Fact]
    public void BlazeFaceLetterboxedFindsBothFacesInFaceJpg()
    {
        // face.jpg (512x355) shows two men side by side; letterboxing (MediaPipe's own preprocessing) keeps faces round
        using var m = Model.FromFile(SharedData.Model("face_detection_short_range"));
        using var det = new ObjectDetector(m, ObjectDetectorOptions.BlazeFaceShortRange());
        Assert.Equal(ImageFit.Letterbox, ObjectDetectorOptions.BlazeFaceShortRange().Fit);
        var photo = RgbImage.Load(Path.Combine(SharedData.Images, "face.jpg"));
        var faces = det.Detect(photo).OrderBy(f => f.Left).ToList();
        Assert.Equal(2, faces.Count);
        Assert.All(faces, f => Assert.True(f.Score > 0.8f));
        // the left man's face is centred near (180, 150), the right one's near (305, 120) (pixels of the photo);
        // faces are about 95 pixels wide and about as tall (square boxes after mapping back: letterbox kept the ratio)
        Assert.InRange((faces[0].Left + faces[0].Right) / 2, 160, 200);
        Assert.InRange((faces[0].Top + faces[0].Bottom) / 2, 130, 175);
        Assert.InRange((faces[1].Left + faces[1].Right) / 2, 285, 325);
        Assert.InRange((faces[1].Top + faces[1].Bottom) / 2, 100, 145);
        Assert.All(faces, f => Assert.InRange((f.Right - f.Left) / (f.Bottom - f.Top), 0.85f, 1.15f));
    }

    [Fact]
    public void DrawDetectionsDrawsBoxesInTheClassColour()
    {
        var img = Solid(120, 80, 10, 10, 10);
        var drawn = Drawing.DrawDetections(img, [new Detection(3, "thing", 0.9f, 20, 30, 100, 70)]);
        var c = Drawing.ClassColor(3);
        Assert.Equal((c.Red, c.Green, c.Blue), At(drawn, 60, 70));   // bottom edge
        Assert.Equal((c.Red, c.Green, c.Blue), At(drawn, 20, 50));   // left edge
        Assert.Equal(((byte)10, (byte)10, (byte)10), At(drawn, 60, 50)); // inside: untouched
        Assert.Equal(((byte)10, (byte)10, (byte)10), At(img, 60, 70));   // the input is not modified
        Assert.NotEqual(Drawing.ClassColor(1), Drawing.ClassColor(2));
    }

    [Fact]
    public void DrawPosesDrawsLimbsBetweenConfidentKeypoints()
    {
        var img = Solid(100, 100, 0, 0, 0);
        var pose = new (float, float, float)[17];
        pose[5] = (20, 50, 0.9f); pose[6] = (80, 50, 0.9f);  // shoulders: a limb between them
        pose[11] = (20, 90, 0.1f); pose[12] = (80, 90, 0.1f); // hips below the score bound: not drawn
        var drawn = Drawing.DrawPoses(img, [pose], minScore: 0.3f);
        Assert.NotEqual(((byte)0, (byte)0, (byte)0), At(drawn, 50, 50));
        Assert.Equal(((byte)0, (byte)0, (byte)0), At(drawn, 50, 90));
    }

    [Fact]
    public void OverlayAndMaskFollowTheLetterbox()
    {
        // a 4x2 map of a letterboxed 4x1 photo: row 0 is padding (class 5), row 1 the photo (class 0, 1, 1, 0)
        var r = new SegmentationResult(4, 2, [5, 5, 5, 5, 0, 1, 1, 0], null, new ImageTransform(0, 0.5f, 1, 0.5f, 8, 2));
        Assert.Equal([0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0], r.ToImageSize());
        var shares = r.ClassFractions(); // padding excluded
        Assert.Equal(2, shares.Count);
        Assert.Equal(0.5, shares.Single(s => s.Index == 1).Fraction);
        var photo = Solid(8, 2, 100, 100, 100);
        var over = r.Overlay(photo, 0.5f);
        Assert.Equal(((byte)100, (byte)100, (byte)100), At(over, 0, 0));  // background untouched
        Assert.Equal(((byte)114, (byte)50, (byte)50), At(over, 3, 1));    // class 1 (128, 0, 0) blended half
    }

    [Fact]
    public void SavedImagesDecodeToTheSamePixels()
    {
        var img = RgbImage.Load(Path.Combine(SharedData.Images, "rgb6X4.bmp"));
        var path = Path.Combine(Path.GetTempPath(), $"edgelite-save-{Guid.NewGuid():N}.png");
        try
        {
            img.Save(path);
            Assert.Equal(img.Pixels, RgbImage.Load(path).Pixels); // PNG is lossless
        }
        finally { File.Delete(path); }
    }
}
