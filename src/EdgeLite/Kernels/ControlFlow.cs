namespace EdgeLite.Kernels;

/// <summary>
/// Shared plumbing of the control-flow kernels: binding values to a called subgraph's inputs (resizing and
/// re-preparing it only when a shape changed) and copying its outputs out.
/// </summary>
internal static unsafe class SubgraphCalls
{
    /// <summary>The subgraph <paramref name="index"/> named by an option, checked against the model.</summary>
    public static Subgraph Get(KernelContext ctx, int index, string what)
    {
        var owner = ctx.Graph.Owner;
        if ((uint)index >= (uint)owner.SubgraphCount) throw ctx.Invalid($"{what} subgraph index {index} out of range (the model has {owner.SubgraphCount} subgraphs)");
        if (index == 0) throw ctx.Invalid($"{what} subgraph is the main subgraph 0");
        return owner.GetSubgraph(index);
    }

    /// <summary>Checks that <paramref name="g"/> takes <paramref name="values"/> (count and types).</summary>
    public static void CheckInputs(KernelContext ctx, Subgraph g, string what, ReadOnlySpan<Tensor> values)
    {
        if (g.Inputs.Length != values.Length)
            throw ctx.Invalid($"{what} subgraph {g.Index} has {g.Inputs.Length} inputs, the operator passes {values.Length}");
        for (int i = 0; i < values.Length; i++)
            if (g.Inputs[i].Type != values[i].Type)
                throw ctx.Invalid($"{what} subgraph {g.Index} input {i} is {g.Inputs[i].Type.ToDTypeName()}, the operator passes {values[i].Type.ToDTypeName()}");
    }

    /// <summary>
    /// Gives the subgraph's inputs the shapes of <paramref name="values"/>; when one changed (or the subgraph is not
    /// prepared yet) the subgraph is prepared again. Returns true when it was (re)allocated.
    /// </summary>
    public static bool Reshape(Subgraph g, ReadOnlySpan<Tensor> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            var t = g.Inputs[i];
            if (!values[i].Shape.SequenceEqual(t.Shape)) { t.SetShape(values[i].Shape); g.Invalidate(); }
        }
        if (g.IsAllocated) return false;
        g.AllocateTensors();
        return true;
    }

    /// <summary>Reshapes as needed, then copies <paramref name="values"/> into the subgraph's inputs.</summary>
    public static void Bind(Subgraph g, ReadOnlySpan<Tensor> values)
    {
        Reshape(g, values);
        for (int i = 0; i < values.Length; i++) Copy(values[i], g.Inputs[i]);
    }

    public static void Copy(Tensor from, Tensor to)
    {
        if (from.DataPointer == to.DataPointer) return;
        Buffer.MemoryCopy(from.DataPointer, to.DataPointer, to.ByteLength, from.ByteLength);
    }

    /// <summary>Copies <paramref name="from"/> into output <paramref name="i"/>, resizing it first when it is dynamic.</summary>
    public static void CopyOut(KernelContext ctx, Tensor from, int i)
    {
        var to = ctx.Output(i);
        if (to.IsDynamic) ctx.ResizeOutput(i, from.Shape);
        else if (!from.Shape.SequenceEqual(to.Shape))
            throw new InterpreterException($"{ctx.Where}: output {i} has shape [{string.Join(",", to.ShapeArray)}] but the subgraph produced [{string.Join(",", from.ShapeArray)}]");
        Copy(from, to);
    }

    /// <summary>True when a subgraph output's shape is known only at its Invoke.</summary>
    public static bool DynamicOutputs(Subgraph g)
    {
        foreach (var t in g.Outputs) if (t.IsDynamic) return true;
        return false;
    }
}

/// <summary>
/// IF: input 0 is a one-element boolean condition; the other inputs are passed to the then- or else-subgraph, whose
/// outputs become the operator's. Both branches are prepared with the operator's input shapes (as TFLite's if.cc
/// does); the outputs are static when both branches give the same static shapes, else dynamic (sized at Invoke by
/// the branch that ran).
/// </summary>
internal sealed class If : OpKernel
{
    private Subgraph _then = null!, _else = null!;
    private Tensor[] _args = [];

    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        var o = context.Options<Schema.IfOptions>() ?? throw context.Invalid("missing IfOptions");
        _then = SubgraphCalls.Get(context, o.ThenSubgraphIndex, "then");
        _else = SubgraphCalls.Get(context, o.ElseSubgraphIndex, "else");
        if (context.InputCount < 1) throw context.Invalid("needs a condition input");
        var cond = context.Input(0);
        if (cond.Type != TensorType.Bool || cond.ElementCount != 1) throw context.Invalid($"condition must be one bool, got {cond}");
        _args = new Tensor[context.InputCount - 1];
        for (int i = 0; i < _args.Length; i++) _args[i] = context.Input(i + 1);
        bool dynamic = false;
        foreach (var (g, name) in new[] { (_then, "then"), (_else, "else") })
        {
            SubgraphCalls.CheckInputs(context, g, name, _args);
            if (g.Outputs.Length != context.OutputCount) throw context.Invalid($"{name} subgraph {g.Index} has {g.Outputs.Length} outputs, the operator {context.OutputCount}");
            for (int i = 0; i < context.OutputCount; i++)
                if (g.Outputs[i].Type != context.Output(i).Type)
                    throw context.Invalid($"{name} subgraph {g.Index} output {i} is {g.Outputs[i].Type.ToDTypeName()}, the operator's {context.Output(i).Type.ToDTypeName()}");
            for (int i = 0; i < _args.Length; i++) if (!_args[i].Shape.SequenceEqual(g.Inputs[i].Shape)) { g.Inputs[i].SetShape(_args[i].Shape); g.Invalidate(); }
            g.AllocateTensors();
            dynamic |= SubgraphCalls.DynamicOutputs(g);
        }
        for (int i = 0; i < context.OutputCount && !dynamic; i++) dynamic = !_then.Outputs[i].Shape.SequenceEqual(_else.Outputs[i].Shape);
        for (int i = 0; i < context.OutputCount; i++)
        {
            if (dynamic) context.SetOutputDynamic(i);
            else context.SetOutputShape(i, _then.Outputs[i].Shape);
        }
    }

    public override unsafe void Eval(KernelContext context)
    {
        var g = *context.Input(0).DataPointer != 0 ? _then : _else;
        SubgraphCalls.Bind(g, _args);
        g.Invoke();
        for (int i = 0; i < context.OutputCount; i++) SubgraphCalls.CopyOut(context, g.Outputs[i], i);
    }
}

/// <summary>
/// WHILE: the loop-carried values start as the inputs; while the cond subgraph (same inputs, one bool output) gives
/// true, the body subgraph maps them to their next values; the outputs are the final values (the inputs when the loop
/// runs zero times). When the body keeps every shape, the outputs are static and nothing is allocated per Invoke;
/// when a shape changes between iterations (or the body has dynamic outputs), the outputs are dynamic and cond/body are
/// prepared again for each new shape, as TFLite's while.cc does. A loop that never ends runs forever, as in TFLite.
/// </summary>
internal sealed class While : OpKernel
{
    private Subgraph _cond = null!, _body = null!;
    private Tensor[] _values = [];

    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        var o = context.Options<Schema.WhileOptions>() ?? throw context.Invalid("missing WhileOptions");
        _cond = SubgraphCalls.Get(context, o.CondSubgraphIndex, "cond");
        _body = SubgraphCalls.Get(context, o.BodySubgraphIndex, "body");
        int n = context.InputCount;
        if (context.OutputCount != n) throw context.Invalid($"{n} inputs but {context.OutputCount} outputs");
        var inputs = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            inputs[i] = context.Input(i);
            if (inputs[i].Type != context.Output(i).Type) throw context.Invalid($"input {i} is {inputs[i].Type.ToDTypeName()}, output {i} {context.Output(i).Type.ToDTypeName()}");
        }
        SubgraphCalls.CheckInputs(context, _cond, "cond", inputs);
        SubgraphCalls.CheckInputs(context, _body, "body", inputs);
        if (_cond.Outputs.Length != 1) throw context.Invalid($"cond subgraph {_cond.Index} has {_cond.Outputs.Length} outputs, needs 1");
        if (_body.Outputs.Length != n) throw context.Invalid($"body subgraph {_body.Index} has {_body.Outputs.Length} outputs, needs {n}");
        for (int i = 0; i < n; i++)
            if (_body.Outputs[i].Type != inputs[i].Type)
                throw context.Invalid($"body subgraph {_body.Index} output {i} is {_body.Outputs[i].Type.ToDTypeName()}, the loop value {inputs[i].Type.ToDTypeName()}");
        foreach (var g in new[] { _cond, _body })
        {
            for (int i = 0; i < n; i++) if (!inputs[i].Shape.SequenceEqual(g.Inputs[i].Shape)) { g.Inputs[i].SetShape(inputs[i].Shape); g.Invalidate(); }
            g.AllocateTensors();
        }
        var c = _cond.Outputs[0];
        if (c.Type != TensorType.Bool || (!c.IsDynamic && c.ElementCount != 1)) throw context.Invalid($"cond subgraph {_cond.Index} output must be one bool, got {c}");
        bool dynamic = SubgraphCalls.DynamicOutputs(_body);
        for (int i = 0; i < n && !dynamic; i++) dynamic = !_body.Outputs[i].Shape.SequenceEqual(inputs[i].Shape);
        // The loop-carried values live in the outputs: a static output holds every iteration's value in place.
        _values = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            _values[i] = context.Output(i);
            if (dynamic) context.SetOutputDynamic(i);
            else context.SetOutputShape(i, inputs[i].Shape);
        }
    }

    public override unsafe void Eval(KernelContext context)
    {
        int n = _values.Length;
        for (int i = 0; i < n; i++) SubgraphCalls.CopyOut(context, context.Input(i), i);
        while (true)
        {
            SubgraphCalls.Bind(_cond, _values);
            _cond.Invoke();
            var c = _cond.Outputs[0];
            if (c.ElementCount != 1) throw new InterpreterException($"{context.Where}: cond subgraph gave {c.ElementCount} values, needs one bool");
            if (*c.DataPointer == 0) break;
            SubgraphCalls.Bind(_body, _values);
            _body.Invoke();
            for (int i = 0; i < n; i++) SubgraphCalls.CopyOut(context, _body.Outputs[i], i);
        }
    }
}

/// <summary>
/// CALL_ONCE: runs its init subgraph (no inputs, no outputs; typically ASSIGN_VARIABLEs of initial values) at the
/// first Invoke that reaches it, once per interpreter (keyed by the init subgraph, as TFLite's call_once.cc does);
/// later Invokes, AllocateTensors and ResetVariableTensors do not run it again.
/// </summary>
internal sealed class CallOnce : OpKernel
{
    private Subgraph _init = null!;

    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        var o = context.Options<Schema.CallOnceOptions>() ?? throw context.Invalid("missing CallOnceOptions");
        _init = SubgraphCalls.Get(context, o.InitSubgraphIndex, "init");
        if (context.InputCount != 0 || context.OutputCount != 0) throw context.Invalid("CALL_ONCE takes no inputs and gives no outputs");
        if (_init.Inputs.Length != 0 || _init.Outputs.Length != 0) throw context.Invalid($"init subgraph {_init.Index} must have no inputs and no outputs");
        if (context.Graph.Owner.InitializedSubgraphs.Contains(_init.Index)) return;
        if (!_init.IsAllocated) _init.AllocateTensors();
    }

    public override void Eval(KernelContext context)
    {
        var done = context.Graph.Owner.InitializedSubgraphs;
        if (done.Contains(_init.Index)) return;
        if (!_init.IsAllocated) _init.AllocateTensors();
        _init.Invoke();
        done.Add(_init.Index);
    }
}
