namespace EdgeLite.Kernels.Common;

/// <summary>
/// An 8-bit binary operator (quantized ADD, SUB, MUL) whose one input is a small constant, broadcast as a scalar or
/// along the last dimension (MoveNet's input normalisation: an int8 image minus a per-channel constant, times a
/// scalar): every output is a function of the other input's byte and the constant element it meets, so the op is
/// tabulated at Prepare — one row of 256 results per constant element, computed by the op's own scalar arithmetic
/// (so the table is exact by construction) — and Eval is a lookup per element.
/// </summary>
internal sealed unsafe class ByteTable
{
    /// <summary>Largest constant (elements) tabulated: 64 rows of 256 bytes.</summary>
    public const int MaxConstantElements = 64;

    private readonly byte[] _table;
    private readonly int _period;

    /// <summary>True when the non-constant operand is the first input.</summary>
    public bool VariableIsFirst { get; }

    private ByteTable(int period, bool variableIsFirst)
    {
        _period = period;
        VariableIsFirst = variableIsFirst;
        _table = new byte[period * 256];
    }

    /// <summary>
    /// A table plan when one input is a constant of at most <see cref="MaxConstantElements"/> elements, broadcast as a
    /// scalar or one value per element of the output's last dimension, and the other input has the output's shape;
    /// otherwise null. <paramref name="a"/> and <paramref name="b"/> are 8-bit tensors of one type.
    /// </summary>
    public static ByteTable? TryCreate(Tensor a, Tensor b, Broadcast bc)
    {
        bool aConst = a.IsConstant && !b.IsConstant, bConst = b.IsConstant && !a.IsConstant;
        if (!aConst && !bConst) return null;
        var (variable, constant) = aConst ? (b, a) : (a, b);
        var strides = aConst ? bc.Stride1 : bc.Stride2;
        if (variable.ElementCount != bc.Count || bc.Count == 0) return null;
        int k = constant.ElementCount;
        if (k < 1 || k > MaxConstantElements) return null;
        if (k > 1)
        {
            // one value per element of the last dimension: stride 1 there, 0 elsewhere
            if (bc.OutShape[Broadcast.MaxRank - 1] != k || strides[Broadcast.MaxRank - 1] != 1) return null;
            for (int i = 0; i < Broadcast.MaxRank - 1; i++) if (strides[i] != 0) return null;
        }
        return new ByteTable(k, !aConst);
    }

    /// <summary>
    /// Operands to run the op over once, element j = row·256 + v: the variable side holds byte v, the constant side
    /// the row's constant element; the op's results for j = 0..Length-1 go into <see cref="Output"/>.
    /// </summary>
    public (byte[] First, byte[] Second) Operands(ReadOnlySpan<byte> constant)
    {
        var variable = new byte[_table.Length];
        var constants = new byte[_table.Length];
        for (int j = 0; j < _table.Length; j++) { variable[j] = (byte)j; constants[j] = constant[j >> 8]; }
        return VariableIsFirst ? (variable, constants) : (constants, variable);
    }

    /// <summary>Where the op writes its results over <see cref="Operands"/> (the table itself).</summary>
    public byte[] Output => _table;

    /// <summary>Number of elements the op must compute when building the table.</summary>
    public int Length => _table.Length;

    /// <summary>y[i] = table[i mod period][x[i]] for the <paramref name="count"/> elements.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Apply(byte* x, byte* y, int count)
    {
        // rows are indexed by the raw byte, so int8 and uint8 look up alike
        fixed (byte* t = _table)
        {
            int k = _period;
            if (k == 1) { for (int i = 0; i < count; i++) y[i] = t[x[i]]; return; }
            for (int p = 0; p + k <= count; p += k)
            {
                byte* xp = x + p, yp = y + p;
                for (int j = 0; j < k; j++) yp[j] = t[(j << 8) + xp[j]];
            }
        }
    }
}
