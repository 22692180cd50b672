using EdgeLite.Vision;
using SkiaSharp;

namespace EdgeLite.Tests.Vision;

public class RgbImageTests
{
    public static TheoryData<string> Photos()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(SharedData.Images).Where(f => f.EndsWith(".bmp") || f.EndsWith(".jpg") || f.EndsWith(".png")).Order())
            d.Add(Path.GetFileName(f));
        return d;
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void DecodesEveryPhoto(string name)
    {
        var img = RgbImage.Load(Path.Combine(SharedData.Images, name));
        Assert.True(img.Width > 0 && img.Height > 0);
        Assert.Equal(img.Width * img.Height * 3, img.Pixels.Length);
        Assert.True(img.Pixels.Distinct().Count() > 1, "a photo is not a single value"); // decoded, not zero-filled
    }

    [Fact]
    public void KnownSizesAndPixelOrder()
    {
        var hd = RgbImage.Load(Path.Combine(SharedData.Images, "cat_720p.jpg"));
        Assert.Equal((1280, 720), (hd.Width, hd.Height));
        // rgb6X4.bmp: a 4 wide, 6 high test card
        var card = RgbImage.Load(Path.Combine(SharedData.Images, "rgb6X4.bmp"));
        Assert.Equal((4, 6), (card.Width, card.Height));
    }

    private static byte[] Encode(SKEncodedImageFormat format, int quality, Func<int, int, SKColor> pixel, int w = 8, int h = 5)
    {
        using var bmp = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bmp.SetPixel(x, y, pixel(x, y));
        using var data = bmp.Encode(format, quality);
        return data.ToArray();
    }

    private static SKColor Pattern(int x, int y) => new((byte)(x * 30), (byte)(y * 50), (byte)(200 - x * 10 - y * 5));

    [Fact]
    public void PngAndLosslessWebPDecodeToTheExactPixels()
    {
        foreach (var (format, quality) in new[] { (SKEncodedImageFormat.Png, 100), (SKEncodedImageFormat.Webp, 100) })
        {
            var img = RgbImage.Decode(Encode(format, quality, Pattern));
            Assert.Equal((8, 5), (img.Width, img.Height));
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 8; x++)
                {
                    var c = Pattern(x, y);
                    int i = (y * 8 + x) * 3;
                    Assert.Equal((c.Red, c.Green, c.Blue), (img.Pixels[i], img.Pixels[i + 1], img.Pixels[i + 2]));
                }
        }
    }

    [Fact]
    public void JpegDecodesCloseToTheSource()
    {
        var img = RgbImage.Decode(Encode(SKEncodedImageFormat.Jpeg, 100, (_, _) => new SKColor(200, 100, 50), 16, 16));
        Assert.All(Enumerable.Range(0, 256), i => Assert.InRange(img.Pixels[i * 3], 195, 205));
    }

    [Fact]
    public void TransparentPixelsAreCompositedOverBlack()
    {
        // documented behaviour: c·a/255, so fully transparent pixels are black whatever RGB they carry
        var img = RgbImage.Decode(Encode(SKEncodedImageFormat.Png, 100, (x, _) => new SKColor(200, 100, 50, x == 0 ? (byte)128 : (byte)0), 2, 1));
        Assert.Equal(new byte[] { 100, 50, 25, 0, 0, 0 }, img.Pixels);
    }

    [Fact]
    public void GrayscalePngBecomesThreeEqualChannels()
    {
        using var bmp = new SKBitmap(new SKImageInfo(3, 1, SKColorType.Gray8));
        bmp.SetPixel(0, 0, new SKColor(10, 10, 10)); bmp.SetPixel(1, 0, new SKColor(128, 128, 128)); bmp.SetPixel(2, 0, new SKColor(250, 250, 250));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        var img = RgbImage.Decode(data.ToArray());
        Assert.Equal(new byte[] { 10, 10, 10, 128, 128, 128, 250, 250, 250 }, img.Pixels);
    }

    [Fact]
    public void CorruptOrTruncatedImagesAreImageFormatErrors()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(SharedData.Images, "cat_720p.jpg"));
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode(jpeg.AsSpan(0, 200)));
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode([]));
        var rng = new Random(3);
        var noise = new byte[4096]; rng.NextBytes(noise);
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode(noise));
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode("GIF89a but not really"u8));
    }

    [Fact]
    public void AbsurdDimensionsAreRefusedBeforeDecoding()
    {
        // a BMP header announcing 60000 x 60000 pixels (3.6 gigapixels) with no pixel data
        var bmp = new byte[54];
        "BM"u8.CopyTo(bmp);
        BitConverter.GetBytes(54 + 0).CopyTo(bmp, 2);
        BitConverter.GetBytes(54).CopyTo(bmp, 10);
        BitConverter.GetBytes(40).CopyTo(bmp, 14);
        BitConverter.GetBytes(60000).CopyTo(bmp, 18);
        BitConverter.GetBytes(60000).CopyTo(bmp, 22);
        BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
        BitConverter.GetBytes((short)24).CopyTo(bmp, 28);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode(bmp));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "refused without allocating the pixels");
    }

    [Fact]
    public void MissingFileIsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => RgbImage.Load(Path.Combine(Path.GetTempPath(), "edgelite-no-such-image.jpg")));

    [Fact]
    public void ResizingAConstantImageKeepsTheConstant()
    {
        var px = Enumerable.Repeat((byte)77, 40 * 30 * 3).ToArray();
        var img = new RgbImage(40, 30, px);
        foreach (var r in new[] { img.Resize(7, 5), img.Resize(100, 80), img.ResizeBilinear(13, 3), img.ResizeLanczos(9, 9) })
            Assert.All(r.Pixels, v => Assert.Equal(77, v));
    }

    [Fact]
    public void BilinearUpscaleUsesHalfPixelCenters()
    {
        // 2x1 gray image 0 | 200 → 4x1: centers at 0.25, 0.75, 1.25, 1.75 in source pixels (clamped) → 0, 50, 150, 200
        var img = new RgbImage(2, 1, [0, 0, 0, 200, 200, 200]);
        var r = img.ResizeBilinear(4, 1);
        Assert.Equal(new byte[] { 0, 50, 150, 200 }, Enumerable.Range(0, 4).Select(i => r.Pixels[i * 3]).ToArray());
    }

    [Fact]
    public void ConstructorChecksThePixelCount() =>
        Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));
}
