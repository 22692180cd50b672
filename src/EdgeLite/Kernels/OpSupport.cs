using EdgeLite.Schema;
using T = EdgeLite.TensorType;

namespace EdgeLite.Kernels;

/// <summary>
/// What a registered builtin kernel declares it runs: the types of the input that decides the kernel's path
/// (<see cref="TypeInput"/>), which arithmetic it follows, and the highest op version real TFLite registers for it
/// (TFLite's BuiltinOpResolver). docs/ops.md is generated from this table and a test checks, for the element-wise,
/// comparison and reduction families, that each kernel accepts exactly the declared types.
/// </summary>
internal sealed record OpSupport(BuiltinOperator Op, IReadOnlyList<TensorType> Types, string Arithmetic, int MaxVersion = 1, int TypeInput = 0);

/// <summary>The declared support of every builtin kernel of <see cref="BuiltinKernels"/>, and model checks built on it.</summary>
internal static class OpSupportTable
{
    private static readonly T[] F = [T.Float32];
    private static readonly T[] FQ = [T.Float32, T.UInt8, T.Int8];
    private static readonly T[] FIQ = [T.Float32, T.Int32, T.UInt8, T.Int8];
    private static readonly T[] AnyFixed = [T.Float32, T.Float16, T.Int8, T.UInt8, T.Int16, T.Int32, T.Int64, T.Bool];

    private const string Exact = "exact (TFLite reference semantics)";
    private const string Copy = "exact (moves bytes)";
    private const string Xnn = "quantized: XNNPACK's arithmetic (what TFLite runs on CPU); float: reference";
    private const string Builtin = "quantized: TFLite's builtin kernel; float: reference";
    private const string FloatApprox = "float, within 1e-5 + 1e-3 relative of XNNPACK/libm (transcendental)";

    /// <summary>Every registered builtin, by operator.</summary>
    public static IReadOnlyDictionary<BuiltinOperator, OpSupport> Builtins { get; } = Build();

    private static Dictionary<BuiltinOperator, OpSupport> Build()
    {
        var l = new List<OpSupport>
        {
            new(BuiltinOperator.ASSIGN_VARIABLE, AnyFixed, Copy + " (resource variables: ResourceVariables)", 1, TypeInput: 1),
            new(BuiltinOperator.BATCH_MATMUL, [T.Float32, T.Int8, T.Int16], "float: packed GEMM (FMA order, 1e-5); int8/int16: TFLite's reference integer kernel", 4),
            new(BuiltinOperator.BATCH_TO_SPACE_ND, [T.Float32, T.UInt8, T.Int8, T.Int16, T.Int32, T.Int64], Copy, 4),
            new(BuiltinOperator.BIDIRECTIONAL_SEQUENCE_RNN, F, "float as TFLite's RnnBatchStep (no auxiliary input)", 3),
            new(BuiltinOperator.BROADCAST_ARGS, [T.Int32, T.Int64], Exact),
            new(BuiltinOperator.BROADCAST_TO, AnyFixed, Copy, 3),
            new(BuiltinOperator.CALL_ONCE, [], "runs its init subgraph once per interpreter"),
            new(BuiltinOperator.CONV_3D, F, "float reference (the optimized TFLite kernel's sum order differs, 1e-5)"),
            new(BuiltinOperator.EMBEDDING_LOOKUP, AnyFixed, Copy + "; uint8/int8 → float: TFLite's hybrid scale (uint8 read as int8)", 4, TypeInput: 1),
            new(BuiltinOperator.EXPAND_DIMS, AnyFixed, Copy, 2),
            new(BuiltinOperator.FILL, AnyFixed, Copy, 4, TypeInput: 1),
            new(BuiltinOperator.IF, [T.Bool], "runs the then/else subgraph (dynamic outputs when the branches' shapes differ)"),
            new(BuiltinOperator.LSTM, F, "the UNIDIRECTIONAL_SEQUENCE_LSTM kernel, one step (full kernel)", 4),
            new(BuiltinOperator.MATRIX_DIAG, AnyFixed, Copy),
            new(BuiltinOperator.MATRIX_SET_DIAG, AnyFixed, Copy),
            new(BuiltinOperator.MIRROR_PAD, AnyFixed, Copy, 3),
            new(BuiltinOperator.ONE_HOT, [T.Int32, T.Int64], Copy),
            new(BuiltinOperator.RANGE, [T.Int32, T.Int64, T.Float32], Exact + " (float: running sum, as TFLite)", 2),
            new(BuiltinOperator.RANK, AnyFixed, Exact),
            new(BuiltinOperator.READ_VARIABLE, [T.Resource], Copy + " (dynamic output)"),
            new(BuiltinOperator.REVERSE_SEQUENCE, AnyFixed, Copy),
            new(BuiltinOperator.REVERSE_V2, AnyFixed, Copy, 3),
            new(BuiltinOperator.RNN, F, "float as TFLite's RnnBatchStep", 3),
            new(BuiltinOperator.SCATTER_ND, [T.Int32, T.Int64], Exact + " (duplicates add up)"),
            new(BuiltinOperator.SHAPE, AnyFixed, Exact + " (static shapes: folded at AllocateTensors)"),
            new(BuiltinOperator.SPACE_TO_BATCH_ND, [T.Float32, T.UInt8, T.Int8, T.Int16, T.Int32, T.Int64], Copy + " (pads with the zero point)", 4),
            new(BuiltinOperator.SVDF, F, "float as TFLite's EvalFloatSVDF", 4),
            new(BuiltinOperator.TILE, AnyFixed, Copy, 3),
            new(BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_RNN, F, "float as TFLite's RnnBatchStep", 3),
            new(BuiltinOperator.UNIQUE, [T.Float32, T.Int8, T.UInt8, T.Int16, T.Int32, T.Int64], Exact + " (dynamic output)"),
            new(BuiltinOperator.VAR_HANDLE, [], "resource id per (container, shared_name), per interpreter"),
            new(BuiltinOperator.WHERE, [T.Bool, T.Float32, T.Int32, T.Int64, T.Int8, T.UInt8, T.Int16], Exact + " (dynamic output)", 2),
            new(BuiltinOperator.WHILE, [T.Float32, T.Float16, T.Int8, T.UInt8, T.Int16, T.Int32, T.Int64, T.Bool, T.Resource], "runs cond/body subgraphs (dynamic outputs when loop shapes change)"),
            new(BuiltinOperator.ABS, [T.Float32, T.Int32], Exact, 5),
            new(BuiltinOperator.ADD, FIQ, Xnn + " (21-bit multipliers)", 5),
            new(BuiltinOperator.ADD_N, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.ARG_MAX, [T.Float32, T.UInt8, T.Int8, T.Int16, T.Int32, T.Int64], Exact, 3),
            new(BuiltinOperator.ARG_MIN, [T.Float32, T.UInt8, T.Int8, T.Int16, T.Int32, T.Int64], Exact, 3),
            new(BuiltinOperator.AVERAGE_POOL_2D, FQ, Builtin, 3),
            new(BuiltinOperator.BITWISE_XOR, BinaryElementwise.SupportedTypes(BinaryKind.BitwiseXor), Exact),
            new(BuiltinOperator.CAST, [T.Float32, T.Int32, T.Int64, T.UInt8, T.Int8, T.Int16, T.Bool], Exact + "; out-of-range float → int as the reference build (UB in TFLite)", 5),
            new(BuiltinOperator.CEIL, UnaryMath.SupportedTypes(UnaryMathKind.Ceil), Exact),
            new(BuiltinOperator.CONCATENATION, AnyFixed, Copy + "; quantized inputs rescaled as TFLite", 4),
            new(BuiltinOperator.CONV_2D, FQ, "quantized: XNNPACK's fp32 requantization; float: FMA order differs (1e-5)", 7),
            new(BuiltinOperator.COS, UnaryMath.SupportedTypes(UnaryMathKind.Cos), FloatApprox),
            new(BuiltinOperator.CUMSUM, [T.Float32, T.Int32, T.Int64], Exact),
            new(BuiltinOperator.DENSIFY, AnyFixed, Copy),
            new(BuiltinOperator.DEPTHWISE_CONV_2D, FQ, "quantized: XNNPACK's fp32 requantization; float: FMA order differs (1e-5)", 7),
            new(BuiltinOperator.DEPTH_TO_SPACE, AnyFixed, Copy, 2),
            new(BuiltinOperator.DEQUANTIZE, [T.UInt8, T.Int8, T.Int16, T.Float16], Exact, 5),
            new(BuiltinOperator.DIV, [T.Float32, T.Int32], Exact, 2),
            new(BuiltinOperator.ELU, FQ.Where(t => t != T.UInt8).ToArray(), "float: " + FloatApprox + "; int8: XNNPACK's table"),
            new(BuiltinOperator.EQUAL, Comparison.SupportedTypes(CompareKind.Equal), Exact + "; quantized inputs rescaled as TFLite", 4),
            new(BuiltinOperator.EXP, F, FloatApprox, 2),
            new(BuiltinOperator.FLOOR, UnaryMath.SupportedTypes(UnaryMathKind.Floor), Exact),
            new(BuiltinOperator.FLOOR_DIV, [T.Float32, T.Int32], Exact, 3),
            new(BuiltinOperator.FLOOR_MOD, BinaryElementwise.SupportedTypes(BinaryKind.FloorMod), Exact, 2),
            new(BuiltinOperator.FULLY_CONNECTED, FQ, "quantized: XNNPACK's fp32 requantization; float: FMA order differs (1e-5)", 10),
            new(BuiltinOperator.GATHER, AnyFixed, Copy, 6),
            new(BuiltinOperator.GATHER_ND, AnyFixed, Copy, 4),
            new(BuiltinOperator.GELU, FQ, "float: " + FloatApprox + "; 8-bit: table", 2),
            new(BuiltinOperator.GREATER, Comparison.SupportedTypes(CompareKind.Greater), Exact + "; quantized inputs rescaled as TFLite", 2),
            new(BuiltinOperator.GREATER_EQUAL, Comparison.SupportedTypes(CompareKind.GreaterEqual), Exact + "; quantized inputs rescaled as TFLite", 3),
            new(BuiltinOperator.HARD_SWISH, FQ, "8-bit: TFLite's integer hard-swish (int16 fixed point), tabulated"),
            new(BuiltinOperator.L2_NORMALIZATION, FQ, Exact + "; 8-bit: TFLite's integer kernel (output scale 1/128)", 2),
            new(BuiltinOperator.L2_POOL_2D, F, Exact),
            new(BuiltinOperator.LEAKY_RELU, FQ, "8-bit: XNNPACK's 8-bit multipliers (scales in its range), else table", 2),
            new(BuiltinOperator.LESS, Comparison.SupportedTypes(CompareKind.Less), Exact + "; quantized inputs rescaled as TFLite", 3),
            new(BuiltinOperator.LESS_EQUAL, Comparison.SupportedTypes(CompareKind.LessEqual), Exact + "; quantized inputs rescaled as TFLite", 2),
            new(BuiltinOperator.LOCAL_RESPONSE_NORMALIZATION, F, FloatApprox),
            new(BuiltinOperator.LOG, F, FloatApprox, 2),
            new(BuiltinOperator.LOGICAL_AND, [T.Bool], Exact),
            new(BuiltinOperator.LOGICAL_NOT, [T.Bool], Exact),
            new(BuiltinOperator.LOGICAL_OR, [T.Bool], Exact),
            new(BuiltinOperator.LOGISTIC, FQ, "8-bit: table", 3),
            new(BuiltinOperator.LOG_SOFTMAX, F, FloatApprox + " (quantized not implemented)", 2),
            new(BuiltinOperator.MAXIMUM, BinaryElementwise.SupportedTypes(BinaryKind.Maximum), Exact + " (quantized: stored values compared)", 4),
            new(BuiltinOperator.MAX_POOL_2D, FQ, Exact, 3),
            new(BuiltinOperator.MEAN, FQ, "quantized: TFLite's integer path over H,W with keep_dims, else XNNPACK's float requantization", 3),
            new(BuiltinOperator.MINIMUM, BinaryElementwise.SupportedTypes(BinaryKind.Minimum), Exact + " (quantized: stored values compared)", 4),
            new(BuiltinOperator.MUL, FIQ, Xnn + " (fp32)", 7),
            new(BuiltinOperator.NEG, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.NON_MAX_SUPPRESSION_V4, F, Exact + " (equal scores: index order)"),
            new(BuiltinOperator.NON_MAX_SUPPRESSION_V5, F, Exact + " (equal scores: index order)"),
            new(BuiltinOperator.NOT_EQUAL, Comparison.SupportedTypes(CompareKind.NotEqual), Exact + "; quantized inputs rescaled as TFLite", 3),
            new(BuiltinOperator.PACK, AnyFixed, Copy, 4),
            new(BuiltinOperator.PAD, AnyFixed, Copy, 4),
            new(BuiltinOperator.PADV2, AnyFixed, Copy, 4),
            new(BuiltinOperator.POW, BinaryElementwise.SupportedTypes(BinaryKind.Pow), "float: " + FloatApprox + "; int32 exact"),
            new(BuiltinOperator.PRELU, F, Exact),
            new(BuiltinOperator.QUANTIZE, [T.Float32, T.UInt8, T.Int8, T.Int16], "same-type: XNNPACK's 8-bit multiplier; mixed: TFLite's builtin", 3),
            new(BuiltinOperator.REDUCE_ALL, Reduce.SupportedTypes(ReduceKind.All), Exact),
            new(BuiltinOperator.REDUCE_ANY, Reduce.SupportedTypes(ReduceKind.Any), Exact),
            new(BuiltinOperator.REDUCE_MAX, Reduce.SupportedTypes(ReduceKind.Max), Exact, 3),
            new(BuiltinOperator.REDUCE_MIN, Reduce.SupportedTypes(ReduceKind.Min), Exact, 3),
            new(BuiltinOperator.REDUCE_PROD, Reduce.SupportedTypes(ReduceKind.Prod), Exact + "; int8/int16 as TFLite's QuantizedReduceProd (uint8: TFLite refuses it)", 2),
            new(BuiltinOperator.RELU, FQ, "8-bit: table", 3),
            new(BuiltinOperator.RELU6, FQ, "8-bit: table", 3),
            new(BuiltinOperator.RELU_0_TO_1, FQ, "8-bit: table"),
            new(BuiltinOperator.RELU_N1_TO_1, FQ, "8-bit: table"),
            new(BuiltinOperator.RESHAPE, AnyFixed, Copy),
            new(BuiltinOperator.RESIZE_BILINEAR, [T.Float32, T.UInt8, T.Int8, T.Int16], "8-bit: XNNPACK's 11-bit weights", 4),
            new(BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [T.Float32, T.UInt8, T.Int8, T.Int16], Copy, 4),
            new(BuiltinOperator.RIGHT_SHIFT, BinaryElementwise.SupportedTypes(BinaryKind.RightShift), Exact),
            new(BuiltinOperator.ROUND, UnaryMath.SupportedTypes(UnaryMathKind.Round), Exact),
            new(BuiltinOperator.RSQRT, F, Exact, 2),
            new(BuiltinOperator.SEGMENT_SUM, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.SELECT, Select.SupportedTypes, Copy, 4, TypeInput: 1),
            new(BuiltinOperator.SELECT_V2, Select.SupportedTypes, Copy, 2, TypeInput: 1),
            new(BuiltinOperator.SIGN, UnaryMath.SupportedTypes(UnaryMathKind.Sign), Exact, 2),
            new(BuiltinOperator.SIN, UnaryMath.SupportedTypes(UnaryMathKind.Sin), FloatApprox),
            new(BuiltinOperator.SLICE, AnyFixed, Copy, 6),
            new(BuiltinOperator.SOFTMAX, FQ, "quantized: TFLite's builtin (XNNPACK does not take it)", 3),
            new(BuiltinOperator.SPACE_TO_DEPTH, AnyFixed, Copy, 2),
            new(BuiltinOperator.SPLIT, AnyFixed, Copy, 4, TypeInput: 1),
            new(BuiltinOperator.SPLIT_V, AnyFixed, Copy, 2),
            new(BuiltinOperator.SQRT, F, Exact),
            new(BuiltinOperator.SQUARE, F, Exact),
            new(BuiltinOperator.SQUARED_DIFFERENCE, BinaryElementwise.SupportedTypes(BinaryKind.SquaredDifference), Exact + "; int8 as TFLite's integer kernel", 2),
            new(BuiltinOperator.SQUEEZE, AnyFixed, Copy, 2),
            new(BuiltinOperator.STRIDED_SLICE, AnyFixed, Copy, 8),
            new(BuiltinOperator.SUB, FIQ, Xnn + " (out-of-range scales: TFLite's builtin)", 5),
            new(BuiltinOperator.SUM, Reduce.SupportedTypes(ReduceKind.Sum), Exact + "; 8-bit: XNNPACK's float requantization; int16 saturates", 2),
            new(BuiltinOperator.TANH, FQ, "8-bit: table", 3),
            new(BuiltinOperator.TOPK_V2, [T.Float32, T.UInt8, T.Int8, T.Int32, T.Int64], Exact, 3),
            new(BuiltinOperator.TRANSPOSE, AnyFixed, Copy, 6),
            new(BuiltinOperator.TRANSPOSE_CONV, F, "float (FMA order differs, 1e-5)", 4),
            new(BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, [T.Float32, T.Int8], "int8: TFLite's 8x8->16 integer LSTM", 4),
            new(BuiltinOperator.UNPACK, AnyFixed, Copy, 4),
            new(BuiltinOperator.UNSORTED_SEGMENT_MAX, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.UNSORTED_SEGMENT_MIN, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.UNSORTED_SEGMENT_PROD, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.UNSORTED_SEGMENT_SUM, [T.Float32, T.Int32], Exact),
            new(BuiltinOperator.ZEROS_LIKE, UnaryMath.SupportedTypes(UnaryMathKind.ZerosLike), Exact),
        };
        return l.ToDictionary(e => e.Op);
    }

    /// <summary>Why EdgeLite will not run builtins it has no kernel for (string and hash-table ops, ...).</summary>
    public static string? WhyUnsupported(BuiltinOperator op) => op switch
    {
        BuiltinOperator.HASHTABLE or BuiltinOperator.HASHTABLE_FIND or BuiltinOperator.HASHTABLE_IMPORT or BuiltinOperator.HASHTABLE_SIZE or BuiltinOperator.HASHTABLE_LOOKUP
            => "hash tables (string keys): string tensors are not supported",
        BuiltinOperator.LSH_PROJECTION or BuiltinOperator.SKIP_GRAM => "text ops on string tensors: not supported",
        BuiltinOperator.CUSTOM => null,
        BuiltinOperator.DELEGATE => "a delegate placeholder, never in a runnable model",
        _ => null,
    };

    /// <summary>
    /// The problems EdgeLite will hit with <paramref name="model"/> before anything runs: operators without a kernel,
    /// input types a kernel does not declare, op versions newer than real TFLite registers (one line each, naming the
    /// operator index). Kernels may still refuse a combination at AllocateTensors (shapes, options): this is the
    /// declared support only.
    /// </summary>
    public static IReadOnlyList<string> Problems(Model model, OpResolver resolver)
    {
        var problems = new List<string>();
        for (int s = 0; s < model.Subgraphs.Count; s++)
        {
            var g = model.Subgraphs[s];
            string where = model.Subgraphs.Count > 1 ? $"subgraph {s} " : "";
            foreach (var op in g.Operators)
            {
                var code = model.OperatorCodes[op.OpcodeIndex];
                if (!resolver.CanResolve(code))
                {
                    string why = op.IsCustom ? "custom op without a registered kernel" : WhyUnsupported((BuiltinOperator)op.BuiltinCode) ?? "no kernel in EdgeLite";
                    problems.Add($"{where}operator {op.Index} {op.OpName}: {why}");
                    continue;
                }
                if (op.IsCustom || !Builtins.TryGetValue((BuiltinOperator)op.BuiltinCode, out var sup)) continue;
                if (op.Version > sup.MaxVersion)
                    problems.Add($"{where}operator {op.Index} {op.OpName} v{op.Version}: newer than any version TFLite registers (v{sup.MaxVersion})");
                if (sup.TypeInput < op.Inputs.Count && op.Inputs[sup.TypeInput] >= 0 && op.Inputs[sup.TypeInput] < g.Tensors.Count)
                {
                    var t = g.Tensors[op.Inputs[sup.TypeInput]].Type;
                    if (!sup.Types.Contains(t))
                        problems.Add($"{where}operator {op.Index} {op.OpName}: {t.ToDTypeName()} input (EdgeLite runs {string.Join(", ", sup.Types.Select(x => x.ToDTypeName()))})");
                }
            }
        }
        return problems;
    }
}
