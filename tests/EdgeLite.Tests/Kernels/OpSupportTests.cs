using System.Text;
using EdgeLite.Kernels;
using EdgeLite.Tests.Infrastructure;
using EdgeLite.Tests.OpConformance;
using Fb = EdgeLite.Schema;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// The declared kernel support (Kernels/OpSupport.cs) against the kernels themselves, and docs/ops.md generated from
/// it (regenerate with EDGELITE_WRITE_OPS_MD=1).
/// </summary>
public class OpSupportTests
{
    private static readonly TensorType[] Candidates =
        [TensorType.Float32, TensorType.Float16, TensorType.Int8, TensorType.UInt8, TensorType.Int16, TensorType.Int32, TensorType.Int64, TensorType.Bool, TensorType.UInt16, TensorType.UInt32];

    [Fact]
    public void EveryRegisteredBuiltinIsDeclaredAndViceVersa()
    {
        var registered = OpResolver.CreateDefault().BuiltinCodes.Select(c => (Op)c).ToHashSet();
        var declared = OpSupportTable.Builtins.Keys.ToHashSet();
        Assert.Empty(registered.Except(declared));
        Assert.Empty(declared.Except(registered));
    }

    private static readonly Op[] UnaryOps =
    [
        Op.ABS, Op.CEIL, Op.COS, Op.ELU, Op.EXP, Op.FLOOR, Op.GELU, Op.HARD_SWISH, Op.LEAKY_RELU, Op.LOG, Op.LOGISTIC, Op.LOGICAL_NOT,
        Op.NEG, Op.RELU, Op.RELU6, Op.RELU_0_TO_1, Op.RELU_N1_TO_1, Op.ROUND, Op.RSQRT, Op.SIGN, Op.SIN, Op.SQRT, Op.SQUARE, Op.TANH,
        Op.ZEROS_LIKE, Op.L2_NORMALIZATION, Op.LOG_SOFTMAX, Op.SOFTMAX,
    ];
    private static readonly Op[] BinaryOps =
    [
        Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.FLOOR_DIV, Op.FLOOR_MOD, Op.MAXIMUM, Op.MINIMUM, Op.POW, Op.SQUARED_DIFFERENCE, Op.BITWISE_XOR,
        Op.RIGHT_SHIFT, Op.LOGICAL_AND, Op.LOGICAL_OR,
    ];
    private static readonly Op[] CompareOps = [Op.EQUAL, Op.NOT_EQUAL, Op.LESS, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL];
    private static readonly Op[] ReduceOps = [Op.SUM, Op.MEAN, Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_PROD, Op.REDUCE_ANY, Op.REDUCE_ALL];

    public static TheoryData<string> CheckedOps()
    {
        var d = new TheoryData<string>();
        foreach (var op in UnaryOps.Concat(BinaryOps).Concat(CompareOps).Concat(ReduceOps)) d.Add(op.ToString());
        return d;
    }

    private static Quant? Q(TensorType t) => t is TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 ? Quant.PerTensor(0.05f, 0) : null;

    private static byte[] ModelFor(Op op, TensorType t)
    {
        var b = new OpModelBuilder();
        int[] s = [2, 3];
        if (UnaryOps.Contains(op))
        {
            // L2_NORMALIZATION's quantized output must be 1/128 (zero point 128 for uint8), as TFLite requires
            var qy = op == Op.L2_NORMALIZATION && t is TensorType.UInt8 or TensorType.Int8 ? Quant.PerTensor(1f / 128, t == TensorType.UInt8 ? 128 : 0) : Q(t);
            int x = b.Input("x", t, s, Q(t)), y = b.Output("y", t, s, qy);
            b.Op(op, [x], [y]);
        }
        else if (ReduceOps.Contains(op))
        {
            int x = b.Input("x", t, s, Q(t)), ax = b.Constant("axes", TensorType.Int32, [1], new[] { 1 }), y = b.Output("y", t, [2], Q(t));
            b.Op(op, [x, ax], [y], Fb.BuiltinOptions.ReducerOptions, f => Fb.ReducerOptions.CreateReducerOptions(f, false).Value);
        }
        else
        {
            int x0 = b.Input("a", t, s, Q(t)), x1 = b.Input("b", t, s, Q(t));
            int y = b.Output("y", CompareOps.Contains(op) ? TensorType.Bool : t, s, CompareOps.Contains(op) ? null : Q(t));
            b.Op(op, [x0, x1], [y]);
        }
        return b.Build();
    }

    /// <summary>The kernel accepts exactly the declared input types (others: a typed refusal at AllocateTensors).</summary>
    [Theory]
    [MemberData(nameof(CheckedOps))]
    public void KernelAcceptsExactlyTheDeclaredTypes(string opName)
    {
        var op = Enum.Parse<Op>(opName);
        var declared = OpSupportTable.Builtins[op].Types;
        var mismatches = new List<string>();
        foreach (var t in Candidates)
        {
            Exception? error = null;
            try
            {
                using var it = new Interpreter(EdgeLite.Model.FromBytes(ModelFor(op, t)));
                it.AllocateTensors();
            }
            catch (Exception e) { error = e; }
            if (error != null && error is not (UnsupportedOperatorException or ModelFormatException or InterpreterException))
                mismatches.Add($"{t.ToDTypeName()}: untyped {error.GetType().Name}: {error.Message}");
            else if ((error == null) != declared.Contains(t))
                mismatches.Add($"{t.ToDTypeName()}: {(error == null ? "accepted" : "refused (" + error.Message + ")")} but {(declared.Contains(t) ? "declared" : "not declared")}");
        }
        Assert.True(mismatches.Count == 0, $"{op}:\n" + string.Join("\n", mismatches));
    }

    private static readonly Op[] OtherHelperOps =
    [
        Op.IF, Op.WHILE, Op.CALL_ONCE, Op.VAR_HANDLE, Op.READ_VARIABLE, Op.ASSIGN_VARIABLE, Op.BATCH_MATMUL, Op.EXPAND_DIMS, Op.SHAPE,
        Op.RANK, Op.FILL, Op.RANGE, Op.TILE, Op.BROADCAST_TO, Op.BROADCAST_ARGS, Op.REVERSE_V2, Op.REVERSE_SEQUENCE, Op.MIRROR_PAD,
        Op.BATCH_TO_SPACE_ND, Op.SPACE_TO_BATCH_ND, Op.ONE_HOT, Op.SCATTER_ND, Op.MATRIX_DIAG, Op.MATRIX_SET_DIAG, Op.EMBEDDING_LOOKUP,
        Op.UNIQUE, Op.WHERE, Op.LSTM, Op.BIDIRECTIONAL_SEQUENCE_LSTM, Op.UNIDIRECTIONAL_SEQUENCE_RNN, Op.BIDIRECTIONAL_SEQUENCE_RNN, Op.RNN,
        Op.SVDF,
    ];

    /// <summary>docs/ops.md, generated from the resolver, the declared support and the conformance cases.</summary>
    public static string Markdown()
    {
        var resolver = OpResolver.CreateDefault();
        var sb = new StringBuilder();
        sb.AppendLine("# Operators");
        sb.AppendLine();
        sb.AppendLine("Generated by `tests/EdgeLite.Tests/Kernels/OpSupportTests.cs` from the registered kernels (`src/EdgeLite/Kernels/BuiltinKernels.cs`),");
        sb.AppendLine("their declared support (`src/EdgeLite/Kernels/OpSupport.cs`) and the op-conformance cases (`tests/EdgeLite.Tests/OpConformance`);");
        sb.AppendLine("the test fails when this file is stale (`EDGELITE_WRITE_OPS_MD=1 dotnet test --filter OpSupportTests` rewrites it).");
        sb.AppendLine("For the element-wise, comparison and reduction families the test also checks that each kernel accepts exactly the listed types.");
        sb.AppendLine("`edgelite inspect` reports, for any model, the operators, input types and op versions outside this table.");
        sb.AppendLine();
        sb.AppendLine("Types are those of the input that selects the kernel's path (input 0; SELECT: x). \"TFLite v\" is the newest op version");
        sb.AppendLine("TFLite registers; a model with a newer one is reported. \"cases\" counts the generated models checked against real TFLite");
        sb.AppendLine("(LiteRT 2.5.3 + XNNPACK) byte for byte or within the stated tolerance.");
        sb.AppendLine();
        sb.AppendLine($"## Supported builtins ({OpSupportTable.Builtins.Count})");
        sb.AppendLine();
        sb.AppendLine("| operator | types | arithmetic | TFLite v | cases |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var s in OpSupportTable.Builtins.Values.OrderBy(v => v.Op.ToString(), StringComparer.Ordinal))
        {
            string name = s.Op.ToString();
            int cases = OpCases.All.Keys.Count(k => k.StartsWith(name + "_", StringComparison.Ordinal)
                && !OpSupportTable.Builtins.Keys.Any(o => o.ToString().Length > name.Length && o.ToString().StartsWith(name + "_", StringComparison.Ordinal) && k.StartsWith(o + "_", StringComparison.Ordinal)));
            sb.AppendLine($"| {name} | {string.Join(", ", s.Types.Select(t => t.ToDTypeName()))} | {s.Arithmetic} | {s.MaxVersion} | {(cases > 0 ? cases.ToString() : "")} |");
        }
        sb.AppendLine();
        var customs = resolver.CustomCodes.OrderBy(c => c, StringComparer.Ordinal).ToList();
        sb.AppendLine($"## Custom operators ({customs.Count})");
        sb.AppendLine();
        foreach (var c in customs) sb.AppendLine($"- `{c}`");
        sb.AppendLine();
        var registered = resolver.BuiltinCodes.ToHashSet();
        var missing = Enum.GetValues<Op>().Where(o => o != Op.CUSTOM && !registered.Contains((int)o)).OrderBy(o => o.ToString(), StringComparer.Ordinal).ToList();
        sb.AppendLine($"## Not supported ({missing.Count} builtins)");
        sb.AppendLine();
        sb.AppendLine("| operator | why |");
        sb.AppendLine("|---|---|");
        foreach (var o in missing)
        {
            string why = OpSupportTable.WhyUnsupported(o)
                ?? (OtherHelperOps.Contains(o) ? "not yet: control flow, variables, dynamic shapes and shape ops are being added on another branch"
                : o.ToString().StartsWith("STABLEHLO_", StringComparison.Ordinal) ? "StableHLO ops: not supported"
                : "no kernel yet");
            sb.AppendLine($"| {o} | {why} |");
        }
        return sb.ToString();
    }

    [Fact]
    public void OpsMarkdownIsCurrent()
    {
        var path = Path.Combine(RepoRoot(), "docs", "ops.md");
        var text = Markdown();
        if (Environment.GetEnvironmentVariable("EDGELITE_WRITE_OPS_MD") == "1") File.WriteAllText(path, text);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == text, "docs/ops.md is stale: EDGELITE_WRITE_OPS_MD=1 dotnet test tests/EdgeLite.Tests --filter OpSupportTests");
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EdgeLite.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root (EdgeLite.slnx) not found");
    }

    [Fact]
    public void ProblemsNameUnsupportedOperatorsTypesAndVersions()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Int16, [4], Quant.PerTensor(0.1f, 0)), y = b.Output("y", TensorType.Int16, [4], Quant.PerTensor(0.1f, 0));
        b.Op(Op.FLOOR, [x], [y]);
        int z = b.Output("z", TensorType.Float32, [4]), w = b.Output("w", TensorType.Float32, [4]);
        int f = b.Input("f", TensorType.Float32, [4]);
        b.Op(Op.RELU, [f], [z], version: 9);
        b.Op(Op.HASHTABLE_SIZE, [f], [w]);
        using var m = EdgeLite.Model.FromBytes(b.Build());
        var p = OpSupportTable.Problems(m, OpResolver.CreateDefault());
        Assert.Equal(3, p.Count);
        Assert.Contains("operator 0 FLOOR: int16 input", p[0]);
        Assert.Contains("operator 1 RELU v9: newer than any version TFLite registers (v3)", p[1]);
        Assert.Contains("operator 2 HASHTABLE_SIZE: hash tables", p[2]);
    }
}

public class OpSupportZooTests
{
    /// <summary>The zoo models run (their conformance tests say so): the declared support must not flag any of their builtins.</summary>
    [Fact]
    public void NoZooModelHasADeclaredProblemBeyondUnknownCustomOps()
    {
        var resolver = OpResolver.CreateDefault();
        var flagged = new List<string>();
        foreach (var path in SharedData.AllModels())
        {
            using var m = EdgeLite.Model.FromFile(path);
            foreach (var p in OpSupportTable.Problems(m, resolver))
                if (!p.Contains("custom op without a registered kernel")) flagged.Add($"{Path.GetFileName(path)}: {p}");
        }
        Assert.True(flagged.Count == 0, string.Join("\n", flagged));
    }
}
