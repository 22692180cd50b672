using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeLite.Kernels;

/// <summary>
/// ARG_MAX and ARG_MIN over one constant axis (int32 or int64 one-element tensor, negative counts from the end) as
/// TFLite's reference ArgMinMax: the output drops that dimension and holds int32 or int64 indices (output_type);
/// a value replaces the current best only when strictly greater (smaller), so ties keep the smallest index; for float
/// a NaN never wins and is replaced by the first number after it. Inputs float32, uint8, int8, int16, int32, int64
/// (quantized values compare as their stored integers, which preserves the order).
/// </summary>
internal sealed unsafe class ArgMinMax(bool max) : OpKernel
{
    private int _outer, _axisSize, _inner;
    private TensorType _type;
    private bool _wide;
    // RunLastAxis8: 0xFF in the lanes of the axis; lanes past it are forced to 0 (the unsigned minimum), so they
    // cannot beat a valid lane and ties still go to the lowest index
    private Vector256<byte> _laneMask;
    private Vector128<byte> _laneMask0, _laneMask1; // the same, as two 128-bit halves (arm64)

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var axisT = context.Input(1); var y = context.Output(0);
        _type = x.Type;
        if (_type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int16 or TensorType.Int32 or TensorType.Int64))
            throw context.Unsupported($"input type {_type.ToDTypeName()}");
        if (axisT.ElementCount != 1 || !IndexReader.IsIndexType(axisT.Type)) throw context.Invalid($"axis {axisT} must be one int32 or int64");
        if (!axisT.IsConstant) throw context.Unsupported("dynamic axis (non-constant tensor)");
        if (x.Rank == 0) throw context.Invalid("input must have rank ≥ 1");
        long a0 = IndexReader.Read(axisT.DataPointer, 0, axisT.Type == TensorType.Int64);
        long axis = a0 < 0 ? a0 + x.Rank : a0;
        if (axis < 0 || axis >= x.Rank) throw context.Invalid($"axis {a0} out of range for {x}");
        var wanted = max ? context.Options<Schema.ArgMaxOptions>()?.OutputType : context.Options<Schema.ArgMinOptions>()?.OutputType;
        if (y.Type is not (TensorType.Int32 or TensorType.Int64)) throw context.Invalid($"output type must be int32 or int64, got {y.Type.ToDTypeName()}");
        if (wanted is { } w && (TensorType)(sbyte)w != y.Type) throw context.Invalid($"output_type {w} but the output tensor is {y.Type.ToDTypeName()}");
        _wide = y.Type == TensorType.Int64;
        _outer = 1; _inner = 1;
        for (int i = 0; i < axis; i++) _outer *= x.Dim(i);
        for (int i = (int)axis + 1; i < x.Rank; i++) _inner *= x.Dim(i);
        _axisSize = x.Dim((int)axis);
        if (_axisSize == 0 && _outer * _inner != 0) throw context.Invalid($"axis {a0} has size 0");
        var lanes = Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var count = Vector128.Create((byte)Math.Min(_axisSize, 32));
        _laneMask0 = Vector128.LessThan(lanes, count);
        _laneMask1 = Vector128.LessThan(lanes + Vector128.Create((byte)16), count);
        _laneMask = Vector256.Create(_laneMask0, _laneMask1);
        var shape = new int[x.Rank - 1];
        for (int i = 0, j = 0; i < x.Rank; i++) if (i != axis) shape[j++] = x.Dim(i);
        context.SetOutputShape(0, shape);
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        switch (_type)
        {
            case TensorType.Float32: Run((float*)x, y); break;
            case TensorType.UInt8 when CanRunLastAxis8: RunLastAxis8(x, y, flip: max ? (byte)0 : (byte)0xFF); break;
            case TensorType.Int8 when CanRunLastAxis8: RunLastAxis8(x, y, flip: max ? (byte)0x80 : (byte)0x7F); break;
            case TensorType.UInt8: Run(x, y); break;
            case TensorType.Int8: Run((sbyte*)x, y); break;
            case TensorType.Int16: Run((short*)x, y); break;
            case TensorType.Int32: Run((int*)x, y); break;
            case TensorType.Int64: Run((long*)x, y); break;
        }
    }

    // 8-bit values along a last axis of 2..32 (DeepLab's 21 classes per pixel): one 32-byte load per position (two
    // 16-byte ones on arm64)
    private bool CanRunLastAxis8 => _inner == 1 && _axisSize is >= 2 and <= 32 && (Avx2.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported);

    /// <summary>
    /// The same result as <see cref="Run{T}"/> for 8-bit values along the last axis: each position's values XOR
    /// <paramref name="flip"/> become unsigned bytes whose maximum is the wanted extreme (0x80 orders int8 as uint8;
    /// 0xFF / 0x7F turn a minimum into a maximum); the horizontal maximum, then the lowest lane equal to it (ties keep
    /// the smallest index). Lanes past the axis are masked out; the last positions, whose 32 bytes would run past the
    /// tensor, go through the scalar loop.
    /// </summary>
    private void RunLastAxis8(byte* x, byte* y, byte flip)
    {
        int n = _outer, c = _axisSize;
        uint valid = c == 32 ? uint.MaxValue : (1u << c) - 1;
        var f = Vector256.Create(flip);
        var keep = _laneMask;
        long total = (long)n * c;
        int o = 0;
        if (!Avx2.IsSupported && System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
        {
            // arm64: the same with two 16-byte halves and umaxv for the horizontal maximum
            var f128 = Vector128.Create(flip);
            for (; o < n && (long)o * c + 32 <= total; o++)
            {
                byte* p = x + (long)o * c;
                var v0 = (Vector128.Load(p) ^ f128) & _laneMask0;
                var v1 = (Vector128.Load(p + 16) ^ f128) & _laneMask1;
                var m = Vector128.Create(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.MaxAcross(Vector128.Max(v0, v1)).ToScalar());
                uint hits = (Vector128.Equals(v0, m).ExtractMostSignificantBits() | (Vector128.Equals(v1, m).ExtractMostSignificantBits() << 16)) & valid;
                int index = BitOperations.TrailingZeroCount(hits);
                if (_wide) ((long*)y)[o] = index; else ((int*)y)[o] = index;
            }
        }
        else
        for (; o < n && (long)o * c + 32 <= total; o++)
        {
            var v = (Vector256.Load(x + (long)o * c) ^ f) & keep;
            var m = Sse2.Max(v.GetLower(), v.GetUpper());
            m = Sse2.Max(m, Sse2.ShiftRightLogical128BitLane(m, 8));
            m = Sse2.Max(m, Sse2.ShiftRightLogical128BitLane(m, 4));
            m = Sse2.Max(m, Sse2.ShiftRightLogical128BitLane(m, 2));
            m = Sse2.Max(m, Sse2.ShiftRightLogical128BitLane(m, 1));
            uint hits = Vector256.Equals(v, Vector256.Create(m.ToScalar())).ExtractMostSignificantBits() & valid;
            int index = BitOperations.TrailingZeroCount(hits);
            if (_wide) ((long*)y)[o] = index; else ((int*)y)[o] = index;
        }
        for (; o < n; o++)
        {
            byte* p = x + (long)o * c;
            int best = p[0] ^ flip, index = 0;
            for (int k = 1; k < c; k++) { int v = p[k] ^ flip; if (v > best) { best = v; index = k; } }
            if (_wide) ((long*)y)[o] = index; else ((int*)y)[o] = index;
        }
    }

    private void Run<T>(T* x, byte* y) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < _outer; o++)
            for (int i = 0; i < _inner; i++)
            {
                T* p = x + (long)o * _axisSize * _inner + i;
                T best = p[0];
                int bestIndex = 0;
                for (int k = 1; k < _axisSize; k++)
                {
                    T v = p[(long)k * _inner];
                    bool better = max ? v > best : v < best;
                    if (T.IsNaN(v)) better = false;
                    else if (T.IsNaN(best)) better = true;
                    if (better) { best = v; bestIndex = k; }
                }
                long at = (long)o * _inner + i;
                if (_wide) ((long*)y)[at] = bestIndex; else ((int*)y)[at] = bestIndex;
            }
    }
}
