using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Runtime;

/// <summary>
/// IF, WHILE, CALL_ONCE and resource variables against real TFLite's outputs for the same files (see
/// <see cref="ControlFlowModels"/>; the dynamic-shape cases were run with the tfjs-tflite runtime, whose interpreter
/// reports the shapes of dynamic outputs after Invoke).
/// </summary>
public class ControlFlowTests
{
    [Fact]
    public void DumpControlFlowModels()
    {
        // Writes the test models for real TFLite when EDGELITE_DUMP_MODELS is set (see ControlFlowModels); else checks they build.
        var dir = Environment.GetEnvironmentVariable("EDGELITE_DUMP_MODELS");
        foreach (var (name, make) in ControlFlowModels.All)
        {
            var bytes = make().Build();
            using var m = Model.FromBytes(bytes);
            Assert.True(m.Subgraphs.Count >= 2, name);
            if (dir != null) { Directory.CreateDirectory(dir); File.WriteAllBytes(Path.Combine(dir, name + ".tflite"), bytes); }
        }
    }

    [Fact]
    public void WhileWithStaticShapesMatchesTfliteAndAllocatesNothing()
    {
        using var it = ControlFlowModels.WhileStatic().BuildInterpreter();
        Assert.False(it.HasDynamicTensors);
        it.GetInputTensor(0).CopyFrom<int>([0]);
        it.GetInputTensor(1).CopyFrom<float>([1, 2, 3, -4, 0.5f, -0.25f]);
        it.Invoke();
        Assert.Equal([5], it.Output<int>(0));
        // real TFLite (LiteRT 2.5.3): 2.5^5 times the input
        Assert.Equal([97.65625f, 195.3125f, 292.96875f, -390.625f, 48.828125f, -24.4140625f], it.Output<float>(1));
        Assert.Equal([2, 3], it.GetOutputTensor(1).ShapeArray);
        it.GetInputTensor(0).CopyFrom<int>([3]);
        it.Invoke();
        Assert.Equal([5], it.Output<int>(0));
        Assert.Equal(6.25f, it.Output<float>(1)[0]);
        Assert.Equal(0, Allocations.OfInvoke(it, 3));
        // zero iterations: the outputs are the inputs
        it.GetInputTensor(0).CopyFrom<int>([5]);
        it.Invoke();
        Assert.Equal([1f, 2, 3, -4, 0.5f, -0.25f], it.Output<float>(1));
    }

    [Fact]
    public void WhileWhoseLoopValueGrowsGetsDynamicOutputs()
    {
        using var it = ControlFlowModels.WhileGrowing().BuildInterpreter();
        Assert.True(it.HasDynamicTensors);
        Assert.True(it.GetOutputTensor(1).IsDynamic);
        it.GetInputTensor(0).CopyFrom<int>([0]);
        it.GetInputTensor(1).CopyFrom<float>([1, -3]);
        it.Invoke();
        // real TFLite (tfjs-tflite interpreter): i_out [1] = 3, x_out [16]
        Assert.Equal([3], it.Output<int>(0));
        Assert.Equal([16], it.GetOutputTensor(1).ShapeArray);
        Assert.Equal([1f, -3, 2, -6, 2, -6, 4, -12, 2, -6, 4, -12, 4, -12, 8, -24], it.Output<float>(1));
        // fewer iterations: the output shrinks again
        it.GetInputTensor(0).CopyFrom<int>([2]);
        it.Invoke();
        Assert.Equal([4], it.GetOutputTensor(1).ShapeArray);
        Assert.Equal([1f, -3, 2, -6], it.Output<float>(1));
        it.GetInputTensor(0).CopyFrom<int>([3]);
        it.Invoke();
        Assert.Equal([1f, -3], it.Output<float>(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void NestedIfInsideAWhileBody(int threads)
    {
        using var it = ControlFlowModels.WhileWithIf().BuildInterpreter(threads);
        Assert.False(it.HasDynamicTensors);
        it.GetInputTensor(0).CopyFrom<int>([0]);
        it.GetInputTensor(1).CopyFrom<float>([1, -3]);
        it.Invoke();
        // real TFLite (LiteRT 2.5.3): i_out 4, x_out [7, -9]
        Assert.Equal([4], it.Output<int>(0));
        Assert.Equal([7f, -9], it.Output<float>(1));
        it.GetInputTensor(0).CopyFrom<int>([1]);
        it.Invoke();
        Assert.Equal([5f, -3], it.Output<float>(1)); // i = 1, 2, 3: odd, even, odd: (x + 1)·2 + 1
        Assert.Equal(0, Allocations.OfInvoke(it, 2));
    }

    [Fact]
    public void IfRunsTheChosenBranch()
    {
        using var it = ControlFlowModels.IfSameShapes().BuildInterpreter();
        Assert.False(it.HasDynamicTensors);
        it.GetInputTensor(1).CopyFrom<float>([1.5f, -2, 3, 0.25f]);
        it.GetInputTensor(0).CopyFrom<byte>([1]);
        it.Invoke();
        Assert.Equal([4f, -3, 7, 1.5f], it.Output<float>(0)); // real TFLite, c = true
        it.GetInputTensor(0).CopyFrom<byte>([0]);
        it.Invoke();
        Assert.Equal([3.25f, 5, 10, 1.0625f], it.Output<float>(0)); // real TFLite, c = false
        Assert.Equal(0, Allocations.OfInvoke(it, 2));
    }

    [Fact]
    public void IfWithBranchesOfDifferentShapesIsDynamic()
    {
        using var it = ControlFlowModels.IfDifferentShapes().BuildInterpreter();
        Assert.True(it.GetOutputTensor(0).IsDynamic);
        it.GetInputTensor(1).CopyFrom<float>([1, 2, 3]);
        it.GetInputTensor(0).CopyFrom<byte>([1]);
        it.Invoke();
        Assert.Equal([6], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal([1f, 2, 3, 1, 2, 3], it.Output<float>(0));
        it.GetInputTensor(0).CopyFrom<byte>([0]);
        it.Invoke();
        Assert.Equal([3], it.GetOutputTensor(0).ShapeArray);
        Assert.Equal([1f, 2, 3], it.Output<float>(0));
    }

    [Fact]
    public void CallOnceInitialisesAResourceVariableThatPersistsAcrossInvokes()
    {
        using var it = ControlFlowModels.Accumulator().BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<float>([1, 2]);
        it.Invoke();
        Assert.Equal([11f, 22], it.Output<float>(0)); // real TFLite's first invoke
        it.Invoke();
        Assert.Equal([12f, 24], it.Output<float>(0));
        // TFLite keeps resource variables and the CALL_ONCE status across ResetVariableTensors and AllocateTensors
        it.ResetVariableTensors();
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFrom<float>([1, 2]);
        it.Invoke();
        Assert.Equal([13f, 26], it.Output<float>(0));
        // the shapes settle after the first invoke: no allocation afterwards
        Assert.Equal(0, Allocations.OfInvoke(it, 3));
        // a second interpreter on the same model has its own variables
        using var other = new Interpreter(it.Model);
        other.AllocateTensors();
        other.GetInputTensor(0).CopyFrom<float>([0, 0]);
        other.Invoke();
        Assert.Equal([10f, 20], other.Output<float>(0));
    }

    [Fact]
    public void SignatureRunnersRunTheirOwnSubgraphs()
    {
        // two entry points: "square" = subgraph 0 (x * x), "add_one" = subgraph 1 (x + 1, an input resized at run time)
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [3]);
        int y = b.Output("y", TensorType.Float32, [3]);
        b.Op(Fb.BuiltinOperator.MUL, [x, x], [y], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f).Value);
        var g = b.AddSubgraph("add_one");
        int gx = g.Input("v", TensorType.Float32, [2], shapeSignature: [-1]);
        int one = g.Constant("one", TensorType.Float32, [1], new[] { 1f });
        int gy = g.Output("w", TensorType.Float32, [2]);
        g.Op(Fb.BuiltinOperator.ADD, [gx, one], [gy], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value);
        b.AddSignature("square", b, [("in", x)], [("out", y)]);
        b.AddSignature("add_one", g, [("in", gx)], [("out", gy)]);
        using var it = b.BuildInterpreter();
        var add = it.GetSignatureRunner("add_one");
        add.ResizeInput("in", [4]);
        add.AllocateTensors();
        add.GetInput("in").CopyFrom<float>([1, 2, 3, 4]);
        add.Invoke();
        Assert.Equal([2f, 3, 4, 5], add.GetOutput("out").ToArray<float>());
        var sq = it.GetSignatureRunner("square");
        sq.GetInput("in").CopyFrom<float>([1, -2, 3]);
        sq.Invoke();
        Assert.Equal([1f, 4, 9], sq.GetOutput("out").ToArray<float>());
        Assert.Equal([2f, 3, 4, 5], add.GetOutput("out").ToArray<float>()); // each subgraph has its own arena
        Assert.Throws<ArgumentException>(() => it.GetSignatureRunner("nope"));
    }

    [Fact]
    public void ReadingAVariableNeverAssignedIsATypedError()
    {
        var b = new OpModelBuilder();
        int h = b.Intermediate("h", TensorType.Resource, []);
        b.Op(Fb.BuiltinOperator.VAR_HANDLE, [], [h], Fb.BuiltinOptions.VarHandleOptions,
            f => Fb.VarHandleOptions.CreateVarHandleOptions(f, default, f.CreateString("v")).Value);
        int y = b.Output("y", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.READ_VARIABLE, [h], [y]);
        using var it = b.BuildInterpreter();
        var e = Assert.Throws<InterpreterException>(it.Invoke);
        Assert.Contains("READ_VARIABLE", e.Message);
        Assert.Contains("'v'", e.Message);
    }

    [Fact]
    public void ASubgraphCallingItselfIsRefused()
    {
        // subgraph 1's IF calls subgraph 1 again
        var b = new OpModelBuilder();
        var g = b.AddSubgraph("self");
        {
            int c = g.Input("c", TensorType.Bool, [1]);
            int x = g.Input("x", TensorType.Float32, [2]);
            int y = g.Output("y", TensorType.Float32, [2]);
            g.Op(Fb.BuiltinOperator.IF, [c, c, x], [y], Fb.BuiltinOptions.IfOptions, f => Fb.IfOptions.CreateIfOptions(f, 1, 1).Value);
        }
        int mc = b.Input("c", TensorType.Bool, [1]);
        int mx = b.Input("x", TensorType.Float32, [2]);
        int my = b.Output("y", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.IF, [mc, mc, mx], [my], Fb.BuiltinOptions.IfOptions, f => Fb.IfOptions.CreateIfOptions(f, 1, 1).Value);
        var e = Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
        Assert.Contains("calls itself", e.Message);
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(200, true)]
    public void DeeplyNestedSubgraphsAreBoundedNotAStackOverflow(int depth, bool refused)
    {
        // subgraph k's IF calls subgraph k + 1 (both branches); the last one passes x through
        var b = new OpModelBuilder();
        var graphs = Enumerable.Range(0, depth).Select(k => b.AddSubgraph($"level{k}")).ToArray();
        for (int k = 0; k < depth; k++)
        {
            var g = graphs[k];
            int c = g.Input("c", TensorType.Bool, [1]);
            int x = g.Input("x", TensorType.Float32, [2]);
            if (k == depth - 1) { g.MarkOutput(x); continue; }
            int next = graphs[k + 1].SubgraphIndex;
            g.Op(Fb.BuiltinOperator.IF, [c, c, x], [g.Output("y", TensorType.Float32, [2])], Fb.BuiltinOptions.IfOptions,
                f => Fb.IfOptions.CreateIfOptions(f, next, next).Value);
        }
        int mc = b.Input("c", TensorType.Bool, [1]);
        int mx = b.Input("x", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.IF, [mc, mc, mx], [b.Output("y", TensorType.Float32, [2])], Fb.BuiltinOptions.IfOptions,
            f => Fb.IfOptions.CreateIfOptions(f, graphs[0].SubgraphIndex, graphs[0].SubgraphIndex).Value);
        if (refused) { Assert.Contains("nested", Assert.Throws<ModelFormatException>(() => b.BuildInterpreter()).Message); return; }
        using var it = b.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<byte>([1]);
        it.GetInputTensor(1).CopyFrom<float>([3, 4]);
        it.Invoke();
        Assert.Equal([3f, 4], it.Output<float>(0));
    }

    [Fact]
    public void MismatchedSubgraphsAreTypedErrorsNamingTheOperator()
    {
        // body with one output for two loop values
        var b = new OpModelBuilder();
        var cond = b.AddSubgraph("cond");
        { int ci = cond.Input("i", TensorType.Int32, [1]); cond.Input("x", TensorType.Float32, [2]); cond.Op(Fb.BuiltinOperator.CAST, [ci], [cond.Output("go", TensorType.Bool, [1])]); }
        var body = b.AddSubgraph("body");
        { int i = body.Input("i", TensorType.Int32, [1]); body.Input("x", TensorType.Float32, [2]); body.MarkOutput(i); }
        int mi = b.Input("i", TensorType.Int32, [1]);
        int mx = b.Input("x", TensorType.Float32, [2]);
        int oi = b.Output("i_out", TensorType.Int32, [1]);
        int ox = b.Output("x_out", TensorType.Float32, [2]);
        b.Op(Fb.BuiltinOperator.WHILE, [mi, mx], [oi, ox], Fb.BuiltinOptions.WhileOptions, f => Fb.WhileOptions.CreateWhileOptions(f, 1, 2).Value);
        var e = Assert.Throws<ModelFormatException>(() => b.BuildInterpreter());
        Assert.Contains("WHILE", e.Message);

        var b2 = new OpModelBuilder();
        int c = b2.Input("c", TensorType.Bool, [1]);
        int x = b2.Input("x", TensorType.Float32, [2]);
        int y = b2.Output("y", TensorType.Float32, [2]);
        b2.Op(Fb.BuiltinOperator.IF, [c, x], [y], Fb.BuiltinOptions.IfOptions, f => Fb.IfOptions.CreateIfOptions(f, 7, 1).Value);
        e = Assert.Throws<ModelFormatException>(() => b2.BuildInterpreter());
        Assert.Contains("out of range", e.Message);
    }

}
