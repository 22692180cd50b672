using System.Buffers.Binary;
using System.Text;

namespace EdgeLite.Tests.Infrastructure;

/// <summary>Writes a FlexBuffer whose root is a map of scalars and int vectors (8-byte slots and elements), for custom-op options in tests.</summary>
internal static class FlexMapWriter
{
    public static byte[] Write(IReadOnlyDictionary<string, object> entries)
    {
        var keys = entries.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var buf = new List<byte>();
        var keyPos = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++) { keyPos[i] = buf.Count; buf.AddRange(Encoding.UTF8.GetBytes(keys[i])); buf.Add(0); }
        while (buf.Count % 8 != 0) buf.Add(0);
        void U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); buf.AddRange(b); }
        // typed int vectors first (length, then 8-byte elements); a map slot points at the first element
        var vectorPos = new Dictionary<string, int>();
        foreach (var k in keys)
        {
            if (entries[k] is not int[] vec) continue;
            U64((ulong)vec.Length);
            vectorPos[k] = buf.Count;
            foreach (var e in vec) U64((ulong)(long)e);
        }
        U64((ulong)keys.Length);
        int keysVec = buf.Count;
        for (int i = 0; i < keys.Length; i++) U64((ulong)(buf.Count - keyPos[i]));
        U64((ulong)(buf.Count - keysVec)); // offset back to the keys vector
        U64(8);                            // keys byte width
        U64((ulong)keys.Length);
        int valuesVec = buf.Count;
        var types = new byte[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            switch (entries[keys[i]])
            {
                case bool b: U64(b ? 1UL : 0UL); types[i] = 26 << 2 | 3; break;
                case int n: U64((ulong)(long)n); types[i] = 1 << 2 | 3; break;
                case long n: U64((ulong)n); types[i] = 1 << 2 | 3; break;
                case float f: U64((ulong)BitConverter.DoubleToInt64Bits(f)); types[i] = 3 << 2 | 3; break;
                case double d: U64((ulong)BitConverter.DoubleToInt64Bits(d)); types[i] = 3 << 2 | 3; break;
                case int[]: U64((ulong)(buf.Count - vectorPos[keys[i]])); types[i] = 11 << 2 | 3; break;
                default: throw new ArgumentException($"unsupported value for {keys[i]}");
            }
        }
        buf.AddRange(types);
        while (buf.Count % 8 != 0) buf.Add(0);
        U64((ulong)(buf.Count - valuesVec));
        buf.Add(9 << 2 | 3); // MAP, children 8 bytes wide
        buf.Add(8);          // root byte width
        return buf.ToArray();
    }
}
