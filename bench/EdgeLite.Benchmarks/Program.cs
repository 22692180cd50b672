using BenchmarkDotNet.Running;

namespace EdgeLite.Benchmarks;

/// <summary>
/// BenchmarkDotNet suites. Run all: <c>dotnet run -c Release --project bench/EdgeLite.Benchmarks -- --filter '*'</c>;
/// one: <c>--filter '*ModelInvoke*'</c>. Models come from ../shared (or EDGELITE_SHARED).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
