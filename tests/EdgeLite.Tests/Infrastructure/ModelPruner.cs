using System.Buffers.Binary;

namespace EdgeLite.Tests.Infrastructure;

/// <summary>
/// Rewrites a model file so that its main subgraph computes only the given tensors: the graph outputs become
/// <c>outputs</c> and the operator list keeps only the operators they depend on (in their original order). Done in
/// place on a copy of the flatbuffer: the operators vector and the outputs vector are shortened and their offsets
/// recomputed (a vector element's offset is relative to the element, and kept elements only move towards the
/// vector's start, so the offsets stay forward). Used to hand a model whose custom ops the reference tool lacks to
/// that tool with the custom-op branches cut away.
/// </summary>
internal static class ModelPruner
{
    public static byte[] KeepOnly(byte[] data, int[] outputs)
    {
        var keep = new SortedSet<int>();
        using (var m = Model.FromBytes(data))
        {
            var sg = m.MainSubgraph;
            var producer = new Dictionary<int, int>();
            foreach (var op in sg.Operators) foreach (var t in op.Outputs) producer[t] = op.Index;
            var pending = new Stack<int>(outputs);
            while (pending.Count > 0)
            {
                if (!producer.TryGetValue(pending.Pop(), out int o) || !keep.Add(o)) continue;
                foreach (var i in sg.Operators[o].Inputs) if (i >= 0) pending.Push(i);
            }
        }
        var b = (byte[])data.Clone();
        int model = Deref(b, 0);
        int subgraphs = Deref(b, Field(b, model, 2));      // Model.subgraphs
        int subgraph = Deref(b, subgraphs + 4);             // subgraph 0
        int ops = Deref(b, Field(b, subgraph, 3));          // SubGraph.operators
        int count = I32(b, ops);
        var tables = new int[count];
        for (int i = 0; i < count; i++) tables[i] = Deref(b, ops + 4 + 4 * i);
        int k = 0;
        foreach (int o in keep)
        {
            int slot = ops + 4 + 4 * k++;
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(slot), tables[o] - slot);
        }
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(ops), k);
        int outs = Deref(b, Field(b, subgraph, 2));         // SubGraph.outputs
        if (I32(b, outs) < outputs.Length) throw new ArgumentException("more outputs than the model has slots for");
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(outs), outputs.Length);
        for (int i = 0; i < outputs.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(outs + 4 + 4 * i), outputs[i]);
        return b;
    }

    private static int I32(byte[] b, int p) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(p));

    private static int Deref(byte[] b, int p) => p + I32(b, p);

    /// <summary>Absolute position of field <paramref name="id"/> of the table at <paramref name="table"/>.</summary>
    private static int Field(byte[] b, int table, int id)
    {
        int vtable = table - I32(b, table);
        int vtableBytes = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vtable));
        int o = 4 + 2 * id < vtableBytes ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vtable + 4 + 2 * id)) : 0;
        return o == 0 ? throw new ArgumentException($"field {id} absent") : table + o;
    }
}
