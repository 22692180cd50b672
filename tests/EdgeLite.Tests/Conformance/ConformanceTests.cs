namespace EdgeLite.Tests.Conformance;

/// <summary>
/// Every case in ../shared/conformance run through EdgeLite and compared with real TFLite's outputs using the
/// conformance README's tolerances: quantized outputs within one quantum (in practice identical, see the
/// differing counts in failures), integer outputs identical, float outputs within 1e-3 relative (1e-2 hybrid).
/// </summary>
public class ConformanceTests
{
    /// <summary>The classification family (issue 2): the models in models/classification plus the MobileNet head.</summary>
    public static bool IsClassificationFamily(string stem) =>
        File.Exists(Path.Combine(SharedData.Models, "classification", stem + ".tflite")) || stem == "mobilenet_quant_v1_224_head_layers";

    public static TheoryData<string, string> ClassificationCases()
    {
        var d = new TheoryData<string, string>();
        foreach (var c in ConformanceRunner.AllCases().Where(c => IsClassificationFamily(c.ModelStem))) d.Add(c.ModelStem, c.CaseName);
        return d;
    }

    public static TheoryData<string, string> OtherCases()
    {
        var d = new TheoryData<string, string>();
        foreach (var c in ConformanceRunner.AllCases().Where(c => !IsClassificationFamily(c.ModelStem) && !HasOwnTest(c.ModelStem))) d.Add(c.ModelStem, c.CaseName);
        return d;
    }

    /// <summary>Models whose vectors carry a reference runtime's own deviation; each has a dedicated test saying which.</summary>
    public static bool HasOwnTest(string stem) => stem == "traffic_model"; // TrafficModelTests

    [Theory]
    [MemberData(nameof(ClassificationCases))]
    public void ClassificationModelMatchesRealTfLite(string model, string caseName)
    {
        var c = new ConformanceCase(model, caseName);
        using var m = EdgeLite.Model.FromFile(SharedData.Model(model));
        var results = ConformanceRunner.Run(c);
        ConformanceRunner.AssertConforms(c, results, ConformanceRunner.IsHybrid(m));
    }

    [Fact]
    public void EveryClassificationModelHasConformanceCases()
    {
        var stems = Directory.GetFiles(Path.Combine(SharedData.Models, "classification"), "*.tflite").Select(Path.GetFileNameWithoutExtension).ToList();
        var withCases = ConformanceRunner.AllCases().Select(c => c.ModelStem).ToHashSet();
        // person_detect has no vectors: the reference refuses its rank-1 per-channel biases (MANIFEST.md).
        var missing = stems.Where(s => s != "person_detect" && !withCases.Contains(s!)).ToList();
        Assert.True(missing.Count == 0, "no conformance cases for: " + string.Join(", ", missing));
    }

    /// <summary>
    /// Models beyond the classification family (detection, segmentation, pose, MediaPipe, LSTM, audio, op tests): every
    /// one runs and conforms — none may be refused (ZooTests covers the one model that must be).
    /// </summary>
    [Theory]
    [MemberData(nameof(OtherCases))]
    public void OtherZooModelConforms(string model, string caseName)
    {
        var c = new ConformanceCase(model, caseName);
        using var m = EdgeLite.Model.FromFile(SharedData.Model(model));
        ConformanceRunner.AssertConforms(c, ConformanceRunner.Run(c), ConformanceRunner.IsHybrid(m));
    }
}
