using System.Runtime.Intrinsics;

namespace EdgeLite.Kernels;

/// <summary>The functions of <see cref="UnaryMath"/>.</summary>
internal enum UnaryMathKind { Floor, Ceil, Round, Sign, Sin, Cos, ZerosLike }

/// <summary>
/// FLOOR, CEIL, ROUND (half to even, as TFLite's RoundToNearest), SIN, COS on float32; SIGN on float32 and int32;
/// ZEROS_LIKE on float32, int32 and int64 — the types TFLite's kernels take. Same shape in and out.
/// </summary>
internal sealed unsafe class UnaryMath(UnaryMathKind kind) : OpKernel
{
    private TensorType _type;

    /// <summary>The types TFLite accepts for <paramref name="k"/>.</summary>
    public static TensorType[] SupportedTypes(UnaryMathKind k) => k switch
    {
        UnaryMathKind.Sign => [TensorType.Float32, TensorType.Int32],
        UnaryMathKind.ZerosLike => [TensorType.Float32, TensorType.Int32, TensorType.Int64],
        _ => [TensorType.Float32],
    };

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != y.Type) throw context.Invalid($"input {x.Type.ToDTypeName()} and output {y.Type.ToDTypeName()} differ");
        _type = x.Type;
        if (Array.IndexOf(SupportedTypes(kind), _type) < 0) throw context.Unsupported($"type {_type.ToDTypeName()}");
        context.SetOutputShape(0, x.Shape);
    }

    public override void Eval(KernelContext context)
    {
        var xt = context.Input(0); var yt = context.Output(0);
        int n = xt.ElementCount;
        if (kind == UnaryMathKind.ZerosLike) { new Span<byte>(yt.DataPointer, yt.ByteLength).Clear(); return; }
        if (_type == TensorType.Int32)
        {
            int* xi = (int*)xt.DataPointer, yi = (int*)yt.DataPointer;
            for (int k = 0; k < n; k++) yi[k] = Math.Sign(xi[k]);
            return;
        }
        float* x = (float*)xt.DataPointer, y = (float*)yt.DataPointer;
        int i = 0;
        if (Vector128.IsHardwareAccelerated && kind is UnaryMathKind.Floor or UnaryMathKind.Ceil or UnaryMathKind.Round)
        {
            // exact lane operations: the same values as the scalar loop
            for (; i + 4 <= n; i += 4)
            {
                var v = Vector128.Load(x + i);
                (kind switch
                {
                    UnaryMathKind.Floor => Vector128.Floor(v),
                    UnaryMathKind.Ceil => Vector128.Ceiling(v),
                    _ => Vector128.Round(v),
                }).Store(y + i);
            }
        }
        for (; i < n; i++) y[i] = Scalar(kind, x[i]);
    }

    /// <summary>The reference function.</summary>
    public static float Scalar(UnaryMathKind kind, float v) => kind switch
    {
        UnaryMathKind.Floor => MathF.Floor(v),
        UnaryMathKind.Ceil => MathF.Ceiling(v),
        UnaryMathKind.Round => MathF.Round(v, MidpointRounding.ToEven),
        UnaryMathKind.Sign => v > 0 ? 1f : v < 0 ? -1f : 0f, // TFLite: (0 < x) - (x < 0), so -0 and NaN give +0
        UnaryMathKind.Sin => MathF.Sin(v),
        UnaryMathKind.Cos => MathF.Cos(v),
        _ => 0f,
    };
}
