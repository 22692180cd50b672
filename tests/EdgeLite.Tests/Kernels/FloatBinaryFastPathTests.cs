using EdgeLite.Tests.Infrastructure;
using EdgeLite.Tests.OpConformance;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

/// <summary>
/// The shared float vector loops (Kernels/Common/FloatBinary) behind ADD, SUB, MUL (broadcast operand first) and
/// MAXIMUM/MINIMUM, on every layout they take, against a naive broadcasting evaluation of the scalar formulas, bit
/// for bit — with NaN, infinities and signed zeros among the values and sizes that leave a scalar tail.
/// </summary>
public class FloatBinaryFastPathTests
{
    public static TheoryData<string, int[], int[], int, bool> Cases()
    {
        var d = new TheoryData<string, int[], int[], int, bool>();
        var layouts = new (int[] A, int[] B)[]
        {
            ([3, 5, 7], [3, 5, 7]), ([3, 5, 7], [1]), ([1], [3, 5, 7]), ([3, 5, 13], [13]), ([13], [3, 5, 13]),
            ([2, 1, 1, 9], [2, 4, 3, 9]), ([3, 1], [1, 4]), ([37], [37]),
        };
        foreach (var op in new[] { "ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM" })
            foreach (var (a, b) in layouts)
                foreach (int act in op is "MAXIMUM" or "MINIMUM" ? new[] { 0 } : new[] { 0, 3 })
                    foreach (bool narrow in new[] { false, true })
                        d.Add(op, a, b, act, narrow);
        return d;
    }

    private static float Spec(string op, float a, float b) => op switch
    {
        "ADD" => a + b, "SUB" => a - b, "MUL" => a * b, "MAXIMUM" => a > b ? a : b, _ => a < b ? a : b,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorLoopsMatchTheScalarFormula(string opName, int[] sa, int[] sb, int activation, bool only128)
    {
        if (only128) EdgeLite.Kernels.Common.FloatBinary.Allow256 = false;
        try { Check(opName, sa, sb, activation); }
        finally { EdgeLite.Kernels.Common.FloatBinary.Allow256 = true; }
    }

    private static void Check(string opName, int[] sa, int[] sb, int activation)
    {
        var op = Enum.Parse<Fb.BuiltinOperator>(opName);
        var shape = OpCases.BroadcastShape(sa, sb);
        var m = new OpModelBuilder();
        int a = m.Input("a", TensorType.Float32, sa), b = m.Input("b", TensorType.Float32, sb), y = m.Output("y", TensorType.Float32, shape);
        var act = (Fb.ActivationFunctionType)activation;
        switch (op)
        {
            case Fb.BuiltinOperator.ADD: m.Op(op, [a, b], [y], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f, act).Value); break;
            case Fb.BuiltinOperator.SUB: m.Op(op, [a, b], [y], Fb.BuiltinOptions.SubOptions, f => Fb.SubOptions.CreateSubOptions(f, act).Value); break;
            case Fb.BuiltinOperator.MUL: m.Op(op, [a, b], [y], Fb.BuiltinOptions.MulOptions, f => Fb.MulOptions.CreateMulOptions(f, act).Value); break;
            default: m.Op(op, [a, b], [y]); break;
        }
        var special = new[] { float.NaN, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 5f, -7f, 6f };
        float[] Values(int n, uint seed)
        {
            var v = new OpCases.Gen(seed).Floats(n, -8, 8);
            for (int i = 0; i < n; i += 3) v[i] = special[(i / 3 + (int)seed) % special.Length];
            return v;
        }
        int na = sa.Aggregate(1, (p, q) => p * q), nb = sb.Aggregate(1, (p, q) => p * q);
        float[] va = Values(na, 1), vb = Values(nb, 2);
        using var it = OpRun.Invoke(m, va, vb);
        var got = it.Output<float>();

        // naive broadcasting: right-aligned dims, index of each input from the output coordinate
        int rank = shape.Length;
        int[] Pad(int[] s) => Enumerable.Repeat(1, rank - s.Length).Concat(s).ToArray();
        int[] pa = Pad(sa), pb = Pad(sb);
        float lo = activation == 3 ? 0f : float.MinValue, hi = activation == 3 ? 6f : float.MaxValue;
        bool clamp = opName is not ("MAXIMUM" or "MINIMUM");
        var idx = new int[rank];
        for (int o = 0; o < got.Length; o++)
        {
            int rem = o;
            for (int d = rank - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
            int ia = 0, ib = 0;
            for (int d = 0; d < rank; d++) { ia = ia * pa[d] + (pa[d] == 1 ? 0 : idx[d]); ib = ib * pb[d] + (pb[d] == 1 ? 0 : idx[d]); }
            float v = Spec(opName, va[ia], vb[ib]);
            if (clamp) v = v < lo ? lo : v > hi ? hi : v;
            Assert.True(BitConverter.SingleToInt32Bits(v) == BitConverter.SingleToInt32Bits(got[o]) || (float.IsNaN(v) && float.IsNaN(got[o])),
                $"{opName} [{string.Join(",", sa)}] x [{string.Join(",", sb)}] act {activation}: element {o} is {got[o]:R}, expected {v:R} ({va[ia]:R}, {vb[ib]:R})");
        }
    }
}

/// <summary>The 128-bit comparison loops (same shape, scalar on either side) against the scalar relations, NaN included.</summary>
public class ComparisonFastPathTests
{
    public static TheoryData<string, bool, int[], int[]> Cases()
    {
        var d = new TheoryData<string, bool, int[], int[]>();
        foreach (var op in new[] { "EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL" })
            foreach (bool isFloat in new[] { true, false })
                foreach (var (a, b) in new (int[], int[])[] { ([37], [37]), ([3, 11], [1]), ([1], [3, 11]), ([16], [16]) })
                    d.Add(op, isFloat, a, b);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorComparesMatchTheScalarRelation(string opName, bool isFloat, int[] sa, int[] sb)
    {
        var t = isFloat ? TensorType.Float32 : TensorType.Int32;
        var shape = OpCases.BroadcastShape(sa, sb);
        var m = new OpModelBuilder();
        int a = m.Input("a", t, sa), b = m.Input("b", t, sb), y = m.Output("y", TensorType.Bool, shape);
        m.Op(Enum.Parse<Fb.BuiltinOperator>(opName), [a, b], [y]);
        int na = sa.Aggregate(1, (p, q) => p * q), nb = sb.Aggregate(1, (p, q) => p * q);
        var g = new OpCases.Gen(3);
        var fa = g.Ints(na, -2, 2).Select(v => (float)v).ToArray(); var fb = g.Ints(nb, -2, 2).Select(v => (float)v).ToArray();
        if (isFloat) { fa[0] = float.NaN; if (nb > 2) fb[2] = float.NaN; }
        bool Rel(double x, double z) => opName switch
        {
            "EQUAL" => x == z, "NOT_EQUAL" => x != z, "LESS" => x < z, "LESS_EQUAL" => x <= z, "GREATER" => x > z, _ => x >= z,
        };
        using var it = isFloat ? OpRun.Invoke(m, fa, fb) : OpRun.Invoke(m, fa.Select(v => (int)v).ToArray(), fb.Select(v => (int)v).ToArray());
        var got = it.Output<byte>();
        for (int o = 0; o < got.Length; o++)
        {
            double x = na == 1 ? fa[0] : fa[o], z = nb == 1 ? fb[0] : fb[o];
            if (!isFloat) { x = (int)(na == 1 ? fa[0] : fa[o]); z = (int)(nb == 1 ? fb[0] : fb[o]); }
            Assert.True(got[o] == (Rel(x, z) ? 1 : 0), $"{opName} {t}: element {o} ({x}, {z}) gave {got[o]}");
        }
    }
}
