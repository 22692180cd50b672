using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// SVDF (float32) against real TFLite (tfjs-tflite runtime; LiteRT's compiled model does not take variable tensors). Three
/// SVDF nodes share one activation state, so one Invoke runs three time steps (EDGELITE_DUMP_MODELS=DIR writes the model).
/// </summary>
public class SvdfTests
{
    private static readonly OpConformance.OpCases.Gen G = new(81);
    private static readonly float[] Wf = G.Floats(4 * 3, -0.8f, 0.8f), Wt = G.Floats(4 * 5, -0.8f, 0.8f), Bias = G.Floats(2, -0.2f, 0.2f);
    internal static readonly float[] X18 = new OpConformance.OpCases.Gen(82).Floats(18, -1, 1);

    internal static OpModelBuilder ThreeSteps(Fb.ActivationFunctionType act)
    {
        var b = new OpModelBuilder();
        int[] xs = [b.Input("x0", TensorType.Float32, [2, 3]), b.Input("x1", TensorType.Float32, [2, 3]), b.Input("x2", TensorType.Float32, [2, 3])];
        int wf = b.Constant("wf", TensorType.Float32, [4, 3], Wf);
        int wt = b.Constant("wt", TensorType.Float32, [4, 5], Wt);
        int bias = b.Constant("b", TensorType.Float32, [2], Bias);
        int s = b.Variable("state", TensorType.Float32, [2, 20]);
        for (int t = 0; t < 3; t++)
            b.Op(Fb.BuiltinOperator.SVDF, [xs[t], wf, wt, bias, s], [b.Output($"y{t}", TensorType.Float32, [2, 2])], Fb.BuiltinOptions.SVDFOptions,
                f => Fb.SVDFOptions.CreateSVDFOptions(f, 2, act).Value);
        return b;
    }

    [Fact]
    public void DumpSvdfModel()
    {
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        if (dir == null) return;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "svdf_three_steps_none.tflite"), ThreeSteps(Fb.ActivationFunctionType.NONE).Build());
        for (int t = 0; t < 3; t++) File.WriteAllBytes(Path.Combine(dir, $"svdf_x{t}.bin"), OpRun.Bytes(X18[(t * 6)..(t * 6 + 6)]));
    }

    // real TFLite (tfjs-tflite runtime), NONE activation, inputs svdf_x0..2.bin
    private static readonly float[][] Expected =
    [
        [0.350538373f, -0.159859017f, -0.255858719f, 0.497913361f],
        [-0.0654050708f, 0.386372864f, -0.535194457f, 0.536052644f],
        [-0.736997366f, -0.0665262192f, -0.0134028457f, -0.0714051574f],
    ];

    [Fact]
    public void ThreeStepsMatchTfliteAndTheStateCarriesOver()
    {
        using var it = ThreeSteps(Fb.ActivationFunctionType.NONE).BuildInterpreter();
        for (int t = 0; t < 3; t++) it.GetInputTensor(t).CopyFrom<float>(X18.AsSpan(t * 6, 6));
        it.Invoke();
        for (int t = 0; t < 3; t++)
        {
            var y = it.Output<float>(t);
            for (int i = 0; i < 4; i++) Assert.True(Math.Abs(y[i] - Expected[t][i]) <= 1e-6f + 1e-5f * Math.Abs(Expected[t][i]), $"step {t} [{i}] {y[i]} vs TFLite {Expected[t][i]}");
        }
        // the state carries into the next Invoke (so a second Invoke differs), and ResetVariableTensors restores the first
        it.Invoke();
        Assert.NotEqual(Expected[0][0], it.Output<float>(0)[0]);
        it.ResetVariableTensors();
        it.Invoke();
        Assert.True(Math.Abs(it.Output<float>(0)[0] - Expected[0][0]) <= 1e-6f);
        Assert.Equal(0, Allocations.OfInvoke(it));
    }

    [Fact]
    public void RankThatDoesNotDivideTheFiltersIsATypedError()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 3]);
        int wf = b.Constant("wf", TensorType.Float32, [4, 3], Wf);
        int wt = b.Constant("wt", TensorType.Float32, [4, 5], Wt);
        int s = b.Variable("state", TensorType.Float32, [2, 20]);
        b.Op(Fb.BuiltinOperator.SVDF, [x, wf, wt, -1, s], [b.Output("y", TensorType.Float32, [2, 2])], Fb.BuiltinOptions.SVDFOptions,
            f => Fb.SVDFOptions.CreateSVDFOptions(f, 3).Value);
        Assert.Contains("SVDF", Assert.Throws<ModelFormatException>(() => b.BuildInterpreter()).Message);
    }
}
