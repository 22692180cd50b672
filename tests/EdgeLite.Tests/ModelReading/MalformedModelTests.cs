using System.Buffers.Binary;
using Google.FlatBuffers;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.ModelReading;

/// <summary>
/// A corpus of broken models built from real ones: truncations, flipped bytes, out-of-range indices, absurd
/// shapes, inconsistent buffers. Loading must raise <see cref="ModelFormatException"/> naming the fault, and
/// nothing else (no IndexOutOfRange, NullReference, crash, hang or huge allocation).
/// </summary>
public class MalformedModelTests
{
    private static byte[] Bytes(string stem) => File.ReadAllBytes(SharedData.Model(stem));

    private static Fb.Model Root(byte[] b) => Fb.Model.GetRootAsModel(new ByteBuffer(b));

    // Offset of the first element of a vector, from the ArraySegment the generated accessor gives.
    private static int VectorStart(ArraySegment<byte>? seg) => seg!.Value.Offset;

    [Theory]
    [InlineData("hello_world_float")]
    [InlineData("hello_world_int8")]
    [InlineData("split_concat")]
    [InlineData("micro_speech_quantized")]
    [InlineData("kws_ref_model")]
    public void EveryTruncationIsRejected(string stem)
    {
        var full = Bytes(stem);
        var cuts = new SortedSet<int> { 0, 1, 4, 7, 8, 12, 16, full.Length - 1 };
        for (int i = 1; i < 400; i++) cuts.Add((int)((long)full.Length * i / 400));
        foreach (var n in cuts)
        {
            if (n >= full.Length) continue;
            var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(full[..n]));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Fact]
    public void TruncatedFileOnDiskIsRejected()
    {
        var full = Bytes("mobilenet_v1_0.25_128_quant");
        var path = Path.Combine(Path.GetTempPath(), $"edgelite-trunc-{Guid.NewGuid():N}.tflite");
        try
        {
            File.WriteAllBytes(path, full[..(full.Length / 3)]);
            Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromFile(path));
            File.WriteAllBytes(path, []);
            Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromFile(path));
            File.WriteAllText(path, "this is not a model at all, just some text that is long enough");
            Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromFile(path));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("hello_world_float", 0xFF)]
    [InlineData("hello_world_float", 0x01)]
    [InlineData("hello_world_int8", 0x80)]
    [InlineData("split_concat", 0xFF)]
    public void FlippedBytesGiveModelFormatExceptionOrAModelThatFailsCleanly(string stem, int mask)
    {
        var full = Bytes(stem);
        int loaded = 0, rejected = 0;
        for (int pos = 0; pos < full.Length; pos++)
        {
            var b = (byte[])full.Clone();
            b[pos] ^= (byte)mask;
            EdgeLite.Model m;
            try { m = EdgeLite.Model.FromBytes(b); }
            catch (ModelFormatException) { rejected++; continue; }
            loaded++;
            using (m) RunCleanly(m, $"{stem} byte {pos} ^ 0x{mask:X2}");
        }
        Assert.True(rejected > 0, "no flip was detected");
        Assert.True(loaded + rejected == full.Length);
    }

    // A model that loads may still be refused later, but only with EdgeLite's typed exceptions.
    private static void RunCleanly(EdgeLite.Model m, string what)
    {
        try
        {
            using var it = new Interpreter(m);
            it.AllocateTensors();
            for (int i = 0; i < it.InputCount; i++) it.GetInputTensor(i).AsBytes().Clear();
            it.Invoke();
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException or InterpreterException)
        {
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: unexpected {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    [Fact]
    public void OperatorInputIndexOutOfRangeIsNamed()
    {
        var b = Bytes("mobilenet_v1_0.25_128_quant");
        var op = Root(b).Subgraphs(0)!.Value.Operators(3)!.Value;
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(op.GetInputsBytes())), 99999);
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains("operator 3", e.Message);
        Assert.Contains("99999", e.Message);
    }

    [Fact]
    public void OperatorOutputIndexOutOfRangeIsNamed()
    {
        var b = Bytes("hello_world_float");
        var op = Root(b).Subgraphs(0)!.Value.Operators(1)!.Value;
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(op.GetOutputsBytes())), -5);
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains("operator 1", e.Message);
    }

    [Fact]
    public void SubgraphInputAndOutputIndicesAreChecked()
    {
        var b = Bytes("hello_world_float");
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(Root(b).Subgraphs(0)!.Value.GetInputsBytes())), 12345);
        Assert.Contains("input tensor index 12345", Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b)).Message);
        b = Bytes("hello_world_float");
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(Root(b).Subgraphs(0)!.Value.GetOutputsBytes())), 777);
        Assert.Contains("output tensor index 777", Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b)).Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1 << 20)]
    public void AbsurdShapeIsRejectedBeforeAnyAllocation(int dim)
    {
        var b = Bytes("mobilenet_v1_0.25_128_quant");
        var sg = Root(b).Subgraphs(0)!.Value;
        int input = sg.Inputs(0);
        var shape = sg.Tensors(input)!.Value.GetShapeBytes();
        // [1,128,128,3] -> [1, dim, dim, 3]
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(shape) + 4), dim);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(shape) + 8), dim);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains($"tensor {input}", e.Message);
        Assert.Contains("absurdly large", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "loading allocated memory sized by the absurd shape");
    }

    [Fact]
    public void NegativeDimensionIsRejected()
    {
        var b = Bytes("hello_world_float");
        var sg = Root(b).Subgraphs(0)!.Value;
        var shape = sg.Tensors(sg.Outputs(0))!.Value.GetShapeBytes();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(shape)), -3);
        Assert.Contains("negative dimension", Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b)).Message);
    }

    [Fact]
    public void WeightShapeThatDisagreesWithItsBufferIsRejected()
    {
        var b = Bytes("mobilenet_v1_0.25_128_quant");
        var sg = Root(b).Subgraphs(0)!.Value;
        // The first conv's filter [8,3,3,3]: claim 9 output channels, one more than its buffer holds.
        var conv = sg.Operators(0)!.Value;
        int filter = conv.Inputs(1);
        var shape = sg.Tensors(filter)!.Value.GetShapeBytes();
        int d0 = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(VectorStart(shape)));
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(shape)), d0 + 1);
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains($"tensor {filter}", e.Message);
        Assert.Contains("bytes", e.Message);
    }

    [Fact]
    public void BufferIndexOutOfRangeIsRejected()
    {
        // The buffer index is a scalar field: find it by its value next to the shape vector's table.
        var b = Bytes("hello_world_float");
        var fb = Root(b);
        var sg = fb.Subgraphs(0)!.Value;
        int nbuf = fb.BuffersLength;
        int patched = -1;
        for (int t = 0; t < sg.TensorsLength && patched < 0; t++)
        {
            uint buf = sg.Tensors(t)!.Value.Buffer;
            if (buf == 0) continue;
            // Search the tensor's table bytes for the little-endian buffer index and overwrite it; verify by re-reading.
            for (int pos = 0; pos + 4 <= b.Length; pos += 4)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos)) != buf) continue;
                var copy = (byte[])b.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(pos), (uint)(nbuf + 1000));
                if (Root(copy).Subgraphs(0)!.Value.Tensors(t)!.Value.Buffer == (uint)(nbuf + 1000)) { b = copy; patched = t; break; }
            }
        }
        Assert.True(patched >= 0);
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains($"tensor {patched}", e.Message);
        Assert.Contains("buffer index", e.Message);
    }

    [Fact]
    public void ExecutionOrderIsChecked()
    {
        // Make operator 0 read the output of operator 2 (a tensor nobody has written yet).
        var b = Bytes("hello_world_float");
        var sg = Root(b).Subgraphs(0)!.Value;
        int laterOutput = sg.Operators(2)!.Value.Outputs(0);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(VectorStart(sg.Operators(0)!.Value.GetInputsBytes())), laterOutput);
        var e = Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b));
        Assert.Contains("operator 0", e.Message);
        Assert.Contains("before any operator writes it", e.Message);
    }

    [Fact]
    public void WrongIdentifierIsRejected()
    {
        var b = Bytes("hello_world_float");
        b[4] = (byte)'X';
        Assert.Contains("TFL3", Assert.Throws<ModelFormatException>(() => EdgeLite.Model.FromBytes(b)).Message);
    }
}
