using EdgeLite.Vision;

namespace EdgeLite.Tests.Vision;

public class MetadataAndLabelsTests
{
    [Fact]
    public void ReadsImageClassifierMetadataAndEmbeddedLabels()
    {
        using var model = Model.FromFile(SharedData.Model("mobilenet_v2_1.0_224_quant"));
        var meta = ModelMetadata.Read(model);
        Assert.NotNull(meta);
        Assert.Contains("imagenet_labels.txt", meta!.AssociatedFiles);
        Assert.NotNull(meta.Labels);
        Assert.Equal(1001, meta.Labels!.Count);
        Assert.Equal("background", meta.Labels[0]);
        Assert.Equal("tench, Tinca tinca", meta.Labels[1]);
        Assert.Equal([127.5f], meta.InputNormalization!.Mean);
        Assert.Equal([127.5f], meta.InputNormalization.Std);
    }

    [Fact]
    public void ModelsWithoutMetadataGiveNull()
    {
        using var model = Model.FromFile(SharedData.Model("vww_96_int8"));
        Assert.Null(ModelMetadata.Read(model));
    }

    [Fact]
    public void LabelFilesToleranceAndBackgroundOffset()
    {
        var labels = Labels.Parse("background\r\ncat\r\n dog \n\n\n");
        Assert.Equal(new[] { "background", "cat", "dog" }, labels);
        // 3 labels for 2 classes: a leading background label the model lacks → offset 1
        Assert.Equal("cat", Labels.LabelFor(labels, 0, 2));
        Assert.Equal("dog", Labels.LabelFor(labels, 1, 2));
        // as many labels as classes → no offset
        Assert.Equal("background", Labels.LabelFor(labels, 0, 3));
        Assert.Equal("#5", Labels.LabelFor(labels, 5, 3));
        Assert.Equal("7", Labels.LabelFor(null, 7, 10));
        Assert.Throws<FileNotFoundException>(() => Labels.Load("/nonexistent/labels.txt"));
    }

    [Fact]
    public void TopKOrdersByScoreThenIndex()
    {
        var r = ImageClassifier.TopK(new[] { 0.1f, 0.5f, 0.5f, 0.9f }, 3, null);
        Assert.Equal(new[] { 3, 1, 2 }, r.Select(c => c.Index).ToArray());
        Assert.Equal(4, ImageClassifier.TopK(new[] { 0.1f, 0.5f, 0.5f, 0.9f }, 10, null).Count);
    }

    [Fact]
    public void ClassifierUsesMetadataLabelsAndNormalization()
    {
        using var model = Model.FromFile(SharedData.Model("mobilenet_v2_1.0_224_quant"));
        using var classifier = new ImageClassifier(model, new ImageClassifierOptions { TopK = 3 });
        Assert.Equal(InputNormalization.MinusOneToOne.Mean, classifier.Normalization.Mean);
        var top = classifier.Classify(RgbImage.Load(Path.Combine(SharedData.Images, "grace_hopper.bmp")));
        Assert.Equal(3, top.Count);
        Assert.Equal("military uniform", top[0].Label);
        Assert.InRange(top[0].Score, 0f, 1f);
        Assert.True(top[0].Score >= top[1].Score && top[1].Score >= top[2].Score);
    }
}
