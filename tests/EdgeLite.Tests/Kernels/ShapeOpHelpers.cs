using System.Runtime.InteropServices;
using EdgeLite.Tests.Infrastructure;

namespace EdgeLite.Tests.Kernels;

/// <summary>Running one-op models of the data-movement kernels (slice, gather, resize, ...) in tests.</summary>
internal static class ShapeOpHelpers
{
    public static byte[] Bytes<T>(params T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static float[] Iota(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    /// <summary>Builds the interpreter, fills the inputs (raw bytes, in model order), invokes twice and checks the second invoke allocated nothing.</summary>
    public static Interpreter Run(OpModelBuilder b, params byte[][] inputs)
    {
        var it = b.BuildInterpreter();
        for (int i = 0; i < inputs.Length; i++) it.GetInputTensor(i).CopyFromBytes(inputs[i]);
        it.Invoke();
        Assert.Equal(0, Allocations.OfInvoke(it));
        return it;
    }

    public static T[] Out<T>(Interpreter it, int index = 0) where T : unmanaged => it.GetOutputTensor(index).ToArray<T>();

    public static int[] Shape(Interpreter it, int index = 0) => it.GetOutputTensor(index).ShapeArray;
}
