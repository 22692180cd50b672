using EdgeLite.Vision;

namespace EdgeLite.Tests.Conformance;

/// <summary>
/// The seed scenario end to end: a photo from ../shared/images through EdgeLite's own decoding, resizing and
/// preprocessing, then the model, must give real TFLite's top-1 class for that photo (the reference was fed the
/// same photo resized by ImageMagick, so scores may differ slightly but the top-1 must not).
/// </summary>
public class ClassificationEndToEndTests
{
    public static TheoryData<string, string> ImageCases()
    {
        var d = new TheoryData<string, string>();
        foreach (var c in ConformanceRunner.AllCases())
            if (c.CaseName.StartsWith("image-", StringComparison.Ordinal) && ConformanceTests.IsClassificationFamily(c.ModelStem))
                d.Add(c.ModelStem, c.CaseName);
        return d;
    }

    public static string PhotoFor(string caseName)
    {
        var stem = caseName["image-".Length..];
        return Directory.GetFiles(SharedData.Images, stem + ".*").Single(p => !p.EndsWith(".copyright", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ImageCases))]
    public void ClassifierGivesTheReferenceTop1(string model, string caseName)
    {
        var c = new ConformanceCase(model, caseName);
        using var m = EdgeLite.Model.FromFile(SharedData.Model(model));
        using var classifier = new ImageClassifier(m, new ImageClassifierOptions { TopK = 5 });
        var results = classifier.Classify(RgbImage.Load(PhotoFor(caseName)));
        var reference = ConformanceRunner.ReferenceScores(c, classifier.Interpreter.GetOutputTensor(0));
        int refTop1 = Array.IndexOf(reference, reference.Max());
        Assert.Equal(refTop1, results[0].Index);
        Assert.InRange(results[0].Score, reference[refTop1] - 0.15f, reference[refTop1] + 0.15f);
    }
}
