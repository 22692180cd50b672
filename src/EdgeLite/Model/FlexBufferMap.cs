using System.Buffers.Binary;
using System.Text;

namespace EdgeLite;

/// <summary>
/// A read-only view of the root map of a FlexBuffer, the schemaless format TFLite custom operators use for their
/// options (e.g. <c>TFLite_Detection_PostProcess</c>'s <c>max_detections</c>, <c>nms_iou_threshold</c>). Only scalar,
/// boolean, string and typed-numeric-vector values are exposed, which is what custom ops store. Every offset is
/// bounds-checked; a malformed buffer raises <see cref="ModelFormatException"/>. (Google.FlatBuffers for .NET has
/// no FlexBuffers reader, hence this small one.)
/// </summary>
public sealed class FlexBufferMap
{
    private enum FlexType { Null = 0, Int = 1, UInt = 2, Float = 3, Key = 4, String = 5, IndirectInt = 6, IndirectUInt = 7,
        IndirectFloat = 8, Map = 9, Vector = 10, VectorInt = 11, VectorUInt = 12, VectorFloat = 13, VectorKey = 14,
        Blob = 25, Bool = 26, VectorBool = 36 }

    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    private FlexBufferMap() { }

    /// <summary>The keys present in the map.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>True when <paramref name="key"/> is present (even with a null value).</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>An integer (or boolean / integral float) value, or <paramref name="fallback"/> when absent or null.</summary>
    public long GetInt(string key, long fallback = 0) => _values.TryGetValue(key, out var v) ? v switch
    {
        long l => l,
        ulong u => (long)u,
        double d => (long)d,
        bool b => b ? 1 : 0,
        _ => fallback,
    } : fallback;

    /// <summary>A floating-point (or integer) value, or <paramref name="fallback"/> when absent or null.</summary>
    public double GetFloat(string key, double fallback = 0) => _values.TryGetValue(key, out var v) ? v switch
    {
        double d => d,
        long l => l,
        ulong u => u,
        bool b => b ? 1 : 0,
        _ => fallback,
    } : fallback;

    /// <summary>A boolean (non-zero number = true), or <paramref name="fallback"/> when absent or null.</summary>
    public bool GetBool(string key, bool fallback = false) => _values.TryGetValue(key, out var v) ? v switch
    {
        bool b => b,
        long l => l != 0,
        ulong u => u != 0,
        double d => d != 0,
        _ => fallback,
    } : fallback;

    /// <summary>A string value, or null.</summary>
    public string? GetString(string key) => _values.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>A numeric vector value as doubles, or null.</summary>
    public double[]? GetVector(string key) => _values.TryGetValue(key, out var v) ? v as double[] : null;

    /// <summary>Parses the root map of <paramref name="buffer"/>. An empty buffer gives an empty map.</summary>
    public static FlexBufferMap Parse(ReadOnlySpan<byte> buffer)
    {
        var map = new FlexBufferMap();
        if (buffer.IsEmpty) return map;
        if (buffer.Length < 3) throw Bad("buffer shorter than its footer");
        int rootWidth = buffer[^1];
        byte rootPacked = buffer[^2];
        if (rootWidth is not (1 or 2 or 4 or 8)) throw Bad($"root byte width {rootWidth}");
        int rootPos = buffer.Length - 2 - rootWidth;
        if (rootPos < 0) throw Bad("root out of range");
        var type = (FlexType)(rootPacked >> 2);
        if (type != FlexType.Map) throw Bad($"root is {type}, not a map");
        int mapPos = Indirect(buffer, rootPos, rootWidth);
        int childWidth = 1 << (rootPacked & 3);
        ReadMap(buffer, mapPos, childWidth, map._values);
        return map;
    }

    private static void ReadMap(ReadOnlySpan<byte> b, int vec, int width, Dictionary<string, object?> into)
    {
        int length = checked((int)ReadUInt(b, vec - width, width));
        int keysVec = Indirect(b, vec - 3 * width, width);
        int keysWidth = checked((int)ReadUInt(b, vec - 2 * width, width));
        if (keysWidth is not (1 or 2 or 4 or 8)) throw Bad($"map key width {keysWidth}");
        if (length < 0 || length > b.Length) throw Bad("map length out of range");
        Check(b, vec, checked(length * width + length));
        Check(b, keysVec, checked(length * keysWidth));
        for (int i = 0; i < length; i++)
        {
            int keyPos = Indirect(b, keysVec + i * keysWidth, keysWidth);
            string key = ReadCString(b, keyPos);
            byte packed = b[vec + length * width + i];
            into[key] = ReadValue(b, vec + i * width, width, packed);
        }
    }

    private static object? ReadValue(ReadOnlySpan<byte> b, int pos, int parentWidth, byte packed)
    {
        var type = (FlexType)(packed >> 2);
        int childWidth = 1 << (packed & 3);
        switch (type)
        {
            case FlexType.Null: return null;
            case FlexType.Int: return ReadInt(b, pos, parentWidth);
            case FlexType.UInt: return ReadUInt(b, pos, parentWidth);
            case FlexType.Float: return ReadFloat(b, pos, parentWidth);
            case FlexType.Bool: return ReadUInt(b, pos, parentWidth) != 0;
            case FlexType.IndirectInt: return ReadInt(b, Indirect(b, pos, parentWidth), childWidth);
            case FlexType.IndirectUInt: return ReadUInt(b, Indirect(b, pos, parentWidth), childWidth);
            case FlexType.IndirectFloat: return ReadFloat(b, Indirect(b, pos, parentWidth), childWidth);
            case FlexType.Key: return ReadCString(b, Indirect(b, pos, parentWidth));
            case FlexType.String:
            {
                int s = Indirect(b, pos, parentWidth);
                int len = checked((int)ReadUInt(b, s - childWidth, childWidth));
                Check(b, s, len);
                return Encoding.UTF8.GetString(b.Slice(s, len));
            }
            case FlexType.VectorInt or FlexType.VectorUInt or FlexType.VectorFloat or FlexType.VectorBool:
            {
                int v = Indirect(b, pos, parentWidth);
                int len = checked((int)ReadUInt(b, v - childWidth, childWidth));
                if (len < 0 || len > b.Length) throw Bad("vector length out of range");
                Check(b, v, checked(len * childWidth));
                var result = new double[len];
                for (int i = 0; i < len; i++)
                {
                    int p = v + i * childWidth;
                    result[i] = type switch
                    {
                        FlexType.VectorInt => ReadInt(b, p, childWidth),
                        FlexType.VectorFloat => ReadFloat(b, p, childWidth),
                        _ => ReadUInt(b, p, childWidth),
                    };
                }
                return result;
            }
            default:
                return null; // nested maps, untyped vectors and blobs: not used by any custom op options we read
        }
    }

    private static int Indirect(ReadOnlySpan<byte> b, int pos, int width)
    {
        ulong off = ReadUInt(b, pos, width);
        if (off > (ulong)pos) throw Bad("offset points before the buffer");
        return pos - (int)off;
    }

    private static void Check(ReadOnlySpan<byte> b, int pos, int length)
    {
        if (pos < 0 || length < 0 || pos > b.Length - length) throw Bad("value out of range");
    }

    private static ulong ReadUInt(ReadOnlySpan<byte> b, int pos, int width)
    {
        Check(b, pos, width);
        var s = b.Slice(pos, width);
        return width switch
        {
            1 => s[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(s),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(s),
            8 => BinaryPrimitives.ReadUInt64LittleEndian(s),
            _ => throw Bad($"byte width {width}"),
        };
    }

    private static long ReadInt(ReadOnlySpan<byte> b, int pos, int width)
    {
        Check(b, pos, width);
        var s = b.Slice(pos, width);
        return width switch
        {
            1 => (sbyte)s[0],
            2 => BinaryPrimitives.ReadInt16LittleEndian(s),
            4 => BinaryPrimitives.ReadInt32LittleEndian(s),
            8 => BinaryPrimitives.ReadInt64LittleEndian(s),
            _ => throw Bad($"byte width {width}"),
        };
    }

    private static double ReadFloat(ReadOnlySpan<byte> b, int pos, int width)
    {
        Check(b, pos, width);
        var s = b.Slice(pos, width);
        return width switch
        {
            4 => BinaryPrimitives.ReadSingleLittleEndian(s),
            8 => BinaryPrimitives.ReadDoubleLittleEndian(s),
            _ => throw Bad($"float width {width}"),
        };
    }

    private static string ReadCString(ReadOnlySpan<byte> b, int pos)
    {
        if (pos < 0 || pos >= b.Length) throw Bad("key out of range");
        int end = b[pos..].IndexOf((byte)0);
        if (end < 0) throw Bad("unterminated key");
        return Encoding.UTF8.GetString(b.Slice(pos, end));
    }

    private static ModelFormatException Bad(string what) => new($"custom options (FlexBuffer): {what}");
}
