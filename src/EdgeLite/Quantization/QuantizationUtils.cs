using System.Runtime.CompilerServices;

namespace EdgeLite.Quantization;

/// <summary>
/// TFLite's integer quantization arithmetic, in one place: quantized multipliers and shifts, the saturating
/// rounding doubling high multiply, rounding division by a power of two, activation ranges. Semantics follow
/// TFLite's reference kernels (tensorflow/lite/kernels/internal/common.h, quantization_util.cc).
/// </summary>
public static class QuantizationUtils
{
    /// <summary>
    /// Decomposes a positive real multiplier into a Q31 fixed-point multiplier and a power-of-two exponent:
    /// <c>real ≈ multiplier * 2^(shift - 31)</c> (shift &gt; 0 = left shift).
    /// </summary>
    public static void QuantizeMultiplier(double realMultiplier, out int quantizedMultiplier, out int shift)
    {
        if (realMultiplier == 0.0 || double.IsNaN(realMultiplier))
        {
            quantizedMultiplier = 0; shift = 0;
            return;
        }
        double q = Frexp(realMultiplier, out shift);
        long qFixed = (long)Math.Round(q * (1L << 31), MidpointRounding.AwayFromZero);
        if (qFixed == (1L << 31)) { qFixed /= 2; shift++; }
        if (shift < -31) { shift = 0; qFixed = 0; }
        if (shift > 30) { shift = 30; qFixed = (1L << 31) - 1; }
        quantizedMultiplier = (int)qFixed;
    }

    /// <summary>Like <see cref="QuantizeMultiplier"/> for multipliers below one (shift &lt;= 0).</summary>
    public static void QuantizeMultiplierSmallerThanOne(double realMultiplier, out int quantizedMultiplier, out int shift)
    {
        QuantizeMultiplier(realMultiplier, out quantizedMultiplier, out shift);
    }

    /// <summary>C's frexp: x = fraction * 2^exponent with fraction in [0.5, 1).</summary>
    public static double Frexp(double x, out int exponent)
    {
        if (x == 0 || double.IsNaN(x) || double.IsInfinity(x)) { exponent = 0; return x; }
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exp = (int)((bits >> 52) & 0x7FF);
        if (exp == 0)
        {
            // subnormal: normalise first
            x *= 4503599627370496.0; // 2^52
            bits = BitConverter.DoubleToInt64Bits(x);
            exp = (int)((bits >> 52) & 0x7FF) - 52;
        }
        exponent = exp - 1022;
        bits = (bits & ~(0x7FFL << 52)) | (1022L << 52);
        return BitConverter.Int64BitsToDouble(bits);
    }

    /// <summary>gemmlowp's SaturatingRoundingDoublingHighMul: round((a * b * 2) / 2^32), saturating the one overflow case.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == b && a == int.MinValue) return int.MaxValue;
        long ab = (long)a * b;
        long nudge = ab >= 0 ? (1L << 30) : (1 - (1L << 30));
        return (int)((ab + nudge) / (1L << 31));
    }

    /// <summary>gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RoundingDivideByPOT(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>TFLite's MultiplyByQuantizedMultiplier: x * multiplier * 2^shift with TFLite's rounding (shift &gt; 0 = left).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplier(int x, int quantizedMultiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * (1 << leftShift), quantizedMultiplier), rightShift);
    }

    /// <summary>MultiplyByQuantizedMultiplierSmallerThanOneExp (shift &lt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplierSmallerThanOneExp(int x, int quantizedMultiplier, int shift)
        => RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, quantizedMultiplier), -shift);

    /// <summary>MultiplyByQuantizedMultiplierGreaterThanOne (shift &gt;= 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplierGreaterThanOne(int x, int quantizedMultiplier, int leftShift)
        => SaturatingRoundingDoublingHighMul(x * (1 << leftShift), quantizedMultiplier);

    /// <summary>TFLite's 64-bit-input variant of MultiplyByQuantizedMultiplier (used by int16 kernels).</summary>
    public static int MultiplyByQuantizedMultiplier(long x, int quantizedMultiplier, int shift)
    {
        // Matches tflite::MultiplyByQuantizedMultiplier(int64_t, int32_t, int).
        long totalShift = 31 - shift;
        long round = 1L << (int)(totalShift - 1);
        long result = x * quantizedMultiplier + round;
        result >>= (int)totalShift;
        return (int)Math.Clamp(result, int.MinValue, int.MaxValue);
    }

    /// <summary>gemmlowp's SaturatingRoundingMultiplyByPOT: x · 2^exponent, saturating left shifts, rounding right shifts.</summary>
    public static int SaturatingRoundingMultiplyByPOT(int x, int exponent)
    {
        if (exponent == 0) return x;
        if (exponent < 0) return RoundingDivideByPOT(x, -exponent);
        long v = (long)x << exponent;
        return v > int.MaxValue ? int.MaxValue : v < int.MinValue ? int.MinValue : (int)v;
    }

    /// <summary>
    /// TFLite's GetInvSqrtQuantizedMultiplierExp: 1/√input as a Q31 multiplier and shift, by five Newton-Raphson steps in
    /// gemmlowp fixed point (3 integer bits), the result times √2/2; inputs 0 and 1 give (int.MaxValue, 0).
    /// <paramref name="reverseShift"/> = -1 returns the shift as MultiplyByQuantizedMultiplier's (negative = right).
    /// </summary>
    public static void InvSqrtQuantizedMultiplierExp(int input, int reverseShift, out int multiplier, out int shift)
    {
        if (input <= 1) { multiplier = int.MaxValue; shift = 0; return; }
        shift = 11;
        while (input >= (1 << 29)) { input /= 4; shift++; }
        int maxLeftShiftBits = System.Numerics.BitOperations.LeadingZeroCount((uint)input) - 1;
        int leftShiftBitPairs = maxLeftShiftBits / 2 - 1;
        shift -= leftShiftBitPairs;
        input <<= 2 * leftShiftBitPairs;
        int fixedInput = input >> 1;                          // F3
        int halfInput = RoundingDivideByPOT(fixedInput, 1);   // F3
        const int halfThree = (1 << 28) + (1 << 27);          // 1.5 in F3
        int x = 1 << 28;                                      // 1.0 in F3
        for (int i = 0; i < 5; i++)
        {
            int x2 = SaturatingRoundingDoublingHighMul(x, x);   // F6
            int x3 = SaturatingRoundingDoublingHighMul(x2, x);  // F9
            int x3Rescaled = SaturatingRoundingMultiplyByPOT(x3, 6); // F9 -> F3
            int term1 = SaturatingRoundingDoublingHighMul(halfThree, x);      // F6
            int term2 = SaturatingRoundingDoublingHighMul(halfInput, x3Rescaled); // F6
            x = SaturatingRoundingMultiplyByPOT(term1 - term2, 3);  // F6 -> F3
        }
        multiplier = SaturatingRoundingDoublingHighMul(x, 1518500250); // · √2/2 (F0)
        if (shift < 0) { multiplier <<= -shift; shift = 0; }
        shift *= reverseShift;
    }

    /// <summary>Per-channel (or per-tensor when one scale) multipliers for conv-like ops: in_scale * w_scale[c] / out_scale.</summary>
    public static void PerChannelMultipliers(float inputScale, IReadOnlyList<float> weightScales, float outputScale, int channels,
        Span<int> multipliers, Span<int> shifts)
    {
        for (int c = 0; c < channels; c++)
        {
            float ws = weightScales.Count == 1 ? weightScales[0] : weightScales[c];
            // TFLite computes the effective scale in double from float inputs.
            double real = (double)inputScale * ws / outputScale;
            QuantizeMultiplier(real, out multipliers[c], out shifts[c]);
        }
    }

    /// <summary>Quantizes a real value as TFLite's activation-range code does: zero_point + round(x / scale) in float.</summary>
    public static int QuantizeValue(float x, float scale, int zeroPoint)
        => zeroPoint + (int)MathF.Round(x / scale, MidpointRounding.AwayFromZero);

    /// <summary>Range [qmin, qmax] of the storage type.</summary>
    public static (int Min, int Max) TypeRange(TensorType type) => type switch
    {
        TensorType.UInt8 => (0, 255),
        TensorType.Int8 => (-128, 127),
        TensorType.Int16 => (-32768, 32767),
        TensorType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new ArgumentException($"not a quantized type: {type.ToDTypeName()}"),
    };

    /// <summary>Clamp range of a fused activation on a quantized output (TFLite's CalculateActivationRangeQuantized).</summary>
    public static (int Min, int Max) ActivationRange(FusedActivation activation, TensorType type, float scale, int zeroPoint)
    {
        var (qmin, qmax) = TypeRange(type);
        switch (activation)
        {
            case FusedActivation.None: return (qmin, qmax);
            case FusedActivation.Relu: return (Math.Max(qmin, QuantizeValue(0f, scale, zeroPoint)), qmax);
            case FusedActivation.Relu6: return (Math.Max(qmin, QuantizeValue(0f, scale, zeroPoint)), Math.Min(qmax, QuantizeValue(6f, scale, zeroPoint)));
            case FusedActivation.ReluN1To1: return (Math.Max(qmin, QuantizeValue(-1f, scale, zeroPoint)), Math.Min(qmax, QuantizeValue(1f, scale, zeroPoint)));
            default: throw new UnsupportedOperatorException($"fused activation {activation} on a quantized output");
        }
    }

    /// <summary>Clamp range of a fused activation on a float output (TFLite's CalculateActivationRange).</summary>
    public static (float Min, float Max) ActivationRange(FusedActivation activation) => activation switch
    {
        FusedActivation.None => (float.MinValue, float.MaxValue),
        FusedActivation.Relu => (0f, float.MaxValue),
        FusedActivation.Relu6 => (0f, 6f),
        FusedActivation.ReluN1To1 => (-1f, 1f),
        _ => throw new UnsupportedOperatorException($"fused activation {activation} is not supported here"),
    };

    /// <summary>Applies a float fused activation (including TANH/SIGN_BIT for ops that allow them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ApplyActivation(float x, float min, float max) => x < min ? min : (x > max ? max : x);
}

/// <summary>TFLite's fused activation functions (values as in the schema).</summary>
public enum FusedActivation : sbyte
{
    /// <summary>No activation.</summary>
    None = 0,
    /// <summary>max(0, x).</summary>
    Relu = 1,
    /// <summary>clamp(x, -1, 1).</summary>
    ReluN1To1 = 2,
    /// <summary>clamp(x, 0, 6).</summary>
    Relu6 = 3,
    /// <summary>tanh(x).</summary>
    Tanh = 4,
    /// <summary>sign bit.</summary>
    SignBit = 5,
}
