using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite bench --model M</c>: load time, first invoke, then warm-up and timed invokes (min/median/mean/p90),
/// arena bytes and peak working set, in the spirit of TFLite's benchmark_model; inputs are the reference tool's
/// random values (seed 1).
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CommandIO io)
    {
        var modelArg = new Argument<string?>("model") { Description = "The .tflite model (or --model)", Arity = ArgumentArity.ZeroOrOne };
        var model = Shared.ModelOption("The .tflite model");
        var runs = new Option<int>("--runs") { Description = "Timed invokes", DefaultValueFactory = _ => 50 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed invokes first (at least this many, and for at least --warmup-min-secs)", DefaultValueFactory = _ => 5 };
        var warmupSecs = new Option<double>("--warmup-min-secs") { Description = "Minimum warm-up time, as TFLite's benchmark_model (lets the JIT finish optimizing)", DefaultValueFactory = _ => 0.5 };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var profile = new Option<bool>("--profile") { Description = "Also time every operator (as TFLite's --enable_op_profiling): totals by op type and the slowest operators" };
        var allOps = new Option<bool>("--all-ops") { Description = "With --profile: list every operator in graph order, not only the 15 slowest" };
        var cmd = new Command("bench", "Benchmark a model: load, first invoke, latency statistics, memory") { modelArg, model, runs, warmup, warmupSecs, threads, json, profile, allOps };
        cmd.SetAction(p =>
        {
            int n = p.GetValue(runs), wu = p.GetValue(warmup), t = Shared.Threads(p.GetValue(threads));
            if (n <= 0) throw new UsageException($"--runs {n}: must be positive");
            if (wu < 0) throw new UsageException($"--warmup {wu}: must not be negative");
            if (!double.IsFinite(p.GetValue(warmupSecs)) || p.GetValue(warmupSecs) < 0) throw new UsageException("--warmup-min-secs: must be a non-negative number");
            if (SimdInfo.Warning() is { } simdWarning) io.Warn(simdWarning);
            var path = Shared.ModelPath(p.GetValue(model), p.GetValue(modelArg) is { } ma ? [ma] : [], onlyModel: true);
            var sw = Stopwatch.StartNew();
            using var m = Common.LoadModel(path);
            using var it = new Interpreter(m, new InterpreterOptions { Threads = t, EnableProfiling = p.GetValue(profile) });
            it.AllocateTensors();
            double loadMs = sw.Elapsed.TotalMilliseconds;
            Common.FillRandom(it, 1);
            sw.Restart();
            it.Invoke();
            double firstMs = sw.Elapsed.TotalMilliseconds;
            var warm = Stopwatch.StartNew();
            double minWarm = Math.Max(0, p.GetValue(warmupSecs));
            for (int i = 0; i < wu || warm.Elapsed.TotalSeconds < minWarm; i++) it.Invoke();
            if (p.GetValue(profile)) it.ResetOperatorProfile();
            var times = new double[n];
            for (int i = 0; i < n; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                it.Invoke();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            var sorted = (double[])times.Clone();
            Array.Sort(sorted);
            double min = sorted[0], median = sorted[n / 2], mean = times.Average(), p90 = sorted[Math.Min(n - 1, (int)Math.Ceiling(0.9 * n) - 1)], max = sorted[^1];
            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            if (p.GetValue(json))
            {
                using var ms = new MemoryStream();
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("model", Path.GetFileName(path));
                    w.WriteString("runtime", "EdgeLite");
                    w.WriteString("simd_level", SimdInfo.Level.ToString());
                    w.WriteBoolean("native_aot", !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled);
                    w.WriteNumber("threads", t); w.WriteNumber("runs", n); w.WriteNumber("warmup", wu);
                    w.WriteNumber("load_ms", Math.Round(loadMs, 3)); w.WriteNumber("first_invoke_ms", Math.Round(firstMs, 3));
                    w.WriteNumber("min_ms", Math.Round(min, 3)); w.WriteNumber("median_ms", Math.Round(median, 3));
                    w.WriteNumber("mean_ms", Math.Round(mean, 3)); w.WriteNumber("p90_ms", Math.Round(p90, 3)); w.WriteNumber("max_ms", Math.Round(max, 3));
                    w.WriteNumber("arena_bytes", it.ArenaBytes); w.WriteNumber("arena_lower_bound_bytes", it.ArenaLowerBoundBytes);
                    w.WriteNumber("unshared_tensor_bytes", it.UnsharedTensorBytes);
                    w.WriteNumber("persistent_bytes", it.PersistentBytes); w.WriteNumber("peak_working_set_bytes", peak);
                    w.WriteEndObject();
                }
                io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
            }
            else
            {
                var o = io.Out;
                o.WriteLine($"model            {path}");
                o.WriteLine($"threads          {t}, {n} runs after {wu} warm-up; SIMD level {SimdInfo.Level}{(System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled ? "" : " (Native AOT)")}");
                o.WriteLine($"load             {Common.F(loadMs)} ms (read, verify, prepare, plan)");
                o.WriteLine($"first invoke     {Common.F(firstMs)} ms");
                o.WriteLine($"latency          min {Common.F(min)}  median {Common.F(median)}  mean {Common.F(mean)}  p90 {Common.F(p90)}  max {Common.F(max)} ms");
                o.WriteLine($"arena            {it.ArenaBytes:N0} bytes (lower bound {it.ArenaLowerBoundBytes:N0}: most bytes live at one operator; tensors unshared: {it.UnsharedTensorBytes:N0})");
                o.WriteLine($"packed weights   {it.PersistentBytes:N0} bytes (weights the model file holds stay memory-mapped)");
                o.WriteLine($"peak working set {peak / (1024.0 * 1024.0):F1} MiB");
                if (p.GetValue(profile)) WriteProfile(o, it.GetOperatorProfile(), m.MainSubgraph, p.GetValue(allOps));
            }
            return Cli.Ok;
        });
        return cmd;
    }

    private static void WriteProfile(TextWriter o, IReadOnlyList<OperatorProfile> ops, SubgraphDescription sg, bool all)
    {
        double total = ops.Sum(x => x.MeanMilliseconds);
        long Macs(OperatorProfile x) => x.OperatorIndex < sg.Operators.Count ? InspectCommand.Macs(sg, sg.Operators[x.OperatorIndex]) : 0;
        // giga-operations per second, a multiply-add counting two (as docs/performance.md's GEMM figures)
        static string Gops(long macs, double ms) => macs > 0 && ms > 0 ? $"{2 * macs / (ms * 1e6),7:F1}" : "       ";
        o.WriteLine();
        o.WriteLine($"operator profile (mean per invoke; sum {Common.F(total)} ms; GOP/s = 2·MACs / time)");
        o.WriteLine($"  {"op type",-28} {"count",5} {"ms",9} {"%",6} {"GOP/s",7}");
        foreach (var g in ops.GroupBy(x => x.OpName).Select(g => (Name: g.Key, Count: g.Count(), Ms: g.Sum(x => x.MeanMilliseconds), Macs: g.Sum(Macs))).OrderByDescending(g => g.Ms))
            o.WriteLine($"  {g.Name,-28} {g.Count,5} {g.Ms,9:F3} {100 * g.Ms / Math.Max(total, 1e-12),6:F1} {Gops(g.Macs, g.Ms)}");
        o.WriteLine();
        o.WriteLine($"  {(all ? "operators, in order" : "slowest operators"),-28} {"output shape",-18} {"ms",9} {"%",6} {"GOP/s",7}");
        foreach (var x in all ? ops.OrderBy(x => x.OperatorIndex) : ops.OrderByDescending(x => x.MeanMilliseconds).Take(15))
            o.WriteLine($"  {$"#{x.OperatorIndex} {x.OpName}",-28} {"[" + string.Join(",", x.OutputShape) + "]",-18} {x.MeanMilliseconds,9:F3} {100 * x.MeanMilliseconds / Math.Max(total, 1e-12),6:F1} {Gops(Macs(x), x.MeanMilliseconds)}");
    }
}
