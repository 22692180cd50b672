using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Runtime;

/// <summary>
/// Small multi-subgraph models (IF, WHILE, CALL_ONCE, resource variables) built with <see cref="OpModelBuilder"/>.
/// The expected values in <see cref="ControlFlowTests"/> are real TFLite's outputs for these exact files
/// (written by <c>EDGELITE_DUMP_MODELS=DIR dotnet test --filter DumpControlFlowModels</c>, run with
/// ../shared/tools/tflite-reference/run.sh run --model DIR/NAME.tflite --input ...).
/// </summary>
internal static class ControlFlowModels
{
    private static int Add(OpModelBuilder g, int a, int b, int y) { g.Op(Fb.BuiltinOperator.ADD, [a, b], [y], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value); return y; }
    private static int Mul(OpModelBuilder g, int a, int b, int y) { g.Op(Fb.BuiltinOperator.MUL, [a, b], [y], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f).Value); return y; }

    /// <summary>cond(i, x) = bool(limit - i): true while i != limit.</summary>
    private static void CounterCond(OpModelBuilder c, int limit, int[] xShape, int[]? xSig = null)
    {
        int i = c.Input("i", TensorType.Int32, [1]);
        c.Input("x", TensorType.Float32, xShape, shapeSignature: xSig);
        int lim = c.Constant("limit", TensorType.Int32, [1], new[] { limit });
        int d = c.Intermediate("left", TensorType.Int32, [1]);
        c.Op(Fb.BuiltinOperator.SUB, [lim, i], [d], Fb.BuiltinOptions.SubOptions, f => Fb.SubOptions.CreateSubOptions(f).Value);
        int b = c.Output("go", TensorType.Bool, [1]);
        c.Op(Fb.BuiltinOperator.CAST, [d], [b]);
    }

    /// <summary>
    /// WHILE (i, x): while i != 5 { i += 1; x = x * 1.5 + x }. Loop-carried shapes stay the same: static outputs.
    /// Inputs i int32[1], x float32[2,3]; outputs i, x.
    /// </summary>
    public static OpModelBuilder WhileStatic()
    {
        var b = new OpModelBuilder();
        var cond = b.AddSubgraph("cond");
        CounterCond(cond, 5, [2, 3]);
        var body = b.AddSubgraph("body");
        {
            int i = body.Input("i", TensorType.Int32, [1]);
            int x = body.Input("x", TensorType.Float32, [2, 3]);
            int one = body.Constant("one", TensorType.Int32, [1], new[] { 1 });
            int k = body.Constant("k", TensorType.Float32, [1], new[] { 1.5f });
            Add(body, i, one, body.Output("i_next", TensorType.Int32, [1]));
            int t = Mul(body, x, k, body.Intermediate("t", TensorType.Float32, [2, 3]));
            Add(body, t, x, body.Output("x_next", TensorType.Float32, [2, 3]));
        }
        int mi = b.Input("i", TensorType.Int32, [1]);
        int mx = b.Input("x", TensorType.Float32, [2, 3]);
        int oi = b.Output("i_out", TensorType.Int32, [1]);
        int ox = b.Output("x_out", TensorType.Float32, [2, 3]);
        b.Op(Fb.BuiltinOperator.WHILE, [mi, mx], [oi, ox], Fb.BuiltinOptions.WhileOptions,
            f => Fb.WhileOptions.CreateWhileOptions(f, cond.SubgraphIndex, body.SubgraphIndex).Value);
        return b;
    }

    /// <summary>
    /// WHILE (i, x): while i != 3 { i += 1; x = concat(x, x * 2) } — x doubles in length every iteration, so the loop
    /// runs with dynamic shapes. Inputs i int32[1], x float32[2]; x_out is [16] after 3 iterations from i = 0.
    /// </summary>
    public static OpModelBuilder WhileGrowing()
    {
        var b = new OpModelBuilder();
        var cond = b.AddSubgraph("cond");
        CounterCond(cond, 3, [2], [-1]);
        var body = b.AddSubgraph("body");
        {
            int i = body.Input("i", TensorType.Int32, [1]);
            int x = body.Input("x", TensorType.Float32, [2], shapeSignature: [-1]);
            int one = body.Constant("one", TensorType.Int32, [1], new[] { 1 });
            int two = body.Constant("two", TensorType.Float32, [1], new[] { 2f });
            Add(body, i, one, body.Output("i_next", TensorType.Int32, [1]));
            int t = Mul(body, x, two, body.Intermediate("t", TensorType.Float32, [2]));
            int y = body.Output("x_next", TensorType.Float32, [4]);
            body.Op(Fb.BuiltinOperator.CONCATENATION, [x, t], [y], Fb.BuiltinOptions.ConcatenationOptions,
                f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 0).Value);
        }
        int mi = b.Input("i", TensorType.Int32, [1]);
        int mx = b.Input("x", TensorType.Float32, [2]);
        int oi = b.Output("i_out", TensorType.Int32, [1]);
        int ox = b.Output("x_out", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.WHILE, [mi, mx], [oi, ox], Fb.BuiltinOptions.WhileOptions,
            f => Fb.WhileOptions.CreateWhileOptions(f, cond.SubgraphIndex, body.SubgraphIndex).Value);
        return b;
    }

    /// <summary>IF (c, x): c ? x + x : x * x, then + 1 in the main graph. Inputs c bool[1], x float32[4]; output y.</summary>
    public static OpModelBuilder IfSameShapes()
    {
        var b = new OpModelBuilder();
        var then = b.AddSubgraph("then");
        { int x = then.Input("x", TensorType.Float32, [4]); Add(then, x, x, then.Output("y", TensorType.Float32, [4])); }
        var els = b.AddSubgraph("else");
        { int x = els.Input("x", TensorType.Float32, [4]); Mul(els, x, x, els.Output("y", TensorType.Float32, [4])); }
        int c = b.Input("c", TensorType.Bool, [1]);
        int mx = b.Input("x", TensorType.Float32, [4]);
        int r = b.Intermediate("r", TensorType.Float32, [4]);
        b.Op(Fb.BuiltinOperator.IF, [c, mx], [r], Fb.BuiltinOptions.IfOptions,
            f => Fb.IfOptions.CreateIfOptions(f, then.SubgraphIndex, els.SubgraphIndex).Value);
        int one = b.Constant("one", TensorType.Float32, [1], new[] { 1f });
        Add(b, r, one, b.Output("y", TensorType.Float32, [4]));
        return b;
    }

    /// <summary>
    /// IF (c, x) with branches of different output shapes: then = concat(x, x) ([6]), else = x ([3], passed through):
    /// the output is dynamic. Inputs c bool[1], x float32[3].
    /// </summary>
    public static OpModelBuilder IfDifferentShapes()
    {
        var b = new OpModelBuilder();
        var then = b.AddSubgraph("then");
        {
            int x = then.Input("x", TensorType.Float32, [3]);
            int y = then.Output("y", TensorType.Float32, [6]);
            then.Op(Fb.BuiltinOperator.CONCATENATION, [x, x], [y], Fb.BuiltinOptions.ConcatenationOptions,
                f => Fb.ConcatenationOptions.CreateConcatenationOptions(f, 0).Value);
        }
        var els = b.AddSubgraph("else");
        { int x = els.Input("x", TensorType.Float32, [3]); els.MarkOutput(x); }
        int c = b.Input("c", TensorType.Bool, [1]);
        int mx = b.Input("x", TensorType.Float32, [3]);
        int r = b.Output("y", TensorType.Float32, [3]);
        b.Op(Fb.BuiltinOperator.IF, [c, mx], [r], Fb.BuiltinOptions.IfOptions,
            f => Fb.IfOptions.CreateIfOptions(f, then.SubgraphIndex, els.SubgraphIndex).Value);
        return b;
    }

    /// <summary>
    /// The shape of a stateful TF model: CALL_ONCE(init) assigns [10, 20] to variable "acc" once; every Invoke then
    /// reads acc, outputs acc + x and assigns that back. Input x float32[2]; output y float32[2].
    /// </summary>
    public static OpModelBuilder Accumulator()
    {
        var b = new OpModelBuilder();
        var init = b.AddSubgraph("init");
        {
            int h = init.Intermediate("h", TensorType.Resource, []);
            init.Op(Fb.BuiltinOperator.VAR_HANDLE, [], [h], Fb.BuiltinOptions.VarHandleOptions,
                f => Fb.VarHandleOptions.CreateVarHandleOptions(f, f.CreateString(""), f.CreateString("acc")).Value);
            int v = init.Constant("start", TensorType.Float32, [2], new[] { 10f, 20f });
            init.Op(Fb.BuiltinOperator.ASSIGN_VARIABLE, [h, v], [], Fb.BuiltinOptions.AssignVariableOptions,
                f => { Fb.AssignVariableOptions.StartAssignVariableOptions(f); return Fb.AssignVariableOptions.EndAssignVariableOptions(f).Value; });
        }
        b.Op(Fb.BuiltinOperator.CALL_ONCE, [], [], Fb.BuiltinOptions.CallOnceOptions,
            f => Fb.CallOnceOptions.CreateCallOnceOptions(f, init.SubgraphIndex).Value);
        int x = b.Input("x", TensorType.Float32, [2]);
        int mh = b.Intermediate("h", TensorType.Resource, []);
        b.Op(Fb.BuiltinOperator.VAR_HANDLE, [], [mh], Fb.BuiltinOptions.VarHandleOptions,
            f => Fb.VarHandleOptions.CreateVarHandleOptions(f, f.CreateString(""), f.CreateString("acc")).Value);
        int r = b.Intermediate("read", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.READ_VARIABLE, [mh], [r], Fb.BuiltinOptions.ReadVariableOptions,
            f => { Fb.ReadVariableOptions.StartReadVariableOptions(f); return Fb.ReadVariableOptions.EndReadVariableOptions(f).Value; });
        int y = Add(b, r, x, b.Output("y", TensorType.Float32, [2]));
        b.Op(Fb.BuiltinOperator.ASSIGN_VARIABLE, [mh, y], [], Fb.BuiltinOptions.AssignVariableOptions,
            f => { Fb.AssignVariableOptions.StartAssignVariableOptions(f); return Fb.AssignVariableOptions.EndAssignVariableOptions(f).Value; });
        return b;
    }

    /// <summary>
    /// Nested control flow: WHILE (i, x) while i &lt; 4 { x = IF(i mod 2 == 0, x) [then x * 2, else x + 1]; i += 1 }.
    /// Inputs i int32[1], x float32[2]; from i = 0: x → ((x·2 + 1)·2 + 1).
    /// </summary>
    public static OpModelBuilder WhileWithIf()
    {
        var b = new OpModelBuilder();
        var cond = b.AddSubgraph("cond");
        {
            int i = cond.Input("i", TensorType.Int32, [1]);
            cond.Input("x", TensorType.Float32, [2]);
            int four = cond.Constant("four", TensorType.Int32, [1], new[] { 4 });
            cond.Op(Fb.BuiltinOperator.LESS, [i, four], [cond.Output("go", TensorType.Bool, [1])]);
        }
        var body = b.AddSubgraph("body");
        var then = b.AddSubgraph("double");
        { int x = then.Input("x", TensorType.Float32, [2]); int two = then.Constant("two", TensorType.Float32, [1], new[] { 2f }); Mul(then, x, two, then.Output("y", TensorType.Float32, [2])); }
        var els = b.AddSubgraph("increment");
        { int x = els.Input("x", TensorType.Float32, [2]); int one = els.Constant("one", TensorType.Float32, [1], new[] { 1f }); Add(els, x, one, els.Output("y", TensorType.Float32, [2])); }
        {
            int i = body.Input("i", TensorType.Int32, [1]);
            int x = body.Input("x", TensorType.Float32, [2]);
            int two = body.Constant("two", TensorType.Int32, [1], new[] { 2 });
            int zero = body.Constant("zero", TensorType.Int32, [1], new[] { 0 });
            int one = body.Constant("one", TensorType.Int32, [1], new[] { 1 });
            int m = body.Intermediate("m", TensorType.Int32, [1]);
            body.Op(Fb.BuiltinOperator.FLOOR_MOD, [i, two], [m]);
            int even = body.Intermediate("even", TensorType.Bool, [1]);
            body.Op(Fb.BuiltinOperator.EQUAL, [m, zero], [even]);
            Add(body, i, one, body.Output("i_next", TensorType.Int32, [1]));
            int y = body.Output("x_next", TensorType.Float32, [2]);
            body.Op(Fb.BuiltinOperator.IF, [even, x], [y], Fb.BuiltinOptions.IfOptions,
                f => Fb.IfOptions.CreateIfOptions(f, then.SubgraphIndex, els.SubgraphIndex).Value);
        }
        int mi = b.Input("i", TensorType.Int32, [1]);
        int mx = b.Input("x", TensorType.Float32, [2]);
        int oi = b.Output("i_out", TensorType.Int32, [1]);
        int ox = b.Output("x_out", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.WHILE, [mi, mx], [oi, ox], Fb.BuiltinOptions.WhileOptions,
            f => Fb.WhileOptions.CreateWhileOptions(f, cond.SubgraphIndex, body.SubgraphIndex).Value);
        return b;
    }

    public static readonly (string Name, Func<OpModelBuilder> Make)[] All =
    [
        ("while_with_if", WhileWithIf),
        ("while_static", WhileStatic), ("while_growing", WhileGrowing), ("if_same_shapes", IfSameShapes),
        ("if_different_shapes", IfDifferentShapes), ("accumulator", Accumulator),
    ];
}
