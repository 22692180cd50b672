using EdgeLite.Tests.Infrastructure;
using EdgeLite.Tests.Conformance;

namespace EdgeLite.Tests.Runtime;

public class InterpreterTests
{
    private static EdgeLite.Model Load(string stem) => EdgeLite.Model.FromFile(SharedData.Model(stem));

    [Fact]
    public void UnknownCustomOpIsRefusedAtConstructionNamingTheOp()
    {
        using var m = Load("model_invoking_error");
        var e = Assert.Throws<UnsupportedOperatorException>(() => new Interpreter(m));
        Assert.Contains("fake-op-double", e.Message);
    }

    [Fact]
    public void InvokeBeforeAllocateTensorsIsAnError()
    {
        using var m = Load("mobilenet_v1_0.25_128_quant");
        using var it = new Interpreter(m);
        Assert.Throws<InterpreterException>(() => it.Invoke());
        Assert.Throws<InterpreterException>(() => it.GetInputTensor(0).AsSpan<byte>());
    }

    [Fact]
    public void InputDetailsMirrorTfLite()
    {
        using var m = Load("mobilenet_v2_1.0_224_quant");
        using var it = new Interpreter(m);
        it.AllocateTensors();
        var input = it.GetInputTensor(0);
        Assert.Equal(TensorType.UInt8, input.Type);
        Assert.Equal(new[] { 1, 224, 224, 3 }, input.ShapeArray);
        Assert.Equal(0.0078125f, input.Quantization!.Scale);
        Assert.Equal(128, input.Quantization.ZeroPoint);
        Assert.Equal(224 * 224 * 3, input.ByteLength);
        var output = it.GetOutputTensor(0);
        Assert.Equal(new[] { 1, 1001 }, output.ShapeArray);
        Assert.Throws<ArgumentOutOfRangeException>(() => it.GetInputTensor(1));
    }

    [Fact]
    public void WrongSizedInputIsRejected()
    {
        using var m = Load("mobilenet_v1_0.25_128_quant");
        using var it = new Interpreter(m);
        it.AllocateTensors();
        var e = Assert.Throws<InterpreterException>(() => it.SetInput<byte>(0, new byte[100]));
        Assert.Contains("49152", e.Message);
        Assert.Throws<InterpreterException>(() => it.GetInputTensor(0).AsSpan<float>());
    }

    [Fact]
    public void ResizeInputRespectsShapeSignature()
    {
        using var m = Load("mobilenet_v1_0.25_128_quant");
        using var it = new Interpreter(m);
        // No shape signature: TFLite allows any resize; a non-positive dimension is always an error.
        Assert.Throws<ArgumentException>(() => it.ResizeInput(0, [1, 0, 128, 3]));
        using var dyn = Load("vww_96_float");
        using var it2 = new Interpreter(dyn);
        // vww_96_float's signature is [-1,96,96,3]: only the batch may change.
        Assert.Throws<ArgumentException>(() => it2.ResizeInput(0, [1, 97, 96, 3]));
        Assert.Throws<ArgumentException>(() => it2.ResizeInput(0, [1, 96, 96]));
    }

    [Fact]
    public void ResizedBatchGivesPerItemResultsOfSingleBatch()
    {
        var c = new ConformanceCase("vww_96_float", "random-seed-1");
        var input = File.ReadAllBytes(Path.Combine(c.Directory, "input_0.bin"));
        using var m = Load("vww_96_float");
        using var single = new Interpreter(m);
        single.AllocateTensors();
        single.GetInputTensor(0).CopyFromBytes(input);
        single.Invoke();
        var one = single.GetOutputTensor(0).ToArray<float>();

        using var batched = new Interpreter(m);
        batched.ResizeInput(0, [2, 96, 96, 3]);
        Assert.Throws<InterpreterException>(() => batched.Invoke());
        batched.AllocateTensors();
        var both = new byte[input.Length * 2];
        input.CopyTo(both, 0);
        input.CopyTo(both, input.Length);
        batched.GetInputTensor(0).CopyFromBytes(both);
        batched.Invoke();
        Assert.Equal(new[] { 2, 2 }, batched.GetOutputTensor(0).ShapeArray);
        var two = batched.GetOutputTensor(0).ToArray<float>();
        Assert.Equal(one, two[..2]);
        Assert.Equal(one, two[2..]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void InvokeAllocatesNothingAfterTheFirstCall(int threads)
    {
        using var m = Load("mobilenet_v2_1.0_224_quant");
        using var it = new Interpreter(m, new InterpreterOptions { Threads = threads });
        it.AllocateTensors();
        it.Invoke();
        Assert.Equal(0, Allocations.OfInvoke(it, 3));
    }

    [Fact]
    public void OutputsDoNotDependOnThreadCount()
    {
        foreach (var stem in new[] { "mobilenet_v2_1.0_224_quant", "tf2_mobilenet_v2_1.0_224_ptq", "vww_96_float" })
        {
            var c = new ConformanceCase(stem, "random-seed-1");
            using var m = Load(stem);
            byte[] Run(int threads)
            {
                using var it = new Interpreter(m, new InterpreterOptions { Threads = threads });
                it.AllocateTensors();
                it.GetInputTensor(0).CopyFromBytes(File.ReadAllBytes(Path.Combine(c.Directory, "input_0.bin")));
                it.Invoke();
                return it.GetOutputTensor(0).AsBytes().ToArray();
            }
            Assert.Equal(Run(1), Run(2));
            Assert.Equal(Run(1), Run(3));
        }
    }

    [Fact]
    public void ArenaSharesMemoryBetweenTensorsWithDisjointLifetimes()
    {
        using var m = Load("mobilenet_v2_1.0_224_quant");
        using var it = new Interpreter(m);
        it.AllocateTensors();
        Assert.True(it.ArenaBytes > 0);
        // MobileNet v2's largest activation is 112*112*96 = 1.2 MB; the arena holds it and the tensors live beside it,
        // far below the ~6.5 MB of all activations together.
        Assert.True(it.ArenaBytes < it.UnsharedTensorBytes / 2, $"arena {it.ArenaBytes} vs unshared {it.UnsharedTensorBytes}");
        // the 1x1 expansion 112x112x16 -> 112x112x96 needs its input and output alive together
        Assert.True(it.ArenaBytes >= 112 * 112 * (96 + 16), $"arena {it.ArenaBytes} too small to hold a conv's input and output");
    }

    [Fact]
    public void SignatureRunnerFindsTensorsByName()
    {
        using var m = Load("hello_world_float");
        using var it = new Interpreter(m);
        var runner = it.GetSignatureRunner("serving_default");
        runner.AllocateTensors();
        var inName = Assert.Single(runner.InputNames);
        var outName = Assert.Single(runner.OutputNames);
        runner.GetInput(inName).CopyFrom<float>([1.5f]);
        runner.Invoke();
        float y = runner.GetOutput(outName).AsSpan<float>()[0];
        // The model approximates sin(x).
        Assert.InRange(y, MathF.Sin(1.5f) - 0.2f, MathF.Sin(1.5f) + 0.2f);
        Assert.Throws<ArgumentException>(() => it.GetSignatureRunner("nope"));
        Assert.Throws<ArgumentException>(() => runner.GetInput("nope"));
    }

    [Fact]
    public void ConstantSubgraphsAreFoldedAtAllocateTensors()
    {
        // float16 weights → DEQUANTIZE → CONV_2D filter (the layout of fp16 zoo models): the dequantized filter is a
        // constant for the convolution, computed once, and Invoke skips the DEQUANTIZE
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 1, 1, 2]);
        int w16 = b.Constant("w16", TensorType.Float16, [1, 1, 1, 2], new[] { (Half)2f, (Half)(-0.5f) });
        int w = b.Intermediate("w", TensorType.Float32, [1, 1, 1, 2]);
        int y = b.Output("y", TensorType.Float32, [1, 1, 1, 1]);
        b.Op(Schema.BuiltinOperator.DEQUANTIZE, [w16], [w]);
        b.Op(Schema.BuiltinOperator.CONV_2D, [x, w, -1], [y], Schema.BuiltinOptions.Conv2DOptions,
            f => Schema.Conv2DOptions.CreateConv2DOptions(f, Schema.Padding.VALID, 1, 1).Value);
        using var m = Model.FromBytes(b.Build());
        using var it = new Interpreter(m, new InterpreterOptions { EnableProfiling = true });
        it.AllocateTensors();
        Assert.True(it.GetTensor(w).IsConstant);
        it.GetInputTensor(0).CopyFrom<float>([3f, 4f]);
        it.Invoke();
        Assert.Equal(new[] { 4f }, it.GetOutputTensor(0).ToArray<float>()); // 3·2 - 4·0.5
        Assert.Equal(0, it.GetOperatorProfile()[0].TotalMilliseconds);
        Assert.True(it.PersistentBytes >= 8);
        // re-allocation keeps the folded value
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFrom<float>([1f, 2f]);
        it.Invoke();
        Assert.Equal(new[] { 1f }, it.GetOutputTensor(0).ToArray<float>());
    }

    [Fact]
    public void OperatorProfileNamesEveryOperator()
    {
        using var m = Load("mobilenet_v2_1.0_224_quant");
        using var it = new Interpreter(m, new InterpreterOptions { EnableProfiling = true });
        it.AllocateTensors();
        it.Invoke(); it.Invoke();
        var p = it.GetOperatorProfile();
        Assert.Equal(m.MainSubgraph.Operators.Count, p.Count);
        Assert.All(p, x => Assert.Equal(2, x.Invokes));
        Assert.Contains(p, x => x.OpName == "CONV_2D" && x.TotalMilliseconds > 0);
        it.ResetOperatorProfile();
        Assert.All(it.GetOperatorProfile(), x => Assert.Equal(0, x.Invokes));
        using var plain = new Interpreter(m);
        Assert.Throws<InvalidOperationException>(() => plain.GetOperatorProfile());
    }
}
