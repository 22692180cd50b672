using BenchmarkDotNet.Attributes;

namespace EdgeLite.Benchmarks;

/// <summary>End-to-end <see cref="Interpreter.Invoke"/> latency of the classification models (inputs: zeros).</summary>
[MemoryDiagnoser]
public class ModelInvokeBenchmarks
{
    private Interpreter _interpreter = null!;

    [Params("classification/mobilenet_v2_1.0_224_quant", "classification/tf2_mobilenet_v2_1.0_224_ptq",
            "classification/mobilenet_v1_0.75_192_quant", "classification/vww_96_float")]
    public string Model { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _interpreter = new Interpreter(SharedPaths.Model(Model), new InterpreterOptions { Threads = Threads });
        _interpreter.AllocateTensors();
    }

    [Benchmark]
    public void Invoke() => _interpreter.Invoke();

    [GlobalCleanup]
    public void Cleanup() => _interpreter.Dispose();
}
