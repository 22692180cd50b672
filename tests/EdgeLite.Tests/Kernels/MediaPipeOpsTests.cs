using EdgeLite.Tests.Infrastructure;
using EdgeLite.Vision;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// MediaPipe's custom ops Landmarks2TransformMatrix, TransformLandmarks and TransformTensorBilinear (version 2, the
/// one MediaPipe's CPU resolver registers). The expected values are computed by hand from the semantics of
/// mediapipe/util/tflite/operations/*.cc; the whole-model test at the end says how face_landmark_with_attention was
/// validated (the reference tool's runtimes do not have these ops).
/// </summary>
public class MediaPipeOpsTests
{
    private static readonly float[] Identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

    // ---------------------------------------------------------------- TransformLandmarks

    private static OpModelBuilder TransformLandmarksModel(int n, int d, int version = 2, TensorType type = TensorType.Float32, int[]? matrixShape = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("landmarks", type, [1, n, d]);
        int t = m.Input("matrix", TensorType.Float32, matrixShape ?? [1, 4, 4]);
        int y = m.Output("y", type, [1, n, d]);
        m.Custom("TransformLandmarks", [x, t], [y], version: version);
        return m;
    }

    private static float[] TransformLandmarks(int d, float[] landmarks, float[] matrix)
    {
        using var it = OpRun.Invoke(TransformLandmarksModel(landmarks.Length / d, d), landmarks, matrix);
        Assert.Equal([1, landmarks.Length / d, d], it.GetOutputTensor(0).ShapeArray);
        return it.Output<float>();
    }

    [Fact]
    public void TransformLandmarksIdentityKeepsThePoints()
    {
        float[] p = [1.5f, -2, 3, 4, 0, 0];
        Assert.Equal(p, TransformLandmarks(2, p, Identity));
    }

    [Fact]
    public void TransformLandmarksTranslatesRotatesAndScales()
    {
        // translation (5, -2); z (third value) is copied, the matrix's z column and row are ignored
        float[] t = [1, 0, 100, 5, 0, 1, 100, -2, 7, 7, 7, 7, 7, 7, 7, 7];
        Assert.Equal([6f, 0, 9, 5, 3, -1], TransformLandmarks(3, [1, 2, 9, 0, 5, -1], t));
        // rotation by 90°: (x, y) -> (-y, x)
        float[] r = [0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        Assert.Equal([-2f, 1, -4, 3], TransformLandmarks(2, [1, 2, 3, 4], r));
        // scale (2, 3) then shift (1, 1)
        float[] s = [2, 0, 0, 1, 0, 3, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1];
        Assert.Equal([3f, 7, -1, -5], TransformLandmarks(2, [1, 2, -1, -2], s));
    }

    [Fact]
    public void TransformLandmarksRefusesBadShapesTypesAndVersions()
    {
        Assert.Throws<ModelFormatException>(() => TransformLandmarksModel(4, 4).BuildInterpreter());           // 4 values per landmark
        Assert.Throws<ModelFormatException>(() => TransformLandmarksModel(4, 2, matrixShape: [1, 3, 3]).BuildInterpreter());
        Assert.Throws<UnsupportedOperatorException>(() => TransformLandmarksModel(4, 2, type: TensorType.Int32).BuildInterpreter());
        Assert.Throws<UnsupportedOperatorException>(() => TransformLandmarksModel(4, 2, version: 1).BuildInterpreter());
        var m = new OpModelBuilder();
        int x = m.Input("landmarks", TensorType.Float32, [4, 2]);
        int t = m.Input("matrix", TensorType.Float32, [1, 4, 4]);
        m.Custom("TransformLandmarks", [x, t], [m.Output("y", TensorType.Float32, [4, 2])], version: 2);
        Assert.Throws<ModelFormatException>(() => m.BuildInterpreter());
    }

    // ---------------------------------------------------------------- TransformTensorBilinear

    private static OpModelBuilder BilinearModel(int h, int w, int c, Dictionary<string, object>? options, int version = 2, int[]? matrixShape = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Float32, [1, h, w, c]);
        int t = m.Input("matrix", TensorType.Float32, matrixShape ?? [1, 4, 4]);
        int oh = options != null && options.TryGetValue("output_height", out var v1) ? (int)v1 : 1;
        int ow = options != null && options.TryGetValue("output_width", out var v2) ? (int)v2 : 1;
        int y = m.Output("y", TensorType.Float32, [1, oh, ow, c]);
        m.Custom("TransformTensorBilinear", [x, t], [y], options != null ? FlexMapWriter.Write(options) : null, version);
        return m;
    }

    /// <summary>Input 3 rows × 4 columns, channel 0 = 10·y + x (bilinear interpolation reproduces it exactly), channel 1 = -(10·y + x).</summary>
    private static float[] Ramp()
    {
        var v = new float[3 * 4 * 2];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) { v[(y * 4 + x) * 2] = 10 * y + x; v[(y * 4 + x) * 2 + 1] = -(10 * y + x); }
        return v;
    }

    private static float[] Sample(int outH, int outW, float[] matrix)
    {
        var m = BilinearModel(3, 4, 2, new() { ["output_height"] = outH, ["output_width"] = outW });
        using var it = OpRun.Invoke(m, Ramp(), matrix);
        Assert.Equal([1, outH, outW, 2], it.GetOutputTensor(0).ShapeArray);
        return it.Output<float>();
    }

    [Fact]
    public void TransformTensorBilinearIdentitySamplesEveryPixelCentre()
    {
        // version 2 moves the translation by (m00 + m01)/2 - 1/2: zero for the identity, so output = input,
        // including the last row and column (x = W-1 is inside; its right neighbour has weight 0)
        Assert.Equal(Ramp(), Sample(3, 4, Identity));
    }

    [Fact]
    public void TransformTensorBilinearInterpolatesAndZeroesOutsidePoints()
    {
        // translation (0.5, 0.25): output (x, y) samples (x + 0.5, y + 0.25) → 10·(y + 0.25) + x + 0.5;
        // the last column samples x = 3.5 > W-1 = 3 and the last row y = 2.25 > 2: both give 0
        float[] shift = [1, 0, 0, 0.5f, 0, 1, 0, 0.25f, 0, 0, 1, 0, 0, 0, 0, 1];
        var got = Sample(3, 4, shift);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
            {
                float expected = x == 3 || y == 2 ? 0 : 10 * (y + 0.25f) + x + 0.5f;
                Assert.Equal(expected, got[(y * 4 + x) * 2], 5);
                Assert.Equal(-expected, got[(y * 4 + x) * 2 + 1], 5);
            }
    }

    [Fact]
    public void TransformTensorBilinearScalesAboutPixelCentres()
    {
        // scale 0.5: output (x, y) samples (0.5x + 0.25 - 0.5, 0.5y - 0.25) = pixel centres of a 2x upsampling;
        // x = 0 or y = 0 gives -0.25 < 0 → 0; (1, 1) → (0.25, 0.25) → 2.75
        float[] half = [0.5f, 0, 0, 0, 0, 0.5f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        var got = Sample(6, 8, half);
        float At(int y, int x) => got[(y * 8 + x) * 2];
        Assert.Equal(0f, At(0, 3));
        Assert.Equal(0f, At(2, 0));
        Assert.Equal(2.75f, At(1, 1), 5);
        Assert.Equal(10 * 1.75f + 2.75f, At(4, 6), 5);   // (2.75, 1.75)
        Assert.Equal(0f, At(5, 2));                        // (0.75, 2.25): y > H-1 → outside
        Assert.Equal(0f, At(3, 7));                        // (3.25, 1.25): x > W-1 → outside
    }

    [Fact]
    public void TransformTensorBilinearRotatesAndHandlesNonFiniteMatrices()
    {
        // 90° rotation plus translation: output (x, y) → input (2 - y, x) after the centre correction
        // m03' = m03 + (m00 + m01)/2 - 1/2 = m03 - 1, m13' = m13 + (m10 + m11)/2 - 1/2 = m13; choose m03 = 3, m13 = 0
        float[] rot = [0, -1, 0, 3, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        var got = Sample(3, 3, rot);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                Assert.Equal(10 * x + (2 - y), got[(y * 3 + x) * 2], 5);
        // NaN coordinates are treated as outside (0), never read out of bounds
        float[] nan = [float.NaN, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        Assert.All(Sample(2, 2, nan), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TransformTensorBilinearRefusesBadOptionsAndShapes()
    {
        Assert.Throws<ModelFormatException>(() => BilinearModel(3, 4, 1, null).BuildInterpreter());                                   // no options
        Assert.Throws<ModelFormatException>(() => BilinearModel(3, 4, 1, new() { ["output_height"] = 0, ["output_width"] = 2 }).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BilinearModel(3, 4, 1, new() { ["output_height"] = 2 }).BuildInterpreter());       // no width
        Assert.Throws<ModelFormatException>(() => BilinearModel(3, 4, 1, new() { ["output_height"] = 1 << 30, ["output_width"] = 1 << 30 }).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => BilinearModel(3, 4, 1, new() { ["output_height"] = 2, ["output_width"] = 2 }, matrixShape: [1, 2, 4]).BuildInterpreter());
        Assert.Throws<UnsupportedOperatorException>(() => BilinearModel(3, 4, 1, new() { ["output_height"] = 2, ["output_width"] = 2 }, version: 1).BuildInterpreter());
    }

    // ---------------------------------------------------------------- Landmarks2TransformMatrix

    private static OpModelBuilder MatrixModel(int n, Dictionary<string, object> options, int version = 2, int[]? inputShape = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("landmarks", TensorType.Float32, inputShape ?? [1, n, 3]);
        int y = m.Output("matrix", TensorType.Float32, [1, 4, 4]);
        m.Custom("Landmarks2TransformMatrix", [x], [y], FlexMapWriter.Write(options), version);
        return m;
    }

    private static Dictionary<string, object> MatrixOptions(int[] subset, int left, int right, int outW, int outH, float scale = 1, float target = 0) => new()
    {
        ["subset_idxs"] = subset, ["left_rotation_idx"] = left, ["right_rotation_idx"] = right,
        ["output_width"] = outW, ["output_height"] = outH, ["scale_x"] = scale, ["scale_y"] = scale, ["target_rotation_radians"] = target,
    };

    private static float[] Matrix(float[] xyz, Dictionary<string, object> options)
    {
        using var it = OpRun.Invoke(MatrixModel(xyz.Length / 3, options), xyz);
        Assert.Equal([1, 4, 4], it.GetOutputTensor(0).ShapeArray);
        return it.Output<float>();
    }

    private static void AssertMatrix(float[] expectedRows01, float[] got)
    {
        for (int i = 0; i < 8; i++) Assert.Equal(expectedRows01[i], got[i], 4);
        Assert.Equal([0f, 0, 1, 0, 0, 0, 0, 1], got[8..]);
    }

    // the rectangle x ∈ [10, 14], y ∈ [20, 22] (corners 0..3, z ignored), plus a far point 4 outside every subset
    private static readonly float[] Box = [10, 20, 5, 14, 20, -3, 14, 22, 0, 10, 22, 1, 500, -500, 0];

    [Fact]
    public void Landmarks2TransformMatrixOfAnAxisAlignedBox()
    {
        // left (10,20) → right (14,20): no rotation; box 4×2 centred (12,21); an 8×4 crop at scale 1 maps
        // pixel (x, y) to (12 + 0.5·(x - 4), 21 + 0.5·(y - 2)): pixel (0,0) = box corner (10,20), (8,4) = (14,22)
        AssertMatrix([0.5f, 0, 0, 10, 0, 0.5f, 0, 20], Matrix(Box, MatrixOptions([0, 1, 2, 3], 0, 1, 8, 4)));
        // scale 1.5: the crop grows about the centre: 0.75 per pixel, (0,0) → (12 - 3, 21 - 1.5)
        AssertMatrix([0.75f, 0, 0, 9, 0, 0.75f, 0, 19.5f], Matrix(Box, MatrixOptions([0, 1, 2, 3], 0, 1, 8, 4, scale: 1.5f)));
        // an odd subset (MediaPipe pairs the last index with itself) and a subset of the corners: box of points 0, 2 only
        AssertMatrix([0.5f, 0, 0, 10, 0, 0.5f, 0, 20], Matrix(Box, MatrixOptions([0, 2, 2], 0, 1, 8, 4)));
    }

    [Fact]
    public void Landmarks2TransformMatrixFollowsTheRotationLandmarks()
    {
        // left (0,0), right (0,4): the left→right direction points down (+90°), so the crop is rotated by 90°:
        // the box of x ∈ [-2, 0], y ∈ [0, 4] in the rotated frame is 4 wide, 2 high, centred (-1, 2); a 4×2 crop
        // maps pixel (x, y) to (-1, 2) + R(90°)·((x, y) - (2, 1)) = (-y, x): pixel (4, 0) is the right landmark
        float[] p = [0, 0, 0, 0, 4, 0, -2, 0, 0, -2, 4, 0];
        AssertMatrix([0, -1, 0, 0, 1, 0, 0, 0], Matrix(p, MatrixOptions([0, 1, 2, 3], 0, 1, 4, 2)));
        // target_rotation_radians = π/2 on the axis-aligned box: the crop is turned by -90°, 2 wide and 4 high:
        // pixel (x, y) → (12, 21) + R(-90°)·((x, y) - (1, 2)) = (10 + y, 22 - x)
        AssertMatrix([0, 1, 0, 10, -1, 0, 0, 22], Matrix(Box, MatrixOptions([0, 1, 2, 3], 0, 1, 2, 4, target: MathF.PI / 2)));
    }

    [Fact]
    public void Landmarks2TransformMatrixRefusesBadOptionsAndShapes()
    {
        var good = MatrixOptions([0, 1, 2, 3], 0, 1, 8, 4);
        Dictionary<string, object> With(string key, object value) => new(good) { [key] = value };
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("subset_idxs", new[] { 0, 5 })).BuildInterpreter());     // index ≥ N
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("subset_idxs", new[] { -1 })).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("subset_idxs", Array.Empty<int>())).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("right_rotation_idx", 9)).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("output_width", 0)).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, With("scale_y", 0f)).BuildInterpreter());
        var noSubset = new Dictionary<string, object>(good); noSubset.Remove("subset_idxs");
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, noSubset).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, good, inputShape: [1, 5, 2]).BuildInterpreter());          // x, y only
        Assert.Throws<ModelFormatException>(() => MatrixModel(5, good, inputShape: [1, 1, 1, 15]).BuildInterpreter());      // version 1's layout
        Assert.Throws<UnsupportedOperatorException>(() => MatrixModel(5, good, version: 1).BuildInterpreter());
    }
}
