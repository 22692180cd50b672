namespace EdgeLite.Kernels.Common;

/// <summary>
/// Reading the small integer tensors that parametrise shape ops (dims, multiples, paddings, axes, block shapes):
/// int32 or int64, checked, and bounded before they size anything.
/// </summary>
internal static unsafe class ShapeArgs
{
    /// <summary>True for the integer types TFLite accepts for shape-like inputs.</summary>
    public static bool IsIndexType(TensorType t) => t is TensorType.Int32 or TensorType.Int64;

    /// <summary>Element <paramref name="i"/> of an int32/int64 tensor.</summary>
    public static long Get(Tensor t, int i) => t.Type == TensorType.Int64 ? ((long*)t.DataPointer)[i] : ((int*)t.DataPointer)[i];

    /// <summary>Checks an int32/int64 input and returns it.</summary>
    public static Tensor IndexInput(KernelContext ctx, int i, string what)
    {
        var t = ctx.Input(i);
        if (!IsIndexType(t.Type)) throw ctx.Invalid($"{what} (input {i}) must be int32 or int64, got {t.Type.ToDTypeName()}");
        return t;
    }

    /// <summary>A dimension read from a tensor value, checked to be in [0, int.MaxValue].</summary>
    public static int Dim(KernelContext ctx, long v, string what)
    {
        if (v < 0 || v > int.MaxValue) throw ShapeError(ctx, $"{what} {v} is not a valid dimension");
        return (int)v;
    }

    /// <summary>
    /// The values of a 1-D shape tensor as dimensions: each in range and the element count bounded by
    /// <see cref="Model.MaxTensorBytes"/> for elements of <paramref name="elementSize"/> bytes.
    /// </summary>
    public static int[] Shape(KernelContext ctx, Tensor shape, int elementSize, string what)
    {
        if (shape.Rank > 1) throw ctx.Invalid($"{what} must be 1-D, got {shape}");
        var dims = new int[shape.ElementCount];
        for (int i = 0; i < dims.Length; i++) dims[i] = Dim(ctx, Get(shape, i), what);
        CheckBytes(ctx, dims, elementSize);
        return dims;
    }

    /// <summary>Throws a typed error when <paramref name="dims"/> of <paramref name="elementSize"/>-byte elements exceed the tensor limit.</summary>
    public static void CheckBytes(KernelContext ctx, ReadOnlySpan<int> dims, int elementSize)
    {
        long n = Math.Max(1, elementSize);
        foreach (var d in dims)
        {
            n *= d;
            if (n > Model.MaxTensorBytes) throw ShapeError(ctx, $"output shape [{string.Join(",", dims.ToArray())}] exceeds {Model.MaxTensorBytes} bytes");
        }
    }

    /// <summary>A shape computed from tensor values is invalid or too large: an <see cref="InterpreterException"/> naming the operator (at Prepare or Invoke).</summary>
    public static Exception ShapeError(KernelContext ctx, string what) => new InterpreterException($"{ctx.Where}: {what}");

    /// <summary>Sets output 0's shape when the values deciding it are known now, else marks it dynamic.</summary>
    public static void SetOrDefer(KernelContext ctx, int output, bool known, Func<int[]> shape)
    {
        if (known) ctx.SetOutputShape(output, shape());
        else ctx.SetOutputDynamic(output);
    }

    /// <summary>Row-major strides of a shape, in elements.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new long[shape.Length];
        long k = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = k; k *= shape[i]; }
        return s;
    }

    /// <summary>Copies element <paramref name="from"/> to element <paramref name="to"/> (element size <paramref name="es"/>).</summary>
    public static void CopyElement(byte* src, long from, byte* dst, long to, int es)
    {
        switch (es)
        {
            case 1: dst[to] = src[from]; break;
            case 2: ((short*)dst)[to] = ((short*)src)[from]; break;
            case 4: ((int*)dst)[to] = ((int*)src)[from]; break;
            case 8: ((long*)dst)[to] = ((long*)src)[from]; break;
            default: Buffer.MemoryCopy(src + from * es, dst + to * es, es, es); break;
        }
    }

    /// <summary>The fixed-size types the data-movement kernels copy (everything but string, resource, variant, int4).</summary>
    public static void RequireFixedSize(KernelContext ctx, Tensor t, string what)
    {
        if (t.Type.ElementSize() == 0) throw ctx.Unsupported($"{what} of type {t.Type.ToDTypeName()}");
    }
}
