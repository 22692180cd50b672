using System.Security.Cryptography;
using EdgeLite.Optimize;
using EdgeLite.Optimize.Calibration;
using EdgeLite.Tests.Conformance;

namespace EdgeLite.Tests.Optimize;

/// <summary>
/// Models written by EdgeLite's quantizer run in real TFLite with the same results: each case of Vectors/cases.txt is
/// quantized through <c>edgelite quantize</c> (the calibration photos of Vectors/photos.txt, or hello_world's sine
/// inputs), its bytes must be the ones the committed reference outputs were made from (Vectors/regen.sh ran real TFLite
/// on them), and EdgeLite's outputs on the reference tool's random inputs must equal real TFLite's: integer outputs byte
/// for byte, float outputs within the conformance tolerance.
/// </summary>
public class QuantizerConformanceTests
{
    private static string VectorRoot => Path.Combine(AppContext.BaseDirectory, "Optimize", "Vectors");

    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        foreach (var c in ReadCases()) d.Add(c.Name);
        return d;
    }

    private static IEnumerable<(string Name, string Stem, string[] Options)> ReadCases() =>
        File.ReadAllLines(Path.Combine(VectorRoot, "cases.txt")).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
        {
            var p = l.Split('|').Select(s => s.Trim()).ToArray();
            return (p[0], p[1], p[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        });

    internal static string[] Photos(string which) =>
        File.ReadAllLines(Path.Combine(VectorRoot, "photos.txt")).Single(l => l.StartsWith(which + ": ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(SharedData.Image).ToArray();

    /// <summary>hello_world's calibration inputs: 100 values over [0, 2π], as regen.sh writes them.</summary>
    internal static string SineInputs()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"edgelite-sine-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 100; i++) File.WriteAllBytes(Path.Combine(dir, $"{i:D3}.bin"), BitConverter.GetBytes((float)(2 * Math.PI * i / 99)));
        return dir;
    }

    internal static byte[] QuantizeWithCli(string stem, string[] options)
    {
        var output = Path.Combine(Path.GetTempPath(), $"edgelite-q-{Guid.NewGuid():N}.tflite");
        try
        {
            string[] cal = stem == "hello_world_float" ? [SineInputs()] : Photos("calibration");
            var args = new[] { "quantize", "--model", SharedData.Model(stem) }.Concat(options).Append("--calibration").Concat(cal)
                .Concat(["--output", output, "--json"]).ToArray();
            var o = new StringWriter(); var e = new StringWriter();
            int code = EdgeLite.Cli.Cli.Run(args, o, e);
            Assert.True(code == 0, e.ToString());
            return File.ReadAllBytes(output);
        }
        finally { File.Delete(output); }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void QuantizedModelMatchesRealTfLite(string name)
    {
        var (_, stem, options) = ReadCases().Single(c => c.Name == name);
        var dir = Path.Combine(VectorRoot, name);
        var bytes = QuantizeWithCli(stem, options);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.True(sha == File.ReadAllText(Path.Combine(dir, "model.sha256")).Trim(),
            $"{name}: the quantizer now writes a different model (sha256 {sha}); run tests/EdgeLite.Tests/Optimize/Vectors/regen.sh to check it against real TFLite again");
        using var model = Model.FromBytes(bytes);
        using var it = new Interpreter(model);
        it.AllocateTensors();
        EdgeLite.Cli.Commands.Common.FillRandom(it, 1);
        it.Invoke();
        for (int o = 0; o < it.OutputCount; o++)
        {
            var r = ConformanceRunner.Compare(o, it.GetOutputTensor(o), File.ReadAllBytes(Path.Combine(dir, $"output_{o}.bin")));
            if (r.Type == TensorType.Float32) Assert.True(r.MaxRelDiff <= ConformanceRunner.FloatTolerance, $"{name}: {r}");
            else Assert.True(r.Differing == 0, $"{name}: {r}");
        }
    }
}

/// <summary>What the quantizer writes and how close it stays to the float model.</summary>
public class QuantizerTests
{
    private static (Model Float, QuantizationResult Result) Quantize(string stem, QuantizationOptions options, ICalibrationData? data)
    {
        var m = Model.FromFile(SharedData.Model(stem));
        return (m, Quantizer.Quantize(m, options, data));
    }

    private static RawCalibrationData Sine(int n = 100) =>
        new(Enumerable.Range(0, n).Select(i => new[] { BitConverter.GetBytes((float)(2 * Math.PI * i / (n - 1))) }).ToList());

    [Fact]
    public void HelloWorldBecomesFullInteger()
    {
        var (f, r) = Quantize("hello_world_float", new QuantizationOptions { Io = ModelIoType.Int8 }, Sine());
        using var _ = f;
        using var q = Model.FromBytes(r.Bytes);
        var sg = q.MainSubgraph;
        Assert.All(sg.Operators, op => Assert.Equal("FULLY_CONNECTED", op.OpName));
        Assert.Equal(TensorType.Int8, sg.Tensors[sg.Inputs[0]].Type);
        Assert.Equal(TensorType.Int8, sg.Tensors[sg.Outputs[0]].Type);
        foreach (var op in sg.Operators)
        {
            Assert.Equal(TensorType.Int8, sg.Tensors[op.Inputs[1]].Type);   // weights
            Assert.Equal(TensorType.Int32, sg.Tensors[op.Inputs[2]].Type);  // bias
            Assert.Equal(0, sg.Tensors[op.Inputs[1]].Quantization!.ZeroPoint); // symmetric
            Assert.True(op.Version >= 4);
        }
        Assert.Empty(r.FloatOperators);
        var rep = QuantizationDebugger.Compare(f, q, Sine(37));
        Assert.True(rep.Outputs[0].SqnrDb > 30, $"SQNR {rep.Outputs[0].SqnrDb}");
        Assert.Equal(3, rep.Layers.Count);
    }

    [Fact]
    public void FloatIoWrapsTheIntegerGraphInQuantizeAndDequantize()
    {
        var (f, r) = Quantize("hello_world_float", new QuantizationOptions(), Sine());
        using var _ = f;
        using var q = Model.FromBytes(r.Bytes);
        var sg = q.MainSubgraph;
        Assert.Equal("QUANTIZE", sg.Operators[0].OpName);
        Assert.Equal("DEQUANTIZE", sg.Operators[^1].OpName);
        Assert.Equal(TensorType.Float32, sg.Tensors[sg.Inputs[0]].Type);
        // the model's input and output keep their names
        Assert.Equal(f.MainSubgraph.Tensors[f.MainSubgraph.Outputs[0]].Name, sg.Tensors[sg.Outputs[0]].Name);
        Assert.Equal(f.MainSubgraph.Tensors[f.MainSubgraph.Inputs[0]].Name, sg.Tensors[sg.Inputs[0]].Name);
    }

    [Fact]
    public void KeepFloatLeavesTheNamedOperatorFloatBetweenConversions()
    {
        var (f, r) = Quantize("hello_world_float", new QuantizationOptions { KeepFloat = ["1"] }, Sine());
        using var _ = f;
        using var q = Model.FromBytes(r.Bytes);
        var ops = q.MainSubgraph.Operators.Select(o => o.OpName).ToArray();
        Assert.Equal(["QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE", "FULLY_CONNECTED", "QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE"], ops);
        var fc = q.MainSubgraph.Operators[3];
        Assert.Equal(TensorType.Float32, q.MainSubgraph.Tensors[fc.Inputs[1]].Type);
        Assert.Equal(1, Assert.Single(r.FloatOperators).Index);
    }

    [Fact]
    public void Float16HalvesTheFileAndStaysWithin1e3OfFloat()
    {
        using var f = Model.FromFile(SharedData.Model("mobilenet_v2_1.0_224_float_dequant"));
        var r = Quantizer.Quantize(f, new QuantizationOptions { Mode = QuantizationMode.Float16 });
        using var q = Model.FromBytes(r.Bytes);
        // 13,995,088 -> 7,037,176 bytes when measured (the weights halve; names and structure stay)
        Assert.InRange((double)r.Bytes.Length / f.SizeBytes, 0.49, 0.51);
        Assert.All(q.MainSubgraph.Tensors.Where(t => t.IsConstant && t.Type is TensorType.Float32), t => Assert.True(t.ElementCount <= 1, t.ToString()));
        // on a real photo through the model's preprocessing: the float16 model's outputs within 1e-3 relative
        using var a = new Interpreter(f); a.AllocateTensors();
        using var b = new Interpreter(q); b.AllocateTensors();
        EdgeLite.Vision.ImageTensorWriter.Fill(a.GetInputTensor(0), EdgeLite.Vision.RgbImage.Load(SharedData.Image("bird.bmp")), EdgeLite.Vision.InputNormalization.MinusOneToOne);
        a.GetInputTensor(0).AsBytes().CopyTo(b.GetInputTensor(0).AsBytes());
        a.Invoke(); b.Invoke();
        var x = a.GetOutputTensor(0).ToArray<float>(); var y = b.GetOutputTensor(0).ToArray<float>();
        double worst = x.Zip(y, (u, v) => Math.Abs(u - v) / Math.Max(1, Math.Max(Math.Abs(u), Math.Abs(v)))).Max();
        Assert.True(worst <= 1e-3, $"float16 vs float: {worst}");
    }

    [Fact]
    public void DynamicRangeStoresLargeConvAndFcWeightsAsInt8()
    {
        using var f = Model.FromFile(SharedData.Model("vww_96_float"));
        var r = Quantizer.Quantize(f, new QuantizationOptions { Mode = QuantizationMode.Dynamic });
        using var q = Model.FromBytes(r.Bytes);
        var sg = q.MainSubgraph;
        foreach (var op in sg.Operators.Where(o => o.OpName is "CONV_2D" or "FULLY_CONNECTED"))
        {
            var w = sg.Tensors[op.Inputs[1]];
            Assert.Equal(w.ElementCount >= 1024 ? TensorType.Int8 : TensorType.Float32, w.Type);
            Assert.Equal(TensorType.Float32, sg.Tensors[op.Inputs[0]].Type); // activations stay float
            if (w.Type == TensorType.Int8) Assert.Equal(0, w.Quantization!.ZeroPoint);
        }
        Assert.InRange((double)r.Bytes.Length / f.SizeBytes, 0.25, 0.40); // 866,284 -> 279,952 bytes when measured
        // EdgeLite widens the weights at load: the outputs stay close to the float model's
        var photo = new ImagePhotos(["person.bmp", "cat.bmp"], new EdgeLite.Vision.InputNormalization([0f], [255f]));
        var rep = QuantizationDebugger.Compare(f, q, photo);
        Assert.True(rep.Outputs[0].SqnrDb > 35, $"dynamic-range SQNR {rep.Outputs[0].SqnrDb}");
    }

    private sealed class ImagePhotos(string[] files, EdgeLite.Vision.InputNormalization norm) : ICalibrationData
    {
        public int Count => files.Length;
        public void Fill(int index, Interpreter interpreter) =>
            EdgeLite.Vision.ImageTensorWriter.Fill(interpreter.GetInputTensor(0), EdgeLite.Vision.RgbImage.Load(SharedData.Image(files[index])), norm);
    }

    [Fact]
    public void BiasCorrectionReducesTheOutputError()
    {
        using var f = Model.FromFile(SharedData.Model("hello_world_float"));
        double Sqnr(bool correct)
        {
            var r = Quantizer.Quantize(f, new QuantizationOptions { BiasCorrection = correct }, Sine());
            using var q = Model.FromBytes(r.Bytes);
            return QuantizationDebugger.Compare(f, q, Sine(37)).Outputs[0].SqnrDb;
        }
        double plain = Sqnr(false), corrected = Sqnr(true);
        Assert.True(corrected > plain + 1, $"bias correction: {plain:F2} -> {corrected:F2} dB"); // measured 33.2 -> 35.5
    }

    [Fact]
    public void TargetSqnrKeepsOperatorsFloatUntilTheOutputsReachIt()
    {
        var cal = QuantizerConformanceTests.SineInputs();
        var output = Path.Combine(Path.GetTempPath(), $"edgelite-auto-{Guid.NewGuid():N}.tflite");
        try
        {
            var o = new StringWriter(); var e = new StringWriter();
            int code = EdgeLite.Cli.Cli.Run(["quantize", "--model", SharedData.Model("hello_world_float"), "--calibration", cal, "--target-sqnr", "45",
                "--output", output, "--json"], o, e);
            Assert.True(code == 0, e.ToString());
            using var doc = System.Text.Json.JsonDocument.Parse(o.ToString());
            var sqnr = doc.RootElement.GetProperty("outputs")[0].GetProperty("sqnr_db");
            int floatOps = doc.RootElement.GetProperty("float_operators").GetArrayLength();
            // either the target is met, or every operator ended up float
            Assert.True(sqnr.ValueKind == System.Text.Json.JsonValueKind.Null || sqnr.GetDouble() >= 45 || floatOps == 3, o.ToString());
            Assert.True(floatOps >= 1, "45 dB is above what the all-int8 model reaches (35.5 dB): something must stay float");
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void ComparePlotsEveryOperator()
    {
        var plot = Path.Combine(Path.GetTempPath(), $"edgelite-plot-{Guid.NewGuid():N}.png");
        try
        {
            var o = new StringWriter(); var e = new StringWriter();
            int code = EdgeLite.Cli.Cli.Run(["compare", "--model", SharedData.Model("vww_96_float"), "--quantized", SharedData.Model("vww_96_int8"),
                "--eval", SharedData.Image("person.bmp"), "--mean", "0", "--std", "255", "--plot", plot, "--json", "--report"], o, e);
            Assert.True(code == 0, e.ToString());
            var png = File.ReadAllBytes(plot);
            Assert.True(png.Length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
            var image = EdgeLite.Vision.RgbImage.Load(plot);
            Assert.Equal(1400, image.Width);
            using var doc = System.Text.Json.JsonDocument.Parse(o.ToString());
            Assert.Equal(31, doc.RootElement.GetProperty("layers").GetArrayLength()); // every operator of vww_96 (TFLite's int8 twin, names shared)
        }
        finally { File.Delete(plot); }
    }

    [Fact]
    public void Int8WithoutCalibrationIsRefused()
    {
        using var f = Model.FromFile(SharedData.Model("hello_world_float"));
        Assert.Throws<ArgumentException>(() => Quantizer.Quantize(f, new QuantizationOptions(), null));
        var bad = new RawCalibrationData([[new byte[3]]]);
        Assert.Throws<ArgumentException>(() => Quantizer.Quantize(f, new QuantizationOptions(), bad));
    }

    [Fact]
    public void CliRefusesBadOptionsAsUsageErrors()
    {
        var o = new StringWriter(); var e = new StringWriter();
        var model = SharedData.Model("hello_world_float");
        Assert.Equal(2, EdgeLite.Cli.Cli.Run(["quantize", "--model", model, "--output", "/tmp/x.tflite"], o, e)); // int8 needs calibration
        Assert.Equal(2, EdgeLite.Cli.Cli.Run(["quantize", "--model", model, "--mode", "int4", "--output", "/tmp/x.tflite"], o, e));
        Assert.Equal(2, EdgeLite.Cli.Cli.Run(["quantize", "--model", model, "--mode", "float16", "--calibrator", "magic", "--output", "/tmp/x.tflite"], o, e));
        Assert.Equal(1, EdgeLite.Cli.Cli.Run(["quantize", "--model", model, "--mode", "float16", "--output", "/nonexistent-dir/x.tflite"], o, e));
    }
}

/// <summary>The parameter choices of the quantizer.</summary>
public class QuantMathTests
{
    [Theory]
    [InlineData(-1.0, 1.0)]
    [InlineData(0.0, 6.0)]
    [InlineData(0.5, 3.0)]     // range widened to contain 0
    [InlineData(-7.25, -0.5)]
    [InlineData(-0.013, 250.0)]
    public void AsymmetricParametersRepresentZeroExactlyAndCoverTheRange(double min, double max)
    {
        var (s, zp) = QuantMath.Asymmetric(min, max);
        Assert.InRange(zp, -128, 127);
        double lo = Math.Min(min, 0), hi = Math.Max(max, 0);
        Assert.Equal((hi - lo) / 255, s, 6);
        Assert.Equal(0, QuantMath.Quantize(0f, s, zp, -128, 127) - zp); // 0 is a code
        Assert.True(s * (-128 - zp) <= lo + s && s * (127 - zp) >= hi - s);
    }

    [Fact]
    public void PointRangeGivesUnitScale() => Assert.Equal((1f, 0), QuantMath.Asymmetric(0, 0));

    [Fact]
    public void PerChannelScalesAreMaxAbsOver127AlongTheAxis()
    {
        // [2 channels (axis 0), 3 values]
        float[] w = [0.5f, -1.27f, 0.1f, 0, 0, 0];
        var s = QuantMath.SymmetricScales(w, [2, 3], 0);
        Assert.Equal(0.01f, s[0], 6);
        Assert.Equal(1f, s[1]); // all-zero channel
        var q = QuantMath.QuantizeSymmetric(w, [2, 3], 0, s);
        Assert.Equal(new sbyte[] { 50, -127, 10, 0, 0, 0 }, q);
        // depthwise layout: channels last
        var s3 = QuantMath.SymmetricScales([1f, 2f, -3f, 4f], [1, 2, 2], 2);
        Assert.Equal([3f / 127, 4f / 127], s3);
    }

    [Fact]
    public void BiasThatWouldOverflowRaisesTheWeightScale()
    {
        // a dead channel (weights ~1e-30) with a real bias: TFLite's converter raises the weight scale so the bias is 2^30 quanta
        float[] scales = [2e-32f, 0.01f];
        QuantMath.FitBias([0.3468f, 0.5f], 0.0316f, scales);
        Assert.Equal(0.3468 / (0.0316 * (1 << 30)), scales[0], 12);
        Assert.Equal(0.01f, scales[1]);
        var (values, _) = QuantMath.Bias([0.3468f, 0.5f], 0.0316f, scales);
        Assert.Equal(1 << 30, values[0]);
    }
}
