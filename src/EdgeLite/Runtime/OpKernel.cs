using Google.FlatBuffers;
using EdgeLite.Threading;

namespace EdgeLite;

/// <summary>
/// One operator's implementation, split as in TFLite: <see cref="Prepare"/> runs at AllocateTensors (check
/// types, compute output shapes, quantized multipliers, pack weights, ask for scratch memory) and
/// <see cref="Eval"/> runs at every Invoke and does arithmetic only (no managed allocation).
/// A new instance is created for every operator node, so instance fields hold per-node state.
/// </summary>
public abstract class OpKernel
{
    /// <summary>Validates the node, sets output shapes with <see cref="KernelContext.SetOutputShape"/>, precomputes.</summary>
    public abstract void Prepare(KernelContext context);

    /// <summary>Computes the outputs from the inputs.</summary>
    public abstract void Eval(KernelContext context);

    /// <summary>
    /// False for kernels that must run at every Invoke even when all their inputs are constant (they read or write
    /// interpreter state: resource variables, subgraphs).
    /// </summary>
    internal virtual bool CanFold => true;

    /// <summary>
    /// True for kernels whose outputs depend only on their inputs' shapes (SHAPE, RANK): they are evaluated once at
    /// AllocateTensors whenever those shapes are static, so shape arithmetic feeding a RESHAPE stays static.
    /// </summary>
    internal virtual bool ReadsInputShapesOnly => false;
}

/// <summary>Work split across the interpreter's threads: <see cref="Run"/> is called with disjoint ranges of [0, count).</summary>
public interface IParallelWork
{
    /// <summary>Processes items [<paramref name="start"/>, <paramref name="end"/>) on worker <paramref name="worker"/> (0 = calling thread).</summary>
    void Run(int start, int end, int worker);
}

/// <summary>What a kernel sees of its node: input and output tensors, options, scratch memory and threads.</summary>
public sealed unsafe class KernelContext
{
    private readonly Tensor?[] _inputs;
    private readonly Tensor[] _outputs;
    private readonly Tensor[] _intermediates;
    internal long ScratchRequest;
    internal byte* ScratchBase;
    internal WorkerPool? Pool;
    /// <summary>The subgraph this node belongs to.</summary>
    internal Subgraph Graph = null!;
    internal long PersistentBytes;
    // the persistent arrays of the last Prepare: held here so that raw pointers into them stay valid
    private readonly List<Array> _persistent = [];

    internal KernelContext(Model model, OperatorDescription op, Tensor?[] inputs, Tensor[] outputs, Tensor[]? intermediates = null)
    {
        Model = model; Operator = op; _inputs = inputs; _outputs = outputs; _intermediates = intermediates ?? [];
    }

    /// <summary>The model.</summary>
    public Model Model { get; }
    /// <summary>The operator node.</summary>
    public OperatorDescription Operator { get; }
    /// <summary>Number of input slots (including optional ones left out).</summary>
    public int InputCount => _inputs.Length;
    /// <summary>Number of outputs.</summary>
    public int OutputCount => _outputs.Length;
    /// <summary>Number of threads the kernel may use through <see cref="ParallelFor(int, IParallelWork)"/>.</summary>
    public int ThreadCount => Pool?.ThreadCount ?? 1;

    /// <summary>Input <paramref name="i"/>; throws when it is absent.</summary>
    public Tensor Input(int i) => (uint)i < (uint)_inputs.Length && _inputs[i] is { } t ? t
        : throw new ModelFormatException($"operator {Operator.Index} ({Operator.OpName}): input {i} is missing");

    /// <summary>Input <paramref name="i"/>, or null when the slot is absent or marked optional (-1).</summary>
    public Tensor? OptionalInput(int i) => (uint)i < (uint)_inputs.Length ? _inputs[i] : null;

    /// <summary>
    /// Padding of the conv input that the interpreter took over from a PAD operator it fused into this node (top,
    /// left, bottom, right, in input pixels; the padded values contribute nothing): the input is then the PAD's input
    /// and the node's own padding option is VALID. Null when no PAD was fused.
    /// </summary>
    internal (int Top, int Left, int Bottom, int Right)? ExplicitPadding { get; set; }

    /// <summary>Replaces input slot <paramref name="i"/> (operator fusion at interpreter construction).</summary>
    internal void ReplaceInput(int i, Tensor t) => _inputs[i] = t;

    /// <summary>The input slots (null = absent).</summary>
    internal ReadOnlySpan<Tensor?> InputTensors => _inputs;

    /// <summary>Output <paramref name="i"/>.</summary>
    public Tensor Output(int i) => (uint)i < (uint)_outputs.Length ? _outputs[i]
        : throw new ModelFormatException($"operator {Operator.Index} ({Operator.OpName}): output {i} is missing");

    /// <summary>Number of intermediate tensors (quantization parameters of values inside the operator).</summary>
    public int IntermediateCount => _intermediates.Length;

    /// <summary>Intermediate tensor <paramref name="i"/> (only its type and quantization are meaningful; it has no data).</summary>
    public Tensor Intermediate(int i) => (uint)i < (uint)_intermediates.Length ? _intermediates[i]
        : throw new ModelFormatException($"operator {Operator.Index} ({Operator.OpName}): intermediate tensor {i} is missing");

    /// <summary>Sets the shape of output <paramref name="i"/> (Prepare only).</summary>
    public void SetOutputShape(int i, ReadOnlySpan<int> shape) => Output(i).SetShape(shape);

    /// <summary>
    /// Marks output <paramref name="i"/> dynamic (Prepare only): its shape depends on input values, so Eval sets it
    /// with <see cref="ResizeOutput"/>. The tensor then lives outside the arena and the operators reading it are
    /// prepared at Invoke. Outputs whose shape follows from input shapes alone should use <see cref="SetOutputShape"/>.
    /// </summary>
    public void SetOutputDynamic(int i) => Output(i).IsDynamic = true;

    /// <summary>
    /// Sets the shape of dynamic output <paramref name="i"/> during Eval and makes its buffer large enough (allocating
    /// only when it grows). The previous contents are not kept when the buffer grows.
    /// </summary>
    /// <exception cref="InterpreterException">The output is not dynamic and the shape differs, or the shape is too large.</exception>
    public void ResizeOutput(int i, ReadOnlySpan<int> shape)
    {
        var t = Output(i);
        if (!t.IsDynamic)
        {
            if (shape.SequenceEqual(t.Shape)) return;
            throw new InterpreterException($"{Where}: output {i} {t} is static, cannot resize it to [{string.Join(",", shape.ToArray())}]");
        }
        ResizeDynamic(t, shape);
    }

    /// <summary>Resizes a dynamic tensor (a dynamic output, or a subgraph tensor a control-flow kernel fills).</summary>
    internal void ResizeDynamic(Tensor t, ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new InterpreterException($"{Where}: negative dimension in output shape [{string.Join(",", shape.ToArray())}]");
            n *= d;
            if (n * Math.Max(1, t.ElementSize) > Model.MaxTensorBytes)
                throw new InterpreterException($"{Where}: output shape [{string.Join(",", shape.ToArray())}] exceeds {Model.MaxTensorBytes} bytes");
        }
        t.SetShape(shape);
        Subgraph.EnsureDynamic(t);
    }

    /// <summary>"operator K (NAME)" with the subgraph when it is not the main one, for messages.</summary>
    internal string Where => Graph == null || Graph.Index == 0 ? $"operator {Operator.Index} ({Operator.OpName})" : $"subgraph {Graph.Index} operator {Operator.Index} ({Operator.OpName})";

    /// <summary>Asks for <paramref name="bytes"/> of scratch memory valid during this node's Eval (Prepare only).</summary>
    public void RequestScratch(long bytes)
    {
        if (bytes < 0 || bytes > Model.MaxTensorBytes) throw new InterpreterException($"operator {Operator.Index} ({Operator.OpName}): scratch request of {bytes} bytes");
        ScratchRequest = Math.Max(ScratchRequest, bytes);
    }

    /// <summary>The scratch memory asked for in Prepare (64-byte aligned), during Eval.</summary>
    public byte* Scratch => ScratchBase;

    /// <summary>
    /// Allocates a pinned array (packed weights, tables) that the interpreter keeps alive until the next Prepare of
    /// this operator, so a pointer to it (<see cref="AddressOf"/>) stays valid across Invokes; Prepare only.
    /// </summary>
    public T[] AllocatePersistent<T>(int length) where T : unmanaged
    {
        PersistentBytes += (long)length * sizeof(T);
        var array = GC.AllocateArray<T>(length, pinned: true);
        _persistent.Add(array);
        return array;
    }

    /// <summary>The address of the first element of an array from <see cref="AllocatePersistent"/> (pinned, never moves).</summary>
    public static T* AddressOf<T>(T[] persistent) where T : unmanaged =>
        (T*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(persistent));

    /// <summary>Forgets the previous Prepare's persistent arrays (before preparing again).</summary>
    internal void ResetPersistent()
    {
        _persistent.Clear();
        PersistentBytes = 0;
    }

    /// <summary>Runs <paramref name="work"/> over [0, <paramref name="count"/>) split into contiguous ranges, one per thread.</summary>
    public void ParallelFor(int count, IParallelWork work)
    {
        if (Pool == null || Pool.ThreadCount == 1 || count <= 1) { work.Run(0, count, 0); return; }
        Pool.Run(count, work);
    }

    /// <summary>
    /// Like <see cref="ParallelFor(int, IParallelWork)"/>, but runs on the calling thread alone when the operator's
    /// <paramref name="multiplyAdds"/> are fewer than <see cref="MinParallelWork"/>: waking and waiting for other
    /// threads would cost more than the split saves (tiny models got slower with 2 threads).
    /// </summary>
    public void ParallelFor(int count, IParallelWork work, long multiplyAdds)
    {
        if (multiplyAdds < MinParallelWork) { work.Run(0, count, 0); return; }
        ParallelFor(count, work);
    }

    /// <summary>Operators with fewer multiply-adds than this run on one thread.</summary>
    public const long MinParallelWork = 200_000;

    /// <summary>Builtin options table of the operator, or null when the file has none.</summary>
    internal T? Options<T>() where T : struct, IFlatbufferObject => Operator.Fb.BuiltinOptions<T>();

    /// <summary>Builtin options union type tag.</summary>
    internal Schema.BuiltinOptions OptionsType => Operator.Fb.BuiltinOptionsType;

    /// <summary>The custom options bytes (flexbuffer for most custom ops), or empty.</summary>
    public ReadOnlySpan<byte> CustomOptions
    {
        get
        {
            var seg = Operator.Fb.GetCustomOptionsBytes();
            return seg.HasValue ? seg.Value.AsSpan() : default;
        }
    }

    /// <summary>Creates an <see cref="UnsupportedOperatorException"/> that names this node.</summary>
    public UnsupportedOperatorException Unsupported(string what) =>
        new($"{(Graph == null || Graph.Index == 0 ? "" : $"subgraph {Graph.Index} ")}operator {Operator.Index} ({Operator.OpName} v{Operator.Version}): {what}");

    /// <summary>Creates a <see cref="ModelFormatException"/> that names this node.</summary>
    public ModelFormatException Invalid(string what) => new($"{Where}: {what}");

    /// <summary>The per-tensor quantization of a quantized tensor of this node, or a <see cref="ModelFormatException"/> naming it.</summary>
    public QuantizationParameters RequirePerTensor(Tensor t, string role) =>
        t.Quantization is { Scales.Count: 1 } q && q.Scale > 0 ? q
            : throw Invalid($"{role} '{t.Name}' ({t.Type.ToDTypeName()}) needs one positive quantization scale");
}
