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

    internal static OpModelBuilder Bidirectional(bool timeMajor, bool merge, Fb.ActivationFunctionType act)
    {
        var g = new OpConformance.OpCases.Gen(64);
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, timeMajor ? [5, 2, 3] : [2, 5, 3]);
        var ins = new List<int> { x };
        foreach (int units in new[] { 4, 3 })
        {
            ins.Add(b.Constant($"w{units}", TensorType.Float32, [units, 3], g.Floats(units * 3, -0.8f, 0.8f)));
            ins.Add(b.Constant($"r{units}", TensorType.Float32, [units, units], g.Floats(units * units, -0.6f, 0.6f)));
            ins.Add(b.Constant($"b{units}", TensorType.Float32, [units], g.Floats(units, -0.2f, 0.2f)));
            ins.Add(b.Variable($"h{units}", TensorType.Float32, [2, units]));
        }
        ins.AddRange([-1, -1, -1]);
        int[] Shape(int u) => timeMajor ? [5, 2, u] : [2, 5, u];
        int[] outs = merge ? [b.Output("y", TensorType.Float32, Shape(7))] : [b.Output("fw", TensorType.Float32, Shape(4)), b.Output("bw", TensorType.Float32, Shape(3))];
        b.Op(Fb.BuiltinOperator.BIDIRECTIONAL_SEQUENCE_RNN, ins.ToArray(), outs, Fb.BuiltinOptions.BidirectionalSequenceRNNOptions,
            f => Fb.BidirectionalSequenceRNNOptions.CreateBidirectionalSequenceRNNOptions(f, timeMajor, act, merge).Value);
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
        File.WriteAllBytes(Path.Combine(dir, "birnn_batch_major_tanh.tflite"), Bidirectional(false, false, Fb.ActivationFunctionType.TANH).Build());
        File.WriteAllBytes(Path.Combine(dir, "birnn_time_major_merged_none.tflite"), Bidirectional(true, true, Fb.ActivationFunctionType.NONE).Build());
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

    // real TFLite (tfjs-tflite runtime) on x30.bin
    private static readonly float[] BiFw = [0.394429386f, 0.668127358f, 0.378033847f, 0.763398588f, 0.945803881f, 0.373918056f, -0.925187647f, -0.374477804f, -0.0597315319f, -0.589485109f, 0.173078179f, -0.537875772f, -0.218763575f, -0.361586809f, -0.465261459f, -0.934991181f, 0.409019977f, 0.105449691f, 0.422033936f, 0.118967459f, 0.847101927f, 0.276781857f, -0.72830236f, -0.361489683f, -0.71175617f, -0.422480375f, 0.61375773f, -0.103684291f, 0.69236958f, 0.441295743f, -0.820522785f, -0.558645308f, 0.428466976f, -0.213897556f, 0.397037536f, 0.267947346f, -0.342997372f, 0.554901898f, -0.0251866039f, 0.00292774173f];
    private static readonly float[] BiBw = [-0.379028022f, -0.30484587f, 0.478336662f, -0.640550375f, 0.470812917f, -0.418222576f, -0.0265641864f, 0.0377507247f, -0.347251534f, -0.222547263f, 0.314682454f, -0.538552105f, -0.55136323f, 0.0938851461f, -0.147157907f, -0.628616869f, 0.482787251f, -0.527012765f, 0.393859625f, -0.424995303f, 0.178520396f, -0.261302888f, 0.359657168f, -0.644426703f, -0.458878398f, 0.289142013f, -0.227850229f, -0.261196613f, -0.370491713f, 0.323105931f];
    private static readonly float[] BiMerged = [0.417034715f, 0.807352841f, 0.39776364f, 1.00431061f, -0.379913747f, -0.384474009f, 0.759293377f, 1.38653922f, 0.240612432f, -0.92023325f, -0.501554847f, -0.722275496f, 0.486551195f, -0.453670502f, 0.668699682f, -0.0538477302f, -1.48664117f, -0.790242672f, -0.102386981f, 0.253722847f, -0.59288615f, -0.242799461f, -0.866309583f, 0.158204496f, -1.18208647f, -0.132777095f, 0.180850998f, -0.463638455f, 0.355471283f, -0.203514934f, 1.05376148f, 0.457441449f, -0.640351653f, 0.0923737586f, -0.022971645f, 0.574427009f, 0.287507325f, -0.264861822f, -0.699848652f, -0.418791473f, 0.360889494f, -0.584901571f, -0.794574499f, 0.511195064f, -0.721336484f, -0.727101862f, 0.349056184f, -0.250262439f, 0.0257862657f, 0.656893611f, -0.0983843207f, -0.30707556f, -0.20275861f, -0.373715073f, 0.59815979f, -0.771617711f, 0.93574208f, -0.446641386f, 0.199623764f, 0.336483955f, -0.517016232f, 0.0531696975f, -0.175443441f, -0.482576698f, 0.234799445f, 0.638185382f, 0.223199636f, -0.267392218f, -0.388992965f, 0.335111231f];

    [Fact]
    public void BidirectionalRnnMatchesTflite()
    {
        using (var it = Bidirectional(false, false, Fb.ActivationFunctionType.TANH).BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<float>(X30);
            it.Invoke();
            Near(BiFw, it.Output<float>(0));
            Near(BiBw, it.Output<float>(1));
            Assert.Equal(0, Allocations.OfInvoke(it));
        }
        using (var it = Bidirectional(true, true, Fb.ActivationFunctionType.NONE).BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<float>(X30);
            it.Invoke();
            Near(BiMerged, it.Output<float>(0));
        }
    }
}
