using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EdgeLite.Benchmarks;

/// <summary>
/// Giga-operations per second: the arithmetic operations of one invoke (a multiply-add = 2), given per benchmark case,
/// divided by the mean time in ns. Compare with <see cref="PeakBenchmarks"/> and docs/performance.md.
/// </summary>
internal sealed class GopsColumn(Func<BenchmarkCase, double?> operations, string legend) : IColumn
{
    public string Id => "GOPS";
    public string ColumnName => "GOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats == null || operations(benchmarkCase) is not { } ops) return "-";
        return (ops / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
