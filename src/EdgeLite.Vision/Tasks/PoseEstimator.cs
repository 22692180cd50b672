namespace EdgeLite.Vision;

/// <summary>One body keypoint, normalised to the image.</summary>
/// <param name="Index">Keypoint index (COCO order).</param>
/// <param name="Name">Keypoint name (nose, left_eye, ...).</param>
/// <param name="X">Horizontal position in [0, 1] of the image width.</param>
/// <param name="Y">Vertical position in [0, 1] of the image height.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public readonly record struct Keypoint(int Index, string Name, float X, float Y, float Score);

/// <summary>One body keypoint in the pixels of the original image.</summary>
/// <param name="Index">Keypoint index (COCO order).</param>
/// <param name="Name">Keypoint name (nose, left_eye, ...).</param>
/// <param name="X">Horizontal position in pixels of the image given to the estimator.</param>
/// <param name="Y">Vertical position in pixels of the image given to the estimator.</param>
/// <param name="Score">Confidence in [0, 1].</param>
public readonly record struct PixelKeypoint(int Index, string Name, float X, float Y, float Score);

/// <summary>One person's pose.</summary>
/// <param name="Score">Pose confidence in [0, 1]: the model's own (PoseNet) or the mean keypoint score (MoveNet).</param>
/// <param name="Keypoints">The keypoints in model order (17 COCO keypoints for PoseNet and MoveNet).</param>
public sealed record Pose(float Score, IReadOnlyList<PixelKeypoint> Keypoints);

/// <summary>
/// Pose estimation. Two kinds of model are recognised from their outputs:
/// single-person MoveNet-style models ([1,1,K,3]: y, x, score, coordinates normalised to the input) and multi-person
/// PoseNet/BodyPix models ending in Coral's <c>PosenetDecoderOp</c> (keypoints [1,D,K,2] as (y, x) in input pixels,
/// keypoint scores [1,D,K], pose scores [1,D], pose count [1]; BodyPix's further outputs are ignored here).
/// The image is stretched to the input size, so a position maps back to the image by its fraction of the input size.
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
    private readonly int _keypoints, _maxPoses, _inputWidth, _inputHeight;

    /// <summary>Creates an estimator (the model stays owned by the caller).</summary>
    /// <exception cref="ArgumentException">The model's outputs are neither single-pose keypoints [1,1,K,3] nor a PoseNet decoder's.</exception>
    /// <param name="model">The pose model (stays owned by the caller).</param>
    /// <param name="threads">Interpreter threads.</param>
    /// <param name="normalization">Float input normalization; null = metadata, else [-1, 1].</param>
    /// <param name="fit">How photos are fitted to the input; keypoints are mapped back onto the photo either way.</param>
    public PoseEstimator(Model model, int threads = 1, InputNormalization? normalization = null, ImageFit fit = ImageFit.Stretch)
    {
        ArgumentNullException.ThrowIfNull(model);
        Fit = fit;
        (_interpreter, _, var norm) = TaskModel.Open(model, threads, normalization);
        try
        {
            Normalization = norm;
            var o = _interpreter.GetOutputTensor(0);
            if (o.Rank == 4 && o.Shape[0] == 1 && o.Shape[1] == 1 && o.Shape[3] == 3)
            {
                _keypoints = o.Shape[2];
                _maxPoses = 1;
            }
            else if (IsPoseNetDecoder(_interpreter))
            {
                IsMultiPose = true;
                _maxPoses = o.Shape[1];
                _keypoints = o.Shape[2];
            }
            else
            {
                throw new ArgumentException($"output {o} is neither single-pose keypoints [1,1,K,3] nor a PoseNet decoder's keypoints [1,D,K,2]");
            }
            var s = _interpreter.GetInputTensor(0).Shape;
            if (s.Length != 4) throw new ArgumentException($"input {_interpreter.GetInputTensor(0)} is not an image tensor");
            bool nchw = (s[1] is 1 or 3) && s[3] is not (1 or 3);
            _inputHeight = nchw ? s[2] : s[1];
            _inputWidth = nchw ? s[3] : s[2];
        }
        catch
        {
            _interpreter.Dispose();
            throw;
        }
    }

    private static bool IsPoseNetDecoder(Interpreter it)
    {
        if (it.OutputCount < 4) return false;
        Tensor kp = it.GetOutputTensor(0), kps = it.GetOutputTensor(1), ps = it.GetOutputTensor(2), n = it.GetOutputTensor(3);
        if (kp.Type != TensorType.Float32 || kps.Type != TensorType.Float32 || ps.Type != TensorType.Float32 || n.Type != TensorType.Float32) return false;
        return kp.Rank == 4 && kp.Shape[0] == 1 && kp.Shape[3] == 2
            && kps.Rank == 3 && kps.Shape[1] == kp.Shape[1] && kps.Shape[2] == kp.Shape[2]
            && ps.Rank == 2 && ps.Shape[1] == kp.Shape[1] && n.ElementCount == 1;
    }

    /// <summary>The normalization applied to float inputs.</summary>
    public InputNormalization Normalization { get; }

    /// <summary>The interpreter used.</summary>
    public Interpreter Interpreter => _interpreter;

    /// <summary>How photos are fitted to the model's input.</summary>
    public ImageFit Fit { get; }

    /// <summary>True for a multi-person (PoseNet decoder) model, false for a single-person (MoveNet) one.</summary>
    public bool IsMultiPose { get; }

    /// <summary>The most poses one call can return (the decoder's max_detections; 1 for single-person models).</summary>
    public int MaxPoses => _maxPoses;

    /// <summary>
    /// The keypoints of the best pose in <paramref name="image"/>, normalised to the image; for a multi-person model
    /// an empty list when it found nobody.
    /// </summary>
    public IReadOnlyList<Keypoint> Estimate(RgbImage image)
    {
        var poses = EstimatePoses(image);
        if (poses.Count == 0) return [];
        return poses[0].Keypoints.Select(k => new Keypoint(k.Index, k.Name, k.X / image.Width, k.Y / image.Height, k.Score)).ToArray();
    }

    /// <summary>
    /// Every pose the model finds in <paramref name="image"/>, best first, positions in the image's pixels
    /// (one pose for single-person models, always reported).
    /// </summary>
    public IReadOnlyList<Pose> EstimatePoses(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var tf = ImageTensorWriter.Fill(_interpreter.GetInputTensor(0), image, Normalization, Fit);
        _interpreter.Invoke();
        var v = _interpreter.GetOutputTensor(0).ToFloatArray();
        if (!IsMultiPose)
        {
            // normalised (y, x, score) per keypoint
            var kps = new PixelKeypoint[_keypoints];
            float sum = 0;
            for (int i = 0; i < _keypoints; i++)
            {
                var (x, y) = tf.ToImage(v[i * 3 + 1], v[i * 3]);
                kps[i] = new PixelKeypoint(i, Name(i), x, y, v[i * 3 + 2]);
                sum += v[i * 3 + 2];
            }
            return [new Pose(_keypoints > 0 ? sum / _keypoints : 0f, kps)];
        }
        var scores = _interpreter.GetOutputTensor(1).ToFloatArray();
        var poseScores = _interpreter.GetOutputTensor(2).ToFloatArray();
        float countValue = _interpreter.GetOutputTensor(3).ToFloatArray()[0];
        int count = float.IsNaN(countValue) ? 0 : (int)Math.Clamp(countValue, 0, _maxPoses);
        // (y, x) in input pixels → normalised input coordinates → the photo's pixels
        var result = new Pose[count];
        for (int p = 0; p < count; p++)
        {
            var kps = new PixelKeypoint[_keypoints];
            for (int i = 0; i < _keypoints; i++)
            {
                int o = (p * _keypoints + i) * 2;
                var (x, y) = tf.ToImage(v[o + 1] / _inputWidth, v[o] / _inputHeight);
                kps[i] = new PixelKeypoint(i, Name(i), x, y, scores[p * _keypoints + i]);
            }
            result[p] = new Pose(poseScores[p], kps);
        }
        return result;
    }

    private static string Name(int i) => i < KeypointNames.Count ? KeypointNames[i] : $"keypoint_{i}";

    /// <inheritdoc />
    public void Dispose() => _interpreter.Dispose();
}
