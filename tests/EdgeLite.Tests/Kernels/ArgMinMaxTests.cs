using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Kernels.ShapeOpHelpers;

namespace EdgeLite.Tests.Kernels;

public class ArgMinMaxTests
{
    private static OpModelBuilder Arg(bool max, TensorType t, int[] shape, int axis, TensorType outType, int[] outShape, Quant? q = null)
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", t, shape, q);
        int a = m.Constant("axis", TensorType.Int32, [1], new[] { axis });
        int y = m.Output("y", outType, outShape);
        if (max) m.Op(Fb.BuiltinOperator.ARG_MAX, [x, a], [y], Fb.BuiltinOptions.ArgMaxOptions, f => Fb.ArgMaxOptions.CreateArgMaxOptions(f, (Fb.TensorType)(sbyte)outType).Value);
        else m.Op(Fb.BuiltinOperator.ARG_MIN, [x, a], [y], Fb.BuiltinOptions.ArgMinOptions, f => Fb.ArgMinOptions.CreateArgMinOptions(f, (Fb.TensorType)(sbyte)outType).Value);
        return m;
    }

    [Fact]
    public void ArgMaxOverTheLastAxisKeepsTheFirstTie()
    {
        using var it = OpRun.Invoke(Arg(true, TensorType.Float32, [2, 3], -1, TensorType.Int64, [2]), new[] { 1f, 5f, 5f, 9f, -1f, 2f });
        Assert.Equal(new long[] { 1, 0 }, it.Output<long>());
    }

    [Theory]
    [InlineData(TensorType.UInt8, true)]
    [InlineData(TensorType.UInt8, false)]
    [InlineData(TensorType.Int8, true)]
    [InlineData(TensorType.Int8, false)]
    public void EightBitLastAxisFastPathMatchesAPlainScan(TensorType t, bool max)
    {
        // every axis length the 32-byte path takes (2..32) and a longer one (scalar), values drawn from a few levels so
        // that ties are common, including the extremes (0/255, -128/127); 37 positions: the last ones run the scalar tail
        var rng = new Random(5);
        byte[] levels = t == TensorType.UInt8 ? [0, 1, 7, 128, 254, 255] : [0x80, 0x81, 0xFF, 0, 1, 0x7F];
        foreach (int c in Enumerable.Range(2, 31).Append(33))
        {
            var data = new byte[37 * c];
            for (int i = 0; i < data.Length; i++) data[i] = levels[rng.Next(levels.Length)];
            using var it = OpRun.Invoke(Arg(max, t, [37, c], 1, TensorType.Int32, [37], Quant.PerTensor(1, 0)), data);
            var got = it.Output<int>();
            for (int o = 0; o < 37; o++)
            {
                int best = 0;
                for (int k = 1; k < c; k++)
                {
                    int v = t == TensorType.UInt8 ? data[o * c + k] : (sbyte)data[o * c + k];
                    int b = t == TensorType.UInt8 ? data[o * c + best] : (sbyte)data[o * c + best];
                    if (max ? v > b : v < b) best = k;
                }
                Assert.True(best == got[o], $"c={c} position {o}: expected {best}, got {got[o]}");
            }
        }
    }

    [Fact]
    public void ArgMinOverTheFirstAxisOnUInt8()
    {
        using var it = OpRun.Invoke(Arg(false, TensorType.UInt8, [2, 3], 0, TensorType.Int32, [3], Quant.PerTensor(1, 0)), new byte[] { 1, 5, 5, 0, 9, 5 });
        Assert.Equal(new[] { 1, 0, 0 }, it.Output<int>());
    }

    [Fact]
    public void ArgMaxOfSignedBytesAndInt32()
    {
        using var s8 = OpRun.Invoke(Arg(true, TensorType.Int8, [1, 4], 1, TensorType.Int32, [1], Quant.PerTensor(1, 0)), new sbyte[] { -5, -1, -128, -2 });
        Assert.Equal(new[] { 1 }, s8.Output<int>());
        using var i32 = OpRun.Invoke(Arg(true, TensorType.Int32, [3], 0, TensorType.Int32, []), new[] { 3, 100000000, 99999999 });
        Assert.Equal(new[] { 1 }, i32.Output<int>());
    }

    [Fact]
    public void OutOfRangeAxisIsAFormatError() =>
        Assert.Throws<ModelFormatException>(() => Arg(true, TensorType.Float32, [2, 3], 2, TensorType.Int32, [2]).BuildInterpreter());
}

/// <summary>Hand-computed edge cases per option and dtype (written independently of the kernel, first on a helper branch).</summary>
public class ArgMinMaxCaseTests
{
    private static OpModelBuilder Build(bool max, TensorType type, int[] shape, long axis, TensorType outType = TensorType.Int32,
        TensorType axisType = TensorType.Int32, bool constantAxis = true, Fb.TensorType? optionType = null)
    {
        var b = new OpModelBuilder();
        int x = b.Input("x", type, shape, type is TensorType.UInt8 or TensorType.Int8 ? Quant.PerTensor(0.1f, 3) : null);
        int a = !constantAxis ? b.Input("axis", axisType, [1])
            : axisType == TensorType.Int64 ? b.Constant("axis", axisType, [1], new[] { axis })
            : b.Constant("axis", axisType, [], new[] { (int)axis });
        int y = b.Output("y", outType, [1]);
        var ot = optionType ?? (outType == TensorType.Int64 ? Fb.TensorType.INT64 : Fb.TensorType.INT32);
        if (max) b.Op(Fb.BuiltinOperator.ARG_MAX, [x, a], [y], Fb.BuiltinOptions.ArgMaxOptions, f => Fb.ArgMaxOptions.CreateArgMaxOptions(f, ot).Value);
        else b.Op(Fb.BuiltinOperator.ARG_MIN, [x, a], [y], Fb.BuiltinOptions.ArgMinOptions, f => Fb.ArgMinOptions.CreateArgMinOptions(f, ot).Value);
        return b;
    }

    // x = [[3, 1, 3, 0], [2, 2, 5, 5], [4, 9, 0, 9]] (shape [3, 4]); ties keep the smallest index
    private static readonly int[] Data = [3, 1, 3, 0, 2, 2, 5, 5, 4, 9, 0, 9];

    private static byte[] Encode(TensorType type, int[] v) => type switch
    {
        TensorType.Float32 => Bytes(v.Select(x => (float)x).ToArray()),
        TensorType.UInt8 => v.Select(x => (byte)x).ToArray(),
        TensorType.Int8 => v.Select(x => (byte)(sbyte)(x - 4)).ToArray(),
        TensorType.Int16 => Bytes(v.Select(x => (short)(x * 1000 - 4000)).ToArray()),
        TensorType.Int64 => Bytes(v.Select(x => (long)x << 40).ToArray()),
        _ => Bytes(v.Select(x => x * 100000 - 400000).ToArray()),
    };

    public static TheoryData<TensorType, bool, int, int[]> Cases()
    {
        var d = new TheoryData<TensorType, bool, int, int[]>();
        foreach (var t in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8, TensorType.Int16, TensorType.Int32, TensorType.Int64 })
        {
            d.Add(t, true, 1, [0, 2, 1]);
            d.Add(t, false, 1, [3, 0, 2]);
            d.Add(t, true, -1, [0, 2, 1]);
            d.Add(t, true, 0, [2, 2, 1, 2]);
            d.Add(t, false, 0, [1, 0, 2, 0]);
            d.Add(t, false, -2, [1, 0, 2, 0]);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HandComputedWithTies(TensorType type, bool max, int axis, int[] expected)
    {
        using var it = Run(Build(max, type, [3, 4], axis), Encode(type, Data));
        Assert.Equal([expected.Length], Shape(it));
        Assert.Equal(expected, Out<int>(it));
    }

    [Fact]
    public void Int64OutputAndInt64AxisOn4D()
    {
        // [1, 2, 2, 3] over the channels, as the segmentation models do (uint8 → int64)
        byte[] x = [1, 7, 7, 0, 0, 0, 9, 8, 9, 2, 3, 1];
        using var it = Run(Build(true, TensorType.UInt8, [1, 2, 2, 3], 3, TensorType.Int64, TensorType.Int64), x);
        Assert.Equal([1, 2, 2], Shape(it));
        Assert.Equal(new long[] { 1, 0, 0, 1 }, Out<long>(it));
        using var min = Run(Build(false, TensorType.UInt8, [1, 2, 2, 3], 3, TensorType.Int64), x);
        Assert.Equal(new long[] { 0, 0, 1, 2 }, Out<long>(min));
    }

    [Fact]
    public void NaNNeverWins()
    {
        float n = float.NaN;
        using var it = Run(Build(true, TensorType.Float32, [3, 3], 1), Bytes(n, 1f, 2f, 5f, n, 4f, n, n, n));
        Assert.Equal(new[] { 2, 0, 0 }, Out<int>(it));
        using var min = Run(Build(false, TensorType.Float32, [3, 3], 1), Bytes(n, 1f, 2f, 5f, n, 4f, -1f, n, -2f));
        Assert.Equal(new[] { 1, 2, 2 }, Out<int>(min));
    }

    [Fact]
    public void OneDimensionalInputGivesAScalar()
    {
        using var it = Run(Build(true, TensorType.Int32, [5], 0), Bytes(3, -1, 8, 8, 2));
        Assert.Empty(Shape(it));
        Assert.Equal(new[] { 2 }, Out<int>(it));
    }

    [Fact]
    public void BadAxisOrTypes()
    {
        Assert.Throws<ModelFormatException>(() => Build(true, TensorType.Float32, [3, 4], 2).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(true, TensorType.Float32, [3, 4], -3).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(true, TensorType.Float32, [3, 4], 1, TensorType.Float32).BuildInterpreter());
        Assert.Throws<ModelFormatException>(() => Build(false, TensorType.Float32, [3, 4], 1, TensorType.Int32, optionType: Fb.TensorType.INT64).BuildInterpreter());
        Assert.Throws<UnsupportedOperatorException>(() => Build(true, TensorType.Float16, [3, 4], 1).BuildInterpreter());
        Assert.Contains("dynamic", Assert.Throws<UnsupportedOperatorException>(() => Build(true, TensorType.Float32, [3, 4], 1, constantAxis: false).BuildInterpreter()).Message);
    }
}
