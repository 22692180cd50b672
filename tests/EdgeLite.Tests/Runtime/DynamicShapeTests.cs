using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Runtime;

/// <summary>
/// Dynamic tensors: shapes that depend on values get their shape at Invoke (outside the arena), shapes that follow from
/// static shapes stay static (and allocation-free). WHERE and UNIQUE expected values are real TFLite's (the tfjs-tflite
/// interpreter, which reports dynamic outputs after Invoke) for the models of <see cref="DynamicModels"/>.
/// </summary>
public class DynamicShapeTests
{
    internal static class DynamicModels
    {
        /// <summary>x [2,6] → RESHAPE(x, SHAPE(x) * [3,1] floor-div [1,3]): foldable at AllocateTensors, so static.</summary>
        public static OpModelBuilder ShapeChain()
        {
            var b = new OpModelBuilder();
            int x = b.Input("x", TensorType.Float32, [2, 6], shapeSignature: [-1, 6]);
            int s = b.Intermediate("s", TensorType.Int32, [2]);
            b.Op(Fb.BuiltinOperator.SHAPE, [x], [s], Fb.BuiltinOptions.ShapeOptions, f => Fb.ShapeOptions.CreateShapeOptions(f, Fb.TensorType.INT32).Value);
            int k = b.Constant("k", TensorType.Int32, [2], new[] { 3, 1 });
            int m = b.Intermediate("m", TensorType.Int32, [2]);
            b.Op(Fb.BuiltinOperator.MUL, [s, k], [m], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f).Value);
            int d = b.Constant("d", TensorType.Int32, [2], new[] { 1, 3 });
            int ns = b.Intermediate("ns", TensorType.Int32, [2]);
            b.Op(Fb.BuiltinOperator.FLOOR_DIV, [m, d], [ns]);
            int y = b.Output("y", TensorType.Float32, [6, 2]);
            b.Op(Fb.BuiltinOperator.RESHAPE, [x, ns], [y]);
            return b;
        }

        /// <summary>x float [6], shape int32 [2] (an input) → RESHAPE → ADD 1: the reshape's output is dynamic.</summary>
        public static OpModelBuilder ValueReshape()
        {
            var b = new OpModelBuilder();
            int x = b.Input("x", TensorType.Float32, [6]);
            int s = b.Input("shape", TensorType.Int32, [2]);
            int r = b.Intermediate("r", TensorType.Float32, [2, 3]);
            b.Op(Fb.BuiltinOperator.RESHAPE, [x, s], [r]);
            int one = b.Constant("one", TensorType.Float32, [1], new[] { 1f });
            b.Op(Fb.BuiltinOperator.ADD, [r, one], [b.Output("y", TensorType.Float32, [2, 3])], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value);
            return b;
        }

        /// <summary>WHERE of a bool [2,3,2] input: int64 [count, 3], also CAST to int32 (the tfjs-tflite oracle cannot read int64 outputs).</summary>
        public static OpModelBuilder Where()
        {
            var b = new OpModelBuilder();
            int c = b.Input("c", TensorType.Bool, [2, 3, 2]);
            int w = b.Output("y", TensorType.Int64, [1, 3]);
            b.Op(Fb.BuiltinOperator.WHERE, [c], [w]);
            b.Op(Fb.BuiltinOperator.CAST, [w], [b.Output("y32", TensorType.Int32, [1, 3])]);
            return b;
        }

        /// <summary>WHERE → CAST int32 as the only output (what the tfjs-tflite oracle can read).</summary>
        public static OpModelBuilder WhereInt32()
        {
            var b = new OpModelBuilder();
            int c = b.Input("c", TensorType.Bool, [2, 3, 2]);
            int w = b.Intermediate("w", TensorType.Int64, [1, 3]);
            b.Op(Fb.BuiltinOperator.WHERE, [c], [w]);
            b.Op(Fb.BuiltinOperator.CAST, [w], [b.Output("y32", TensorType.Int32, [1, 3])]);
            return b;
        }

        /// <summary>UNIQUE of a float [9] input, int32 indices.</summary>
        public static OpModelBuilder Unique()
        {
            var b = new OpModelBuilder();
            int x = b.Input("x", TensorType.Float32, [9]);
            int y = b.Output("y", TensorType.Float32, [9]);
            int i = b.Output("idx", TensorType.Int32, [9]);
            b.Op(Fb.BuiltinOperator.UNIQUE, [x], [y, i], Fb.BuiltinOptions.UniqueOptions, f => Fb.UniqueOptions.CreateUniqueOptions(f, Fb.TensorType.INT32).Value);
            return b;
        }

        public static readonly (string Name, Func<OpModelBuilder> Make)[] All =
            [("shape_chain", ShapeChain), ("value_reshape", ValueReshape), ("where", Where), ("where_int32", WhereInt32), ("unique", Unique)];
    }

    [Fact]
    public void DumpDynamicModels()
    {
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        foreach (var (name, make) in DynamicModels.All)
        {
            var bytes = make().Build();
            using var m = Model.FromBytes(bytes);
            if (dir != null) { Directory.CreateDirectory(dir); File.WriteAllBytes(Path.Combine(dir, name + ".tflite"), bytes); }
        }
    }

    [Fact]
    public void ShapeArithmeticOnStaticShapesStaysStaticAndFollowsResizes()
    {
        // real TFLite (tfjs-tflite interpreter) on 0..11: y [6, 2] = the input values
        using var it = DynamicModels.ShapeChain().BuildInterpreter();
        Assert.False(it.HasDynamicTensors);
        var x = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        it.GetInputTensor(0).CopyFrom<float>(x);
        it.Invoke();
        Assert.Equal([6, 2], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(x, it.Output<float>(0));
        Assert.Equal(0, Allocations.OfInvoke(it, 2));
        // the folded SHAPE is evaluated again for the new input shape
        it.ResizeInput(0, [4, 6]);
        it.AllocateTensors();
        Assert.False(it.HasDynamicTensors);
        x = Enumerable.Range(0, 24).Select(i => (float)-i).ToArray();
        it.GetInputTensor(0).CopyFrom<float>(x);
        it.Invoke();
        Assert.Equal([12, 2], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal(x, it.Output<float>(0));
    }

    [Fact]
    public void ReshapeToAComputedShapeIsDynamicAndItsConsumersFollow()
    {
        using var it = DynamicModels.ValueReshape().BuildInterpreter();
        Assert.True(it.HasDynamicTensors);
        Assert.True(it.GetOutputTensor(0).IsDynamic);
        it.GetInputTensor(0).CopyFrom<float>([0, 1, 2, 3, 4, 5]);
        it.GetInputTensor(1).CopyFrom<int>([3, -1]);
        it.Invoke();
        // real TFLite: y [3, 2] = 1..6
        Assert.Equal([3, 2], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal([1f, 2, 3, 4, 5, 6], it.Output<float>(0));
        // once the shape settles nothing is allocated (the consumer is prepared again only when a shape changes)
        Assert.Equal(0, Allocations.OfInvoke(it, 3));
        it.GetInputTensor(1).CopyFrom<int>([1, 6]);
        it.Invoke();
        Assert.Equal([1, 6], it.GetOutputTensor(0).ShapeArray);
        it.GetInputTensor(1).CopyFrom<int>([4, 4]);
        var e = Assert.Throws<InterpreterException>(it.Invoke);
        Assert.Contains("RESHAPE", e.Message);
        it.GetInputTensor(1).CopyFrom<int>([2, 3]);
        it.Invoke();
        Assert.Equal([2, 3], it.GetOutputTensor(0).ShapeArray);
    }

    [Fact]
    public void WhereMatchesTflite()
    {
        using var it = DynamicModels.Where().BuildInterpreter();
        var c = new byte[] { 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0 };
        it.GetInputTensor(0).CopyFromBytes(c);
        it.Invoke();
        // real TFLite: int64 [5, 3]; the int32 copy's values
        Assert.Equal([5, 3], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal([0L, 0, 0, 0, 1, 1, 0, 2, 0, 0, 2, 1, 1, 2, 0], it.Output<long>(0));
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 2, 0, 0, 2, 1, 1, 2, 0], it.Output<int>(1));
        it.GetInputTensor(0).CopyFromBytes(new byte[12]);
        it.Invoke();
        Assert.Equal([0, 3], it.GetOutputTensor(0).ShapeArray);
        using var it32 = DynamicModels.WhereInt32().BuildInterpreter();
        it32.GetInputTensor(0).CopyFromBytes(c);
        it32.Invoke();
        Assert.Equal([5, 3], it32.GetOutputTensor(0).ShapeArray);
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 2, 0, 0, 2, 1, 1, 2, 0], it32.Output<int>(0));
    }

    [Fact]
    public void UniqueMatchesTflite()
    {
        using var it = DynamicModels.Unique().BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>([2.5f, -1, 2.5f, 7, 0, -1, -0f, 7, 3]);
        it.Invoke();
        // real TFLite: y [5], idx [9]
        Assert.Equal([2.5f, -1, 7, 0, 3], it.Output<float>(0));
        Assert.Equal([0, 1, 0, 2, 3, 1, 3, 2, 4], it.Output<int>(1));
    }

    [Fact]
    public void UniqueOnALargeInputIsFastAndMatchesFirstAppearanceOrder()
    {
        // 300k elements: the quadratic search would take minutes; the sort-based kernel milliseconds
        const int n = 300_000;
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Int32, [n]);
        b.Op(Fb.BuiltinOperator.UNIQUE, [x], [b.Output("y", TensorType.Int32, [n]), b.Output("idx", TensorType.Int64, [n])], Fb.BuiltinOptions.UniqueOptions,
            f => Fb.UniqueOptions.CreateUniqueOptions(f, Fb.TensorType.INT64).Value);
        using var it = b.BuildInterpreter();
        var values = new OpConformance.OpCases.Gen(5).Ints(n, -5000, 5000);
        it.GetInputTensor(0).CopyFrom<int>(values);
        it.Invoke();
        var expectedY = new List<int>(); var pos = new Dictionary<int, long>(); var expectedIdx = new long[n];
        for (int i = 0; i < n; i++)
        {
            if (!pos.TryGetValue(values[i], out var p)) { p = expectedY.Count; pos[values[i]] = p; expectedY.Add(values[i]); }
            expectedIdx[i] = p;
        }
        Assert.Equal(expectedY.ToArray(), it.Output<int>(0));
        Assert.Equal(expectedIdx, it.Output<long>(1));
        // NaN never equals itself: each NaN is its own value (TensorFlow's semantics; real TFLite's std::map lumps NaNs with
        // their neighbours, see Unique); -0 equals 0
        var f = new OpModelBuilder();
        int fx = f.Input("x", TensorType.Float32, [5]);
        f.Op(Fb.BuiltinOperator.UNIQUE, [fx], [f.Output("y", TensorType.Float32, [5]), f.Output("idx", TensorType.Int32, [5])]);
        using var fi = f.BuildInterpreter();
        fi.GetInputTensor(0).CopyFrom<float>([float.NaN, 0f, float.NaN, -0f, 1f]);
        fi.Invoke();
        Assert.Equal(4, fi.GetOutputTensor(0).Dim(0));
        Assert.Equal([0, 1, 2, 1, 3], fi.Output<int>(1));
    }

    [Fact]
    public void HostileSizesAreTypedErrorsNotHugeAllocations()
    {
        // RANGE 0 .. 2^31-1 step 1: 8 GiB of int32
        var b = new OpModelBuilder();
        int s = b.Input("start", TensorType.Int32, []); int l = b.Input("limit", TensorType.Int32, []); int d = b.Input("delta", TensorType.Int32, []);
        b.Op(Fb.BuiltinOperator.RANGE, [s, l, d], [b.Output("y", TensorType.Int32, [1])]);
        using (var it = b.BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<int>([0]); it.GetInputTensor(1).CopyFrom<int>([int.MaxValue]); it.GetInputTensor(2).CopyFrom<int>([1]);
            Assert.Contains("RANGE", Assert.Throws<InterpreterException>(it.Invoke).Message);
            it.GetInputTensor(2).CopyFrom<int>([0]);
            Assert.Contains("delta", Assert.Throws<InterpreterException>(it.Invoke).Message);
            it.GetInputTensor(1).CopyFrom<int>([10]); it.GetInputTensor(2).CopyFrom<int>([3]);
            it.Invoke();
            Assert.Equal([0, 3, 6, 9], it.Output<int>(0));
        }
        // FILL to [65536, 65536, 2]
        var f = new OpModelBuilder();
        int dims = f.Input("dims", TensorType.Int32, [3]); int v = f.Input("v", TensorType.Float32, []);
        f.Op(Fb.BuiltinOperator.FILL, [dims, v], [f.Output("y", TensorType.Float32, [1])]);
        using (var it = f.BuildInterpreter())
        {
            it.GetInputTensor(0).CopyFrom<int>([65536, 65536, 2]);
            Assert.Contains("FILL", Assert.Throws<InterpreterException>(it.Invoke).Message);
            it.GetInputTensor(0).CopyFrom<int>([-1, 2, 2]);
            Assert.Contains("FILL", Assert.Throws<InterpreterException>(it.Invoke).Message);
        }
        // TILE with a constant huge multiple: refused at AllocateTensors
        var t = new OpModelBuilder();
        int x = t.Input("x", TensorType.Float32, [4, 4]);
        int m = t.Constant("m", TensorType.Int32, [2], new[] { 1 << 20, 1 << 12 });
        t.Op(Fb.BuiltinOperator.TILE, [x, m], [t.Output("y", TensorType.Float32, [4, 4])]);
        var te = Assert.ThrowsAny<Exception>(() => t.BuildInterpreter());
        Assert.True(te is InterpreterException or ModelFormatException, te.GetType().Name);
        Assert.Contains("TILE", te.Message);
    }
}
