using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeLite.Kernels;
using EdgeLite.Simd;
using EdgeLite.Tests.Kernels;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Benchmarks;

/// <summary>
/// Every implementation of the convolution operators side by side: one CONV_2D or DEPTHWISE_CONV_2D layer (shapes of
/// MobileNet v2 and MediaPipe's pose_detection) run through the interpreter at one thread, once per implementation —
/// <c>Reference</c> (the spec kernel, TFLite's reference loops), <c>Scalar</c> (the fast path's portable loops: what
/// arm32 and SIMD-less CPUs run), <c>Neon</c> (the 128-bit kernels arm64 runs; on x64 their portable Vector128 form),
/// <c>Avx2</c> and <c>Avx512</c>. Levels this CPU lacks are left out. The GOP/s column is 2·MACs per second.
/// <c>dotnet run -c Release --project bench/EdgeLite.Benchmarks -- --filter '*ConvKernelBenchmarks*'</c>
/// </summary>
[Config(typeof(Config))]
public class ConvKernelBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GopsColumn(c => c.Parameters["Layer"] is string layer ? 2 * Macs(layer) : null, "2·MACs per second / 1e9 (peak: PeakBenchmarks)"));
            // enough for stable means on layers of 0.05–50 ms; the whole suite (about 55 cases) takes ~15 minutes
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithId("kernels"));
        }
    }

    /// <summary>The layers: name (type, kernel/stride, input size², channels in>out) → problem (batch 1, SAME padding,
    /// per-channel weights, ReLU6, as in the models).</summary>
    private static readonly Dictionary<string, ConvTestHelpers.Problem> Layers = new()
    {
        ["i8 1x1 56² 24>144"] = Conv(TensorType.Int8, 56, 24, 144, 1, 1),
        ["i8 3x3/2 224² 3>32"] = Conv(TensorType.Int8, 224, 3, 32, 3, 2),
        ["i8 dw3x3 56²x144"] = Depthwise(TensorType.Int8, 56, 144, 3, 1),
        ["i8 dw3x3/2 112²x96"] = Depthwise(TensorType.Int8, 112, 96, 3, 2),
        ["u8 1x1 14² 576>96"] = Conv(TensorType.UInt8, 14, 576, 96, 1, 1),
        ["u8 dw3x3 14²x576"] = Depthwise(TensorType.UInt8, 14, 576, 3, 1),
        ["f32 1x1 14² 576>96"] = Conv(TensorType.Float32, 14, 576, 96, 1, 1),
        ["f32 3x3/2 224² 3>24"] = Conv(TensorType.Float32, 224, 3, 24, 3, 2),
        ["f32 dw3x3 56²x144"] = Depthwise(TensorType.Float32, 56, 144, 3, 1),
        ["f32 dw5x5 7²x1152"] = Depthwise(TensorType.Float32, 7, 1152, 5, 1),
        ["f32 dw5x5/2 28²x192"] = Depthwise(TensorType.Float32, 28, 192, 5, 2),
    };

    private static ConvTestHelpers.Problem Conv(TensorType t, int hw, int ic, int oc, int k, int stride) =>
        new(t, 1, hw, hw, ic, oc, k, k, stride, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, PerChannel: true, Seed: 1);

    private static ConvTestHelpers.Problem Depthwise(TensorType t, int hw, int c, int k, int stride) =>
        new(t, 1, hw, hw, c, c, k, k, stride, 1, Fb.Padding.SAME, Fb.ActivationFunctionType.RELU6, PerChannel: true, Seed: 1, Depthwise: true);

    /// <summary>The layer names, in the table's order.</summary>
    public static IEnumerable<string> LayerNames => Layers.Keys;

    /// <summary>
    /// Reference, then the SIMD levels this CPU runs; <c>EDGELITE_KERNELS=Scalar,Avx512</c> (comma-separated) runs only
    /// those.
    /// </summary>
    public static IEnumerable<string> Implementations =>
        new[] { "Reference" }.Concat(new[] { SimdLevel.Scalar, SimdLevel.Neon, SimdLevel.Avx2, SimdLevel.Avx512 }
            .Where(GemmKernels.IsSupported).Select(l => l.ToString()))
            .Where(i => Environment.GetEnvironmentVariable("EDGELITE_KERNELS") is not { Length: > 0 } only
                        || only.Split(',').Contains(i, StringComparer.OrdinalIgnoreCase));

    [ParamsSource(nameof(LayerNames))]
    public string Layer { get; set; } = "";

    [ParamsSource(nameof(Implementations))]
    public string Implementation { get; set; } = "";

    private Interpreter _interpreter = null!;
    private EdgeLite.Model _model = null!;

    [GlobalSetup]
    public void Setup()
    {
        var p = Layers[Layer];
        var bytes = ConvTestHelpers.BuildModel(p, new Random(1), out var input);
        bool reference = Implementation == "Reference";
        Conv2D.ForceReference = DepthwiseConv2D.ForceReference = reference;
        GemmKernels.MaxLevel = reference ? null : Enum.Parse<SimdLevel>(Implementation);
        try
        {
            _model = EdgeLite.Model.FromBytes(bytes);
            _interpreter = new Interpreter(_model, new InterpreterOptions { Threads = 1 });
            _interpreter.AllocateTensors(); // kernels pick their implementation here
        }
        finally
        {
            Conv2D.ForceReference = DepthwiseConv2D.ForceReference = false;
            GemmKernels.MaxLevel = null;
        }
        _interpreter.GetInputTensor(0).CopyFromBytes(input);
    }

    [Benchmark]
    public void Invoke() => _interpreter.Invoke();

    [GlobalCleanup]
    public void Cleanup() { _interpreter.Dispose(); _model.Dispose(); }

    /// <summary>Multiply-accumulates of a layer (SAME padding: taps in the padding counted too, as TFLite's profiler does).</summary>
    public static double Macs(string layer)
    {
        var p = Layers[layer];
        int outHw = (p.H + p.Stride - 1) / p.Stride;
        return (double)outHw * outHw * p.KH * p.KW * (p.Depthwise ? p.IC : (double)p.IC * p.OC);
    }
}
