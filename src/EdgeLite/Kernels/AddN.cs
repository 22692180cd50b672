namespace EdgeLite.Kernels;

/// <summary>ADD_N: the element-wise sum of N inputs of one shape (no broadcasting), float32 or int32 (wrapping), as TFLite.</summary>
internal sealed unsafe class AddN : OpKernel
{
    private TensorType _type;

    public override void Prepare(KernelContext context)
    {
        if (context.InputCount < 1) throw context.Invalid("no inputs");
        var x0 = context.Input(0); var y = context.Output(0);
        _type = x0.Type;
        if (_type is not (TensorType.Float32 or TensorType.Int32)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        for (int i = 0; i < context.InputCount; i++)
        {
            var x = context.Input(i);
            if (x.Type != _type) throw context.Invalid($"input {i} is {x.Type.ToDTypeName()}, input 0 {_type.ToDTypeName()}");
            if (!x.Shape.SequenceEqual(x0.Shape)) throw context.Invalid($"input {i} {x} has another shape than input 0 {x0}");
        }
        if (y.Type != _type) throw context.Invalid($"output is {y.Type.ToDTypeName()}");
        context.SetOutputShape(0, x0.Shape);
    }

    public override void Eval(KernelContext context)
    {
        int n = context.Input(0).ElementCount, inputs = context.InputCount;
        byte* y = context.Output(0).DataPointer;
        if (_type == TensorType.Float32)
        {
            float* yf = (float*)y;
            new Span<float>(yf, n).Clear();
            for (int k = 0; k < inputs; k++)
            {
                float* x = (float*)context.Input(k).DataPointer;
                for (int i = 0; i < n; i++) yf[i] += x[i];
            }
        }
        else
        {
            int* yi = (int*)y;
            new Span<int>(yi, n).Clear();
            for (int k = 0; k < inputs; k++)
            {
                int* x = (int*)context.Input(k).DataPointer;
                for (int i = 0; i < n; i++) yi[i] = unchecked(yi[i] + x[i]);
            }
        }
    }
}
