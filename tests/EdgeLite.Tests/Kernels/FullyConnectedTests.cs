using EdgeLite.Kernels;
using EdgeLite.Simd;
using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class FullyConnectedTests
{
    [Fact]
    public void HandComputedUInt8WithZeroPoints()
    {
        // x = [1,2,3] (zp 1 → 0,1,2), w rows (zp 2): [3,2,4]→[1,0,2], [2,2,2]→[0,0,0]; bias [10, -4]
        // acc = [0+0+4+10, -4] = [14, -4]; scale 1·0.5/0.25 = 2 → [28, -8] + out zp 100 → [128, 92]
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.UInt8, [1, 3], Quant.PerTensor(1f, 1));
        int w = b.Constant("w", TensorType.UInt8, [2, 3], new byte[] { 3, 2, 4, 2, 2, 2 }, Quant.PerTensor(0.5f, 2));
        int bias = b.Constant("b", TensorType.Int32, [2], new[] { 10, -4 }, Quant.PerTensor(0.5f, 0));
        int y = b.Output("y", TensorType.UInt8, [1, 2], Quant.PerTensor(0.25f, 100));
        b.Op(Fb.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], Fb.BuiltinOptions.FullyConnectedOptions,
            f => Fb.FullyConnectedOptions.CreateFullyConnectedOptions(f).Value);
        using var it = b.BuildInterpreter();
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFromBytes(new byte[] { 1, 2, 3 });
        it.Invoke();
        Assert.Equal(new byte[] { 128, 92 }, it.GetOutputTensor(0).AsBytes().ToArray());
    }

    [Fact]
    public void KeepNumDimsKeepsLeadingDimensions()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 3, 4]);
        int w = b.Constant("w", TensorType.Float32, [5, 4], Enumerable.Range(0, 20).Select(i => (float)i).ToArray());
        int y = b.Output("y", TensorType.Float32, [2, 3, 5]);
        b.Op(Fb.BuiltinOperator.FULLY_CONNECTED, [x, w, -1], [y], Fb.BuiltinOptions.FullyConnectedOptions,
            f => Fb.FullyConnectedOptions.CreateFullyConnectedOptions(f, keep_num_dims: true).Value);
        using var it = b.BuildInterpreter();
        it.AllocateTensors();
        Assert.Equal(new[] { 2, 3, 5 }, it.GetOutputTensor(0).ShapeArray);
        it.GetInputTensor(0).CopyFrom<float>(Enumerable.Repeat(1f, 24).ToArray());
        it.Invoke();
        // every row of w summed: 0+1+2+3 = 6, 22, 38, 54, 70
        Assert.Equal(new[] { 6f, 22f, 38f, 54f, 70f }, it.GetOutputTensor(0).ToArray<float>()[..5]);
    }

    [Fact]
    public void HybridInt8WeightsWithFloatInputAreDequantizedPerChannel()
    {
        // weights int8 per-channel scales 0.5 and 0.25: rows [2,-4] → [1,-2], [4,8] → [1,2]; x = [3, 1]
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [1, 2]);
        int w = b.Constant("w", TensorType.Int8, [2, 2], new sbyte[] { 2, -4, 4, 8 }, new Quant([0.5f, 0.25f], [0, 0]));
        int bias = b.Constant("b", TensorType.Float32, [2], new[] { 0.5f, -0.5f });
        int y = b.Output("y", TensorType.Float32, [1, 2]);
        b.Op(Fb.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], Fb.BuiltinOptions.FullyConnectedOptions,
            f => Fb.FullyConnectedOptions.CreateFullyConnectedOptions(f).Value);
        foreach (var reference in new[] { false, true })
        {
            FullyConnected.ForceReference = reference;
            try
            {
                using var it = OpRun.Invoke(b, new[] { 3f, 1f });
                Assert.Equal(new[] { 1.5f, 4.5f }, it.Output<float>()); // 3 - 2 + 0.5, 3 + 2 - 0.5
            }
            finally { FullyConnected.ForceReference = false; }
        }
    }

    /// <summary>Level -1 = the best this CPU has.</summary>
    public static TheoryData<TensorType, int> Cases()
    {
        var d = new TheoryData<TensorType, int>();
        foreach (var t in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8 })
            foreach (var l in new[] { -1, (int)SimdLevel.Avx2, (int)SimdLevel.Neon, (int)SimdLevel.NeonDot, (int)SimdLevel.Scalar })
                d.Add(t, l);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FastPathMatchesReferenceOnRandomShapes(TensorType type, int levelNumber)
    {
        SimdLevel? level = levelNumber < 0 ? null : (SimdLevel)levelNumber;
        if (level is { } l && !GemmKernels.IsSupported(l)) return; // not this CPU's: it would test a lower level under this name
        var rng = new Random(17 + (int)type * 3 + (level.HasValue ? (int)level.Value : 9));
        for (int i = 0; i < 20; i++)
        {
            int batch = i == 0 ? 1 : rng.Next(1, 40), depth = rng.Next(1, 300), units = rng.Next(1, 70);
            if (i == 1) { batch = 1; depth = 1280; units = 1001; } // a MobileNet classifier head
            var model = Build(rng, type, batch, depth, units, rng.Next(2) == 0, out var input);
            var reference = Run(model, input, true, 1, null);
            string what = $"{type} batch {batch} depth {depth} units {units} level {level}";
            ConvTestHelpers.AssertSame(type, reference, Run(model, input, false, 1, level), what);
            ConvTestHelpers.AssertSame(type, reference, Run(model, input, false, 2, level), what + " (2 threads)");
        }
    }

    private static byte[] Build(Random rng, TensorType type, int batch, int depth, int units, bool perChannel, out byte[] input)
    {
        var b = new OpModelBuilder();
        int x, w, bias, y;
        var act = new[] { Fb.ActivationFunctionType.NONE, Fb.ActivationFunctionType.RELU, Fb.ActivationFunctionType.RELU6 }[rng.Next(3)];
        if (type == TensorType.Float32)
        {
            x = b.Input("x", type, [batch, depth]);
            w = b.Constant("w", type, [units, depth], Enumerable.Range(0, units * depth).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
            bias = b.Constant("b", type, [units], Enumerable.Range(0, units).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
            y = b.Output("y", type, [batch, units]);
            var data = Enumerable.Range(0, batch * depth).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            input = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        }
        else
        {
            bool u8 = type == TensorType.UInt8;
            float inScale = 0.02f;
            int inZp = u8 ? rng.Next(0, 256) : rng.Next(-128, 128);
            x = b.Input("x", type, [batch, depth], Quant.PerTensor(inScale, inZp));
            var scales = Enumerable.Range(0, perChannel && !u8 ? units : 1).Select(_ => (float)(0.002 + rng.NextDouble() * 0.02)).ToArray();
            long wZp = u8 ? rng.Next(0, 256) : 0;
            w = b.Constant("w", type, [units, depth], ConvTestHelpers.RandomBytes(rng, units * depth), new Quant(scales, Enumerable.Repeat(wZp, scales.Length).ToArray()));
            bias = b.Constant("b", TensorType.Int32, [units], Enumerable.Range(0, units).Select(_ => rng.Next(-3000, 3000)).ToArray(),
                new Quant(scales.Select(s => s * inScale).ToArray(), new long[scales.Length]));
            y = b.Output("y", type, [batch, units], Quant.PerTensor(0.05f + (float)rng.NextDouble() * 0.3f, u8 ? rng.Next(0, 256) : rng.Next(-128, 128)));
            input = ConvTestHelpers.RandomBytes(rng, batch * depth);
        }
        b.Op(Fb.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], Fb.BuiltinOptions.FullyConnectedOptions,
            f => Fb.FullyConnectedOptions.CreateFullyConnectedOptions(f, act).Value);
        return b.Build();
    }

    private static byte[] Run(byte[] model, byte[] input, bool reference, int threads, SimdLevel? level) =>
        ConvTestHelpers.Run(model, input, reference, threads, level);
}
