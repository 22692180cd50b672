using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeLite.Simd;

namespace EdgeLite.Benchmarks;

/// <summary>
/// The 1x1-convolution GEMM micro-kernels with their fused output stage, one thread: [M pixels, K] x [K, N] with the
/// weights packed as the conv kernel packs them. OperationsPerInvoke = 2·M·N·K, so BenchmarkDotNet's time per
/// operation in ns is 1 / (G operations per second): compare with <see cref="PeakBenchmarks"/> and docs/performance.md.
/// Shapes: MobileNet v2 layers (56x56 expansion 24→144, 14x14 projection 576→96, 7x7 1280-wide head input 320→1280).
/// </summary>
[Config(typeof(GemmConfig))]
public unsafe class GemmBenchmarks
{
    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig() => AddColumn(new GopsColumn(Operations, "2·M·N·K operations per second / 1e9 (peak: PeakBenchmarks)"));
    }

    /// <summary>2·M·N·K of the case's shape.</summary>
    private static double? Operations(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Parameters["Shape"] is not string shape) return null;
        var d = shape.Split('x').Select(double.Parse).ToArray();
        return 2 * d[0] * d[1] * d[2];
    }

    [Params("3136x24x144", "196x576x96", "49x320x1280")]
    public string Shape { get; set; } = "3136x24x144";

    private int _m, _k, _n, _pairs;
    private short[] _wq = [];
    private float[] _wf = [];
    private int* _a;
    private float* _af;
    private byte* _out;
    private float* _outF;
    private int[] _bias = [];
    private float[] _scale = [], _biasF = [];

    [GlobalSetup]
    public void Setup()
    {
        var p = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = (p[0], p[1], p[2]);
        var rng = new Random(1);
        _pairs = GemmKernels.Pairs(_k);
        _wq = GemmKernels.PackInt16(_n, _k, (_, _) => rng.Next(-127, 128), n => GC.AllocateArray<short>(n, pinned: true));
        _wf = GemmKernels.PackFloat(_n, _k, (_, _) => (float)rng.NextDouble() - 0.5f, n => GC.AllocateArray<float>(n, pinned: true));
        _a = (int*)NativeMemory.AlignedAlloc((nuint)(_m * _pairs * 4), 64);
        for (int i = 0; i < _m * _pairs * 2; i++) ((short*)_a)[i] = (short)rng.Next(-128, 128);
        _af = (float*)NativeMemory.AlignedAlloc((nuint)(_m * _k * 4), 64);
        for (int i = 0; i < _m * _k; i++) _af[i] = (float)rng.NextDouble();
        _out = (byte*)NativeMemory.AlignedAlloc((nuint)(_m * _n), 64);
        _outF = (float*)NativeMemory.AlignedAlloc((nuint)(_m * _n * 4), 64);
        int padded = GemmKernels.Panels(_n) * GemmKernels.Panel;
        _bias = GC.AllocateArray<int>(padded, pinned: true);
        _scale = GC.AllocateArray<float>(padded, pinned: true);
        _biasF = GC.AllocateArray<float>(padded, pinned: true);
        Array.Fill(_scale, 0.001f);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a); NativeMemory.AlignedFree(_af); NativeMemory.AlignedFree(_out); NativeMemory.AlignedFree(_outF);
    }

    /// <summary>int16 vpmaddwd GEMM (the int8/uint8 path) with fp32 requantization to bytes.</summary>
    [Benchmark]
    public void QuantizedGemm()
    {
        fixed (short* w = _wq) fixed (int* b = _bias) fixed (float* s = _scale)
        {
            var stage = new QuantizedOutputStage { Bias = b, Scale = s, Lo = -128, Hi = 127, ZeroPoint = 0, Signed = true };
            GemmKernels.Quantized(GemmKernels.Select(), _a, _pairs, _m, _pairs, w, 0, GemmKernels.Panels(_n), _out, _n, _n, stage);
        }
    }

    /// <summary>float32 FMA GEMM with bias and clamp.</summary>
    [Benchmark]
    public void FloatGemm()
    {
        fixed (float* w = _wf) fixed (float* b = _biasF)
        {
            var stage = new FloatOutputStage { Bias = b, Min = float.NegativeInfinity, Max = float.PositiveInfinity };
            GemmKernels.Float(GemmKernels.Select(), _af, _k, _m, _k, w, 0, GemmKernels.Panels(_n), _outF, _n, _n, stage);
        }
    }
}
