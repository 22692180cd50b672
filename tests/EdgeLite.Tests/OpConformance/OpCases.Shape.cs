using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Cases for the shape and data-movement ops (EXPAND_DIMS ... EMBEDDING_LOOKUP) with static output shapes.</summary>
internal static partial class OpCases
{
    private static (TensorType, int[], Quant?, byte[]?) In(TensorType t, int[] shape, Quant? q = null) => (t, shape, q, null);
    private static (TensorType, int[], Quant?, byte[]?) C<T>(TensorType t, int[] shape, params T[] v) where T : unmanaged => (t, shape, null, Raw(v));
    private static (TensorType, int[], Quant?, byte[]?) Cq<T>(TensorType t, int[] shape, Quant q, params T[] v) where T : unmanaged => (t, shape, q, Raw(v));
    private static (TensorType, int[], Quant?) Out(TensorType t, int[] shape, Quant? q = null) => (t, shape, q);

    /// <summary>A model whose op (built by <paramref name="body"/>, returning its 1-D output of <paramref name="n"/> elements) feeds CONCATENATION with a 2-element input.</summary>
    private static Func<byte[]> ThroughConcat(TensorType t, int n, Func<OpModelBuilder, int> body) => () =>
    {
        var b = new OpModelBuilder();
        int r = body(b);
        int extra = b.Input("extra", t, [2]);
        b.Op(Fb.BuiltinOperator.CONCATENATION, [r, extra], [b.Output("y", t, [n + 2])], Fb.BuiltinOptions.ConcatenationOptions,
            f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 0).Value);
        return b.Build();
    };

    private static int RangeOf(OpModelBuilder b, TensorType t, byte[] start, byte[] limit, byte[] delta, int n)
    {
        int s = b.Constant("start", t, [], start), l = b.Constant("limit", t, [], limit), d = b.Constant("delta", t, [], delta);
        int y = b.Intermediate("range", t, [n]);
        b.Op(Fb.BuiltinOperator.RANGE, [s, l, d], [y]);
        return y;
    }

    public static IEnumerable<OpCase> Shape()
    {
        const TensorType F = TensorType.Float32, I32 = TensorType.Int32, I64 = TensorType.Int64, I8 = TensorType.Int8, U8 = TensorType.UInt8, I16 = TensorType.Int16, B = TensorType.Bool;
        var q = Quant.PerTensor(0.1f, -3);

        // EXPAND_DIMS
        yield return new("EXPAND_DIMS_float32_axis1", OneOpWithConstants(Fb.BuiltinOperator.EXPAND_DIMS, [In(F, [2, 3]), C(I32, [1], 1)], [Out(F, [2, 1, 3])]), OpInputs.Random(1));
        yield return new("EXPAND_DIMS_int8_neg_axis_int64", OneOpWithConstants(Fb.BuiltinOperator.EXPAND_DIMS, [In(I8, [2, 3], q), C(I64, [1], -1L)], [Out(I8, [2, 3, 1], q)]), OpInputs.Random(2));

        // SHAPE, RANK, RANGE: TFLite computes these at Prepare (their inputs' shapes or values are known) and LiteRT's
        // compiled model does not copy such outputs out, so each case feeds the result through an operator that runs at
        // Invoke (CONCATENATION with an input, or ADD of an input 0).
        yield return new("SHAPE_int32", ThroughConcat(TensorType.Int32, 3, b =>
        {
            int x = b.Input("x", F, [2, 3, 4]); int y = b.Intermediate("shape", I32, [3]);
            b.Op(Fb.BuiltinOperator.SHAPE, [x], [y], Fb.BuiltinOptions.ShapeOptions, f => Fb.ShapeOptions.CreateShapeOptions(f, Fb.TensorType.INT32).Value);
            return y;
        }), OpInputs.Random(3));
        yield return new("SHAPE_int64_of_int8", ThroughConcat(TensorType.Int64, 4, b =>
        {
            int x = b.Input("x", I8, [5, 1, 2, 7], q); int y = b.Intermediate("shape", I64, [4]);
            b.Op(Fb.BuiltinOperator.SHAPE, [x], [y], Fb.BuiltinOptions.ShapeOptions, f => Fb.ShapeOptions.CreateShapeOptions(f, Fb.TensorType.INT64).Value);
            return y;
        }), OpInputs.Random(4));
        yield return new("RANK_float32", () =>
        {
            var b = new OpModelBuilder();
            int x = b.Input("x", F, [2, 3, 4]); int z = b.Input("zero", I32, []); int r = b.Intermediate("rank", I32, []);
            b.Op(Fb.BuiltinOperator.RANK, [x], [r]);
            b.Op(Fb.BuiltinOperator.ADD, [r, z], [b.Output("y", I32, [])], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value);
            return b.Build();
        }, OpInputs.Of(new float[24], new[] { 0 }));
        yield return new("RANGE_int32", ThroughConcat(TensorType.Int32, 4, b => RangeOf(b, I32, Raw(3), Raw(18), Raw(4), 4)), OpInputs.Random(33));
        yield return new("RANGE_int64_negative_delta", ThroughConcat(TensorType.Int64, 5, b => RangeOf(b, I64, Raw(10L), Raw(-3L), Raw(-3L), 5)), OpInputs.Random(34));
        yield return new("RANGE_float32_running_sum", ThroughConcat(TensorType.Float32, 20, b => RangeOf(b, F, Raw(0.1f), Raw(2.05f), Raw(0.1f), 20)), OpInputs.Random(35));

        // FILL (constant dims; the value is an input)
        yield return new("FILL_float32", OneOpWithConstants(Fb.BuiltinOperator.FILL, [C(I32, [2], 2, 3), In(F, [])], [Out(F, [2, 3])]), OpInputs.Of(new[] { 2.5f }));
        yield return new("FILL_int32_dims_int64", OneOpWithConstants(Fb.BuiltinOperator.FILL, [C(I64, [3], 2L, 1L, 2L), In(I32, [])], [Out(I32, [2, 1, 2])]), OpInputs.Of(new[] { -7 }));
        yield return new("FILL_int64", OneOpWithConstants(Fb.BuiltinOperator.FILL, [C(I32, [1], 3), In(I64, [])], [Out(I64, [3])]), OpInputs.Of(new[] { 1L << 40 }));
        yield return new("FILL_bool", OneOpWithConstants(Fb.BuiltinOperator.FILL, [C(I32, [2], 2, 2), In(B, [])], [Out(B, [2, 2])]), OpInputs.Of(new[] { true }));
        yield return new("FILL_int8", OneOpWithConstants(Fb.BuiltinOperator.FILL, [C(I32, [1], 5), In(I8, [])], [Out(I8, [5])]), OpInputs.Of(new sbyte[] { -100 }));

        // TILE
        yield return new("TILE_float32", OneOpWithConstants(Fb.BuiltinOperator.TILE, [In(F, [2, 3]), C(I32, [2], 2, 3)], [Out(F, [4, 9])]), OpInputs.Random(6));
        yield return new("TILE_int8_rank3_int64_multiples", OneOpWithConstants(Fb.BuiltinOperator.TILE, [In(I8, [1, 2, 2], q), C(I64, [3], 3L, 1L, 2L)], [Out(I8, [3, 2, 4], q)]), OpInputs.Random(7));
        yield return new("TILE_bool", OneOpWithConstants(Fb.BuiltinOperator.TILE, [In(B, [3]), C(I32, [1], 2)], [Out(B, [6])]), OpInputs.Random(8));
        yield return new("TILE_int64", OneOpWithConstants(Fb.BuiltinOperator.TILE, [In(I64, [2, 1]), C(I32, [2], 1, 3)], [Out(I64, [2, 3])]), OpInputs.Random(9));

        // BROADCAST_TO, BROADCAST_ARGS
        yield return new("BROADCAST_TO_float32", OneOpWithConstants(Fb.BuiltinOperator.BROADCAST_TO, [In(F, [3]), C(I32, [2], 2, 3)], [Out(F, [2, 3])], version: 2), OpInputs.Random(10));
        yield return new("BROADCAST_TO_int32_rank3", OneOpWithConstants(Fb.BuiltinOperator.BROADCAST_TO, [In(I32, [2, 1]), C(I64, [3], 2L, 2L, 3L)], [Out(I32, [2, 2, 3])], version: 2), OpInputs.Random(11));
        yield return new("BROADCAST_TO_uint8", OneOpWithConstants(Fb.BuiltinOperator.BROADCAST_TO, [In(U8, [1, 3, 1]), C(I32, [3], 2, 3, 2)], [Out(U8, [2, 3, 2])], version: 2), OpInputs.Random(12));
        yield return new("BROADCAST_ARGS_int32", OneOpWithConstants(Fb.BuiltinOperator.BROADCAST_ARGS, [In(I32, [3]), In(I32, [2])], [Out(I32, [3])]),
            OpInputs.Of(new[] { 5, 1, 3 }, new[] { 4, 1 }));
        yield return new("BROADCAST_ARGS_int64", OneOpWithConstants(Fb.BuiltinOperator.BROADCAST_ARGS, [In(I64, [2]), In(I64, [4])], [Out(I64, [4])]),
            OpInputs.Of(new[] { 1L, 7L }, new[] { 2L, 3L, 6L, 1L }));

        // REVERSE_V2, REVERSE_SEQUENCE
        yield return new("REVERSE_V2_float32_axis1", OneOpWithConstants(Fb.BuiltinOperator.REVERSE_V2, [In(F, [2, 3, 4]), C(I32, [1], 1)], [Out(F, [2, 3, 4])]), OpInputs.Random(13));
        yield return new("REVERSE_V2_int16_last", OneOpWithConstants(Fb.BuiltinOperator.REVERSE_V2, [In(I16, [3, 5]), C(I32, [1], -1)], [Out(I16, [3, 5])]), OpInputs.Random(14));
        yield return new("REVERSE_V2_uint8_axis0", OneOpWithConstants(Fb.BuiltinOperator.REVERSE_V2, [In(U8, [4, 2]), C(I32, [1], 0)], [Out(U8, [4, 2])]), OpInputs.Random(15));
        yield return new("REVERSE_SEQUENCE_float32", OneOpWithConstants(Fb.BuiltinOperator.REVERSE_SEQUENCE, [In(F, [2, 4, 3]), C(I32, [2], 3, 1)], [Out(F, [2, 4, 3])],
            Fb.BuiltinOptions.ReverseSequenceOptions, f => Fb.ReverseSequenceOptions.CreateReverseSequenceOptions(f, 1, 0).Value), OpInputs.Random(16));
        yield return new("REVERSE_SEQUENCE_int32_batch1", OneOpWithConstants(Fb.BuiltinOperator.REVERSE_SEQUENCE, [In(I32, [5, 3]), C(I64, [3], 5L, 0L, 2L)], [Out(I32, [5, 3])],
            Fb.BuiltinOptions.ReverseSequenceOptions, f => Fb.ReverseSequenceOptions.CreateReverseSequenceOptions(f, 0, 1).Value), OpInputs.Random(17));

        // MIRROR_PAD
        yield return new("MIRROR_PAD_float32_reflect", OneOpWithConstants(Fb.BuiltinOperator.MIRROR_PAD, [In(F, [3, 4]), C(I32, [2, 2], 1, 2, 3, 1)], [Out(F, [6, 8])],
            Fb.BuiltinOptions.MirrorPadOptions, f => Fb.MirrorPadOptions.CreateMirrorPadOptions(f, Fb.MirrorPadMode.REFLECT).Value), OpInputs.Random(18));
        yield return new("MIRROR_PAD_float32_symmetric", OneOpWithConstants(Fb.BuiltinOperator.MIRROR_PAD, [In(F, [1, 3, 3, 2]), C(I64, [4, 2], 0L, 0L, 3L, 2L, 1L, 3L, 0L, 0L)], [Out(F, [1, 8, 7, 2])],
            Fb.BuiltinOptions.MirrorPadOptions, f => Fb.MirrorPadOptions.CreateMirrorPadOptions(f, Fb.MirrorPadMode.SYMMETRIC).Value), OpInputs.Random(19));
        yield return new("MIRROR_PAD_int8_reflect", OneOpWithConstants(Fb.BuiltinOperator.MIRROR_PAD, [In(I8, [1, 4, 3, 1], q), C(I32, [4, 2], 0, 0, 2, 3, 2, 1, 0, 0)], [Out(I8, [1, 9, 6, 1], q)],
            Fb.BuiltinOptions.MirrorPadOptions, f => Fb.MirrorPadOptions.CreateMirrorPadOptions(f, Fb.MirrorPadMode.REFLECT).Value), OpInputs.Random(20));

        // SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND
        yield return new("SPACE_TO_BATCH_ND_float32", OneOpWithConstants(Fb.BuiltinOperator.SPACE_TO_BATCH_ND, [In(F, [1, 4, 4, 2]), C(I32, [2], 2, 2), C(I32, [2, 2], 0, 0, 0, 0)],
            [Out(F, [4, 2, 2, 2])]), OpInputs.Random(21));
        yield return new("SPACE_TO_BATCH_ND_float32_padded", OneOpWithConstants(Fb.BuiltinOperator.SPACE_TO_BATCH_ND, [In(F, [2, 4, 3, 1]), C(I32, [2], 3, 2), C(I32, [2, 2], 1, 1, 0, 1)],
            [Out(F, [12, 2, 2, 1])]), OpInputs.Random(22));
        yield return new("SPACE_TO_BATCH_ND_int8_zero_point", OneOpWithConstants(Fb.BuiltinOperator.SPACE_TO_BATCH_ND, [In(I8, [1, 3, 3, 1], q), C(I32, [2], 2, 2), C(I32, [2, 2], 1, 0, 0, 1)],
            [Out(I8, [4, 2, 2, 1], q)]), OpInputs.Random(23));
        yield return new("SPACE_TO_BATCH_ND_float32_3d", OneOpWithConstants(Fb.BuiltinOperator.SPACE_TO_BATCH_ND, [In(F, [1, 5, 2]), C(I32, [1], 3), C(I32, [1, 2], 1, 0)],
            [Out(F, [3, 2, 2])]), OpInputs.Random(24));
        yield return new("BATCH_TO_SPACE_ND_float32", OneOpWithConstants(Fb.BuiltinOperator.BATCH_TO_SPACE_ND, [In(F, [4, 2, 2, 2]), C(I32, [2], 2, 2), C(I32, [2, 2], 0, 0, 0, 0)],
            [Out(F, [1, 4, 4, 2])]), OpInputs.Random(25));
        yield return new("BATCH_TO_SPACE_ND_float32_cropped", OneOpWithConstants(Fb.BuiltinOperator.BATCH_TO_SPACE_ND, [In(F, [8, 2, 3, 1]), C(I32, [2], 2, 2), C(I32, [2, 2], 0, 1, 1, 2)],
            [Out(F, [2, 3, 3, 1])]), OpInputs.Random(26));
        yield return new("BATCH_TO_SPACE_ND_int8", OneOpWithConstants(Fb.BuiltinOperator.BATCH_TO_SPACE_ND, [In(I8, [4, 2, 2, 1], q), C(I32, [2], 2, 2), C(I32, [2, 2], 1, 0, 0, 1)],
            [Out(I8, [1, 3, 3, 1], q)]), OpInputs.Random(27));

        // ONE_HOT
        yield return new("ONE_HOT_float32_last_axis", OneOpWithConstants(Fb.BuiltinOperator.ONE_HOT, [In(I32, [2, 3]), C(I32, [], 4), C(F, [], 5f), C(F, [], -1f)], [Out(F, [2, 3, 4])],
            Fb.BuiltinOptions.OneHotOptions, f => Fb.OneHotOptions.CreateOneHotOptions(f, -1).Value), OpInputs.Of(new[] { 0, 3, 1, 4, -1, 2 }));
        yield return new("ONE_HOT_int8_axis0_int64_indices", OneOpWithConstants(Fb.BuiltinOperator.ONE_HOT, [In(I64, [3]), C(I32, [], 3), C(I8, [], (sbyte)7), C(I8, [], (sbyte)-2)], [Out(I8, [3, 3])],
            Fb.BuiltinOptions.OneHotOptions, f => Fb.OneHotOptions.CreateOneHotOptions(f, 0).Value), OpInputs.Of(new[] { 2L, 0L, 2L }));
        yield return new("ONE_HOT_bool_axis1", OneOpWithConstants(Fb.BuiltinOperator.ONE_HOT, [In(I32, [2, 2]), C(I32, [], 3), C(B, [], (byte)1), C(B, [], (byte)0)], [Out(B, [2, 3, 2])],
            Fb.BuiltinOptions.OneHotOptions, f => Fb.OneHotOptions.CreateOneHotOptions(f, 1).Value), OpInputs.Of(new[] { 1, 0, 2, 2 }));

        // SCATTER_ND (duplicate indices add up)
        yield return new("SCATTER_ND_float32_rows", OneOpWithConstants(Fb.BuiltinOperator.SCATTER_ND, [C(I32, [3, 1], 1, 3, 1), In(F, [3, 4]), C(I32, [2], 5, 4)], [Out(F, [5, 4])]), OpInputs.Random(28));
        yield return new("SCATTER_ND_int32_elements", OneOpWithConstants(Fb.BuiltinOperator.SCATTER_ND, [C(I32, [4, 2], 0, 1, 2, 2, 1, 0, 0, 1), In(I32, [4]), C(I32, [2], 3, 3)], [Out(I32, [3, 3])]),
            OpInputs.Of(new[] { 5, -2, 7, 11 }));

        // MATRIX_DIAG, MATRIX_SET_DIAG
        yield return new("MATRIX_DIAG_float32", OneOpWithConstants(Fb.BuiltinOperator.MATRIX_DIAG, [In(F, [2, 3])], [Out(F, [2, 3, 3])]), OpInputs.Random(29));
        yield return new("MATRIX_DIAG_int32", OneOpWithConstants(Fb.BuiltinOperator.MATRIX_DIAG, [In(I32, [4])], [Out(I32, [4, 4])]), OpInputs.Random(30));
        yield return new("MATRIX_SET_DIAG_float32_wide", OneOpWithConstants(Fb.BuiltinOperator.MATRIX_SET_DIAG, [In(F, [2, 3, 4]), In(F, [2, 3])], [Out(F, [2, 3, 4])]), OpInputs.Random(31));
        yield return new("MATRIX_SET_DIAG_int8_tall", OneOpWithConstants(Fb.BuiltinOperator.MATRIX_SET_DIAG, [In(I8, [4, 2], q), In(I8, [2], q)], [Out(I8, [4, 2], q)]), OpInputs.Random(32));

        // EMBEDDING_LOOKUP
        var table = Enumerable.Range(0, 15).Select(i => i * 0.5f - 3).ToArray();
        yield return new("EMBEDDING_LOOKUP_float32", OneOpWithConstants(Fb.BuiltinOperator.EMBEDDING_LOOKUP, [In(I32, [4]), C(F, [5, 3], table)], [Out(F, [4, 3])]),
            OpInputs.Of(new[] { 4, 0, 2, 4 }));
        yield return new("EMBEDDING_LOOKUP_int8_same_type", OneOpWithConstants(Fb.BuiltinOperator.EMBEDDING_LOOKUP, [In(I32, [3]), Cq(I8, [4, 2], q, (sbyte)-128, (sbyte)5, (sbyte)3, (sbyte)-9, (sbyte)127, (sbyte)0, (sbyte)1, (sbyte)2)],
            [Out(I8, [3, 2], q)]), OpInputs.Of(new[] { 3, 1, 2 }));
        yield return new("EMBEDDING_LOOKUP_hybrid_int8", OneOpWithConstants(Fb.BuiltinOperator.EMBEDDING_LOOKUP, [In(I32, [3]), Cq(I8, [3, 2], Quant.PerTensor(0.25f, 0), (sbyte)-128, (sbyte)5, (sbyte)3, (sbyte)-9, (sbyte)127, (sbyte)0)],
            [Out(F, [3, 2])]), OpInputs.Of(new[] { 2, 0, 1 }));
        yield return new("EMBEDDING_LOOKUP_hybrid_uint8", OneOpWithConstants(Fb.BuiltinOperator.EMBEDDING_LOOKUP, [In(I32, [2]), Cq(U8, [3, 2], Quant.PerTensor(0.5f, 0), (byte)0, (byte)5, (byte)200, (byte)9, (byte)255, (byte)128)],
            [Out(F, [2, 2])]), OpInputs.Of(new[] { 2, 1 }));
    }
}
