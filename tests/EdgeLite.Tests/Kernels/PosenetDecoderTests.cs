using EdgeLite.Tests.Infrastructure;
using EdgeLite.Vision;
using Xunit.Abstractions;

namespace EdgeLite.Tests.Kernels;

public class PosenetDecoderTests(ITestOutputHelper output)
{
    /// <summary>
    /// Coral's test preprocessing (libcoral coral/test_utils.cc ResizeImage): TFLite's float RESIZE_BILINEAR with
    /// half-pixel centres on the 0..255 pixels, then a float → uint8 conversion that truncates.
    /// </summary>
    internal static byte[] CoralResize(RgbImage img, int width, int height)
    {
        var dst = new byte[width * height * 3];
        float hs = (float)img.Height / height, ws = (float)img.Width / width;
        for (int y = 0; y < height; y++)
        {
            float iy = (y + 0.5f) * hs - 0.5f;
            int y0 = Math.Max((int)MathF.Floor(iy), 0), y1 = Math.Min((int)MathF.Ceiling(iy), img.Height - 1);
            for (int x = 0; x < width; x++)
            {
                float ix = (x + 0.5f) * ws - 0.5f;
                int x0 = Math.Max((int)MathF.Floor(ix), 0), x1 = Math.Min((int)MathF.Ceiling(ix), img.Width - 1);
                float dy = iy - y0, dx = ix - x0;
                for (int c = 0; c < 3; c++)
                {
                    float v = img.Pixels[(y0 * img.Width + x0) * 3 + c] * (1 - dy) * (1 - dx)
                        + img.Pixels[(y1 * img.Width + x0) * 3 + c] * dy * (1 - dx)
                        + img.Pixels[(y0 * img.Width + x1) * 3 + c] * (1 - dy) * dx
                        + img.Pixels[(y1 * img.Width + x1) * 3 + c] * dy * dx;
                    dst[(y * width + x) * 3 + c] = (byte)Math.Clamp((int)v, 0, 255);
                }
            }
        }
        return dst;
    }

    internal sealed record Pose(float Score, float[] KeypointScores, float[] X, float[] Y);

    internal static List<Pose> ReadReference(string stem)
    {
        var rows = File.ReadAllLines(Path.Combine(SharedData.Models, "pose", stem + "_reference.csv")).Skip(1)
            .Select(l => l.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var poses = new List<Pose>();
        foreach (var g in rows.GroupBy(r => (int)r[0]).OrderBy(g => g.Key))
        {
            var r = g.OrderBy(r => r[2]).ToArray();
            Assert.Equal(17, r.Length);
            poses.Add(new Pose((float)r[0][1], r.Select(v => (float)v[3]).ToArray(), r.Select(v => (float)v[4]).ToArray(), r.Select(v => (float)v[5]).ToArray()));
        }
        return poses;
    }

    /// <summary>The model's decoded poses on Coral's test image, coordinates normalised as Coral's test does.</summary>
    internal static List<Pose> RunModel(string stem, out Interpreter interpreter)
    {
        var model = Model.FromFile(SharedData.Model(stem));
        interpreter = new Interpreter(model);
        interpreter.AllocateTensors();
        var input = interpreter.GetInputTensor(0);
        int h = input.Dim(1), w = input.Dim(2);
        input.CopyFrom<byte>(CoralResize(RgbImage.Load(SharedData.Image("posenet_test_image.bmp")), w, h));
        interpreter.Invoke();
        var kps = interpreter.GetOutputTensor(0).ToArray<float>();
        var kpScores = interpreter.GetOutputTensor(1).ToArray<float>();
        var scores = interpreter.GetOutputTensor(2).ToArray<float>();
        int count = (int)interpreter.GetOutputTensor(3).ToArray<float>()[0];
        var poses = new List<Pose>();
        for (int p = 0; p < count; p++)
            poses.Add(new Pose(scores[p], kpScores.AsSpan(p * 17, 17).ToArray(),
                Enumerable.Range(0, 17).Select(k => kps[(p * 17 + k) * 2 + 1] / w).ToArray(),
                Enumerable.Range(0, 17).Select(k => kps[(p * 17 + k) * 2] / h).ToArray()));
        return poses;
    }

    [Theory]
    [InlineData("posenet_mobilenet_v1_075_353_481_16_quant_decoder")]
    [InlineData("bodypix_mobilenet_v1_075_512_512_16_quant_decoder")]
    public void RealModelMatchesCoralReference(string stem)
    {
        var expected = ReadReference(stem);
        var actual = RunModel(stem, out var it);
        using var _ = it;
        double maxPos = 0, maxPoseScore = 0, maxKpScore = 0;
        for (int p = 0; p < Math.Min(expected.Count, actual.Count); p++)
        {
            output.WriteLine($"pose {p}: score {actual[p].Score:F5} ref {expected[p].Score:F5}");
            maxPoseScore = Math.Max(maxPoseScore, Math.Abs(actual[p].Score - expected[p].Score));
            for (int k = 0; k < 17; k++)
            {
                output.WriteLine($"  kp {k,2}: ({actual[p].X[k]:F4}, {actual[p].Y[k]:F4}) {actual[p].KeypointScores[k]:F4}   ref ({expected[p].X[k]:F4}, {expected[p].Y[k]:F4}) {expected[p].KeypointScores[k]:F4}");
                maxKpScore = Math.Max(maxKpScore, Math.Abs(actual[p].KeypointScores[k] - expected[p].KeypointScores[k]));
                if (expected[p].KeypointScores[k] > 0.7 && actual[p].KeypointScores[k] > 0.7)
                    maxPos = Math.Max(maxPos, Math.Max(Math.Abs(actual[p].X[k] - expected[p].X[k]), Math.Abs(actual[p].Y[k] - expected[p].Y[k])));
            }
        }
        output.WriteLine($"count {actual.Count} ref {expected.Count}; max |pose score| {maxPoseScore:F5}, max |kp score| {maxKpScore:F5}, max |pos| (score>0.7) {maxPos:F5}");
        Assert.Equal(expected.Count, actual.Count);
    }
}
