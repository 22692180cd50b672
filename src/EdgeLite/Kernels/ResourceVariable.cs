namespace EdgeLite.Kernels;

/// <summary>
/// VAR_HANDLE: outputs the resource id of the variable named by (container, shared_name) — the same id in every
/// subgraph and every Invoke of the interpreter (the variable itself lives in <see cref="ResourceVariables"/>).
/// </summary>
internal sealed unsafe class VarHandle : OpKernel
{
    private int _id;

    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        if (context.OutputCount != 1) throw context.Invalid("needs one output");
        var y = context.Output(0);
        if (y.Type != TensorType.Resource) throw context.Invalid($"output must be a resource tensor, got {y}");
        var o = context.Options<Schema.VarHandleOptions>();
        _id = context.Graph.Owner.Resources.IdOf(o?.Container ?? "", o?.SharedName ?? "");
        if (y.ElementCount != 1) context.SetOutputShape(0, [1]);
    }

    public override void Eval(KernelContext context) => *(int*)context.Output(0).DataPointer = _id;
}

/// <summary>READ_VARIABLE: copies the variable's current value to the output (dynamic: the variable's shape).</summary>
internal sealed unsafe class ReadVariable : OpKernel
{
    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        var r = context.Input(0);
        if (r.Type != TensorType.Resource || r.ElementCount != 1) throw context.Invalid($"input 0 must be one resource handle, got {r}");
        if (context.OutputCount != 1) throw context.Invalid("needs one output");
        // The value is known only once an ASSIGN_VARIABLE (often in a CALL_ONCE init subgraph) has run.
        context.SetOutputDynamic(0);
    }

    public override void Eval(KernelContext context)
    {
        var v = Lookup(context, context.Input(0));
        if (!v.Initialized) throw new InterpreterException($"{context.Where}: {v} is read before any ASSIGN_VARIABLE wrote it");
        var y = context.Output(0);
        if (v.Type != y.Type) throw new InterpreterException($"{context.Where}: {v} holds {v.Type.ToDTypeName()}, the output is {y.Type.ToDTypeName()}");
        context.ResizeOutput(0, v.Shape);
        Buffer.MemoryCopy(v.Data, y.DataPointer, y.ByteLength, v.Bytes);
    }

    internal static ResourceVariables.Variable Lookup(KernelContext context, Tensor handle)
    {
        int id = *(int*)handle.DataPointer;
        return context.Graph.Owner.Resources.Get(id)
            ?? throw new InterpreterException($"{context.Where}: resource id {id} was not created by a VAR_HANDLE of this interpreter");
    }
}

/// <summary>ASSIGN_VARIABLE: stores a copy of input 1 in the variable of handle input 0 (its shape and type become the variable's).</summary>
internal sealed class AssignVariable : OpKernel
{
    internal override bool CanFold => false;

    public override void Prepare(KernelContext context)
    {
        var r = context.Input(0);
        if (r.Type != TensorType.Resource || r.ElementCount != 1) throw context.Invalid($"input 0 must be one resource handle, got {r}");
        var x = context.Input(1);
        if (x.ElementSize == 0 || x.Type == TensorType.Resource) throw context.Invalid($"cannot store a {x.Type.ToDTypeName()} tensor in a variable");
        if (context.OutputCount != 0) throw context.Invalid("gives no outputs");
    }

    public override void Eval(KernelContext context)
    {
        var v = ReadVariable.Lookup(context, context.Input(0));
        var x = context.Input(1);
        if (v.Initialized && v.Type != x.Type)
            throw new InterpreterException($"{context.Where}: {v} holds {v.Type.ToDTypeName()}, cannot assign {x.Type.ToDTypeName()}");
        ResourceVariables.Assign(v, x);
    }
}
