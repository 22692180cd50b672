namespace EdgeLite.Kernels.MediaPipe;

/// <summary>
/// MediaPipe's custom <c>TransformLandmarks</c> (version 2): applies the first two rows of a 4×4 matrix [1, 4, 4]
/// to landmarks [1, N, D] (D = 2: x, y; D = 3: x, y, z): x' = m00·x + m01·y + m03, y' = m10·x + m11·y + m13
/// (z enters the product as 0 and is copied unchanged). No options; output shape = input shape.
/// </summary>
internal sealed unsafe class TransformLandmarks : OpKernel
{
    /// <summary>The custom code.</summary>
    public const string CustomCode = "TransformLandmarks";

    private int _n, _d;

    public override void Prepare(KernelContext context)
    {
        if (context.Operator.Version != 2) throw context.Unsupported($"version {context.Operator.Version} (only version 2, MediaPipe's CPU kernel, is implemented)");
        if (context.InputCount != 2 || context.OutputCount != 1) throw context.Invalid($"expects 2 inputs and 1 output, has {context.InputCount} and {context.OutputCount}");
        var x = context.Input(0); var m = context.Input(1); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || m.Type != TensorType.Float32 || y.Type != TensorType.Float32)
            throw context.Unsupported($"{x.Type.ToDTypeName()} landmarks, {m.Type.ToDTypeName()} matrix, {y.Type.ToDTypeName()} output (float32 only)");
        if (x.Rank != 3 || x.Dim(0) != 1 || x.Dim(2) is not (2 or 3)) throw context.Invalid($"landmarks {x} (expected [1, N, 2] or [1, N, 3])");
        if (m.ElementCount != 16) throw context.Invalid($"matrix {m} (expected [1, 4, 4])");
        _n = x.Dim(1); _d = x.Dim(2);
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, m = (float*)context.Input(1).DataPointer, y = (float*)context.Output(0).DataPointer;
        float a0 = m[0], a1 = m[1], a2 = m[2], a3 = m[3], b0 = m[4], b1 = m[5], b2 = m[6], b3 = m[7];
        for (int i = 0; i < _n; i++)
        {
            float* p = x + (long)i * _d, q = y + (long)i * _d;
            float px = p[0], py = p[1];
            if (_d == 3) q[2] = p[2];
            q[0] = a0 * px + a1 * py + a2 * 0f + a3 * 1f;
            q[1] = b0 * px + b1 * py + b2 * 0f + b3 * 1f;
        }
    }
}
