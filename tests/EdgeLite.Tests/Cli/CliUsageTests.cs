using System.Text.Json;
using EdgeLite.Tests.Vision;

namespace EdgeLite.Tests.Cli;

/// <summary>A command line that cannot be misused: usage errors with suggestions, one way to give the model, validated values, warnings for silent assumptions, safe outputs.</summary>
public class CliUsageTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = EdgeLite.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string MobileNet => SharedData.Model("mobilenet_v2_1.0_224_quant");
    private static string Cat => SharedData.Image("cat.bmp");

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), $"edgelite-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void AMisspelledOptionIsAUsageErrorWithASuggestionNotAnImagePath()
    {
        var r = Run("classify", Cat, "--model", MobileNet, "--topk", "3");
        Assert.Equal(2, r.Code);
        Assert.Contains("unknown option --topk", r.Err);
        Assert.Contains("did you mean --top-k?", r.Err);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("did you mean --threads?", Run("bench", MobileNet, "--thread", "2").Err);
        Assert.Equal(2, Run("detect", Cat, "-m", MobileNet, "--treshold", "0.2").Code);
        Assert.Contains("did you mean --threshold?", Run("detect", Cat, "-m", MobileNet, "--treshold", "0.2").Err);
        Assert.Equal(2, Run("inspect", MobileNet, "--jsn").Code);
    }

    [Fact]
    public void AMisspelledCommandGetsASuggestion()
    {
        var r = Run("clasify", Cat, "--model", MobileNet);
        Assert.Equal(2, r.Code);
        Assert.Contains("did you mean classify?", r.Err);
        Assert.Contains("did you mean inspect?", Run("inspekt", MobileNet).Err);
        var none = Run("frobnicate");
        Assert.Equal(2, none.Code);
        Assert.DoesNotContain("did you mean", none.Err);
    }

    [Fact]
    public void EveryCommandTakesTheModelAsOptionOrFirstArgument()
    {
        var dir = TempDir();
        try
        {
            foreach (var form in new[] { new[] { "classify", MobileNet, Cat, "-k", "1" }, ["classify", Cat, "-m", MobileNet, "-k", "1"], ["classify", Cat, "--model", MobileNet, "-k", "1"] })
            {
                var r = Run(form);
                Assert.True(r.Code == 0, string.Join(' ', form) + ": " + r.Err);
                Assert.Contains("Egyptian cat", r.Out);
            }
            Assert.Equal(0, Run("inspect", MobileNet).Code);
            Assert.Equal(0, Run("inspect", "-m", MobileNet).Code);
            Assert.Equal(0, Run("bench", MobileNet, "--runs", "1", "--warmup", "0", "--warmup-min-secs", "0").Code);
            Assert.Equal(0, Run("run", MobileNet, "--random-seed", "1", "-o", dir).Code);
            Assert.Equal(0, Run("detect", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"), Cat).Code);
            Assert.Equal(0, Run("pose", SharedData.Model("movenet_single_pose_lightning_ptq"), SharedData.Image("squat.bmp")).Code);
            Assert.Equal(0, Run("segment", SharedData.Model("deeplabv3_mnv2_dm05_pascal_quant"), SharedData.Image("bird_segmentation.bmp")).Code);
            // no model, or two for a command that takes only one: usage errors
            Assert.Contains("no model", Run("classify", Cat).Err);
            Assert.Equal(2, Run("classify", Cat).Code);
            Assert.Equal(2, Run("inspect").Code);
            Assert.Equal(2, Run("inspect", MobileNet, "-m", MobileNet).Code);
            Assert.Equal(2, Run("classify", MobileNet).Code); // a model and no image
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ThreadsZeroMeansAllCoresAndOutOfRangeIsAUsageError()
    {
        var json = Run("bench", MobileNet, "--threads", "0", "--runs", "1", "--warmup", "0", "--warmup-min-secs", "0", "--json");
        Assert.True(json.Code == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out.Trim());
        Assert.Equal(Environment.ProcessorCount, doc.RootElement.GetProperty("threads").GetInt32());
        foreach (var bad in new[] { "1000", "-1", "257" })
        {
            var r = Run("classify", Cat, "-m", MobileNet, "--threads", bad);
            Assert.Equal(2, r.Code);
            Assert.Contains("--threads", r.Err);
        }
    }

    [Fact]
    public void NormalizationValuesAreValidated()
    {
        string flt = SharedData.Model("mobilenet_v2_1.0_224_float_dequant");
        foreach (var (args, word) in new[]
        {
            (new[] { "--mean", "NaN" }, "finite"), (["--mean", "Infinity"], "finite"), (["--std", "0"], "positive"), (["--std", "NaN"], "positive"),
            (["--mean", "127", "127"], "3 channels"), (["--std", "1", "2", "3", "4"], "3 channels"),
        })
        {
            var r = Run([.. new[] { "classify", Cat, "-m", flt }, .. args]);
            Assert.True(r.Code == 2, string.Join(' ', args) + ": " + r.Err);
            Assert.Contains(word, r.Err);
        }
        Assert.Equal(0, Run("classify", Cat, "-m", flt, "--mean", "127.5", "127.5", "127.5", "--std", "127.5").Code);
    }

    [Fact]
    public void AssumedNormalizationAndMismatchedLabelsAreWarnedAbout()
    {
        string flt = SharedData.Model("mobilenet_v2_1.0_224_float_dequant");
        var assumed = Run("classify", Cat, "-m", flt, "-k", "1");
        Assert.Equal(0, assumed.Code);
        Assert.Contains("warning", assumed.Err);
        Assert.Contains("[-1, 1]", assumed.Err);
        Assert.Single(assumed.Err.Trim().Split('\n'));
        Assert.DoesNotContain("warning", Run("classify", Cat, "-m", flt, "--mean", "127.5", "--std", "127.5").Err);
        Assert.DoesNotContain("warning", Run("classify", Cat, "-m", MobileNet).Err); // quantized input: nothing assumed

        string coco = Path.Combine(SharedData.Labels, "coco_labels.txt");
        var labels = Run("classify", Cat, "-m", MobileNet, "--labels", coco);
        Assert.Equal(0, labels.Code);
        Assert.Contains($"{File.ReadAllLines(coco).Count(l => l.Trim().Length > 0)} labels", labels.Err);
        Assert.Contains("1001 classes", labels.Err);
        // a detector: its class scores (23 with background) against the label file
        string ssd = SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16");
        Assert.Contains("23 classes", Run("detect", Cat, "-m", ssd, "--labels", coco).Err);
        Assert.DoesNotContain("labels but", Run("detect", Cat, "-m", ssd, "--labels", Path.Combine(SharedData.Labels, "oidv4_objectron_labelmap.txt")).Err);
        // 1000 ImageNet labels for 1001 outputs (background first) fit
        Assert.DoesNotContain("warning", Run("classify", Cat, "-m", MobileNet, "--labels", Path.Combine(SharedData.Labels, "imagenet_labels.txt")).Err);
    }

    [Fact]
    public void LogitsAreSoftmaxedAndSaidSo()
    {
        string logits = SharedData.Model("mobilenet_v2_quantized_1x3x224x224");
        var r = Run("classify", Cat, "-m", logits, "--json", "-k", "1001");
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out.Trim());
        Assert.Equal("softmax", doc.RootElement.GetProperty("score_kind").GetString());
        var scores = doc.RootElement.GetProperty("results").EnumerateArray().Select(x => x.GetProperty("score").GetDouble()).ToList();
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.InRange(scores.Sum(), 0.99, 1.01);
        Assert.Contains("softmax of the model's logits", Run("classify", Cat, "-m", logits, "-k", "1").Out);
        var rawRun = Run("classify", Cat, "-m", logits, "--json", "-k", "1", "--logits");
        using var raw = JsonDocument.Parse(rawRun.Out.Trim());
        Assert.Equal("logit", raw.RootElement.GetProperty("score_kind").GetString());
        Assert.True(raw.RootElement.GetProperty("results")[0].GetProperty("score").GetDouble() > 1);
        using var prob = JsonDocument.Parse(Run("classify", Cat, "-m", MobileNet, "--json", "-k", "1").Out.Trim());
        Assert.Equal("probability", prob.RootElement.GetProperty("score_kind").GetString());
    }

    [Fact]
    public void ImagesWithTheSameNameNeverOverwriteEachOthersOutput()
    {
        var dir = TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "a")); Directory.CreateDirectory(Path.Combine(dir, "b"));
            File.Copy(Cat, Path.Combine(dir, "a", "photo.bmp"));
            File.Copy(SharedData.Image("grace_hopper.bmp"), Path.Combine(dir, "b", "photo.bmp"));
            var outDir = Path.Combine(dir, "out");
            var r = Run("detect", Path.Combine(dir, "a", "photo.bmp"), Path.Combine(dir, "b", "photo.bmp"), "-m", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"),
                "--out", outDir, "--json", "--threshold", "0.1");
            Assert.True(r.Code == 0, r.Err);
            var written = r.Out.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement.GetProperty("annotated").GetString()!).ToList();
            Assert.Equal(2, written.Distinct().Count());
            Assert.Equal(new[] { "photo-2.png", "photo.png" }, Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToArray());
            Assert.NotEqual(File.ReadAllBytes(written[0]), File.ReadAllBytes(written[1]));

            // mask and overlay into one folder: distinct files too
            var seg = Run("segment", Path.Combine(dir, "a", "photo.bmp"), Path.Combine(dir, "b", "photo.bmp"), "-m", SharedData.Model("deeplabv3_mnv2_dm05_pascal_quant"),
                "--out", Path.Combine(dir, "both"), "--overlay", Path.Combine(dir, "both"));
            Assert.True(seg.Code == 0, seg.Err);
            Assert.Equal(4, Directory.GetFiles(Path.Combine(dir, "both")).Length);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void OutputPathsAreCheckedBeforeTheModelIsEvenRead()
    {
        var dir = TempDir();
        try
        {
            var broken = Path.Combine(dir, "broken.tflite");
            File.WriteAllBytes(broken, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
            var r = Run("detect", Cat, "-m", broken, "--out", Path.Combine(dir, "no", "such", "folder", "x.png"));
            Assert.Equal(1, r.Code);
            Assert.Contains("--out", r.Err);
            Assert.Contains("does not exist", r.Err);
            Assert.DoesNotContain("malformed", r.Err);
            var file = Path.Combine(dir, "a-file");
            File.WriteAllText(file, "");
            var run = Run("run", broken, "--random-seed", "1", "-o", file);
            Assert.Equal(1, run.Code);
            Assert.Contains("--output-dir", run.Err);
            Assert.Contains("--out", Run("segment", Cat, Cat, "-m", broken, "--out", file).Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WithJsonErrorsAndWarningsAreJsonOnStderr()
    {
        foreach (var args in new[]
        {
            new[] { "classify", Cat, "-m", MobileNet, "--topk", "3", "--json" },
            ["classify", "missing.jpg", "-m", MobileNet, "--json"],
            ["classify", Cat, "-m", "missing.tflite", "--json"],
            ["inspect", "--json"],
        })
        {
            var r = Run(args);
            Assert.NotEqual(0, r.Code);
            var line = Assert.Single(r.Err.Trim().Split('\n'));
            using var doc = JsonDocument.Parse(line);
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("error").GetString()));
        }
        var batch = Run("classify", Cat, "missing.jpg", "-m", MobileNet, "--json", "-k", "1");
        Assert.Equal(1, batch.Code);
        using (var e = JsonDocument.Parse(batch.Err.Trim()))
            Assert.Equal("missing.jpg", e.RootElement.GetProperty("image").GetString());
        var warn = Run("classify", Cat, "-m", SharedData.Model("mobilenet_v2_1.0_224_float_dequant"), "--json", "-k", "1");
        Assert.Equal(0, warn.Code);
        using (var w = JsonDocument.Parse(warn.Err.Trim()))
            Assert.Contains("[-1, 1]", w.RootElement.GetProperty("warning").GetString());
    }

    [Fact]
    public void ImageLimitsComeFromTheCommandLine()
    {
        var dir = TempDir();
        try
        {
            var bomb = Path.Combine(dir, "bomb.png");
            File.WriteAllBytes(bomb, ImageLimitsTests.BombPng(10000, 10000));
            var r = Run("segment", bomb, "-m", SharedData.Model("deeplabv3_mnv2_dm05_pascal_quant"));
            Assert.Equal(1, r.Code);
            Assert.Contains("pixels", r.Err);
            Assert.Contains("--max-image-pixels", r.Err);
            var small = Run("classify", Cat, "-m", MobileNet, "--max-image-pixels", "1000");
            Assert.Equal(1, small.Code);
            Assert.Contains("1000 pixels", small.Err);
            Assert.Equal(2, Run("classify", Cat, "-m", MobileNet, "--max-image-pixels", "0").Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ExifOrientationIsAppliedBeforeAnything()
    {
        var dir = TempDir();
        try
        {
            // pets.jpg stored as is but tagged "rotate 90° clockwise to show": detect reports the portrait size
            var jpeg = ImageLimitsTests.WithExifOrientation(File.ReadAllBytes(SharedData.Image("pets.jpg")), 6);
            var path = Path.Combine(dir, "rotated.jpg");
            File.WriteAllBytes(path, jpeg);
            var plain = EdgeLite.Vision.RgbImage.Load(SharedData.Image("pets.jpg"));
            var r = Run("detect", path, "-m", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"), "--json");
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(r.Out.Trim());
            Assert.Equal(plain.Height, doc.RootElement.GetProperty("width").GetInt32());
            Assert.Equal(plain.Width, doc.RootElement.GetProperty("height").GetInt32());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BenchSaysWhichSimdLevelRuns()
    {
        // under the JIT the kernels use what the CPU has: no warning, and the CPU's own level is never below the one used
        Assert.Null(EdgeLite.Cli.SimdInfo.Warning());
        Assert.True(EdgeLite.Cli.SimdInfo.CpuLevel() >= EdgeLite.Cli.SimdInfo.Level);
        var r = Run("bench", SharedData.Model("mobilenet_v1_0.25_128_quant"), "--runs", "1", "--warmup", "0", "--warmup-min-secs", "0", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out.Trim());
        Assert.Equal(EdgeLite.Cli.SimdInfo.Level.ToString(), doc.RootElement.GetProperty("simd_level").GetString());
        Assert.False(doc.RootElement.GetProperty("native_aot").GetBoolean());
    }
}
