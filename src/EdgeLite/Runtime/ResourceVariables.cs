using System.Runtime.InteropServices;

namespace EdgeLite;

/// <summary>
/// The resource variables of one interpreter (TFLite's <c>resource::ResourceVariable</c> map): VAR_HANDLE gives each
/// (container, shared_name) pair one id for the interpreter's life, shared by all subgraphs; ASSIGN_VARIABLE stores a
/// copy of a tensor (type and shape fixed by the first assignment, as TFLite requires of later ones); READ_VARIABLE
/// reads it. Values survive Invoke, AllocateTensors and ResetVariableTensors, as in TFLite.
/// </summary>
internal sealed unsafe class ResourceVariables : IDisposable
{
    private readonly Dictionary<(string Container, string Name), int> _ids = new();
    private readonly List<Variable> _variables = [];

    internal sealed class Variable(string container, string name)
    {
        public readonly string Container = container, Name = name;
        public bool Initialized;
        public TensorType Type;
        public int[] Shape = [];
        public byte* Data;
        public long Bytes, Capacity;
        public override string ToString() => $"resource variable '{(Container.Length > 0 ? Container + "/" : "")}{Name}'";
    }

    /// <summary>The id of (container, shared_name), created on first use.</summary>
    public int IdOf(string container, string name)
    {
        if (_ids.TryGetValue((container, name), out int id)) return id;
        id = _variables.Count;
        _variables.Add(new Variable(container, name));
        _ids[(container, name)] = id;
        return id;
    }

    /// <summary>The variable of <paramref name="id"/>, or null for an id no VAR_HANDLE gave.</summary>
    public Variable? Get(int id) => (uint)id < (uint)_variables.Count ? _variables[id] : null;

    /// <summary>Stores a copy of <paramref name="value"/> (no allocation when the size is unchanged).</summary>
    public static void Assign(Variable v, Tensor value)
    {
        long bytes = value.ByteLength;
        if (bytes > v.Capacity || v.Data == null)
        {
            if (v.Data != null) NativeMemory.AlignedFree(v.Data);
            v.Data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), ArenaPlanner.Alignment);
            v.Capacity = Math.Max(bytes, 1);
        }
        if (!value.Shape.SequenceEqual(v.Shape)) v.Shape = value.Shape.ToArray();
        v.Type = value.Type;
        v.Bytes = bytes;
        Buffer.MemoryCopy(value.DataPointer, v.Data, v.Capacity, bytes);
        v.Initialized = true;
    }

    public void Dispose()
    {
        foreach (var v in _variables)
            if (v.Data != null) { NativeMemory.AlignedFree(v.Data); v.Data = null; }
    }
}
