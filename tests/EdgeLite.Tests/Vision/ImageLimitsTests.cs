using System.Buffers.Binary;
using System.IO.Compression;
using EdgeLite.Vision;
using SkiaSharp;

namespace EdgeLite.Tests.Vision;

/// <summary>Bounded decoding of untrusted images: size limits from the header, reduced-scale JPEG decoding, EXIF orientation.</summary>
public class ImageLimitsTests
{
    // ---- a decompression bomb, written at test time: a grey PNG of w x h zero pixels (deflate: ~1000:1) ----

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    private static void Chunk(Stream s, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, body.Length);
        s.Write(len);
        var typed = new byte[4 + body.Length];
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
        body.CopyTo(typed.AsSpan(4));
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(typed));
        s.Write(len);
    }

    internal static byte[] BombPng(int w, int h)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 0; // 8-bit greyscale
        Chunk(png, "IHDR", ihdr);
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[w + 1]; // filter byte 0 + zero pixels
            for (int y = 0; y < h; y++) z.Write(row);
        }
        Chunk(png, "IDAT", idat.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    [Fact]
    public void A10000x10000PngBombIsRefusedFromItsHeaderWithoutAllocatingThePixels()
    {
        var bomb = BombPng(10000, 10000);
        Assert.InRange(bomb.Length, 1, 400_000); // a small file...
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<ImageFormatException>(() => RgbImage.Decode(bomb));
        Assert.Contains("10000x10000", e.Message);
        Assert.Contains(ImageLoadOptions.DefaultMaxPixels.ToString(), e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * bomb.Length + 1_000_000, "refused without allocating pixel memory");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        // ... from a file too, with the path named
        string path = Path.Combine(Path.GetTempPath(), $"edgelite-bomb-{Environment.ProcessId}.png");
        File.WriteAllBytes(path, bomb);
        try { Assert.Contains(path, Assert.Throws<ImageFormatException>(() => RgbImage.Load(path)).Message); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EveryLimitIsConfigurable()
    {
        var small = BombPng(300, 200); // 60000 pixels, a few hundred bytes
        Assert.Equal((300, 200), (RgbImage.Decode(small).Width, RgbImage.Decode(small).Height));
        Assert.Contains("pixels", Assert.Throws<ImageFormatException>(() => RgbImage.Decode(small, new ImageLoadOptions { MaxPixels = 59_999 })).Message);
        Assert.Equal(300, RgbImage.Decode(small, new ImageLoadOptions { MaxPixels = 60_000 }).Width);
        Assert.Contains("bytes", Assert.Throws<ImageFormatException>(() => RgbImage.Decode(small, new ImageLoadOptions { MaxEncodedBytes = small.Length - 1 })).Message);
        Assert.Contains("MiB", Assert.Throws<ImageFormatException>(() => RgbImage.Decode(small, new ImageLoadOptions { MaxDecodeMemoryBytes = 100_000 })).Message);
        // a raised pixel limit lets a 5000x5000 image through (above the default)
        var big = BombPng(5000, 5000);
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode(big));
        var decoded = RgbImage.Decode(big, new ImageLoadOptions { MaxPixels = 25_000_000, MaxDecodeMemoryBytes = 1L << 30 });
        Assert.Equal((5000, 5000), (decoded.Width, decoded.Height));
        Assert.Throws<ArgumentOutOfRangeException>(() => RgbImage.Decode(small, new ImageLoadOptions { MaxPixels = 0 }));
    }

    private static byte[] Jpeg(int w, int h, Func<int, int, SKColor> pixel, int quality = 95)
    {
        using var bmp = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var px = bmp.GetPixelSpan();
        unsafe
        {
            var dst = new Span<byte>((void*)bmp.GetPixels(), px.Length);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var c = pixel(x, y);
                    int i = (y * w + x) * 4;
                    (dst[i], dst[i + 1], dst[i + 2], dst[i + 3]) = (c.Red, c.Green, c.Blue, 255);
                }
        }
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    private static SKColor Smooth(int x, int y) => new((byte)(x * 255 / 2400), (byte)(y * 255 / 1600), (byte)((x + y) % 256 / 2 + 60));

    [Fact]
    public void ALargeJpegIsDecodedAtTheSmallestScaleThatCoversTheModelInput()
    {
        var jpeg = Jpeg(2400, 1600, Smooth);
        var full = RgbImage.Decode(jpeg);
        Assert.Equal((2400, 1600), (full.Width, full.Height));
        // 224x224: 1/8 would be 300x200 (< 224 high), so 2/8 = 600x400
        var reduced = RgbImage.Decode(jpeg, new ImageLoadOptions { MinWidth = 224, MinHeight = 224 });
        Assert.Equal((600, 400), (reduced.Width, reduced.Height));
        Assert.Equal((2400, 1600), (reduced.FullWidth, reduced.FullHeight));
        Assert.Equal((2400, 1600), (full.FullWidth, full.FullHeight));
        // the model sees nearly the same 224x224 picture either way
        var a = full.Resize(224, 224).Pixels; var b = reduced.Resize(224, 224).Pixels;
        double mad = a.Zip(b, (p, q) => Math.Abs(p - q)).Average();
        Assert.True(mad < 1.5, $"mean abs difference {mad}");
        // a picture already small is decoded as it is; PNG has no reduced scale
        Assert.Equal(2400, RgbImage.Decode(jpeg, new ImageLoadOptions { MinWidth = 2400, MinHeight = 1 }).Width);
        var png = BombPng(2000, 1000);
        Assert.Equal(2000, RgbImage.Decode(png, new ImageLoadOptions { MinWidth = 100, MinHeight = 100 }).Width);
        // a JPEG over the pixel limit at full size gets in when it is wanted small: 6000x4000 at 1/8 = 750x500
        var huge = Jpeg(6000, 3000, (x, y) => new SKColor((byte)(x / 24), (byte)(y / 12), 90), 60);
        Assert.Throws<ImageFormatException>(() => RgbImage.Decode(huge));
        var fits = RgbImage.Decode(huge, new ImageLoadOptions { MinWidth = 224, MinHeight = 224 });
        Assert.Equal((750, 375), (fits.Width, fits.Height));
    }

    /// <summary>Inserts an EXIF APP1 segment with one Orientation tag right after the JPEG's SOI marker.</summary>
    internal static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteInt32LittleEndian(tiff.AsSpan(4), 8);     // first IFD
        BinaryPrimitives.WriteInt16LittleEndian(tiff.AsSpan(8), 1);     // one entry
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);   // SHORT
        BinaryPrimitives.WriteInt32LittleEndian(tiff.AsSpan(14), 1);    // count
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), (ushort)orientation);
        var body = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var app1 = new byte[4 + body.Length];
        app1[0] = 0xFF; app1[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(app1.AsSpan(2), (ushort)(body.Length + 2));
        body.CopyTo(app1, 4);
        return jpeg[..2].Concat(app1).Concat(jpeg[2..]).ToArray();
    }

    [Theory]
    [InlineData(1, 64, 32, 0, 0)]   // as stored: red block at the top left
    [InlineData(2, 64, 32, 1, 0)]   // mirrored: top right
    [InlineData(3, 64, 32, 1, 1)]   // rotated 180: bottom right
    [InlineData(4, 64, 32, 0, 1)]   // flipped: bottom left
    [InlineData(5, 32, 64, 0, 0)]   // transposed: top left, portrait
    [InlineData(6, 32, 64, 1, 0)]   // rotate 90 clockwise to show: top right
    [InlineData(7, 32, 64, 1, 1)]   // transverse: bottom right
    [InlineData(8, 32, 64, 0, 1)]   // rotate 90 counter-clockwise: bottom left
    public void ExifOrientationIsAppliedOnDecode(int orientation, int w, int h, int right, int bottom)
    {
        // stored 64x32, a red 16x8 block in the top-left corner, the rest blue
        var stored = Jpeg(64, 32, (x, y) => x < 16 && y < 8 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        var img = RgbImage.Decode(WithExifOrientation(stored, orientation));
        Assert.Equal((w, h), (img.Width, img.Height));
        Assert.Equal((w, h), (img.FullWidth, img.FullHeight));
        int cx = right == 1 ? w - 3 : 2, cy = bottom == 1 ? h - 3 : 2;
        int i = (cy * w + cx) * 3;
        Assert.True(img.Pixels[i] > 200 && img.Pixels[i + 2] < 60, $"orientation {orientation}: the red corner is not at ({cx},{cy})");
        int o = ((h - 1 - cy) * w + (w - 1 - cx)) * 3; // the opposite corner is blue
        Assert.True(img.Pixels[o] < 60 && img.Pixels[o + 2] > 200);
        // off on request
        var raw = RgbImage.Decode(WithExifOrientation(stored, orientation), new ImageLoadOptions { ApplyOrientation = false });
        Assert.Equal((64, 32), (raw.Width, raw.Height));
    }

    [Fact]
    public void ReducedScaleHonoursTheOrientation()
    {
        // stored 2400x1600 shown as 1600x2400; wanted at least 200 wide and 300 high (display axes) → 1/8 = 300x200 stored
        var jpeg = WithExifOrientation(Jpeg(2400, 1600, Smooth), 6);
        var img = RgbImage.Decode(jpeg, new ImageLoadOptions { MinWidth = 200, MinHeight = 300 });
        Assert.Equal((200, 300), (img.Width, img.Height));
        Assert.Equal((1600, 2400), (img.FullWidth, img.FullHeight));
    }
}
