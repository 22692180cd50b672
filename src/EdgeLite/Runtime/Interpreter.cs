using System.Runtime.InteropServices;
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
    private readonly SubgraphDescription _graph;
    private readonly Tensor[] _tensors;
    private readonly Node[] _nodes;
    private readonly Tensor[] _inputs;
    private readonly Tensor[] _outputs;
    private readonly WorkerPool? _pool;
    private byte* _arena;
    private bool _allocated;
    // Lifetime: 1 reference for the interpreter itself (released by Dispose) + 1 per call in progress; the last one
    // frees the arena, the workers and the model reference. _busy: an Invoke/AllocateTensors/... is running.
    private int _refs = 1;
    private int _disposed;
    private int _busy;
    private readonly long[]? _opTicks;
    private long _profiledInvokes;

    private sealed class Node(OpKernel kernel, KernelContext context)
    {
        public readonly OpKernel Kernel = kernel;
        public readonly KernelContext Context = context;
        /// <summary>Evaluated once at AllocateTensors (all inputs constant); skipped by Invoke.</summary>
        public bool Folded;
        /// <summary>A PAD taken over by the convolution it feeds (<see cref="FusePads"/>): never prepared or run.</summary>
        public bool Fused;
    }

    /// <summary>Creates an interpreter for the model's main subgraph. Every operator must resolve to a kernel.</summary>
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
        try
        {
        _model = model;
        _ownsModel = ownsModel;
        _graph = model.MainSubgraph;
        Threads = options.Threads;
        var resolver = options.Resolver ?? OpResolver.CreateDefault();
        _tensors = _graph.Tensors.Select(t => new Tensor(t) { Owner = this }).ToArray();
        _inputs = _graph.Inputs.Select(i => _tensors[i]).ToArray();
        _outputs = _graph.Outputs.Select(i => _tensors[i]).ToArray();
        _nodes = new Node[_graph.Operators.Count];
        var missing = new List<string>();
        foreach (var op in _graph.Operators)
        {
            var kernel = resolver.Create(op);
            if (kernel == null) { missing.Add($"operator {op.Index} ({(op.IsCustom ? "custom op '" + op.CustomCode + "'" : op.OpName)})"); continue; }
            var ins = op.InputArray.Select(i => i < 0 ? null : _tensors[i]).ToArray();
            var outs = op.OutputArray.Select(i => _tensors[i]).ToArray();
            var inter = op.IntermediateArray.Select(i => _tensors[i]).ToArray();
            _nodes[op.Index] = new Node(kernel, new KernelContext(model, op, ins, outs, inter));
        }
        if (missing.Count > 0)
            throw new UnsupportedOperatorException($"EdgeLite has no kernel for {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}");
        if (Threads > 1) _pool = new WorkerPool(Threads);
        if (options.EnableProfiling) _opTicks = new long[_nodes.Length];
        foreach (var n in _nodes) n.Context.Pool = _pool;
        foreach (var t in _tensors)
        {
            t.UpdateCount();
            if (t.IsConstant) { t._data = model.TensorData(t.Description); t.Allocation = TensorAllocation.Constant; }
        }
        FusePads();
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
    /// <summary>Bytes of the arena holding every intermediate tensor (and kernel scratch), after AllocateTensors.</summary>
    public long ArenaBytes { get; private set; }
    /// <summary>Sum of the sizes of all arena tensors and scratch buffers, as if none shared memory.</summary>
    public long UnsharedTensorBytes { get; private set; }
    /// <summary>
    /// The most arena bytes live at any one operator (tensors and scratch, 64-byte aligned), after AllocateTensors: a
    /// lower bound for any memory plan of this graph; <see cref="ArenaBytes"/> is at least this.
    /// </summary>
    public long ArenaLowerBoundBytes { get; private set; }
    /// <summary>Bytes held by kernels for the interpreter's life (packed weights, tables) and variable tensors.</summary>
    public long PersistentBytes { get; private set; }
    /// <summary>True after a successful AllocateTensors with no resize since.</summary>
    public bool IsAllocated => _allocated;

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

    /// <summary>The data of output <paramref name="index"/> as a span (valid until the next AllocateTensors).</summary>
    public ReadOnlySpan<T> GetOutput<T>(int index) where T : unmanaged
    {
        RequireAllocated();
        return GetOutputTensor(index).AsSpan<T>();
    }

    /// <summary>Changes the shape of input <paramref name="index"/>; call <see cref="AllocateTensors"/> again before Invoke.</summary>
    /// <exception cref="ArgumentException">The rank differs, a dimension is not positive, or it contradicts a fixed dimension of the shape signature.</exception>
    public void ResizeInput(int index, ReadOnlySpan<int> shape)
    {
        Enter();
        try { ResizeInputCore(index, shape); }
        finally { Exit(); }
    }

    private void ResizeInputCore(int index, ReadOnlySpan<int> shape)
    {
        var t = GetInputTensor(index);
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
        _allocated = false;
    }

    /// <summary>
    /// Prepares every operator for the current input shapes (output shapes, quantized multipliers, packed weights)
    /// and plans and allocates the arena. Call after construction and after any <see cref="ResizeInput"/>.
    /// </summary>
    /// <exception cref="UnsupportedOperatorException">An operator variant is not supported (names it).</exception>
    /// <exception cref="ModelFormatException">An operator is inconsistent with its tensors (names it).</exception>
    public void AllocateTensors()
    {
        Enter();
        try { AllocateTensorsCore(); }
        finally { Exit(); }
    }

    private void AllocateTensorsCore()
    {
        _allocated = false;
        long persistent = 0;
        foreach (var node in _nodes)
        {
            var ctx = node.Context;
            if (node.Fused) continue;
            if (node.Folded) { persistent += ctx.PersistentBytes + FoldedBytes(ctx); continue; }
            ctx.ScratchRequest = 0;
            ctx.ResetPersistent();
            try { node.Kernel.Prepare(ctx); }
            catch (Exception e) when (e is not (UnsupportedOperatorException or ModelFormatException or InterpreterException or OutOfMemoryException))
            {
                throw new ModelFormatException($"operator {ctx.Operator.Index} ({ctx.Operator.OpName}): prepare failed: {e.Message}", e);
            }
            persistent += ctx.PersistentBytes;
            if (CanFold(ctx)) { Fold(node); persistent += FoldedBytes(ctx); }
        }
        Plan();
        foreach (var t in _tensors)
        {
            if (!t.IsVariable) continue;
            // Variable (state) tensors get their own buffers outside the arena, so no other tensor can share their
            // bytes; they keep their values across Invoke calls and are reset (as TFLite does) at every AllocateTensors.
            long bytes = t.ByteLength;
            if (t._data == null || t.Allocation != TensorAllocation.Persistent || _variableBytes.GetValueOrDefault(t.Index) != bytes)
            {
                if (t._data != null && t.Allocation == TensorAllocation.Persistent) NativeMemory.AlignedFree(t._data);
                t._data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), ArenaPlanner.Alignment);
                t.Allocation = TensorAllocation.Persistent;
                _variableBytes[t.Index] = bytes;
            }
            persistent += bytes;
        }
        ResetVariables();
        PersistentBytes = persistent;
        _allocated = true;
    }

    /// <summary>
    /// Resets every variable (state) tensor, such as an LSTM's cell and output state, to zero (int8 tensors to their
    /// zero point), as TFLite's <c>ResetVariableTensors</c>. AllocateTensors does this too; between Invoke calls the
    /// state is kept, so call this before feeding an unrelated sequence.
    /// </summary>
    /// <exception cref="InterpreterException">AllocateTensors has not been called since the last resize.</exception>
    public void ResetVariableTensors()
    {
        Enter();
        try
        {
            RequireAllocated();
            ResetVariables();
        }
        finally { Exit(); }
    }

    private void ResetVariables()
    {
        foreach (var t in _tensors)
        {
            if (!t.IsVariable || t._data == null) continue;
            byte value = t.Type == TensorType.Int8 && t.Quantization is { } q ? (byte)(sbyte)q.ZeroPoint : (byte)0;
            NativeMemory.Fill(t._data, (nuint)t.ByteLength, value);
        }
    }

    private readonly Dictionary<int, long> _variableBytes = new();

    /// <summary>Readable bytes after the arena's last tensor (kernels may load a partial vector past a tensor's end).</summary>
    internal const int ArenaSlack = 64;

    /// <summary>
    /// A builtin operator whose inputs are all constants (and which needs no scratch) is evaluated once, here, into
    /// persistent memory; its outputs then count as constants, so later kernels can pack them (DEQUANTIZE of float16
    /// weights feeding a convolution). Graph outputs and variables are never folded.
    /// </summary>
    private bool CanFold(KernelContext ctx)
    {
        var op = ctx.Operator;
        if (op.IsCustom || ctx.ScratchRequest > 0 || ctx.InputCount == 0) return false;
        bool any = false;
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var t = ctx.OptionalInput(i);
            if (t == null) continue;
            if (!t.IsConstant) return false;
            any = true;
        }
        if (!any) return false;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var t = ctx.Output(i);
            if (t.IsVariable || t.IsConstant || _graph.Outputs.Contains(t.Index) || _graph.Inputs.Contains(t.Index)) return false;
        }
        return true;
    }

    private void Fold(Node node)
    {
        var ctx = node.Context;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var t = ctx.Output(i);
            long bytes = t.ByteLength;
            t._data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), ArenaPlanner.Alignment);
            NativeMemory.Clear(t._data, (nuint)Math.Max(bytes, 1));
            t.Allocation = TensorAllocation.Persistent;
        }
        try { node.Kernel.Eval(ctx); }
        catch (Exception e) when (e is not InterpreterException)
        {
            throw new InterpreterException($"operator {ctx.Operator.Index} ({ctx.Operator.OpName}) failed on constant inputs: {e.Message}", e);
        }
        for (int i = 0; i < ctx.OutputCount; i++) ctx.Output(i).Folded = true;
        node.Folded = true;
    }

    private static long FoldedBytes(KernelContext ctx)
    {
        long b = 0;
        for (int i = 0; i < ctx.OutputCount; i++) b += ctx.Output(i).ByteLength;
        return b;
    }

    /// <summary>
    /// A PAD of height and width only, whose output feeds nothing but one CONV_2D or DEPTHWISE_CONV_2D with VALID
    /// padding, is taken over by that convolution (as TFLite's XNNPACK delegate does): the convolution reads the
    /// unpadded input with explicit padding, whose taps contribute nothing, exactly as the pad values would (0 for
    /// float, the zero point for quantized tensors, so x - zp = 0); the PAD never runs and its output gets no memory.
    /// </summary>
    private void FusePads()
    {
        var producer = new int[_tensors.Length];
        var uses = new int[_tensors.Length];
        Array.Fill(producer, -1);
        foreach (var op in _graph.Operators)
        {
            foreach (var o in op.OutputArray) if (o >= 0) producer[o] = op.Index;
            foreach (var i in op.InputArray) if (i >= 0) uses[i]++;
        }
        foreach (var o in _graph.Outputs) uses[o] += 2;
        foreach (var node in _nodes)
        {
            var op = node.Context.Operator;
            if (op.IsCustom || op.InputArray.Length < 1 || op.InputArray[0] < 0) continue;
            Schema.Padding? padding = op.OpName switch
            {
                "CONV_2D" => node.Context.Options<Schema.Conv2DOptions>()?.Padding,
                "DEPTHWISE_CONV_2D" => node.Context.Options<Schema.DepthwiseConv2DOptions>()?.Padding,
                _ => null,
            };
            if (padding != Schema.Padding.VALID) continue;
            int padded = op.InputArray[0];
            if (uses[padded] != 1 || producer[padded] < 0) continue;
            var padNode = _nodes[producer[padded]];
            var pop = padNode.Context.Operator;
            if (pop.IsCustom || pop.OpName != "PAD" || pop.InputArray.Length != 2 || pop.OutputArray.Length != 1) continue;
            if (pop.InputArray[0] < 0 || pop.InputArray[1] < 0) continue;
            var x = _tensors[pop.InputArray[0]]; var pads = _tensors[pop.InputArray[1]]; var y = _tensors[padded];
            if (!pads.Description.IsConstant || x.IsVariable || x.Rank != 4 || y.Rank != 4 || x.Type != y.Type || pads.ElementCount != 8) continue;
            long[] p = new long[8];
            if (pads.Type == TensorType.Int32) for (int i = 0; i < 8; i++) p[i] = ((int*)pads._data)[i];
            else if (pads.Type == TensorType.Int64) for (int i = 0; i < 8; i++) p[i] = ((long*)pads._data)[i];
            else continue;
            if (p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) continue;
            if (p[2] < 0 || p[3] < 0 || p[4] < 0 || p[5] < 0 || p[2] + p[3] > 1 << 16 || p[4] + p[5] > 1 << 16) continue;
            if (x.Type != TensorType.Float32)
            {
                // the convolution reads x's quantization: it must be the padded tensor's
                var qx = x.Quantization; var qy = y.Quantization;
                if (qx == null || qy == null || qx.Scales.Count != 1 || qy.Scales.Count != 1 || qx.Scale != qy.Scale || qx.ZeroPoint != qy.ZeroPoint) continue;
            }
            node.Context.ReplaceInput(0, x);
            node.Context.ExplicitPadding = ((int)p[2], (int)p[4], (int)p[3], (int)p[5]);
            padNode.Fused = true;
        }
    }

    private void Plan()
    {
        int nOps = _nodes.Length;
        var first = new int[_tensors.Length];
        var last = new int[_tensors.Length];
        Array.Fill(first, int.MaxValue);
        Array.Fill(last, -1);
        foreach (var i in _graph.Inputs) { first[i] = 0; last[i] = Math.Max(last[i], 0); }
        foreach (var node in _nodes)
        {
            if (node.Fused) continue; // a fused PAD's output is never written: it gets no memory
            var ctx = node.Context;
            int k = ctx.Operator.Index;
            foreach (var t in ctx.InputTensors) if (t != null) { first[t.Index] = Math.Min(first[t.Index], k); last[t.Index] = Math.Max(last[t.Index], k); }
            for (int o = 0; o < ctx.OutputCount; o++) { int i = ctx.Output(o).Index; first[i] = Math.Min(first[i], k); last[i] = Math.Max(last[i], k); }
        }
        foreach (var o in _graph.Outputs) { first[o] = Math.Min(first[o], nOps); last[o] = nOps; }
        // Graph inputs live for the whole invoke (as in TFLite): the caller writes them before Invoke and may read them
        // back or invoke again without rewriting them.
        foreach (var i in _graph.Inputs) { first[i] = 0; last[i] = nOps; }

        var requests = new List<ArenaPlanner.Request>();
        var owners = new List<object>();
        foreach (var t in _tensors)
        {
            if (!t.IsConstant && !t.IsVariable && last[t.Index] < 0 && t.Allocation == TensorAllocation.Arena)
            {
                // no longer used (a fused PAD's output): drop the pointer into a previous arena
                t._data = null;
                t.Allocation = TensorAllocation.None;
            }
            if (t.IsConstant || t.IsVariable || last[t.Index] < 0) continue;
            requests.Add(new ArenaPlanner.Request(t.ByteLength, first[t.Index], last[t.Index]));
            owners.Add(t);
        }
        foreach (var n in _nodes)
        {
            if (n.Context.ScratchRequest <= 0) continue;
            requests.Add(new ArenaPlanner.Request(n.Context.ScratchRequest, n.Context.Operator.Index, n.Context.Operator.Index));
            owners.Add(n);
        }
        var (offsets, size) = ArenaPlanner.Plan(requests);
        if (_arena != null) { NativeMemory.AlignedFree(_arena); _arena = null; }
        // ArenaSlack bytes past the end let vector kernels over-read the last tensor by less than one vector.
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)(Math.Max(size, ArenaPlanner.Alignment) + ArenaSlack), ArenaPlanner.Alignment);
        NativeMemory.Clear(_arena, (nuint)(Math.Max(size, ArenaPlanner.Alignment) + ArenaSlack));
        long unshared = 0;
        for (int k = 0; k < requests.Count; k++)
        {
            unshared += requests[k].Size;
            if (owners[k] is Tensor t) { t._data = _arena + offsets[k]; t.Allocation = TensorAllocation.Arena; }
            else ((Node)owners[k]).Context.ScratchBase = _arena + offsets[k];
        }
        ArenaBytes = size;
        ArenaLowerBoundBytes = ArenaPlanner.LowerBound(requests);
        UnsharedTensorBytes = unshared;
    }

    /// <summary>Runs the model once on the current inputs.</summary>
    /// <exception cref="InterpreterException">AllocateTensors has not been called since the last resize, or a kernel failed.</exception>
    public void Invoke()
    {
        Enter();
        try { InvokeCore(); }
        finally { Exit(); }
    }

    private void InvokeCore()
    {
        RequireAllocated();
        var nodes = _nodes;
        if (_opTicks != null) { InvokeProfiled(nodes, _opTicks); return; }
        for (int i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            if (n.Folded || n.Fused) continue;
            try { n.Kernel.Eval(n.Context); }
            catch (Exception e) when (e is not InterpreterException)
            {
                throw new InterpreterException($"operator {n.Context.Operator.Index} ({n.Context.Operator.OpName}) failed: {e.Message}", e);
            }
        }
    }

    private void InvokeProfiled(Node[] nodes, long[] ticks)
    {
        for (int i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            if (n.Folded || n.Fused) continue;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            try { n.Kernel.Eval(n.Context); }
            catch (Exception e) when (e is not InterpreterException)
            {
                throw new InterpreterException($"operator {n.Context.Operator.Index} ({n.Context.Operator.OpName}) failed: {e.Message}", e);
            }
            ticks[i] += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }
        _profiledInvokes++;
    }

    /// <summary>
    /// Per-operator times since creation or the last <see cref="ResetOperatorProfile"/>, in execution order.
    /// Requires <see cref="InterpreterOptions.EnableProfiling"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Profiling is not enabled.</exception>
    public IReadOnlyList<OperatorProfile> GetOperatorProfile()
    {
        if (_opTicks == null) throw new InvalidOperationException("profiling is off: create the interpreter with InterpreterOptions.EnableProfiling = true");
        var list = new List<OperatorProfile>(_nodes.Length);
        for (int i = 0; i < _nodes.Length; i++)
        {
            var op = _nodes[i].Context.Operator;
            int[] shape = op.OutputArray.Length > 0 && op.OutputArray[0] >= 0 ? _tensors[op.OutputArray[0]].ShapeArray : [];
            list.Add(new OperatorProfile(op.Index, op.OpName, shape, _opTicks[i] * 1000.0 / System.Diagnostics.Stopwatch.Frequency, _profiledInvokes));
        }
        return list;
    }

    /// <summary>Clears the per-operator times (for example after warm-up invokes).</summary>
    public void ResetOperatorProfile()
    {
        if (_opTicks == null) return;
        Array.Clear(_opTicks);
        _profiledInvokes = 0;
    }

    /// <summary>A runner for the signature <paramref name="key"/> (null = the only/first signature).</summary>
    /// <exception cref="ArgumentException">No such signature.</exception>
    public SignatureRunner GetSignatureRunner(string? key = null)
    {
        var sigs = _model.Signatures;
        if (sigs.Count == 0) throw new ArgumentException("the model has no signature defs");
        var sig = key == null ? sigs[0] : sigs.FirstOrDefault(s => s.Key == key)
            ?? throw new ArgumentException($"no signature '{key}' (the model has: {string.Join(", ", sigs.Select(s => s.Key))})");
        if (sig.SubgraphIndex != 0) throw new UnsupportedOperatorException($"signature '{sig.Key}' runs subgraph {sig.SubgraphIndex}; EdgeLite runs subgraph 0 only");
        return new SignatureRunner(this, sig);
    }

    private void RequireAllocated()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!_allocated) throw new InterpreterException("tensors are not allocated: call AllocateTensors() (again after ResizeInput)");
    }

    /// <summary>
    /// Frees the arena, the worker threads and the interpreter's reference on the model (and the model itself when the
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
        foreach (var t in _tensors)
        {
            if (t.Allocation == TensorAllocation.Persistent && t._data != null) NativeMemory.AlignedFree(t._data);
            t._data = null;
            t.Allocation = TensorAllocation.None;
        }
        if (_arena != null) { NativeMemory.AlignedFree(_arena); _arena = null; }
        foreach (var n in _nodes) n.Context.ScratchBase = null;
        _pool?.Dispose();
        _model.ReleaseData();
        if (_ownsModel) _model.Dispose();
    }
}

/// <summary>Runs a signature def: inputs and outputs by their signature names.</summary>
public sealed class SignatureRunner
{
    private readonly Interpreter _interpreter;

    internal SignatureRunner(Interpreter interpreter, SignatureDescription signature)
    {
        _interpreter = interpreter;
        Signature = signature;
    }

    /// <summary>The signature.</summary>
    public SignatureDescription Signature { get; }
    /// <summary>Input names.</summary>
    public IEnumerable<string> InputNames => Signature.Inputs.Select(x => x.Name);
    /// <summary>Output names.</summary>
    public IEnumerable<string> OutputNames => Signature.Outputs.Select(x => x.Name);

    /// <summary>The input tensor named <paramref name="name"/>.</summary>
    public Tensor GetInput(string name) => _interpreter.GetTensor(Find(Signature.Inputs, name, "input"));
    /// <summary>The output tensor named <paramref name="name"/>.</summary>
    public Tensor GetOutput(string name) => _interpreter.GetTensor(Find(Signature.Outputs, name, "output"));

    /// <summary>Resizes a named input (then call <see cref="AllocateTensors"/>).</summary>
    public void ResizeInput(string name, ReadOnlySpan<int> shape)
    {
        int t = Find(Signature.Inputs, name, "input");
        for (int i = 0; i < _interpreter.InputCount; i++)
            if (_interpreter.GetInputTensor(i).Index == t) { _interpreter.ResizeInput(i, shape); return; }
        throw new ArgumentException($"signature input '{name}' is not a model input");
    }

    /// <summary>Allocates tensors of the underlying interpreter.</summary>
    public void AllocateTensors() => _interpreter.AllocateTensors();

    /// <summary>Runs the signature.</summary>
    public void Invoke()
    {
        if (!_interpreter.IsAllocated) _interpreter.AllocateTensors();
        _interpreter.Invoke();
    }

    private int Find(IReadOnlyList<SignatureTensor> list, string name, string what)
    {
        foreach (var x in list) if (x.Name == name) return x.TensorIndex;
        throw new ArgumentException($"signature '{Signature.Key}' has no {what} '{name}' (it has: {string.Join(", ", list.Select(x => x.Name))})");
    }
}
