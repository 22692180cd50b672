using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// The one-step LSTM op (shares UNIDIRECTIONAL_SEQUENCE_LSTM's kernel) against real TFLite (tfjs-tflite runtime) and
/// against the sequence op with one time step (EDGELITE_DUMP_MODELS=DIR writes the model).
/// </summary>
public class LstmStepTests
{
    private const int Batch = 2, In = 3, Cell = 4;
    internal static readonly float[] X = new OpConformance.OpCases.Gen(91).Floats(2 * Batch * In, -1, 1);

    /// <summary>Two LSTM nodes (two time steps) sharing weights and the state variables: inputs x0, x1, outputs y0, y1.</summary>
    internal static OpModelBuilder Build(bool sequence, bool peephole)
    {
        var g = new OpConformance.OpCases.Gen(92);
        var b = new OpModelBuilder();
        int[] xs = [b.Input("x0", TensorType.Float32, sequence ? [1, Batch, In] : [Batch, In]), b.Input("x1", TensorType.Float32, sequence ? [1, Batch, In] : [Batch, In])];
        var ins = Enumerable.Repeat(-1, 24).ToArray();
        for (int k = 0; k < 4; k++)
        {
            ins[1 + k] = b.Constant($"wx{k}", TensorType.Float32, [Cell, In], g.Floats(Cell * In, -0.7f, 0.7f));
            ins[5 + k] = b.Constant($"wh{k}", TensorType.Float32, [Cell, Cell], g.Floats(Cell * Cell, -0.5f, 0.5f));
            ins[12 + k] = b.Constant($"b{k}", TensorType.Float32, [Cell], g.Floats(Cell, -0.2f, 0.2f));
            if (peephole && k != 2) ins[k == 0 ? 9 : k == 1 ? 10 : 11] = b.Constant($"p{k}", TensorType.Float32, [Cell], g.Floats(Cell, -0.3f, 0.3f));
        }
        ins[18] = b.Variable("h", TensorType.Float32, [Batch, Cell]);
        ins[19] = b.Variable("c", TensorType.Float32, [Batch, Cell]);
        for (int t = 0; t < 2; t++)
        {
        ins[0] = xs[t];
        var step = (int[])ins.Clone();
        int y = b.Output($"y{t}", TensorType.Float32, sequence ? [1, Batch, Cell] : [Batch, Cell]);
        if (sequence)
            b.Op(Fb.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, step, [y], Fb.BuiltinOptions.UnidirectionalSequenceLSTMOptions,
                f => Fb.UnidirectionalSequenceLSTMOptions.CreateUnidirectionalSequenceLSTMOptions(f, Fb.ActivationFunctionType.TANH, 0, 0, true).Value);
        else
            b.Op(Fb.BuiltinOperator.LSTM, step, [y], Fb.BuiltinOptions.LSTMOptions,
                f => Fb.LSTMOptions.CreateLSTMOptions(f, Fb.ActivationFunctionType.TANH, 0, 0).Value, version: 4);
        }
        return b;
    }

    [Fact]
    public void DumpLstmStepModel()
    {
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        if (dir == null) return;
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "lstm_step_peephole.tflite"), Build(false, true).Build());
        File.WriteAllBytes(Path.Combine(dir, "lstm_x0.bin"), OpRun.Bytes(X[..(Batch * In)]));
        File.WriteAllBytes(Path.Combine(dir, "lstm_x1.bin"), OpRun.Bytes(X[(Batch * In)..]));
    }

    // real TFLite (tfjs-tflite runtime) on lstm_x0.bin, lstm_x1.bin
    private static readonly float[][] Expected =
    [
        [0.121139735f, -0.0852681473f, -0.00334486854f, -0.0814381763f, -0.0227754228f, 0.0164353698f, -0.0046626227f, 0.153202012f],
        [0.189939231f, 0.0440829583f, 0.0599303469f, -0.13641268f, -0.0848118737f, 0.117888182f, 0.189534053f, 0.143913165f],
    ];

    private static float[][] Run(bool sequence)
    {
        using var it = Build(sequence, peephole: true).BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>(X.AsSpan(0, Batch * In));
        it.GetInputTensor(1).CopyFrom<float>(X.AsSpan(Batch * In));
        it.Invoke();
        float[][] result = [it.Output<float>(0), it.Output<float>(1)];
        Assert.Equal(0, Allocations.OfInvoke(it));
        return result;
    }

    [Fact]
    public void TwoStepsMatchTfliteAndTheSequenceKernel()
    {
        var step = Run(sequence: false);
        var seq = Run(sequence: true);
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < Expected[t].Length; i++)
            {
                Assert.True(Math.Abs(step[t][i] - Expected[t][i]) <= 1e-6f + 1e-5f * Math.Abs(Expected[t][i]), $"step {t} [{i}] {step[t][i]} vs TFLite {Expected[t][i]}");
                Assert.Equal(seq[t][i], step[t][i]);
            }
    }
}
