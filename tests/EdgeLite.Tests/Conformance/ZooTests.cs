using EdgeLite.Tests.Infrastructure;
namespace EdgeLite.Tests.Conformance;

/// <summary>
/// Every model in ../shared/models, whether or not it has reference vectors: it runs (or is refused with the reason
/// MANIFEST.md expects), its outputs do not depend on the thread count, and Invoke allocates nothing.
/// </summary>
public class ZooTests
{
    /// <summary>Models EdgeLite refuses, with a word the error must contain. Only the negative test model belongs here.</summary>
    private static readonly Dictionary<string, string> ExpectedRefusals = new()
    {
        ["model_invoking_error"] = "fake-op-double",
    };

    [Theory]
    [MemberData(nameof(SharedData.ModelStems), MemberType = typeof(SharedData))]
    public void RunsIdenticallyOnOneAndTwoThreadsWithoutAllocating(string stem)
    {
        using var model = EdgeLite.Model.FromFile(SharedData.Model(stem));
        if (ExpectedRefusals.TryGetValue(stem, out var reason))
        {
            var e = Assert.ThrowsAny<Exception>(() => { using var it = new Interpreter(model); it.AllocateTensors(); });
            Assert.True(e is UnsupportedOperatorException, e.ToString());
            Assert.Contains(reason, e.Message);
            return;
        }
        byte[][] Run(int threads, bool checkAllocations)
        {
            using var it = new Interpreter(model, new InterpreterOptions { Threads = threads });
            it.AllocateTensors();
            // the memory plan: never below the bytes live at one operator, and close to it (measured: equal on 32 of
            // the 38 models, at most 1.2x)
            Assert.InRange(it.ArenaBytes, it.ArenaLowerBoundBytes, it.ArenaLowerBoundBytes * 5 / 4 + 4096);
            var rng = new Random(42);
            for (int i = 0; i < it.InputCount; i++)
            {
                var t = it.GetInputTensor(i);
                var bytes = t.AsBytes();
                if (t.Type == TensorType.Float32)
                {
                    var f = t.AsSpan<float>();
                    for (int k = 0; k < f.Length; k++) f[k] = (float)(rng.NextDouble() * 2 - 1);
                }
                else rng.NextBytes(bytes);
            }
            it.Invoke();
            if (checkAllocations)
            {
                Assert.Equal(0, Allocations.OfInvoke(it));
            }
            return Enumerable.Range(0, it.OutputCount).Select(o => it.GetOutputTensor(o).AsBytes().ToArray()).ToArray();
        }
        var one = Run(1, checkAllocations: true);
        var two = Run(2, checkAllocations: true);
        Assert.Equal(one.Length, two.Length);
        for (int o = 0; o < one.Length; o++) Assert.True(one[o].AsSpan().SequenceEqual(two[o]), $"{stem}: output {o} differs between 1 and 2 threads");
    }
}
