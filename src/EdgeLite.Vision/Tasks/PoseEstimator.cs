namespace EdgeLite.Vision;

/// <summary>One body keypoint.</summary>
/// <param name="Index">Keypoint index (COCO order).</param>
/// <param name="Name">Keypoint name (nose, left_eye, ...).</param>
/// <param name="X">Horizontal position in [0, 1] of the image width.</param>
/// <param name="Y">Vertical position in [0, 1] of the image height.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public readonly record struct Keypoint(int Index, string Name, float X, float Y, float Score);

/// <summary>
/// Single-person pose estimation with a MoveNet-style model: image in, [1,1,17,3] (y, x, score) out — 17 COCO
/// keypoints with coordinates normalised to the input image.
/// </summary>
public sealed class PoseEstimator : IDisposable
{
    /// <summary>The 17 COCO keypoint names in model order.</summary>
    public static readonly IReadOnlyList<string> KeypointNames =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    private readonly Interpreter _interpreter;

    /// <summary>Creates an estimator (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The model's output is not [1,1,K,3] keypoints.</exception>
    public PoseEstimator(Model model, int threads = 1, InputNormalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        (_interpreter, _, var norm) = TaskModel.Open(model, threads, normalization);
        Normalization = norm;
        var o = _interpreter.GetOutputTensor(0);
        if (o.Rank != 4 || o.Shape[0] != 1 || o.Shape[1] != 1 || o.Shape[3] != 3)
            throw new ArgumentException($"output {o} is not single-pose keypoints [1,1,K,3]");
    }

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>Estimates the keypoints of the person in <paramref name="image"/>.</summary>
    public IReadOnlyList<Keypoint> Estimate(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization);
        _interpreter.Invoke();
        var v = _interpreter.GetOutputTensor(0).ToFloatArray();
        int k = v.Length / 3;
        var r = new Keypoint[k];
        for (int i = 0; i < k; i++)
            r[i] = new Keypoint(i, i < KeypointNames.Count ? KeypointNames[i] : $"keypoint_{i}", v[i * 3 + 1], v[i * 3], v[i * 3 + 2]);
        return r;
    }

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
