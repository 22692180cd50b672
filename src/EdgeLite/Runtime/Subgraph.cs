using System.Runtime.InteropServices;
using EdgeLite.Threading;

namespace EdgeLite;

/// <summary>
/// One executable subgraph of an interpreter: its own tensors, kernels, memory plan (arena) and variable tensors.
/// Subgraph 0 is the model's main graph; the others run when a control-flow operator (IF, WHILE, CALL_ONCE) or a
/// signature runner calls them. All subgraphs of an interpreter share its worker pool and resource variables.
/// </summary>
internal sealed unsafe class Subgraph : IDisposable
{
    internal readonly Interpreter Owner;
    internal readonly SubgraphDescription Graph;
    internal readonly Tensor[] Tensors;
    internal readonly Node[] Nodes;
    internal readonly Tensor[] Inputs;
    internal readonly Tensor[] Outputs;
    private readonly bool[] _isGraphIo;
    private byte* _arena;
    private readonly Dictionary<int, long> _variableBytes = new();
    internal long[]? OpTicks;
    internal long ProfiledInvokes;
    /// <summary>True while this subgraph is being prepared or run: a control-flow cycle (a subgraph calling itself) is refused.</summary>
    private bool _preparing, _running;

    internal sealed class Node(OpKernel kernel, KernelContext context)
    {
        public readonly OpKernel Kernel = kernel;
        public readonly KernelContext Context = context;
        /// <summary>Evaluated once at AllocateTensors (all inputs constant); skipped by Invoke.</summary>
        public bool Folded;
        /// <summary>A PAD taken over by the convolution it feeds (<see cref="FusePads"/>): never prepared or run.</summary>
        public bool Fused;
        /// <summary>An input is dynamic: Prepare runs at Invoke (again only when an input's shape changed).</summary>
        public bool Deferred;
        /// <summary>For deferred nodes: the inputs' shape versions at the last Prepare (-1 = never prepared).</summary>
        public int[] PreparedVersions = [];
        /// <summary>For deferred nodes: scratch memory outside the arena, grown as needed.</summary>
        public byte* DynamicScratch;
        public long DynamicScratchBytes;
    }

    internal Subgraph(Interpreter owner, Model model, SubgraphDescription graph, OpResolver resolver, WorkerPool? pool, List<string> missing)
    {
        Owner = owner;
        Graph = graph;
        Tensors = graph.Tensors.Select(t => new Tensor(t) { Owner = owner }).ToArray();
        Inputs = graph.Inputs.Select(i => Tensors[i]).ToArray();
        Outputs = graph.Outputs.Select(i => Tensors[i]).ToArray();
        _isGraphIo = new bool[Tensors.Length];
        foreach (var i in graph.Inputs) _isGraphIo[i] = true;
        foreach (var o in graph.Outputs) _isGraphIo[o] = true;
        Nodes = new Node[graph.Operators.Count];
        string where = graph.Index == 0 ? "" : $"subgraph {graph.Index} ";
        foreach (var op in graph.Operators)
        {
            var kernel = resolver.Create(op);
            if (kernel == null) { missing.Add($"{where}operator {op.Index} ({(op.IsCustom ? "custom op '" + op.CustomCode + "'" : op.OpName)})"); continue; }
            var ins = op.InputArray.Select(i => i < 0 ? null : Tensors[i]).ToArray();
            var outs = op.OutputArray.Select(i => Tensors[i]).ToArray();
            var inter = op.IntermediateArray.Select(i => Tensors[i]).ToArray();
            Nodes[op.Index] = new Node(kernel, new KernelContext(model, op, ins, outs, inter) { Pool = pool, Graph = this });
        }
        foreach (var t in Tensors)
        {
            t.UpdateCount();
            if (t.IsConstant) { t._data = model.TensorData(t.Description); t.Allocation = TensorAllocation.Constant; }
        }
    }

    internal int Index => Graph.Index;
    internal bool IsAllocated { get; private set; }
    internal long ArenaBytes { get; private set; }
    internal long UnsharedTensorBytes { get; private set; }
    internal long ArenaLowerBoundBytes { get; private set; }
    internal long PersistentBytes { get; private set; }
    /// <summary>True when a tensor of this subgraph got its shape at Invoke in the last AllocateTensors.</summary>
    internal bool HasDynamicTensors { get; private set; }

    internal void Invalidate() => IsAllocated = false;

    /// <summary>
    /// How deep subgraphs may call each other (IF inside WHILE inside ...): a hostile chain of thousands of nested
    /// subgraphs is refused with a typed error instead of overflowing the stack.
    /// </summary>
    internal const int MaxCallDepth = 64;

    /// <summary>Prepares every operator and plans the arena (see <see cref="Interpreter.AllocateTensors"/>).</summary>
    internal void AllocateTensors()
    {
        if (_preparing || _running)
            throw new ModelFormatException($"subgraph {Index} ('{Graph.Name}') calls itself through a control-flow operator (recursion is not supported)");
        if (Owner.CallDepth >= MaxCallDepth)
            throw new ModelFormatException($"subgraph {Index}: control flow nested more than {MaxCallDepth} subgraphs deep");
        _preparing = true;
        Owner.CallDepth++;
        try { AllocateCore(); }
        finally { _preparing = false; Owner.CallDepth--; }
    }

    private void AllocateCore()
    {
        IsAllocated = false;
        long persistent = 0;
        // Constant folding and dynamic tensors are decided again at every allocation: a folded value may depend on
        // input shapes (SHAPE of an input), and a resize may turn a static tensor dynamic or back.
        foreach (var node in Nodes)
        {
            if (!node.Folded) continue;
            var ctx = node.Context;
            for (int i = 0; i < ctx.OutputCount; i++)
            {
                var t = ctx.Output(i);
                if (t.Allocation == TensorAllocation.Persistent && t._data != null) NativeMemory.AlignedFree(t._data);
                t._data = null; t.Allocation = TensorAllocation.None; t.Folded = false;
            }
            node.Folded = false;
        }
        foreach (var t in Tensors) t.IsDynamic = false;
        bool anyDynamic = false;
        foreach (var node in Nodes)
        {
            var ctx = node.Context;
            node.Deferred = false;
            if (node.Fused) continue;
            ctx.ScratchRequest = 0;
            ctx.ScratchBase = null;
            bool dynamicInput = false;
            foreach (var t in ctx.InputTensors) if (t != null && t.IsDynamic) { dynamicInput = true; break; }
            if (dynamicInput)
            {
                // Its input shapes are known only at Invoke: prepared there, outputs allocated outside the arena.
                node.Deferred = true;
                if (node.PreparedVersions.Length != ctx.InputCount) node.PreparedVersions = new int[ctx.InputCount];
                Array.Fill(node.PreparedVersions, -1);
                for (int i = 0; i < ctx.OutputCount; i++) ctx.Output(i).IsDynamic = true;
                anyDynamic = true;
                continue;
            }
            ctx.ResetPersistent();
            PrepareNode(node);
            persistent += ctx.PersistentBytes;
            bool dynamicOutput = false;
            for (int i = 0; i < ctx.OutputCount; i++) dynamicOutput |= ctx.Output(i).IsDynamic;
            anyDynamic |= dynamicOutput;
            if (!dynamicOutput && CanFold(node)) { Fold(node); persistent += FoldedBytes(ctx); }
        }
        HasDynamicTensors = anyDynamic;
        Plan();
        foreach (var t in Tensors)
        {
            if (t.IsDynamic) { EnsureDynamic(t); continue; }
            if (t.Allocation == TensorAllocation.Dynamic) FreeDynamic(t);
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
        IsAllocated = true;
    }

    private static void PrepareNode(Node node)
    {
        var ctx = node.Context;
        try { node.Kernel.Prepare(ctx); }
        catch (Exception e) when (e is not (UnsupportedOperatorException or ModelFormatException or InterpreterException or OutOfMemoryException))
        {
            throw new ModelFormatException($"{ctx.Where}: prepare failed: {e.Message}", e);
        }
    }

    internal void ResetVariables()
    {
        foreach (var t in Tensors)
        {
            if (!t.IsVariable || t._data == null) continue;
            byte value = t.Type == TensorType.Int8 && t.Quantization is { } q ? (byte)(sbyte)q.ZeroPoint : (byte)0;
            NativeMemory.Fill(t._data, (nuint)t.ByteLength, value);
        }
    }

    /// <summary>Gives a dynamic tensor a buffer of at least its current size (outside the arena; grows, never shrinks).</summary>
    internal static void EnsureDynamic(Tensor t)
    {
        long bytes = t.ByteLength;
        if (t.Allocation == TensorAllocation.Dynamic && t._data != null && bytes <= t.Capacity) return;
        if (t.Allocation == TensorAllocation.Dynamic && t._data != null) NativeMemory.AlignedFree(t._data);
        long cap = Math.Max(bytes, 1);
        // slack past the end, as in the arena: vector kernels may read less than one vector past a tensor
        t._data = (byte*)NativeMemory.AlignedAlloc((nuint)(cap + Interpreter.ArenaSlack), ArenaPlanner.Alignment);
        NativeMemory.Clear(t._data, (nuint)(cap + Interpreter.ArenaSlack));
        t.Capacity = cap;
        t.Allocation = TensorAllocation.Dynamic;
    }

    private static void FreeDynamic(Tensor t)
    {
        if (t.Allocation == TensorAllocation.Dynamic && t._data != null) NativeMemory.AlignedFree(t._data);
        t._data = null; t.Capacity = 0; t.Allocation = TensorAllocation.None;
    }

    /// <summary>
    /// A builtin operator whose inputs are all constants (and which needs no scratch) is evaluated once, here, into
    /// persistent memory; its outputs then count as constants, so later kernels can pack them (DEQUANTIZE of float16
    /// weights feeding a convolution). Kernels that read only their inputs' shapes (SHAPE, RANK) fold whenever those
    /// shapes are static. Graph inputs, outputs and variables are never folded.
    /// </summary>
    private bool CanFold(Node node)
    {
        var ctx = node.Context;
        var op = ctx.Operator;
        if (op.IsCustom || ctx.ScratchRequest > 0 || ctx.InputCount == 0 || !node.Kernel.CanFold) return false;
        bool shapesOnly = node.Kernel.ReadsInputShapesOnly;
        bool any = false;
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var t = ctx.OptionalInput(i);
            if (t == null) continue;
            if (shapesOnly ? t.IsDynamic : !t.IsConstant) return false;
            any = true;
        }
        if (!any) return false;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var t = ctx.Output(i);
            if (t.IsVariable || t.IsConstant || _isGraphIo[t.Index] || t.Type == TensorType.Resource || t.Type == TensorType.Variant) return false;
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
            throw new InterpreterException($"{ctx.Where} failed on constant inputs: {e.Message}", e);
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
    internal void FusePads()
    {
        var producer = new int[Tensors.Length];
        var uses = new int[Tensors.Length];
        Array.Fill(producer, -1);
        foreach (var op in Graph.Operators)
        {
            foreach (var o in op.OutputArray) if (o >= 0) producer[o] = op.Index;
            foreach (var i in op.InputArray) if (i >= 0) uses[i]++;
        }
        foreach (var o in Graph.Outputs) uses[o] += 2;
        foreach (var node in Nodes)
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
            var padNode = Nodes[producer[padded]];
            var pop = padNode.Context.Operator;
            if (pop.IsCustom || pop.OpName != "PAD" || pop.InputArray.Length != 2 || pop.OutputArray.Length != 1) continue;
            if (pop.InputArray[0] < 0 || pop.InputArray[1] < 0) continue;
            var x = Tensors[pop.InputArray[0]]; var pads = Tensors[pop.InputArray[1]]; var y = Tensors[padded];
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
        int nOps = Nodes.Length;
        var first = new int[Tensors.Length];
        var last = new int[Tensors.Length];
        Array.Fill(first, int.MaxValue);
        Array.Fill(last, -1);
        foreach (var i in Graph.Inputs) { first[i] = 0; last[i] = Math.Max(last[i], 0); }
        foreach (var node in Nodes)
        {
            if (node.Fused) continue; // a fused PAD's output is never written: it gets no memory
            var ctx = node.Context;
            int k = ctx.Operator.Index;
            foreach (var t in ctx.InputTensors) if (t != null) { first[t.Index] = Math.Min(first[t.Index], k); last[t.Index] = Math.Max(last[t.Index], k); }
            for (int o = 0; o < ctx.OutputCount; o++) { int i = ctx.Output(o).Index; first[i] = Math.Min(first[i], k); last[i] = Math.Max(last[i], k); }
        }
        foreach (var o in Graph.Outputs) { first[o] = Math.Min(first[o], nOps); last[o] = nOps; }
        // Graph inputs live for the whole invoke (as in TFLite): the caller writes them before Invoke and may read them
        // back or invoke again without rewriting them.
        foreach (var i in Graph.Inputs) { first[i] = 0; last[i] = nOps; }

        var requests = new List<ArenaPlanner.Request>();
        var owners = new List<object>();
        foreach (var t in Tensors)
        {
            if (!t.IsConstant && !t.IsVariable && !t.IsDynamic && last[t.Index] < 0 && t.Allocation == TensorAllocation.Arena)
            {
                // no longer used (a fused PAD's output): drop the pointer into a previous arena
                t._data = null;
                t.Allocation = TensorAllocation.None;
            }
            if (t.IsConstant || t.IsVariable || t.IsDynamic || last[t.Index] < 0) continue;
            requests.Add(new ArenaPlanner.Request(t.ByteLength, first[t.Index], last[t.Index]));
            owners.Add(t);
        }
        foreach (var n in Nodes)
        {
            if (n.Deferred || n.Context.ScratchRequest <= 0) continue;
            requests.Add(new ArenaPlanner.Request(n.Context.ScratchRequest, n.Context.Operator.Index, n.Context.Operator.Index));
            owners.Add(n);
        }
        var (offsets, size) = ArenaPlanner.Plan(requests);
        if (_arena != null) { NativeMemory.AlignedFree(_arena); _arena = null; }
        // ArenaSlack bytes past the end let vector kernels over-read the last tensor by less than one vector.
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)(Math.Max(size, ArenaPlanner.Alignment) + Interpreter.ArenaSlack), ArenaPlanner.Alignment);
        NativeMemory.Clear(_arena, (nuint)(Math.Max(size, ArenaPlanner.Alignment) + Interpreter.ArenaSlack));
        long unshared = 0;
        for (int k = 0; k < requests.Count; k++)
        {
            unshared += requests[k].Size;
            if (owners[k] is Tensor t)
            {
                if (t.Allocation == TensorAllocation.Dynamic) FreeDynamic(t);
                t._data = _arena + offsets[k]; t.Allocation = TensorAllocation.Arena;
            }
            else ((Node)owners[k]).Context.ScratchBase = _arena + offsets[k];
        }
        ArenaBytes = size;
        ArenaLowerBoundBytes = ArenaPlanner.LowerBound(requests);
        UnsharedTensorBytes = unshared;
    }

    /// <summary>Runs every operator once (see <see cref="Interpreter.Invoke"/>).</summary>
    internal void Invoke()
    {
        if (!IsAllocated) throw new InterpreterException($"subgraph {Index}: tensors are not allocated: call AllocateTensors() (again after ResizeInput)");
        if (_running) throw new InterpreterException($"subgraph {Index} ('{Graph.Name}') is already running: a control-flow operator calls it recursively");
        if (Owner.CallDepth >= MaxCallDepth) throw new InterpreterException($"subgraph {Index}: control flow nested more than {MaxCallDepth} subgraphs deep");
        _running = true;
        Owner.CallDepth++;
        try
        {
            var nodes = Nodes;
            var ticks = OpTicks;
            for (int i = 0; i < nodes.Length; i++)
            {
                var n = nodes[i];
                if (n.Folded || n.Fused) continue;
                long t0 = ticks != null ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
                if (n.Deferred) PrepareAtInvoke(n);
                try { n.Kernel.Eval(n.Context); }
                catch (Exception e) when (e is not InterpreterException)
                {
                    throw new InterpreterException($"{n.Context.Where} failed: {e.Message}", e);
                }
                if (ticks != null) ticks[i] += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            }
            if (ticks != null) ProfiledInvokes++;
        }
        finally { _running = false; Owner.CallDepth--; }
    }

    /// <summary>
    /// Prepare of a node with a dynamic input, at Invoke: only when an input's shape changed since the last time (so a
    /// loop whose shapes settle stops preparing, and allocating); then its outputs get buffers of their new sizes.
    /// </summary>
    private static void PrepareAtInvoke(Node n)
    {
        var ctx = n.Context;
        var versions = n.PreparedVersions;
        bool changed = false;
        for (int i = 0; i < versions.Length; i++)
        {
            var t = ctx.OptionalInput(i);
            int v = t?.ShapeVersion ?? 0;
            if (versions[i] != v) { changed = true; versions[i] = v; }
        }
        if (!changed) return;
        ctx.ScratchRequest = 0;
        ctx.ResetPersistent();
        PrepareNode(n);
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var t = ctx.Output(i);
            t.IsDynamic = true;
            EnsureDynamic(t);
        }
        if (ctx.ScratchRequest > n.DynamicScratchBytes)
        {
            if (n.DynamicScratch != null) NativeMemory.AlignedFree(n.DynamicScratch);
            n.DynamicScratch = (byte*)NativeMemory.AlignedAlloc((nuint)(ctx.ScratchRequest + Interpreter.ArenaSlack), ArenaPlanner.Alignment);
            n.DynamicScratchBytes = ctx.ScratchRequest;
        }
        ctx.ScratchBase = n.DynamicScratch;
    }

    public void Dispose()
    {
        IsAllocated = false;
        if (_arena != null) { NativeMemory.AlignedFree(_arena); _arena = null; }
        foreach (var t in Tensors)
        {
            if ((t.Allocation == TensorAllocation.Persistent || t.Allocation == TensorAllocation.Dynamic) && t._data != null) NativeMemory.AlignedFree(t._data);
            // constants too: they point into the model's data, which the interpreter's reference no longer keeps alive
            t._data = null;
            t.Allocation = TensorAllocation.None;
        }
        foreach (var n in Nodes)
        {
            if (n == null) continue;
            if (n.DynamicScratch != null) { NativeMemory.AlignedFree(n.DynamicScratch); n.DynamicScratch = null; }
            n.Context.ScratchBase = null;
        }
    }
}
