using System.Runtime.CompilerServices;

namespace EdgeLite;

/// <summary>Where a tensor's bytes live.</summary>
public enum TensorAllocation
{
    /// <summary>Not allocated yet (before AllocateTensors) or empty.</summary>
    None,
    /// <summary>Constant data read in place from the model (memory map or the caller's array).</summary>
    Constant,
    /// <summary>In the interpreter's arena, possibly sharing bytes with tensors whose lifetimes do not overlap.</summary>
    Arena,
    /// <summary>Owned by the interpreter for its whole life (variable/state tensors).</summary>
    Persistent,
    /// <summary>
    /// A dynamic tensor (its shape depends on values, known only at Invoke): its own buffer outside the arena, grown
    /// when an Invoke needs more (TFLite's <c>kTfLiteDynamic</c>).
    /// </summary>
    Dynamic,
}

/// <summary>
/// A tensor of a running interpreter: its details (name, shape, dtype, quantization) and zero-copy access to its
/// data. Data spans stay valid until the next <see cref="Interpreter.AllocateTensors"/> or the interpreter's Dispose; after
/// Dispose every access throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed unsafe class Tensor
{
    internal byte* _data;
    internal int[] _shape;

    internal Tensor(TensorDescription desc)
    {
        Description = desc;
        _shape = desc.Shape.ToArray();
    }

    internal TensorDescription Description { get; }

    /// <summary>The interpreter the tensor belongs to (null for stand-alone tensors of kernel tests).</summary>
    internal Interpreter? Owner { get; init; }

    // Copies hold a reference on the interpreter, so a Dispose on another thread cannot free the bytes mid-copy.
    private Interpreter? Lease()
    {
        var owner = Owner;
        owner?.AddRef();
        return owner;
    }

    /// <summary>Index of the tensor in its subgraph.</summary>
    public int Index => Description.Index;
    /// <summary>Tensor name.</summary>
    public string Name => Description.Name;
    /// <summary>Element type.</summary>
    public TensorType Type => Description.Type;
    /// <summary>Current shape (after any resize).</summary>
    public ReadOnlySpan<int> Shape => _shape;
    /// <summary>Current shape as a new array.</summary>
    public int[] ShapeArray => (int[])_shape.Clone();
    /// <summary>Rank (number of dimensions).</summary>
    public int Rank => _shape.Length;
    /// <summary>Shape signature from the model (-1 = dynamic dimension), or the static shape when the model has none.</summary>
    public IReadOnlyList<int> ShapeSignature => Description.ShapeSignature ?? Description.Shape;
    /// <summary>Quantization parameters, or null.</summary>
    public QuantizationParameters? Quantization => Description.Quantization;
    /// <summary>
    /// True for constant (weight) tensors, including outputs of operators whose inputs are all constants (for example
    /// DEQUANTIZE of float16 weights): the interpreter computes those once at AllocateTensors, as TFLite does.
    /// </summary>
    public bool IsConstant => Description.IsConstant || Folded;

    /// <summary>Computed once at AllocateTensors from constant inputs (see <see cref="IsConstant"/>).</summary>
    internal bool Folded;
    /// <summary>
    /// True when the tensor's shape is known only at Invoke (it depends on values: a RESHAPE to a computed shape, WHERE,
    /// UNIQUE, a WHILE whose loop-carried shapes change, ...): read <see cref="Shape"/> after Invoke.
    /// Decided at every AllocateTensors.
    /// </summary>
    public bool IsDynamic { get; internal set; }
    /// <summary>Bytes of a dynamic tensor's buffer.</summary>
    internal long Capacity;
    /// <summary>Incremented whenever the shape changes (deferred Prepare runs again only when an input's shape changed).</summary>
    internal int ShapeVersion;
    /// <summary>True for variable (state) tensors.</summary>
    public bool IsVariable => Description.IsVariable;
    /// <summary>Where the bytes live.</summary>
    public TensorAllocation Allocation { get; internal set; }
    /// <summary>Size of one element in bytes (a resource handle is held as a 4-byte id, as in TFLite).</summary>
    public int ElementSize => Type == TensorType.Resource ? 4 : Type.ElementSize();
    /// <summary>Number of elements of the current shape.</summary>
    public int ElementCount { get; private set; }
    /// <summary>Size of the data in bytes.</summary>
    public int ByteLength => ElementCount * ElementSize;
    /// <summary>Dimension <paramref name="i"/> of the current shape.</summary>
    public int Dim(int i) => _shape[i];

    /// <summary>Pointer to the data (valid until the next AllocateTensors). For kernels.</summary>
    public byte* DataPointer => _data;

    internal void SetShape(ReadOnlySpan<int> shape)
    {
        if (!shape.SequenceEqual(_shape))
        {
            if (shape.Length == _shape.Length && IsDynamic) shape.CopyTo(_shape); // no allocation at Invoke
            else _shape = shape.ToArray();
            ShapeVersion++;
        }
        UpdateCount();
    }

    internal void UpdateCount()
    {
        long n = 1;
        foreach (var d in _shape)
        {
            if (d < 0) throw new InterpreterException($"tensor {Index} '{Name}': negative dimension in shape [{string.Join(",", _shape)}]");
            n *= d;
            // checked per dimension so that a hostile shape cannot overflow the product
            if (n * Math.Max(1, ElementSize) > Model.MaxTensorBytes)
                throw new InterpreterException($"tensor {Index} '{Name}': shape [{string.Join(",", _shape)}] exceeds {Model.MaxTensorBytes} bytes");
        }
        ElementCount = (int)n;
    }

    /// <summary>The data as a span of <typeparamref name="T"/>; T must match the element size (e.g. float for float32, byte or sbyte for 8-bit types).</summary>
    /// <exception cref="InterpreterException">The tensor is not allocated, or T does not match the element size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (_data == null && ElementCount != 0) ThrowNotAllocated();
        if (sizeof(T) != ElementSize) ThrowTypeMismatch(typeof(T).Name);
        return new Span<T>(_data, ElementCount);
    }

    /// <summary>The data as raw bytes.</summary>
    public Span<byte> AsBytes()
    {
        if (_data == null && ElementCount != 0) ThrowNotAllocated();
        return new Span<byte>(_data, ByteLength);
    }

    /// <summary>Copies <paramref name="values"/> into the tensor; the element count must match exactly.</summary>
    /// <exception cref="InterpreterException">Size or element-size mismatch, or the tensor is constant.</exception>
    public void CopyFrom<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (IsConstant) throw new InterpreterException($"tensor {Index} '{Name}' is a constant and cannot be written");
        var lease = Lease();
        try
        {
            var dst = AsSpan<T>();
            if (values.Length != dst.Length)
                throw new InterpreterException($"tensor {Index} '{Name}' has {dst.Length} elements of shape [{string.Join(",", _shape)}], got {values.Length}");
            values.CopyTo(dst);
        }
        finally { lease?.Release(); }
    }

    /// <summary>Copies raw bytes into the tensor; the byte count must match exactly.</summary>
    public void CopyFromBytes(ReadOnlySpan<byte> bytes)
    {
        if (IsConstant) throw new InterpreterException($"tensor {Index} '{Name}' is a constant and cannot be written");
        var lease = Lease();
        try
        {
            var dst = AsBytes();
            if (bytes.Length != dst.Length)
                throw new InterpreterException($"tensor {Index} '{Name}' ({Type.ToDTypeName()}[{string.Join(",", _shape)}]) needs {dst.Length} bytes, got {bytes.Length}");
            bytes.CopyTo(dst);
        }
        finally { lease?.Release(); }
    }

    /// <summary>Copies the data to a new array of <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var lease = Lease();
        try { return AsSpan<T>().ToArray(); }
        finally { lease?.Release(); }
    }

    /// <summary>Dequantizes (or converts) the data to float32: quantized types through scale and zero point (per-tensor), others by value.</summary>
    public float[] ToFloatArray()
    {
        var lease = Lease();
        try { return ToFloatArrayCore(); }
        finally { lease?.Release(); }
    }

    private float[] ToFloatArrayCore()
    {
        var result = new float[ElementCount];
        var q = Quantization;
        float scale = q?.Scale ?? 1f; int zp = q?.ZeroPoint ?? 0;
        bool quant = q != null && q.Scales.Count > 0 && scale != 0;
        switch (Type)
        {
            case TensorType.Float32: AsSpan<float>().CopyTo(result); break;
            case TensorType.UInt8: { var s = AsSpan<byte>(); for (int i = 0; i < s.Length; i++) result[i] = quant ? scale * (s[i] - zp) : s[i]; break; }
            case TensorType.Int8: { var s = AsSpan<sbyte>(); for (int i = 0; i < s.Length; i++) result[i] = quant ? scale * (s[i] - zp) : s[i]; break; }
            case TensorType.Int16: { var s = AsSpan<short>(); for (int i = 0; i < s.Length; i++) result[i] = quant ? scale * (s[i] - zp) : s[i]; break; }
            case TensorType.Int32: { var s = AsSpan<int>(); for (int i = 0; i < s.Length; i++) result[i] = quant ? scale * (s[i] - zp) : s[i]; break; }
            case TensorType.Int64: { var s = AsSpan<long>(); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case TensorType.Float16: { var s = AsSpan<Half>(); for (int i = 0; i < s.Length; i++) result[i] = (float)s[i]; break; }
            case TensorType.Float64: { var s = AsSpan<double>(); for (int i = 0; i < s.Length; i++) result[i] = (float)s[i]; break; }
            case TensorType.Bool: { var s = AsSpan<byte>(); for (int i = 0; i < s.Length; i++) result[i] = s[i] != 0 ? 1 : 0; break; }
            default: throw new InterpreterException($"tensor {Index} '{Name}': cannot convert {Type.ToDTypeName()} to float");
        }
        return result;
    }

    private void ThrowNotAllocated()
    {
        if (Owner is { IsDisposed: true }) throw new ObjectDisposedException(nameof(Interpreter), $"tensor {Index} '{Name}': its interpreter has been disposed");
        throw new InterpreterException($"tensor {Index} '{Name}' has no data: call AllocateTensors() first");
    }
    private void ThrowTypeMismatch(string t) => throw new InterpreterException($"tensor {Index} '{Name}' is {Type.ToDTypeName()} ({ElementSize}-byte elements); cannot view it as {t}");

    /// <inheritdoc />
    public override string ToString() => $"'{Name}' {Type.ToDTypeName()}[{string.Join(",", _shape)}]" + (Quantization != null ? " " + Quantization : "");
}
