using EdgeLite.Threading;

namespace EdgeLite;

/// <summary>Options of an <see cref="Interpreter"/>.</summary>
public sealed class InterpreterOptions
{
    /// <summary>Threads used by the heavy kernels (1 = the calling thread only). Outputs do not depend on it.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Kernels to use; null = <see cref="OpResolver.CreateDefault"/>. Add custom operators here.</summary>
    public OpResolver? Resolver { get; init; }

    /// <summary>
    /// Time every operator during <see cref="Interpreter.Invoke"/> (two timestamp reads per operator, no allocation);
    /// read the totals with <see cref="Interpreter.GetOperatorProfile"/>. Like TFLite's op profiling.
    /// </summary>
    public bool EnableProfiling { get; init; }
}

/// <summary>Time spent in one operator over the invokes profiled so far.</summary>
/// <param name="OperatorIndex">Index of the operator in execution order.</param>
/// <param name="OpName">Builtin name or custom code.</param>
/// <param name="OutputShape">Shape of the operator's first output.</param>
/// <param name="TotalMilliseconds">Time summed over <paramref name="Invokes"/> invokes.</param>
/// <param name="Invokes">Number of profiled invokes.</param>
public sealed record OperatorProfile(int OperatorIndex, string OpName, int[] OutputShape, double TotalMilliseconds, long Invokes)
{
    /// <summary>Mean milliseconds per invoke.</summary>
    public double MeanMilliseconds => Invokes == 0 ? 0 : TotalMilliseconds / Invokes;
}

/// <summary>
/// Runs a <see cref="Model"/>, with the shape of TFLite's interpreter: construct, <see cref="AllocateTensors"/>,
/// fill inputs, <see cref="Invoke"/>, read outputs. After the first Invoke, Invoke allocates no managed memory.
/// Not thread-safe: use one interpreter per thread (they can share a Model); a second thread calling Invoke,
/// AllocateTensors, ResizeInput or ResetVariableTensors while one of them runs gets an <see cref="InvalidOperationException"/>.
/// <para>
/// Misuse never corrupts memory: the interpreter holds a reference on its model's data (disposing the model first is
/// safe), Dispose may be called any number of times from any thread (while an Invoke runs on another thread, the memory
/// is freed when that Invoke returns), and every entry point, and every tensor read or write, after Dispose throws
/// <see cref="ObjectDisposedException"/>. Only a span obtained from a tensor before Dispose must not be used after it.
/// </para>
/// </summary>
public sealed unsafe class Interpreter : IDisposable
{
    private readonly Model _model;
    private readonly bool _ownsModel;
    private readonly Subgraph[] _subgraphs;
    private readonly Subgraph _main;
    private readonly Tensor[] _tensors;
    private readonly Tensor[] _inputs;
    private readonly Tensor[] _outputs;
    private readonly WorkerPool? _pool;
    private bool _allocated;
    // Lifetime: 1 reference for the interpreter itself (released by Dispose) + 1 per call in progress; the last one
    // frees the arenas, the workers and the model reference. _busy: an Invoke/AllocateTensors/... is running.
    private int _refs = 1;
    private int _disposed;
    private int _busy;

    /// <summary>Creates an interpreter for the model (every subgraph). Every operator must resolve to a kernel.</summary>
    /// <exception cref="UnsupportedOperatorException">An operator has no kernel (names the operator).</exception>
    public Interpreter(Model model, InterpreterOptions? options = null) : this(model, options, false) { }

    /// <summary>Loads the model file and creates an interpreter that owns it.</summary>
    public Interpreter(string modelPath, InterpreterOptions? options = null) : this(Model.FromFile(modelPath), options, true) { }

    private Interpreter(Model model, InterpreterOptions? options, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new InterpreterOptions();
        if (options.Threads < 1 || options.Threads > MaxThreads)
        {
            if (ownsModel) model.Dispose();
            throw new ArgumentOutOfRangeException(nameof(options), $"Threads must be between 1 and {MaxThreads}, got {options.Threads}");
        }
        try { model.AcquireData(); }
        catch { if (ownsModel) model.Dispose(); throw; }
        _model = model;
        _ownsModel = ownsModel;
        Threads = options.Threads;
        var resolver = options.Resolver ?? OpResolver.CreateDefault();
        if (Threads > 1) _pool = new WorkerPool(Threads);
        var missing = new List<string>();
        try
        {
            _subgraphs = model.Subgraphs.Select(g => new Subgraph(this, model, g, resolver, _pool, missing)).ToArray();
            if (missing.Count > 0)
                throw new UnsupportedOperatorException($"EdgeLite has no kernel for {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}");
            _main = _subgraphs[0];
            _tensors = _main.Tensors;
            _inputs = _main.Inputs;
            _outputs = _main.Outputs;
            if (options.EnableProfiling) _main.OpTicks = new long[_main.Nodes.Length];
            foreach (var g in _subgraphs) g.FusePads();
        }
        catch
        {
            _pool?.Dispose();
            model.ReleaseData();
            if (ownsModel) model.Dispose();
            throw;
        }
    }

    /// <summary>Largest <see cref="InterpreterOptions.Threads"/> accepted.</summary>
    public const int MaxThreads = 256;

    /// <summary>True once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Takes a reference for a call (the memory stays valid until <see cref="Release"/>).</summary>
    /// <exception cref="ObjectDisposedException">The interpreter has been disposed.</exception>
    internal void AddRef()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            if (r == 0 || IsDisposed) throw new ObjectDisposedException(nameof(Interpreter), "the interpreter has been disposed");
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r) return;
        }
    }

    /// <summary>Releases a reference; the last one frees the interpreter's memory.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Free();
    }

    // A call that runs or changes the graph: one at a time.
    private void Enter()
    {
        AddRef();
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            Release();
            throw new InvalidOperationException("the interpreter is in use by another thread (an Interpreter is not thread-safe: use one per thread)");
        }
    }

    private void Exit()
    {
        Volatile.Write(ref _busy, 0);
        Release();
    }

    /// <summary>The model.</summary>
    public Model Model => _model;
    /// <summary>Thread count.</summary>
    public int Threads { get; }
    /// <summary>Number of inputs.</summary>
    public int InputCount => _inputs.Length;
    /// <summary>Number of outputs.</summary>
    public int OutputCount => _outputs.Length;
    /// <summary>Number of tensors in the main subgraph.</summary>
    public int TensorCount => _tensors.Length;
    /// <summary>Number of subgraphs (0 = main; the others run through control-flow operators or signatures).</summary>
    public int SubgraphCount => _subgraphs.Length;
    /// <summary>Bytes of the main subgraph's arena holding every intermediate tensor (and kernel scratch), after AllocateTensors.</summary>
    public long ArenaBytes => _main.ArenaBytes;
    /// <summary>Sum of the sizes of all arena tensors and scratch buffers of the main subgraph, as if none shared memory.</summary>
    public long UnsharedTensorBytes => _main.UnsharedTensorBytes;
    /// <summary>
    /// The most arena bytes live at any one operator (tensors and scratch, 64-byte aligned), after AllocateTensors: a
    /// lower bound for any memory plan of this graph; <see cref="ArenaBytes"/> is at least this.
    /// </summary>
    public long ArenaLowerBoundBytes => _main.ArenaLowerBoundBytes;
    /// <summary>Bytes held by kernels for the interpreter's life (packed weights, tables) and variable tensors, all subgraphs.</summary>
    public long PersistentBytes => _subgraphs.Sum(g => g.IsAllocated ? g.PersistentBytes : 0);
    /// <summary>True after a successful AllocateTensors with no resize since.</summary>
    public bool IsAllocated => _allocated;
    /// <summary>
    /// True when some tensor of the main subgraph gets its shape only at Invoke (see <see cref="Tensor.IsDynamic"/>);
    /// such models allocate outside the arena when shapes grow. False for models whose shapes are all static.
    /// </summary>
    public bool HasDynamicTensors => _main.HasDynamicTensors;

    /// <summary>Input <paramref name="index"/> in model order.</summary>
    public Tensor GetInputTensor(int index) => (uint)index < (uint)_inputs.Length ? _inputs[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"the model has {_inputs.Length} inputs");
    /// <summary>Output <paramref name="index"/> in model order.</summary>
    public Tensor GetOutputTensor(int index) => (uint)index < (uint)_outputs.Length ? _outputs[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"the model has {_outputs.Length} outputs");
    /// <summary>Any tensor of the main subgraph by tensor index.</summary>
    public Tensor GetTensor(int tensorIndex) => (uint)tensorIndex < (uint)_tensors.Length ? _tensors[tensorIndex]
        : throw new ArgumentOutOfRangeException(nameof(tensorIndex));
    /// <summary>All inputs in model order.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;
    /// <summary>All outputs in model order.</summary>
    public IReadOnlyList<Tensor> Outputs => _outputs;

    /// <summary>Subgraph <paramref name="index"/> (control-flow kernels).</summary>
    internal Subgraph GetSubgraph(int index) => (uint)index < (uint)_subgraphs.Length ? _subgraphs[index]
        : throw new ModelFormatException($"subgraph index {index} out of range (the model has {_subgraphs.Length})");

    /// <summary>The resource variables of this interpreter (shared by all subgraphs).</summary>
    internal ResourceVariables Resources { get; } = new();

    /// <summary>Subgraphs being prepared or run right now, nested (see <see cref="Subgraph.MaxCallDepth"/>).</summary>
    internal int CallDepth;

    /// <summary>CALL_ONCE nodes that have run their init subgraph (once per interpreter, as in TFLite).</summary>
    internal HashSet<int> InitializedSubgraphs { get; } = new();

    /// <summary>Copies values into input <paramref name="index"/> (element count and size must match).</summary>
    public void SetInput<T>(int index, ReadOnlySpan<T> values) where T : unmanaged
    {
        AddRef();
        try
        {
            RequireAllocated();
            GetInputTensor(index).CopyFrom(values);
        }
        finally { Release(); }
    }

    /// <summary>The data of output <paramref name="index"/> as a span (valid until the next AllocateTensors; for a dynamic output, until the next Invoke).</summary>
    public ReadOnlySpan<T> GetOutput<T>(int index) where T : unmanaged
    {
        RequireAllocated();
        return GetOutputTensor(index).AsSpan<T>();
    }

    /// <summary>Changes the shape of input <paramref name="index"/>; call <see cref="AllocateTensors"/> again before Invoke.</summary>
    /// <exception cref="ArgumentException">The rank differs, a dimension is not positive, or it contradicts a fixed dimension of the shape signature.</exception>
    public void ResizeInput(int index, ReadOnlySpan<int> shape) => ResizeSubgraphInput(_main, GetInputTensor(index), index, shape);

    internal void ResizeSubgraphInput(Subgraph g, Tensor t, int index, ReadOnlySpan<int> shape)
    {
        Enter();
        try { ResizeSubgraphInputCore(g, t, index, shape); }
        finally { Exit(); }
    }

    private void ResizeSubgraphInputCore(Subgraph g, Tensor t, int index, ReadOnlySpan<int> shape)
    {
        foreach (var d in shape) if (d <= 0) throw new ArgumentException($"input {index} '{t.Name}': dimensions must be positive, got [{string.Join(",", shape.ToArray())}]");
        if (t.Description.ShapeSignature is { } sig)
        {
            if (sig.Count != shape.Length) throw new ArgumentException($"input {index} '{t.Name}': rank {shape.Length} differs from the model's rank {sig.Count}");
            for (int i = 0; i < sig.Count; i++)
                if (sig[i] != -1 && sig[i] != shape[i])
                    throw new ArgumentException($"input {index} '{t.Name}': dimension {i} is fixed at {sig[i]} by the model's shape signature, got {shape[i]}");
        }
        if (shape.SequenceEqual(t.Shape)) return;
        t.SetShape(shape);
        g.Invalidate();
        if (g == _main) _allocated = false;
    }

    /// <summary>
    /// Prepares every operator for the current input shapes (output shapes, quantized multipliers, packed weights)
    /// and plans and allocates the arena. Call after construction and after any <see cref="ResizeInput"/>.
    /// Subgraphs called by control-flow operators are prepared by those operators, with the shapes they are given.
    /// </summary>
    /// <exception cref="UnsupportedOperatorException">An operator variant is not supported (names it).</exception>
    /// <exception cref="ModelFormatException">An operator is inconsistent with its tensors (names it).</exception>
    public void AllocateTensors()
    {
        Enter();
        try
        {
            _allocated = false;
            _main.AllocateTensors();
            _allocated = true;
        }
        finally { Exit(); }
    }

    /// <summary>
    /// Resets every variable (state) tensor of every subgraph, such as an LSTM's cell and output state, to zero (int8
    /// tensors to their zero point), as TFLite's <c>ResetVariableTensors</c>. AllocateTensors does this too; between
    /// Invoke calls the state is kept, so call this before feeding an unrelated sequence. Resource variables
    /// (VAR_HANDLE / ASSIGN_VARIABLE) are not reset, as in TFLite: they live as long as the interpreter.
    /// </summary>
    /// <exception cref="InterpreterException">AllocateTensors has not been called since the last resize.</exception>
    public void ResetVariableTensors()
    {
        Enter();
        try
        {
            RequireAllocated();
            foreach (var g in _subgraphs) if (g.IsAllocated) g.ResetVariables();
        }
        finally { Exit(); }
    }

    /// <summary>Readable bytes after the arena's last tensor (kernels may load a partial vector past a tensor's end).</summary>
    internal const int ArenaSlack = 64;

    /// <summary>Runs the model once on the current inputs.</summary>
    /// <exception cref="InterpreterException">AllocateTensors has not been called since the last resize, or a kernel failed.</exception>
    public void Invoke()
    {
        Enter();
        try
        {
            RequireAllocated();
            _main.Invoke();
        }
        finally { Exit(); }
    }

    /// <summary>
    /// Per-operator times of the main subgraph since creation or the last <see cref="ResetOperatorProfile"/>, in
    /// execution order (a control-flow operator's time includes the subgraphs it runs).
    /// Requires <see cref="InterpreterOptions.EnableProfiling"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Profiling is not enabled.</exception>
    public IReadOnlyList<OperatorProfile> GetOperatorProfile()
    {
        var ticks = _main.OpTicks ?? throw new InvalidOperationException("profiling is off: create the interpreter with InterpreterOptions.EnableProfiling = true");
        var nodes = _main.Nodes;
        var list = new List<OperatorProfile>(nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            var op = nodes[i].Context.Operator;
            int[] shape = op.OutputArray.Length > 0 && op.OutputArray[0] >= 0 ? _tensors[op.OutputArray[0]].ShapeArray : [];
            list.Add(new OperatorProfile(op.Index, op.OpName, shape, ticks[i] * 1000.0 / System.Diagnostics.Stopwatch.Frequency, _main.ProfiledInvokes));
        }
        return list;
    }

    /// <summary>Clears the per-operator times (for example after warm-up invokes).</summary>
    public void ResetOperatorProfile()
    {
        if (_main.OpTicks == null) return;
        Array.Clear(_main.OpTicks);
        _main.ProfiledInvokes = 0;
    }

    /// <summary>A runner for the signature <paramref name="key"/> (null = the only/first signature); it may run any subgraph.</summary>
    /// <exception cref="ArgumentException">No such signature.</exception>
    public SignatureRunner GetSignatureRunner(string? key = null)
    {
        var sigs = _model.Signatures;
        if (sigs.Count == 0) throw new ArgumentException("the model has no signature defs");
        var sig = key == null ? sigs[0] : sigs.FirstOrDefault(s => s.Key == key)
            ?? throw new ArgumentException($"no signature '{key}' (the model has: {string.Join(", ", sigs.Select(s => s.Key))})");
        return new SignatureRunner(this, sig, GetSubgraph(sig.SubgraphIndex));
    }

    internal void AllocateSubgraph(Subgraph g)
    {
        if (g == _main) { AllocateTensors(); return; }
        Enter();
        try { g.AllocateTensors(); }
        finally { Exit(); }
    }

    internal void InvokeSubgraph(Subgraph g)
    {
        if (g == _main) { Invoke(); return; }
        Enter();
        try { g.Invoke(); }
        finally { Exit(); }
    }

    private void RequireAllocated()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!_allocated) throw new InterpreterException("tensors are not allocated: call AllocateTensors() (again after ResizeInput)");
    }

    /// <summary>
    /// Frees the arenas, the worker threads and the interpreter's reference on the model (and the model itself when the
    /// interpreter loaded it). Safe to call more than once and from any thread: during an Invoke on another thread the
    /// memory is freed when that call returns.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Release();
    }

    private void Free()
    {
        _allocated = false;
        foreach (var g in _subgraphs) g.Dispose();
        Resources.Dispose();
        _pool?.Dispose();
        _model.ReleaseData();
        if (_ownsModel) _model.Dispose();
    }
}

/// <summary>Runs a signature def: inputs and outputs by their signature names. The signature may run any subgraph.</summary>
public sealed class SignatureRunner
{
    private readonly Interpreter _interpreter;
    private readonly Subgraph _graph;

    internal SignatureRunner(Interpreter interpreter, SignatureDescription signature, Subgraph graph)
    {
        _interpreter = interpreter;
        _graph = graph;
        Signature = signature;
    }

    /// <summary>The signature.</summary>
    public SignatureDescription Signature { get; }
    /// <summary>Input names.</summary>
    public IEnumerable<string> InputNames => Signature.Inputs.Select(x => x.Name);
    /// <summary>Output names.</summary>
    public IEnumerable<string> OutputNames => Signature.Outputs.Select(x => x.Name);

    /// <summary>The input tensor named <paramref name="name"/>.</summary>
    public Tensor GetInput(string name) => _graph.Tensors[Find(Signature.Inputs, name, "input")];
    /// <summary>The output tensor named <paramref name="name"/>.</summary>
    public Tensor GetOutput(string name) => _graph.Tensors[Find(Signature.Outputs, name, "output")];

    /// <summary>Resizes a named input (then call <see cref="AllocateTensors"/>).</summary>
    public void ResizeInput(string name, ReadOnlySpan<int> shape)
    {
        int t = Find(Signature.Inputs, name, "input");
        for (int i = 0; i < _graph.Inputs.Length; i++)
            if (_graph.Inputs[i].Index == t) { _interpreter.ResizeSubgraphInput(_graph, _graph.Inputs[i], i, shape); return; }
        throw new ArgumentException($"signature input '{name}' is not an input of subgraph {_graph.Index}");
    }

    /// <summary>Allocates the tensors of the signature's subgraph.</summary>
    public void AllocateTensors() => _interpreter.AllocateSubgraph(_graph);

    /// <summary>Runs the signature (allocating first when needed).</summary>
    public void Invoke()
    {
        if (!_graph.IsAllocated) _interpreter.AllocateSubgraph(_graph);
        _interpreter.InvokeSubgraph(_graph);
    }

    private int Find(IReadOnlyList<SignatureTensor> list, string name, string what)
    {
        foreach (var x in list) if (x.Name == name) return x.TensorIndex;
        throw new ArgumentException($"signature '{Signature.Key}' has no {what} '{name}' (it has: {string.Join(", ", list.Select(x => x.Name))})");
    }
}
