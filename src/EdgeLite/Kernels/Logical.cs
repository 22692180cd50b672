using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>Which logical operator.</summary>
internal enum LogicalKind { And, Or, Not }

/// <summary>LOGICAL_AND and LOGICAL_OR on bool with NumPy broadcasting; LOGICAL_NOT (one input). bool only, as TFLite.</summary>
internal sealed unsafe class Logical(LogicalKind op) : OpKernel
{
    private Broadcast? _bc;

    public override void Prepare(KernelContext context)
    {
        var a = context.Input(0); var y = context.Output(0);
        if (a.Type != TensorType.Bool || y.Type != TensorType.Bool) throw context.Unsupported($"type {a.Type.ToDTypeName()} → {y.Type.ToDTypeName()} (bool only)");
        if (op == LogicalKind.Not) { context.SetOutputShape(0, a.Shape); return; }
        var b = context.Input(1);
        if (b.Type != TensorType.Bool) throw context.Unsupported($"type {b.Type.ToDTypeName()} (bool only)");
        _bc = Broadcast.Prepare(context, a, b, out var shape);
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* a = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        if (_bc == null)
        {
            int n = context.Input(0).ElementCount;
            for (int i = 0; i < n; i++) y[i] = a[i] != 0 ? (byte)0 : (byte)1;
            return;
        }
        var o = new Op { A = a, B = context.Input(1).DataPointer, Y = y, And = op == LogicalKind.And };
        _bc.ForEach(ref o);
    }

    private struct Op : IBroadcastOp
    {
        public byte* A, B, Y; public bool And;
        public readonly void Apply(int o, int i1, int i2)
        {
            bool x = A[i1] != 0, z = B[i2] != 0;
            Y[o] = (And ? x && z : x || z) ? (byte)1 : (byte)0;
        }
    }
}
