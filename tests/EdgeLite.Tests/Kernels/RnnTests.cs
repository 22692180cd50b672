using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// RNN and UNIDIRECTIONAL_SEQUENCE_RNN (float32) against real TFLite (the tfjs-tflite runtime: LiteRT's compiled model
/// does not take variable tensors) for the models below (EDGELITE_DUMP_MODELS=DIR writes them), including the hidden
/// state kept across Invoke.
/// </summary>
public class RnnTests
{
    internal static readonly float[] W = new OpConformance.OpCases.Gen(61).Floats(4 * 3, -0.8f, 0.8f);
    internal static readonly float[] R = new OpConformance.OpCases.Gen(62).Floats(4 * 4, -0.6f, 0.6f);
    internal static readonly float[] Bias = [0.1f, -0.2f, 0.05f, 0.3f];

    internal static OpModelBuilder Sequence(bool timeMajor, Fb.ActivationFunctionType act)
    {
        var b = new OpModelBuilder();
        int[] xs = timeMajor ? [5, 2, 3] : [2, 5, 3];
        int x = b.Input("x", TensorType.Float32, xs);
        int w = b.Constant("w", TensorType.Float32, [4, 3], W);
        int r = b.Constant("r", TensorType.Float32, [4, 4], R);
        int bias = b.Constant("b", TensorType.Float32, [4], Bias);
        int h = b.Variable("h", TensorType.Float32, [2, 4]);
        int y = b.Output("y", TensorType.Float32, timeMajor ? [5, 2, 4] : [2, 5, 4]);
        b.Op(Fb.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_RNN, [x, w, r, bias, h], [y], Fb.BuiltinOptions.SequenceRNNOptions,
            f => Fb.SequenceRNNOptions.CreateSequenceRNNOptions(f, timeMajor, act).Value);
        return b;
    }

    internal static OpModelBuilder Step(Fb.ActivationFunctionType act = Fb.ActivationFunctionType.RELU)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 3]);
        int w = b.Constant("w", TensorType.Float32, [4, 3], W);
        int r = b.Constant("r", TensorType.Float32, [4, 4], R);
        int bias = b.Constant("b", TensorType.Float32, [4], Bias);
        int h = b.Variable("h", TensorType.Float32, [2, 4]);
        int y = b.Output("y", TensorType.Float32, [2, 4]);
        b.Op(Fb.BuiltinOperator.RNN, [x, w, r, bias, h], [y], Fb.BuiltinOptions.RNNOptions,
            f => Fb.RNNOptions.CreateRNNOptions(f, act).Value);
        return b;
    }

    internal static readonly float[] X30 = new OpConformance.OpCases.Gen(63).Floats(30, -1, 1);

    [Fact]
    public void DumpRnnModels()
    {
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        if (dir == null) return;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "rnn_seq_batch_major_tanh.tflite"), Sequence(false, Fb.ActivationFunctionType.TANH).Build());
        File.WriteAllBytes(Path.Combine(dir, "rnn_seq_time_major_relu6.tflite"), Sequence(true, Fb.ActivationFunctionType.RELU6).Build());
        File.WriteAllBytes(Path.Combine(dir, "rnn_step_relu.tflite"), Step().Build());
        File.WriteAllBytes(Path.Combine(dir, "x30.bin"), OpRun.Bytes(X30));
        File.WriteAllBytes(Path.Combine(dir, "x6.bin"), OpRun.Bytes(X30[..6]));
    }

    // real TFLite (tfjs-tflite runtime) for the dumped models on x30.bin / x6.bin
    private static readonly float[] BatchMajorTanh = [0.963159263f, 0.665777445f, 0.179330111f, -0.598718166f, 0.23303248f, -0.497768611f, 0.73911041f, 0.207792819f, -0.863358855f, -0.292294562f, 0.0805439204f, 0.62421912f, -0.788673639f, -0.642777085f, -0.832348943f, 0.660850108f, 0.376845598f, -0.637136221f, -0.0860818475f, 0.310888499f, -0.134042382f, -0.775942564f, 0.671068013f, 0.556435168f, -0.734538972f, 0.186804295f, -0.28704372f, 0.497652918f, -0.157167539f, -0.907506227f, 0.339878827f, 0.738540947f, -0.374351174f, -0.202486172f, 0.266162753f, 0.381642371f, 0.638175786f, 0.474347442f, -0.477427334f, -0.147088274f];
    private static readonly float[] TimeMajorRelu6 = [1.98785388f, 0.803120077f, 0.181290463f, 0f, 0.103892587f, 0f, 0.447766751f, 0.363576591f, 0f, 0f, 0.762131572f, 0.820706248f, 0f, 0f, 0f, 0.750983357f, 0.256216109f, 0f, 0.340752006f, 0.260583282f, 0f, 0f, 0.701812446f, 0.870138943f, 0f, 0.013975054f, 0f, 0.481792092f, 0f, 0f, 0.840596855f, 1.04920006f, 0.165659875f, 0f, 0.170150518f, 0.322198212f, 0.306263685f, 0.519648969f, 0f, 0.036714375f];
    private static readonly float[] StepRelu = [1.98785388f, 0.803120077f, 0.181290463f, 0f, 0.103892587f, 0f, 0.447766751f, 0.363576591f];

    private static void Near(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"[{i}] {actual[i]} vs TFLite {expected[i]}");
    }

    [Fact]
    public void SequenceRnnMatchesTflite()
    {
        using (var it = Sequence(false, Fb.ActivationFunctionType.TANH).BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<float>(X30);
            it.Invoke();
            Near(BatchMajorTanh, it.Output<float>(0));
            Assert.Equal(0, Allocations.OfInvoke(it));
        }
        using (var it = Sequence(true, Fb.ActivationFunctionType.RELU6).BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<float>(X30);
            it.Invoke();
            Near(TimeMajorRelu6, it.Output<float>(0));
        }
    }

    [Fact]
    public void RnnStepMatchesTfliteAndKeepsItsStateAcrossInvokes()
    {
        using var it = Step().BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>(X30[..6]);
        it.Invoke();
        Near(StepRelu, it.Output<float>(0));
        // five invokes of the RELU6 step on the time steps = the time-major RELU6 sequence (state kept between invokes)
        using var s = Step(Fb.ActivationFunctionType.RELU6).BuildInterpreter();
        for (int t = 0; t < 5; t++)
        {
            s.GetInputTensor(0).CopyFrom<float>(X30.AsSpan(t * 6, 6));
            s.Invoke();
            Near(TimeMajorRelu6[(t * 8)..(t * 8 + 8)], s.Output<float>(0));
        }
        s.ResetVariableTensors();
        s.GetInputTensor(0).CopyFrom<float>(X30[..6]);
        s.Invoke();
        Near(TimeMajorRelu6[..8], s.Output<float>(0));
    }

    [Fact]
    public void HybridWeightsAreRefusedByName()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 3]);
        int w = b.Constant("w", TensorType.Int8, [4, 3], new sbyte[12], Quant.PerTensor(0.1f, 0));
        int r = b.Constant("r", TensorType.Float32, [4, 4], R);
        int bias = b.Constant("b", TensorType.Float32, [4], Bias);
        int h = b.Variable("h", TensorType.Float32, [2, 4]);
        b.Op(Fb.BuiltinOperator.RNN, [x, w, r, bias, h], [b.Output("y", TensorType.Float32, [2, 4])]);
        Assert.Contains("RNN", Assert.Throws<UnsupportedOperatorException>(() => b.BuildInterpreter()).Message);
    }
}
