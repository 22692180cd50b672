using System.Runtime.InteropServices;

namespace EdgeLite.Tests.Infrastructure;

/// <summary>Runs a one-op model built with <see cref="OpModelBuilder"/> on typed inputs.</summary>
internal static class OpRun
{
    /// <summary>Builds, allocates, copies <paramref name="inputs"/> (typed arrays, in graph-input order) and invokes.</summary>
    public static Interpreter Invoke(OpModelBuilder b, params Array[] inputs)
    {
        var it = b.BuildInterpreter();
        for (int i = 0; i < inputs.Length; i++) it.GetInputTensor(i).CopyFromBytes(Bytes(inputs[i]));
        it.Invoke();
        return it;
    }

    /// <summary>The raw bytes of a primitive array.</summary>
    public static byte[] Bytes(Array a) => a switch
    {
        byte[] x => x,
        sbyte[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        short[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        ushort[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        uint[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        ulong[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        double[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        int[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        long[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        float[] x => MemoryMarshal.AsBytes(x.AsSpan()).ToArray(),
        bool[] x => x.Select(v => v ? (byte)1 : (byte)0).ToArray(),
        _ => throw new ArgumentException($"unsupported array type {a.GetType()}"),
    };

    /// <summary>Output <paramref name="index"/> as <typeparamref name="T"/> values.</summary>
    public static T[] Output<T>(this Interpreter it, int index = 0) where T : unmanaged => it.GetOutputTensor(index).ToArray<T>();
}
