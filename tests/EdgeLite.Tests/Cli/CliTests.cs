using System.Text.Json;

namespace EdgeLite.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = EdgeLite.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string MobileNet => SharedData.Model("mobilenet_v2_1.0_224_quant");

    [Fact]
    public void ClassifyPrintsTheReferenceTop1WithEmbeddedLabels()
    {
        var (code, output, err) = Run("classify", Path.Combine(SharedData.Images, "cat.bmp"), "--model", MobileNet, "--json", "--top-k", "3");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        var results = doc.RootElement.GetProperty("results");
        Assert.Equal(3, results.GetArrayLength());
        Assert.Equal("Egyptian cat", results[0].GetProperty("label").GetString()); // real TFLite: Egyptian cat .773
        Assert.InRange(results[0].GetProperty("score").GetDouble(), 0.70, 0.85);
    }

    [Fact]
    public void ClassifyAFolderReportsBadFilesAndGoesOn()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"edgelite-folder-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(SharedData.Images, "cat.bmp"), Path.Combine(dir, "a_cat.bmp"));
            File.Copy(Path.Combine(SharedData.Images, "grace_hopper.bmp"), Path.Combine(dir, "c_hopper.bmp"));
            File.WriteAllText(Path.Combine(dir, "b_broken.jpg"), "not a jpeg");
            File.WriteAllText(Path.Combine(dir, "notes.txt"), "ignored: not an image extension");
            var (code, output, err) = Run("classify", dir, "--model", MobileNet, "--json", "--top-k", "1");
            Assert.Equal(1, code);
            var lines = output.Trim().Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.EndsWith("a_cat.bmp", JsonDocument.Parse(lines[0]).RootElement.GetProperty("image").GetString());
            Assert.Equal("military uniform", JsonDocument.Parse(lines[1]).RootElement.GetProperty("results")[0].GetProperty("label").GetString());
            Assert.Contains("b_broken.jpg", err);
            Assert.Single(err.Trim().Split('\n'));

            var empty = Path.Combine(dir, "empty");
            Directory.CreateDirectory(empty);
            Assert.Equal(2, Run("classify", empty, "--model", MobileNet).Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SegmentAndPoseCommands()
    {
        var mask = Path.Combine(Path.GetTempPath(), $"edgelite-cli-mask-{Guid.NewGuid():N}.png");
        try
        {
            var (code, output, err) = Run("segment", Path.Combine(SharedData.Images, "bird_segmentation.bmp"),
                "--model", SharedData.Model("deeplabv3_mnv2_dm05_pascal_quant"), "--labels", Path.Combine(SharedData.Labels, "pascal_voc_segmentation_labels.txt"),
                "--json", "--output", mask);
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output.Trim());
            var labels = doc.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("label").GetString()).ToList();
            Assert.Contains("bird", labels);
            Assert.True(File.Exists(mask));
        }
        finally { File.Delete(mask); }

        var (pc, pout, perr) = Run("pose", Path.Combine(SharedData.Images, "squat.bmp"), "--model", SharedData.Model("movenet_single_pose_lightning_ptq"), "--json");
        Assert.True(pc == 0, perr);
        using var pd = JsonDocument.Parse(pout.Trim());
        var kps = pd.RootElement.GetProperty("keypoints");
        Assert.Equal(17, kps.GetArrayLength());
        Assert.Equal("nose", kps[0].GetProperty("name").GetString());
        Assert.InRange(kps[0].GetProperty("x").GetDouble(), 0, 500);
        Assert.Equal(1, pd.RootElement.GetProperty("poses").GetArrayLength());

        // multi-person: PoseNet with Coral's decoder op finds the two people of its test photo (640x480)
        var (nc, nout, nerr) = Run("pose", SharedData.Image("posenet_test_image.bmp"), "--model", SharedData.Model("posenet_mobilenet_v1_075_353_481_16_quant_decoder"), "--json");
        Assert.True(nc == 0, nerr);
        using var nd = JsonDocument.Parse(nout.Trim());
        var poses = nd.RootElement.GetProperty("poses");
        Assert.Equal(2, poses.GetArrayLength());
        Assert.True(poses[0].GetProperty("score").GetDouble() >= poses[1].GetProperty("score").GetDouble());
        var nose = poses[1].GetProperty("keypoints")[0];
        Assert.Equal("nose", nose.GetProperty("name").GetString());
        Assert.InRange(nose.GetProperty("x").GetDouble(), 0.53 * 640 - 10, 0.53 * 640 + 10); // Coral: (0.532, 0.299)
        Assert.InRange(nose.GetProperty("y").GetDouble(), 0.30 * 480 - 10, 0.30 * 480 + 10);
        var (tc, tout, terr) = Run("pose", SharedData.Image("posenet_test_image.bmp"), "--model", SharedData.Model("posenet_mobilenet_v1_075_353_481_16_quant_decoder"), "--min-score", "0.88");
        Assert.True(tc == 0, terr);
        Assert.Contains("1 pose(s)", tout);
        Assert.Contains("left_ankle", tout);

        var (dc, dout, derr) = Run("detect", Path.Combine(SharedData.Images, "cat.bmp"), "--model", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"),
            "--labels", Path.Combine(SharedData.Labels, "oidv4_objectron_labelmap.txt"), "--json");
        Assert.True(dc == 0, derr);
        using var dd = JsonDocument.Parse(dout.Trim());
        Assert.Equal("Cat", dd.RootElement.GetProperty("objects")[0].GetProperty("label").GetString());
        Assert.Equal(4, dd.RootElement.GetProperty("objects")[0].GetProperty("box").GetArrayLength());

        // a classification model is not a segmentation model: one clear line, exit 1
        var (bad, _, berr) = Run("segment", Path.Combine(SharedData.Images, "cat.bmp"), "--model", MobileNet);
        Assert.Equal(1, bad);
        Assert.StartsWith("edgelite: error:", berr.Trim());
    }

    [Fact]
    public void DetectAndSegmentTakeSeveralImagesAndDrawResults()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"edgelite-cli-draw-{Guid.NewGuid():N}");
        try
        {
            string cat = Path.Combine(SharedData.Images, "cat.bmp"), pets = Path.Combine(SharedData.Images, "pets.jpg");
            var (code, output, err) = Run("detect", cat, pets, "--model", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"),
                "--labels", Path.Combine(SharedData.Labels, "oidv4_objectron_labelmap.txt"), "--json", "--out", Path.Combine(dir, "boxes"), "--max", "3");
            Assert.True(code == 0, err);
            var lines = output.Trim().Split('\n');
            Assert.Equal(2, lines.Length); // one JSON object per image
            using (var second = JsonDocument.Parse(lines[1]))
            {
                Assert.Equal(pets, second.RootElement.GetProperty("image").GetString());
                Assert.Equal(2, second.RootElement.GetProperty("objects").EnumerateArray().Count(o => o.GetProperty("label").GetString() == "Dog"));
                var annotated = EdgeLite.Vision.RgbImage.Load(second.RootElement.GetProperty("annotated").GetString()!);
                Assert.Equal((512, 430), (annotated.Width, annotated.Height)); // drawn on the photo at its own size
            }
            Assert.True(File.Exists(Path.Combine(dir, "boxes", "cat.png")));

            var (sc, sout, serr) = Run("segment", Path.Combine(SharedData.Images, "dog_segmentation.bmp"), "--model", SharedData.Model("deeplabv3_mnv2_dm05_pascal_quant"),
                "--out", Path.Combine(dir, "mask.png"), "--overlay", Path.Combine(dir, "overlay.png"));
            Assert.True(sc == 0, serr);
            Assert.Contains("overlay:", sout);
            Assert.Equal(128, EdgeLite.Vision.RgbImage.Load(Path.Combine(dir, "overlay.png")).Width);
            Assert.Equal(128, EdgeLite.Vision.RgbImage.Load(Path.Combine(dir, "mask.png")).Width);

            // a batch with one unreadable file: the others still run, exit code 1, the bad one named on stderr
            var bad = Path.Combine(dir, "broken.jpg");
            File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
            var (bc, bout, berr) = Run("detect", bad, cat, "--model", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"));
            Assert.Equal(1, bc);
            Assert.Contains("broken.jpg", berr);
            Assert.Contains("cat.bmp: 1 object(s)", bout);
            Assert.Equal(2, Run("detect", cat, "--model", SharedData.Model("object_detection_ssd_mobilenetv2_oidv4_fp16"), "--fit", "squash").Code);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void RunCanExposeAnIntermediateTensor()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"edgelite-expose-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = Run("run", "--model", MobileNet, "--random-seed", "1", "--output-dir", dir, "--expose-op", "3");
            Assert.True(code == 0, err);
            Assert.Equal(112 * 112 * 96, new FileInfo(Path.Combine(dir, "output_0.bin")).Length); // op 3: the first 1x1 expansion
            using var patched = Model.FromFile(Path.Combine(dir, "model.tflite"));
            Assert.Equal(patched.MainSubgraph.Operators[3].OutputArray[0], patched.MainSubgraph.Outputs[0]);
            Assert.Equal(2, Run("run", "--model", MobileNet, "--random-seed", "1", "--output-dir", dir, "--expose-op", "9999").Code);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void RunWithARandomSeedReproducesRealTfLiteByteForByte()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"edgelite-run-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = Run("run", "--model", MobileNet, "--random-seed", "1", "--output-dir", dir);
            Assert.True(code == 0, err);
            var reference = Path.Combine(SharedData.Conformance, "mobilenet_v2_1.0_224_quant", "random-seed-1");
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "input_0.bin")), File.ReadAllBytes(Path.Combine(dir, "input_0.bin")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "output_0.bin")), File.ReadAllBytes(Path.Combine(dir, "output_0.bin")));
            using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "meta.json")));
            Assert.Equal("uint8", meta.RootElement.GetProperty("outputs")[0].GetProperty("dtype").GetString());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void InspectReportsMacsAndSupport()
    {
        var (code, output, err) = Run("inspect", "--model", MobileNet, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        Assert.InRange(doc.RootElement.GetProperty("macs").GetInt64(), 290_000_000, 310_000_000); // MobileNet v2: ~300 M MACs
        Assert.Equal(0, doc.RootElement.GetProperty("unsupported_ops").GetArrayLength());
        Assert.Equal(1001, doc.RootElement.GetProperty("metadata").GetProperty("labels").GetInt32());
    }

    [Fact]
    public void InspectNamesTheOpsEdgeLiteCannotRun()
    {
        var (code, output, _) = Run("inspect", "--model", SharedData.Model("model_invoking_error"));
        Assert.Equal(0, code);
        Assert.Contains("fake-op-double", output);
    }

    [Fact]
    public void InspectListsEveryOperatorOutsideTheDeclaredSupport()
    {
        var b = new EdgeLite.Tests.Infrastructure.OpModelBuilder();
        int x = b.Input("x", TensorType.Int16, [4], EdgeLite.Tests.Infrastructure.Quant.PerTensor(0.1f, 0));
        int y = b.Output("y", TensorType.Int16, [4], EdgeLite.Tests.Infrastructure.Quant.PerTensor(0.1f, 0));
        b.Op(EdgeLite.Schema.BuiltinOperator.FLOOR, [x], [y]);
        int f = b.Input("f", TensorType.Float32, [4]), z = b.Output("z", TensorType.Float32, [4]);
        b.Op(EdgeLite.Schema.BuiltinOperator.HASHTABLE_SIZE, [f], [z]);
        var path = Path.Combine(Path.GetTempPath(), $"edgelite-inspect-{Guid.NewGuid():N}.tflite");
        try
        {
            File.WriteAllBytes(path, b.Build());
            var (code, output, err) = Run("inspect", "--model", path, "--json");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output.Trim());
            var problems = doc.RootElement.GetProperty("problems").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Equal(2, problems.Count);
            Assert.Contains("operator 0 FLOOR: int16 input", problems[0]);
            Assert.Contains("operator 1 HASHTABLE_SIZE", problems[1]);
            var text = Run("inspect", "--model", path).Out;
            Assert.Contains("problems     2 operator(s)", text);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BenchJsonHasTheReferenceToolsKeys()
    {
        var (code, output, err) = Run("bench", "--model", SharedData.Model("mobilenet_v1_0.25_128_quant"), "--runs", "3", "--warmup", "1", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output.Trim());
        foreach (var key in new[] { "min_ms", "median_ms", "mean_ms", "p90_ms", "load_ms", "first_invoke_ms", "arena_bytes", "peak_working_set_bytes" })
            Assert.True(doc.RootElement.TryGetProperty(key, out _), key);
    }

    [Fact]
    public void FailuresAreOneLineWithExitCodes()
    {
        var missing = Run("classify", "nope.jpg", "--model", MobileNet);
        Assert.Equal(1, missing.Code);
        Assert.StartsWith("edgelite: error:", missing.Err);
        Assert.Single(missing.Err.Trim().Split('\n'));

        Assert.Equal(2, Run("classify", "x.jpg").Code);            // --model missing
        Assert.Equal(2, Run("frobnicate").Code);                   // unknown command
        Assert.Equal(1, Run("run", "--model", "missing.tflite", "--random-seed", "1", "--output-dir", "/tmp/x").Code);

        var bad = Path.Combine(Path.GetTempPath(), $"edgelite-bad-{Guid.NewGuid():N}.tflite");
        try
        {
            File.WriteAllBytes(bad, File.ReadAllBytes(MobileNet)[..5000]);
            var r = Run("inspect", "--model", bad);
            Assert.Equal(1, r.Code);
            Assert.Contains("malformed model", r.Err);

            var unsupported = Run("run", "--model", SharedData.Model("model_invoking_error"), "--random-seed", "1", "--output-dir", Path.GetTempPath());
            Assert.Equal(1, unsupported.Code);
            Assert.Contains("fake-op-double", unsupported.Err);

            File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);
            var img = Run("classify", bad, "--model", MobileNet);
            Assert.Equal(1, img.Code);
            Assert.Contains("unreadable image", img.Err);
        }
        finally { File.Delete(bad); }
    }
}
