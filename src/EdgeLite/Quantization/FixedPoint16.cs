using System.Runtime.CompilerServices;

namespace EdgeLite.Quantization;

/// <summary>
/// 16-bit fixed-point arithmetic with the exact rounding of gemmlowp's <c>FixedPoint&lt;int16_t, N&gt;</c>, which TFLite's
/// integer LSTM uses for its gate activations: a raw int16 with N integer bits holds raw / 2^(15 - N).
/// Sums and differences wrap as int16 (as gemmlowp's raw adds do), products round (saturating doubling high multiply).
/// </summary>
internal static class FixedPoint16
{
    /// <summary>gemmlowp's int16 SaturatingRoundingDoublingHighMul: round(a * b / 2^15), saturating -1 * -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Mul(short a, short b)
    {
        if (a == short.MinValue && b == short.MinValue) return short.MaxValue;
        int ab = a * b;
        int nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
        return (short)((ab + nudge) / (1 << 15));
    }

    /// <summary>Round-half-away-from-zero division by 2^exponent (gemmlowp RoundingDivideByPOT).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short RoundingDivideByPot(short x, int exponent)
    {
        int mask = (1 << exponent) - 1;
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (short)((x >> exponent) + (remainder > threshold ? 1 : 0));
    }

    /// <summary>x * 2^exponent, rounding for negative exponents and saturating for positive ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short MulByPot(short x, int exponent)
    {
        if (exponent == 0) return x;
        if (exponent < 0) return RoundingDivideByPot(x, -exponent);
        int threshold = (1 << (15 - exponent)) - 1;
        if (x > threshold) return short.MaxValue;
        if (x < -threshold) return short.MinValue;
        return (short)(x << exponent);
    }

    /// <summary>gemmlowp's int16 RoundingHalfSum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short HalfSum(short a, short b)
    {
        int sum = a + b;
        return (short)((sum + (sum >= 0 ? 1 : -1)) / 2);
    }

    /// <summary>An int32 gemmlowp constant (for 32-bit raws) rescaled to 16 bits as gemmlowp does.</summary>
    private static short Constant(int raw32) => (short)QuantizationUtils.RoundingDivideByPOT(raw32, 16);

    private static readonly short ExpConstantTerm = Constant(1895147668);   // exp(-1/8)
    private static readonly short OneThird = Constant(715827883);
    private static readonly short FortyEightSeventeenths = Constant(1515870810); // 48/17 with 2 integer bits
    private static readonly short MinusThirtyTwoSeventeenths = Constant(-1010580540);
    // exp(-2^k) for k = -2..4 (0 integer bits)
    private static readonly short[] ExpBarrel = [Constant(1672461947), Constant(1302514674), Constant(790015084), Constant(290630308), Constant(39332535), Constant(720401), Constant(242)];

    /// <summary>exp(a) for a in [-1/4, 0), result with 0 integer bits.</summary>
    private static short ExpOnIntervalQuarter(short a)
    {
        short x = (short)(a + (1 << 12)); // a + 1/8
        short x2 = Mul(x, x);
        short x3 = Mul(x2, x);
        short x4 = Mul(x2, x2);
        short x4Over4 = MulByPot(x4, -2);
        short poly = MulByPot((short)(Mul((short)(x4Over4 + x3), OneThird) + x2), -1);
        int sum = ExpConstantTerm + Mul(ExpConstantTerm, (short)(x + poly));
        return (short)Math.Clamp(sum, short.MinValue, short.MaxValue);
    }

    /// <summary>exp(a) for a ≤ 0 with <paramref name="integerBits"/> integer bits; result with 0 integer bits.</summary>
    public static short ExpOnNegativeValues(short a, int integerBits)
    {
        int fractionalBits = 15 - integerBits;
        short oneQuarter = (short)(1 << (fractionalBits - 2));
        short mask = (short)(oneQuarter - 1);
        short aModQuarterMinusQuarter = (short)((a & mask) - oneQuarter);
        short result = ExpOnIntervalQuarter(MulByPot(aModQuarterMinusQuarter, integerBits));
        short remainder = (short)(aModQuarterMinusQuarter - a);
        for (int e = -2; e <= 4; e++)
        {
            if (integerBits <= e) break;
            int shift = fractionalBits + e;
            if ((remainder & (1 << shift)) != 0) result = Mul(result, ExpBarrel[e + 2]);
        }
        if (integerBits > 5)
        {
            short clamp = Constant(-(1 << (36 - integerBits)));
            if (a < clamp) result = 0;
        }
        return a == 0 ? short.MaxValue : result;
    }

    /// <summary>Newton–Raphson 1 / (1 + x) (scaled by 1/2) as gemmlowp, returned with 2 integer bits.</summary>
    private static short NewtonReciprocal(short halfDenominator)
    {
        short x = (short)(FortyEightSeventeenths + Mul(halfDenominator, MinusThirtyTwoSeventeenths));
        for (int i = 0; i < 3; i++)
        {
            short hx = Mul(halfDenominator, x);
            short oneMinus = (short)((1 << 13) - hx);
            x = (short)(x + MulByPot(Mul(x, oneMinus), 2));
        }
        return x;
    }

    /// <summary>1 / (1 + a) for a in [0, 1] (0 integer bits in and out).</summary>
    private static short OneOverOnePlusX(short a) => MulByPot(NewtonReciprocal(HalfSum(a, short.MaxValue)), 1);

    /// <summary>(1 - a) / (1 + a) for a in [0, 1] (0 integer bits in and out).</summary>
    private static short OneMinusXOverOnePlusX(short a) => MulByPot((short)(NewtonReciprocal(HalfSum(a, short.MaxValue)) - (1 << 13)), 2);

    /// <summary>gemmlowp logistic: input with <paramref name="integerBits"/> integer bits, output Q0.15.</summary>
    public static short Logistic(short a, int integerBits)
    {
        if (a == 0) return 1 << 14;
        short abs = a > 0 ? a : (short)-a;
        short positive = OneOverOnePlusX(ExpOnNegativeValues((short)-abs, integerBits));
        return a > 0 ? positive : (short)(short.MaxValue - positive);
    }

    /// <summary>gemmlowp tanh: input with <paramref name="integerBits"/> integer bits, output Q0.15.</summary>
    public static short Tanh(short a, int integerBits)
    {
        if (a == 0) return 0;
        short n = a < 0 ? a : (short)-a;
        short t = OneMinusXOverOnePlusX(ExpOnNegativeValues(n, integerBits + 1));
        return a < 0 ? (short)-t : t;
    }
}
