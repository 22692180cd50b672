using EdgeLite.Tests.Infrastructure;

namespace EdgeLite.Tests.Runtime;

/// <summary>The documented way to add a custom operator (docs/custom-ops.md), through the public API only.</summary>
public class CustomOpTests
{
    /// <summary>y = x * factor + offset, float32; factor and offset come from the FlexBuffer custom options.</summary>
    private sealed class ScaleShift : OpKernel
    {
        private float _factor, _offset;

        public override void Prepare(KernelContext context)
        {
            var options = FlexBufferMap.Parse(context.CustomOptions);
            _factor = (float)options.GetFloat("factor", 1);
            _offset = (float)options.GetFloat("offset", 0);
            var x = context.Input(0);
            if (x.Type != TensorType.Float32) throw context.Unsupported($"input type {x.Type}");
            context.SetOutputShape(0, x.Shape);
        }

        public override void Eval(KernelContext context)
        {
            var x = context.Input(0).AsSpan<float>();
            var y = context.Output(0).AsSpan<float>();
            for (int i = 0; i < x.Length; i++) y[i] = x[i] * _factor + _offset;
        }
    }

    private static byte[] Model()
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", TensorType.Float32, [2, 3]);
        int y = b.Output("y", TensorType.Float32, [2, 3]);
        b.Custom("ScaleShift", [x], [y], FlexMapWriter.Write(new Dictionary<string, object> { ["factor"] = 2.0, ["offset"] = 0.5 }));
        return b.Build();
    }

    [Fact]
    public void ARegisteredCustomOpRuns()
    {
        var resolver = OpResolver.CreateDefault().AddCustom("ScaleShift", () => new ScaleShift());
        using var model = EdgeLite.Model.FromBytes(Model());
        using var it = new Interpreter(model, new InterpreterOptions { Resolver = resolver });
        it.AllocateTensors();
        it.GetInputTensor(0).CopyFrom<float>([1, 2, 3, -1, 0, 10]);
        it.Invoke();
        Assert.Equal(new[] { 2.5f, 4.5f, 6.5f, -1.5f, 0.5f, 20.5f }, it.GetOutputTensor(0).ToArray<float>());
    }

    [Fact]
    public void AnUnregisteredCustomOpIsNamedBeforeAnythingRuns()
    {
        using var model = EdgeLite.Model.FromBytes(Model());
        var e = Assert.Throws<UnsupportedOperatorException>(() => new Interpreter(model));
        Assert.Contains("ScaleShift", e.Message);
    }
}
