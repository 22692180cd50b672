using EdgeLite.Tests.Infrastructure;

namespace EdgeLite.Tests.Runtime;

/// <summary>
/// API misuse never crashes the process: every zoo model EdgeLite runs goes through every order of Dispose (model
/// first, interpreter first, twice, from another thread during an Invoke) and every call after Dispose. Disposing the
/// model first used to unmap the weights under a live interpreter (AccessViolation on MoveNet, hand_recrop, ...).
/// </summary>
public class MisuseTests
{
    public static TheoryData<string> RunnableModels()
    {
        var d = new TheoryData<string>();
        foreach (var p in SharedData.AllModels())
        {
            var stem = Path.GetFileNameWithoutExtension(p);
            if (stem != "model_invoking_error") d.Add(stem);
        }
        return d;
    }

    private static void Fill(Interpreter it)
    {
        var rng = new Random(7);
        for (int i = 0; i < it.InputCount; i++)
        {
            var t = it.GetInputTensor(i);
            if (t.Type == TensorType.Float32)
            {
                var f = t.AsSpan<float>();
                for (int k = 0; k < f.Length; k++) f[k] = (float)(rng.NextDouble() * 2 - 1);
            }
            else rng.NextBytes(t.AsBytes());
        }
    }

    private static byte[][] Outputs(Interpreter it) =>
        Enumerable.Range(0, it.OutputCount).Select(o => it.GetOutputTensor(o).AsBytes().ToArray()).ToArray();

    private static void AssertSame(byte[][] expected, byte[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++) Assert.True(expected[o].AsSpan().SequenceEqual(actual[o]), $"{what}: output {o} differs");
    }

    /// <summary>Every entry point of a disposed interpreter (and of its tensors) throws ObjectDisposedException.</summary>
    private static void AssertDisposed(Interpreter it, Tensor input, Tensor output, Tensor? constant)
    {
        Assert.True(it.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => it.Invoke());
        Assert.Throws<ObjectDisposedException>(() => it.AllocateTensors());
        Assert.Throws<ObjectDisposedException>(() => it.ResetVariableTensors());
        Assert.Throws<ObjectDisposedException>(() => it.ResizeInput(0, input.ShapeArray));
        Assert.Throws<ObjectDisposedException>(() => it.SetInput<byte>(0, new byte[input.ByteLength]));
        Assert.Throws<ObjectDisposedException>(() => it.GetOutput<byte>(0).ToArray());
        foreach (var t in new[] { input, output, constant })
        {
            if (t == null || t.ElementCount == 0) continue;
            Assert.Throws<ObjectDisposedException>(() => t.AsBytes().ToArray());
            Assert.Throws<ObjectDisposedException>(() => t.ToFloatArray());
            Assert.Throws<ObjectDisposedException>(() => t.ToArray<byte>());
        }
        if (input.ElementCount > 0)
        {
            Assert.Throws<ObjectDisposedException>(() => input.CopyFromBytes(new byte[input.ByteLength]));
            Assert.Throws<ObjectDisposedException>(() => input.AsSpan<byte>().Clear());
        }
        it.Dispose(); // twice: nothing
    }

    private static Tensor? AConstant(Interpreter it)
    {
        for (int i = 0; i < it.TensorCount; i++)
            if (it.GetTensor(i) is { IsConstant: true, ElementCount: > 0 } t && t.Type.ElementSize() > 0) return t;
        return null;
    }

    [Theory]
    [MemberData(nameof(RunnableModels))]
    public void EveryDisposeOrderIsSafe(string stem)
    {
        string path = SharedData.Model(stem);
        byte[][] expected;
        using (var model = EdgeLite.Model.FromFile(path))
        using (var it = new Interpreter(model))
        {
            it.AllocateTensors();
            Fill(it);
            it.Invoke();
            expected = Outputs(it);
        }

        // 1. The model disposed first, before AllocateTensors: the interpreter keeps the weights mapped and still runs.
        {
            var model = EdgeLite.Model.FromFile(path);
            var it = new Interpreter(model);
            model.Dispose();
            Assert.True(model.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => new Interpreter(model));
            Assert.Throws<ObjectDisposedException>(() => model.GetBuffer(0).ToArray());
            Assert.Throws<ObjectDisposedException>(() => model.GetFileBytes().ToArray());
            it.AllocateTensors();
            Fill(it);
            it.Invoke();
            AssertSame(expected, Outputs(it), $"{stem}, model disposed before AllocateTensors");
            var input = it.GetInputTensor(0); var output = it.GetOutputTensor(0); var constant = AConstant(it);
            if (constant != null) Assert.Equal(constant.ByteLength, constant.AsBytes().ToArray().Length); // weights still readable
            model.Dispose(); // twice: nothing
            it.Dispose();
            AssertDisposed(it, input, output, constant);
        }

        // 2. The model disposed after AllocateTensors, between invokes; AllocateTensors again re-reads the weights.
        {
            var model = EdgeLite.Model.FromFile(path);
            var it = new Interpreter(model);
            it.AllocateTensors();
            model.Dispose();
            it.AllocateTensors();
            Fill(it);
            it.Invoke();
            AssertSame(expected, Outputs(it), $"{stem}, model disposed after AllocateTensors");
            var input = it.GetInputTensor(0); var output = it.GetOutputTensor(0); var constant = AConstant(it);
            it.Dispose();
            AssertDisposed(it, input, output, constant);
        }

        // 3. The interpreter disposed first, then the model; also an interpreter never allocated.
        {
            var model = EdgeLite.Model.FromFile(path);
            var never = new Interpreter(model);
            var it = new Interpreter(model);
            it.AllocateTensors();
            Fill(it);
            var input = it.GetInputTensor(0); var output = it.GetOutputTensor(0); var constant = AConstant(it);
            it.Dispose();
            AssertDisposed(it, input, output, constant);
            model.Dispose();
            never.Dispose();
            AssertDisposed(never, never.GetInputTensor(0), never.GetOutputTensor(0), null);
            Assert.Throws<ObjectDisposedException>(() => new Interpreter(model));
        }

        // 4. Both disposed from another thread while an Invoke runs: the memory is freed when that Invoke returns.
        {
            var model = EdgeLite.Model.FromFile(path);
            var it = new Interpreter(model);
            it.AllocateTensors();
            Fill(it);
            var input = it.GetInputTensor(0); var output = it.GetOutputTensor(0);
            using var started = new ManualResetEventSlim();
            Exception? error = null;
            int completed = 0;
            var worker = new Thread(() =>
            {
                try
                {
                    started.Set();
                    while (true) { it.Invoke(); completed++; }
                }
                catch (Exception e) { error = e; }
            });
            worker.Start();
            started.Wait();
            Thread.Sleep(1);
            model.Dispose();
            it.Dispose();
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)), $"{stem}: the invoking thread did not stop");
            Assert.IsType<ObjectDisposedException>(error);
            AssertDisposed(it, input, output, null);
        }
    }

    [Fact]
    public void AnInterpreterThatLoadedItsModelReleasesItOnDispose()
    {
        var it = new Interpreter(SharedData.Model("mobilenet_v1_0.25_128_quant"));
        var model = it.Model;
        it.Dispose();
        Assert.True(model.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => model.GetFileBytes().ToArray());
        // a failing constructor releases the model it loaded
        Assert.Throws<UnsupportedOperatorException>(() => new Interpreter(SharedData.Model("model_invoking_error")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Interpreter(SharedData.Model("mobilenet_v1_0.25_128_quant"), new InterpreterOptions { Threads = 0 }));
    }

    /// <summary>A custom op whose Eval runs a callback: misuse from inside an Invoke, deterministically.</summary>
    private sealed class Hook(Action<KernelContext> during) : OpKernel
    {
        public override void Prepare(KernelContext context) => context.SetOutputShape(0, context.Input(0).Shape);
        public override void Eval(KernelContext context)
        {
            during(context);
            context.Input(0).AsSpan<float>().CopyTo(context.Output(0).AsSpan<float>());
        }
    }

    private static (EdgeLite.Model, Interpreter) HookModel(Func<Interpreter> self, Action<KernelContext> during)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [4]);
        int y = b.Output("y", TensorType.Float32, [4]);
        b.Custom("Hook", [x], [y], []);
        var model = EdgeLite.Model.FromBytes(b.Build());
        var it = new Interpreter(model, new InterpreterOptions { Resolver = OpResolver.CreateDefault().AddCustom("Hook", () => new Hook(during)) });
        return (model, it);
    }

    [Fact]
    public void ASecondThreadCallingInvokeDuringAnInvokeIsRefused()
    {
        Interpreter? it = null;
        Exception? fromOtherThread = null;
        (var model, it) = HookModel(() => it!, _ =>
        {
            var t = new Thread(() =>
            {
                try { it!.Invoke(); } catch (Exception e) { fromOtherThread = e; }
            });
            t.Start(); t.Join();
        });
        using (model)
        using (it)
        {
            it.AllocateTensors();
            it.GetInputTensor(0).CopyFrom<float>([1, 2, 3, 4]);
            it.Invoke();
            Assert.IsType<InvalidOperationException>(fromOtherThread);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, it.GetOutputTensor(0).ToArray<float>());
            it.Invoke(); // the interpreter is free again
        }
    }

    [Fact]
    public void DisposeFromInsideInvokeFreesAfterTheInvoke()
    {
        Interpreter? it = null;
        (var model, it) = HookModel(() => it!, _ => { it!.Dispose(); });
        model.Dispose();
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFrom<float>([1, 2, 3, 4]);
        it.Invoke(); // disposes itself mid-way; the kernel still writes its output
        Assert.Throws<ObjectDisposedException>(() => it.GetOutputTensor(0).ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => it.Invoke());
    }
}
