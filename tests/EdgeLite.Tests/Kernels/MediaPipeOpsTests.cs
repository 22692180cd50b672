using EdgeLite.Tests.Infrastructure;
using Xunit.Abstractions;
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

/// <summary>
/// face_landmark_with_attention on the most confident face of face.jpg. The reference tool's runtimes (LiteRT.js
/// 2.5.3, tfjs-tflite) lack the three custom ops — `run.sh run` fails with "unresolved custom op:
/// Landmarks2TransformMatrix" — so there are no reference vectors for the whole model. What was validated instead:
/// (a) The outputs that do not depend on the custom ops (output_mesh_identity, 1404 values, and conv_faceflag):
///     <see cref="ModelPruner"/> cuts the model down to those two outputs (187 of 712 operators, no custom op left;
///     `edgelite run --expose-op` alone does not help, the custom ops stay in the graph); the reference tool
///     (litert, compat build) runs that model, and EdgeLite's outputs differed from it by at most 1.4e-5 in
///     |a-b|/max(1,|a|,|b|) (max |a-b| 6.1e-5 on the mesh, in 192-px crop pixels) on random inputs (seeds 1, 2), and
///     by 4.8e-6 (|a-b| 4.6e-5) on this test's second face crop — within the 1e-3 the conformance README allows for
///     float models. This test checks
///     that the full model gives exactly the pruned model's outputs, so that comparison carries over.
/// (b) The custom ops are specified by the hand-computed cases in <see cref="MediaPipeOpsTests"/>; here the
///     lips/eyes/irises outputs, which go through all three, are checked for plausibility against the mesh: every
///     refined point lies next to the mesh landmark MediaPipe's LandmarksRefinementCalculator replaces with it (the
///     refinement index lists are the subset_idxs options of the model's Landmarks2TransformMatrix nodes), and each
///     iris centre lies inside its eye's contour (refined eye points 0-8 lower lid, 9-15 upper) with the four other
///     iris points around it. Measured: lips median 0.9 px / max 1.8 px from the mesh, eyes median 0.6-1.2 px / max
///     2.1 px (in 192-px crop pixels), iris radius about 4 px, a fifth of the eye's width. The crop is MediaPipe's tracking ROI: the square 1.5× the mesh's box, from a
///     first pass on 1.5× the BlazeFace box (on that first, poorly centred crop the lips were 4 px off the mesh).
/// </summary>
public class FaceLandmarkWithAttentionTests(ITestOutputHelper log)
{
    private const string ModelName = "face_landmark_with_attention";

    [Fact]
    public void RefinedLandmarksAgreeWithTheMeshOnARealFace()
    {
        var photo = RgbImage.Load(SharedData.Image("face.jpg"));
        using var model = Model.FromFile(SharedData.Model(ModelName));
        using var it = new Interpreter(model);
        it.AllocateTensors();

        // first pass: 1.5x the detector's box; second pass: 1.5x the box of the first pass's mesh
        var (cx, cy, side) = DetectFace(photo);
        Run(it, photo, cx, cy, side);
        var first = it.Output<float>(0);
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue;
        for (int i = 0; i < 468; i++)
        {
            minX = MathF.Min(minX, first[i * 3]); maxX = MathF.Max(maxX, first[i * 3]);
            minY = MathF.Min(minY, first[i * 3 + 1]); maxY = MathF.Max(maxY, first[i * 3 + 1]);
        }
        float k = (float)side / 192;
        var second = (cx - side / 2f + (minX + maxX) / 2 * k, cy - side / 2f + (minY + maxY) / 2 * k, (int)(1.5f * MathF.Max(maxX - minX, maxY - minY) * k));
        log.WriteLine($"first crop {side} px at ({cx:F0}, {cy:F0}); second {second.Item3} px at ({second.Item1:F0}, {second.Item2:F0})");
        Run(it, photo, second.Item1, second.Item2, second.Item3);

        Assert.Equal(0, Allocations.OfInvoke(it));
        var mesh = it.Output<float>(0);
        float faceFlag = it.Output<float>(6)[0];

        // (a) the custom-op-free part equals the pruned model's outputs (the part compared with the reference tool)
        var sg = model.MainSubgraph;
        var pruned = ModelPruner.KeepOnly(File.ReadAllBytes(SharedData.Model(ModelName)), [sg.Outputs[0], sg.Outputs[6]]);
        using (var pm = Model.FromBytes(pruned))
        {
            Assert.DoesNotContain(pm.MainSubgraph.Operators, o => o.IsCustom);
            using var pit = new Interpreter(pm);
            pit.AllocateTensors();
            it.GetInputTensor(0).AsSpan<float>().CopyTo(pit.GetInputTensor(0).AsSpan<float>());
            pit.Invoke();
            Assert.Equal(mesh, pit.Output<float>(0));
            Assert.Equal(faceFlag, pit.Output<float>(1)[0]);
        }

        // a face, its mesh inside the crop
        Assert.True(1 / (1 + MathF.Exp(-faceFlag)) > 0.9f, $"face flag logit {faceFlag}");
        for (int i = 0; i < 468; i++) { Assert.InRange(mesh[i * 3], 0, 192); Assert.InRange(mesh[i * 3 + 1], 0, 192); }

        // (b) refined points next to the mesh points they replace; irises inside the eyes
        var matrixOps = sg.Operators.Where(o => o.CustomCode == "Landmarks2TransformMatrix").ToArray();
        Assert.Equal(3, matrixOps.Length);
        var subsets = matrixOps.Select(o => FlexBufferMap.Parse(CustomOptions(o)).GetVector("subset_idxs")!.Select(v => (int)v).ToArray()).ToArray();
        Assert.Equal([61, 146, 91], subsets[0][..3]);     // MediaPipe's lips refinement list starts 61, 146, 91
        Assert.Equal([33, 7, 163], subsets[1][..3]);      // left eye
        Assert.Equal([263, 249, 390], subsets[2][..3]);   // right eye
        CheckNear("lips", it.Output<float>(1), subsets[0], mesh, median: 2, max: 4);
        CheckNear("left eye", it.Output<float>(2), subsets[1], mesh, median: 2, max: 4);
        CheckNear("right eye", it.Output<float>(3), subsets[2], mesh, median: 2, max: 4);
        CheckIris("left", it.Output<float>(4), it.Output<float>(2));
        CheckIris("right", it.Output<float>(5), it.Output<float>(3));
    }

    private static void Run(Interpreter it, RgbImage photo, float cx, float cy, int side)
    {
        ImageTensorWriter.Fill(it.GetInputTensor(0), Crop(photo, cx, cy, side), InputNormalization.ZeroToOne);
        it.Invoke();
    }

    private void CheckNear(string what, float[] refined, int[] meshIndex, float[] mesh, double median, double max)
    {
        Assert.Equal(meshIndex.Length, refined.Length / 2);
        var d = new double[refined.Length / 2];
        for (int i = 0; i < d.Length; i++)
        {
            int m = meshIndex[i];
            d[i] = Math.Sqrt(Sq(refined[i * 2] - mesh[m * 3]) + Sq(refined[i * 2 + 1] - mesh[m * 3 + 1]));
        }
        Array.Sort(d);
        log.WriteLine($"{what}: {d.Length} points; distance to their mesh landmarks: median {d[d.Length / 2]:F2} px, max {d[^1]:F2} px");
        Assert.True(d[d.Length / 2] < median && d[^1] < max, $"{what}: median {d[d.Length / 2]}, max {d[^1]}");
    }

    private void CheckIris(string what, float[] iris, float[] eye)
    {
        var contour = new List<(float X, float Y)>();
        for (int i = 0; i <= 8; i++) contour.Add((eye[i * 2], eye[i * 2 + 1]));    // lower lid, corner to corner
        for (int i = 15; i >= 9; i--) contour.Add((eye[i * 2], eye[i * 2 + 1]));   // upper lid, back
        float eyeWidth = MathF.Sqrt((eye[16] - eye[0]) * (eye[16] - eye[0]) + (eye[17] - eye[1]) * (eye[17] - eye[1]));
        log.WriteLine($"{what} iris centre ({iris[0]:F1}, {iris[1]:F1}), eye corners ({eye[0]:F1}, {eye[1]:F1}) ({eye[16]:F1}, {eye[17]:F1})");
        Assert.True(Inside(contour, iris[0], iris[1]), $"{what} iris centre outside the eye contour");
        for (int p = 1; p < 5; p++)
        {
            double r = Math.Sqrt(Sq(iris[p * 2] - iris[0]) + Sq(iris[p * 2 + 1] - iris[1]));
            Assert.InRange(r, 0.1 * eyeWidth, 0.4 * eyeWidth);   // an iris is about a third of the eye's width across
        }
    }

    private static bool Inside(List<(float X, float Y)> poly, float x, float y)
    {
        bool inside = false;
        for (int i = 0, j = poly.Count - 1; i < poly.Count; j = i++)
            if ((poly[i].Y > y) != (poly[j].Y > y) && x < (poly[j].X - poly[i].X) * (y - poly[i].Y) / (poly[j].Y - poly[i].Y) + poly[i].X)
                inside = !inside;
        return inside;
    }

    private static double Sq(double v) => v * v;

    private static ReadOnlySpan<byte> CustomOptions(OperatorDescription op)
    {
        var seg = op.Fb.GetCustomOptionsBytes();
        return seg.HasValue ? seg.Value.AsSpan() : default;
    }

    /// <summary>Centre and side of the square 1.5× the most confident BlazeFace box.</summary>
    private static (float X, float Y, int Side) DetectFace(RgbImage photo)
    {
        using var detModel = Model.FromFile(SharedData.Model("face_detection_short_range"));
        using var det = new ObjectDetector(detModel, ObjectDetectorOptions.BlazeFaceShortRange());
        var face = det.Detect(photo).OrderByDescending(f => f.Score).First();
        return ((face.Left + face.Right) / 2, (face.Top + face.Bottom) / 2,
            (int)MathF.Round(1.5f * MathF.Max(face.Right - face.Left, face.Bottom - face.Top)));
    }

    /// <summary>The square of <paramref name="side"/> pixels centred at (cx, cy), black outside the photo, resized to 192.</summary>
    private static RgbImage Crop(RgbImage photo, float cx, float cy, int side)
    {
        int x0 = (int)MathF.Round(cx - side / 2f), y0 = (int)MathF.Round(cy - side / 2f);
        var px = new byte[side * side * 3];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                int sx = x0 + x, sy = y0 + y;
                if ((uint)sx < (uint)photo.Width && (uint)sy < (uint)photo.Height) Array.Copy(photo.Pixels, (sy * photo.Width + sx) * 3, px, (y * side + x) * 3, 3);
            }
        return new RgbImage(side, side, px).Resize(192, 192);
    }
}
