using EdgeLite.Simd;

namespace EdgeLite.Arm64Check;

/// <summary>
/// Direct micro-kernel checks: random shapes (rows not a multiple of the block, channels not a multiple of 16 / 8 / 4,
/// odd depth, one row, panel sub-ranges, output strides wider than the channels), uint8 and int8 outputs, per-channel
/// scales, clamps narrower than the type (ReLU, ReLU6-like). Each level's output buffer — including the bytes it must
/// not write — must equal the scalar level's and a naive computation in this file.
/// </summary>
internal static unsafe class KernelChecks
{
    /// <summary>Runs every check section, prints a line per section and each failure; returns the failure count.</summary>
    public static int RunAll(int seed)
    {
        var c = new Checker();
        var levels = Enum.GetValues<SimdLevel>().Where(l => l != SimdLevel.Scalar && GemmKernels.IsSupported(l)).ToArray();
        Console.WriteLine($"micro-kernel levels checked against Scalar: {string.Join(", ", levels)}");
        c.Section("GEMM quantized (vs scalar and a naive sum, byte for byte)", () => GemmQuantized(c, levels, seed, 300));
        c.Section($"GEMM quantized 8-bit dot product ({(System.Runtime.Intrinsics.Arm.Dp.IsSupported ? "sdot/udot" : "scalar stand-in")}) vs a naive sum",
            () => GemmDot(c, seed + 4, 300));
        c.Section("GEMM float, im2col rows and in place through taps (vs scalar and a naive sum, bit for bit)", () => GemmFloat(c, levels, seed + 1, 200));
        c.Section("depthwise pixel kernels (quantized, float, broadcast)", () => Depthwise(c, levels, seed + 2, 300));
        c.Section("A packing (WidenSubtract)", () => WidenSubtract(c, seed + 3, 100));
        c.Section("float16 → float32 (Elements.HalfToSingle) on all 65536 bit patterns vs (float)Half", () =>
        {
            var halves = new ushort[65536 + 3];
            for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
            var floats = new float[halves.Length];
            fixed (ushort* h = halves) fixed (float* f = floats) EdgeLite.Kernels.Elements.HalfToSingle(h, f, halves.Length);
            int bad = 0;
            for (int i = 0; i < halves.Length; i++)
                if (BitConverter.SingleToUInt32Bits(floats[i]) != BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(halves[i]))) bad++;
            c.Check("every pattern, bit for bit", () => Assert.True(bad == 0, $"{bad} patterns differ"));
        });
        c.Section("CONV_2D / DEPTHWISE_CONV_2D operators vs the reference kernels", () =>
        {
            foreach (var level in levels)
                foreach (var type in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8 })
                    foreach (var depthwise in new[] { false, true })
                        c.Check($"{type} {(depthwise ? "depthwise" : "conv")} at {level}",
                            () => EdgeLite.Tests.Kernels.ConvTestHelpers.AssertRandomProblemsMatchAtLevel(type, depthwise, level, seed + (int)type * 11 + (int)level, count: 6));
        });
        c.Section("DEPTHWISE_CONV_2D four-pixel kernels vs scalar (bit for bit) and the reference", () =>
        {
            foreach (var level in levels)
                foreach (var type in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8 })
                {
                    var rng = new Random(seed + 5 + (int)type);
                    foreach (var p in EdgeLite.Tests.Kernels.ConvTestHelpers.FourPixelDepthwiseProblems(type))
                        c.Check($"{p} at {level}", () => EdgeLite.Tests.Kernels.ConvTestHelpers.AssertLevelMatchesScalarAndReference(p, rng, level));
                }
        });
        c.Section("DEPTHWISE_CONV_2D small maps (one-pixel kernels) vs scalar (bit for bit) and the reference", () =>
        {
            foreach (var level in levels)
                foreach (var type in new[] { TensorType.Float32, TensorType.UInt8, TensorType.Int8 })
                {
                    var rng = new Random(seed + 6 + (int)type);
                    foreach (var p in EdgeLite.Tests.Kernels.ConvTestHelpers.SmallMapDepthwiseProblems(type))
                        c.Check($"{p} at {level}", () => EdgeLite.Tests.Kernels.ConvTestHelpers.AssertLevelMatchesScalarAndReference(p, rng, level));
                }
        });
        c.Section("CONV_2D float, depths not a multiple of 4, vs scalar (bit for bit) and the reference", () =>
        {
            foreach (var level in levels)
            {
                var rng = new Random(seed + 7);
                foreach (var p in EdgeLite.Tests.Kernels.ConvTestHelpers.FloatDepthRemainderConvProblems())
                    c.Check($"{p} at {level}", () => EdgeLite.Tests.Kernels.ConvTestHelpers.AssertLevelMatchesScalarAndReference(p, rng, level));
            }
        });
        Console.WriteLine($"micro-kernels: {c.Cases} checks, {c.Failures} failures");
        return c.Failures;
    }

    private const byte Sentinel = 0xA5;
    private const uint FloatSentinel = 0x7FC0DEAD; // a NaN no kernel produces

    private static int Pick(Random rng, int[] choices) => choices[rng.Next(choices.Length)];

    /// <summary>Random per-channel output stage values (padded to <paramref name="padded"/> channels).</summary>
    private static (int[] bias, float[] scale, int zp, float lo, float hi) QuantStage(Random rng, int padded, bool signed, double accSpread)
    {
        var bias = new int[padded]; var scale = new float[padded];
        for (int i = 0; i < padded; i++)
        {
            bias[i] = rng.Next(-30000, 30001);
            scale[i] = (float)((rng.NextDouble() * 2.5 + 0.2) * 120 / accSpread);
        }
        int qmin = signed ? -128 : 0, qmax = signed ? 127 : 255;
        int zp = rng.Next(qmin, qmax + 1), lo = qmin, hi = qmax;
        switch (rng.Next(3))
        {
            case 1: lo = zp; break;                                        // ReLU
            case 2: lo = zp; hi = Math.Min(qmax, zp + rng.Next(1, 120)); break; // ReLU6-like
        }
        return (bias, scale, zp, lo - zp, hi - zp);
    }

    private static (float min, float max) FloatClamp(Random rng) => rng.Next(4) switch
    {
        0 => (float.NegativeInfinity, float.PositiveInfinity),
        1 => (0f, float.PositiveInfinity),
        2 => (0f, 6f),
        _ => (-1f, 1f),
    };

    private static float Clamp(float v, float min, float max) => v < min ? min : v > max ? max : v;

    public static void GemmQuantized(Checker c, SimdLevel[] levels, int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            int rows = rng.Next(3) == 0 ? rng.Next(1, 40) : Pick(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 25]);
            int depth = rng.Next(4) == 0 ? rng.Next(1, 400) : rng.Next(1, 40);
            int channels = rng.Next(3) == 0 ? Pick(rng, [1, 3, 4, 8, 15, 16, 17, 31, 32, 33, 48, 64]) : rng.Next(1, 90);
            bool signed = rng.Next(2) == 0;
            int pairs = GemmKernels.Pairs(depth), aStride = pairs + rng.Next(0, 3);
            int panels = GemmKernels.Panels(channels), ps = 0, pe = panels;
            if (panels > 1 && rng.Next(3) == 0) { ps = rng.Next(panels); pe = rng.Next(ps + 1, panels + 1); }
            int outStride = channels + rng.Next(0, 5);
            // A: zero-point-corrected values, int16 pairs; the pad of an odd depth is garbage (its weight is 0)
            var a = new short[rows * aStride * 2];
            for (int i = 0; i < a.Length; i++) a[i] = (short)rng.Next(-255, 256);
            var w = new int[channels * depth];
            for (int i = 0; i < w.Length; i++) w[i] = rng.Next(-255, 256);
            var packed = GemmKernels.PackInt16(channels, depth, (oc, k) => w[oc * depth + k], len => new short[len]);
            var (bias, scale, zp, lo, hi) = QuantStage(rng, panels * GemmKernels.Panel, signed, Math.Sqrt(depth) * 255 * 255 / 3);
            int outLen = rows * outStride + 32;
            string what = $"rows {rows} depth {depth} channels {channels} panels [{ps},{pe}) aStride {aStride} outStride {outStride} {(signed ? "int8" : "uint8")} clamp [{lo},{hi}]";
            fixed (int* pBias = bias) fixed (float* pScale = scale) fixed (short* pA = a) fixed (short* pW = packed)
            {
                var s = new QuantizedOutputStage { Bias = pBias, Scale = pScale, Lo = lo, Hi = hi, ZeroPoint = zp, Signed = signed };
                var expected = new byte[outLen];
                expected.AsSpan().Fill(Sentinel);
                int cEnd = Math.Min(pe * GemmKernels.Panel, channels);
                for (int r = 0; r < rows; r++)
                    for (int oc = ps * GemmKernels.Panel; oc < cEnd; oc++)
                    {
                        int acc = 0;
                        for (int k = 0; k < depth; k++) acc += a[r * aStride * 2 + k] * w[oc * depth + k];
                        expected[r * outStride + oc] = OutputStage.RequantizeScalar(acc, oc, s);
                    }
                foreach (var level in levels.Prepend(SimdLevel.Scalar))
                {
                    var got = new byte[outLen];
                    got.AsSpan().Fill(Sentinel);
                    fixed (byte* pO = got)
                        GemmKernels.Quantized(level, (int*)pA, aStride, rows, pairs, pW, ps, pe, pO, outStride, channels, s);
                    int bad = FirstDifference(expected, got);
                    c.Expect(bad < 0, $"GEMM quantized {level}: {what}: byte {bad} (row {bad / outStride}, channel {bad % outStride}) = {(bad < 0 ? 0 : got[bad])}, expected {(bad < 0 ? 0 : expected[bad])}");
                }
            }
        }
    }

    /// <summary>
    /// <see cref="GemmKernels.QuantizedDot"/> on raw uint8/int8 operands with zero points (the corrections of
    /// <see cref="GemmKernels.PackDot"/> and <see cref="GemmKernels.RowSum"/>, as Conv2D computes them) against a naive
    /// Σ (x − x_zp)(w − w_zp).
    /// </summary>
    public static void GemmDot(Checker c, int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            int rows = rng.Next(3) == 0 ? rng.Next(1, 40) : Pick(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 25]);
            int depth = rng.Next(4) == 0 ? rng.Next(1, 600) : rng.Next(1, 40);
            int channels = rng.Next(3) == 0 ? Pick(rng, [1, 3, 4, 8, 15, 16, 17, 31, 32, 33, 48, 64]) : rng.Next(1, 90);
            bool signed = rng.Next(2) == 0;
            int kPad = GemmKernels.DotDepth(depth), aStride = kPad + 16 * rng.Next(0, 2);
            int panels = GemmKernels.Panels(channels), ps = 0, pe = panels;
            if (panels > 1 && rng.Next(3) == 0) { ps = rng.Next(panels); pe = rng.Next(ps + 1, panels + 1); }
            int outStride = channels + rng.Next(0, 5);
            int xzp = signed ? rng.Next(-128, 128) : rng.Next(0, 256);
            int wzp = signed ? (rng.Next(2) == 0 ? 0 : rng.Next(-128, 128)) : rng.Next(0, 256);
            // extreme operands now and then (all 0x80 / 0xFF and zero points at the ends): the int32 wrap-around must cancel
            bool extreme = rng.Next(5) == 0;
            var a = new byte[rows * aStride];
            rng.NextBytes(a);
            if (extreme) { a.AsSpan().Fill(signed ? (byte)0x80 : (byte)0xFF); xzp = signed ? 127 : 0; wzp = signed ? 127 : 0; }
            for (int r = 0; r < rows; r++) a.AsSpan(r * aStride + depth, kPad - depth).Clear(); // as Conv2D's im2col
            var w = new int[channels * depth];
            for (int i = 0; i < w.Length; i++) w[i] = extreme ? (signed ? -128 : 255) : signed ? rng.Next(-128, 128) : rng.Next(0, 256);
            var sums = new int[channels];
            var packed = GemmKernels.PackDot(channels, depth, (oc, k) => w[oc * depth + k], sums, len => new byte[len]);
            var (bias, scale, zp, lo, hi) = QuantStage(rng, panels * GemmKernels.Panel, signed, Math.Sqrt(depth) * 255 * 255 / 3);
            var folded = new int[bias.Length];
            for (int ch = 0; ch < folded.Length; ch++) folded[ch] = bias[ch] + (ch < channels ? -xzp * sums[ch] + depth * xzp * wzp : 0);
            var corr = new int[rows];
            int outLen = rows * outStride + 32;
            string what = $"rows {rows} depth {depth} channels {channels} panels [{ps},{pe}) {(signed ? "int8" : "uint8")} x_zp {xzp} w_zp {wzp}{(extreme ? " extreme" : "")}";
            fixed (int* pBias = bias) fixed (int* pFolded = folded) fixed (float* pScale = scale) fixed (byte* pA = a) fixed (byte* pW = packed) fixed (int* pCorr = corr)
            {
                for (int r = 0; r < rows; r++) corr[r] = -wzp * GemmKernels.RowSum(pA + r * aStride, kPad, signed);
                var s = new QuantizedOutputStage { Bias = pBias, Scale = pScale, Lo = lo, Hi = hi, ZeroPoint = zp, Signed = signed };
                var expected = new byte[outLen];
                expected.AsSpan().Fill(Sentinel);
                int cEnd = Math.Min(pe * GemmKernels.Panel, channels);
                for (int r = 0; r < rows; r++)
                    for (int oc = ps * GemmKernels.Panel; oc < cEnd; oc++)
                    {
                        int acc = 0;
                        for (int k = 0; k < depth; k++)
                        {
                            int x = signed ? (sbyte)a[r * aStride + k] : a[r * aStride + k];
                            acc += (x - xzp) * (w[oc * depth + k] - wzp);
                        }
                        expected[r * outStride + oc] = OutputStage.RequantizeScalar(acc, oc, s);
                    }
                var got = new byte[outLen];
                got.AsSpan().Fill(Sentinel);
                var sd = s;
                sd.Bias = pFolded;
                fixed (byte* pO = got)
                    GemmKernels.QuantizedDot(pA, aStride, rows, kPad, pCorr, pW, ps, pe, pO, outStride, channels, sd, signed);
                int bad = FirstDifference(expected, got);
                c.Expect(bad < 0, $"GEMM dot: {what}: byte {bad} (row {bad / outStride}, channel {bad % outStride}) = {(bad < 0 ? 0 : got[bad])}, expected {(bad < 0 ? 0 : expected[bad])}");
            }
        }
    }

    public static void GemmFloat(Checker c, SimdLevel[] levels, int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            int rows = rng.Next(3) == 0 ? rng.Next(1, 40) : Pick(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 25]);
            int depth = rng.Next(4) == 0 ? rng.Next(1, 400) : rng.Next(1, 40);
            int channels = rng.Next(3) == 0 ? Pick(rng, [1, 3, 4, 8, 15, 16, 17, 31, 32, 33, 48, 64]) : rng.Next(1, 90);
            int aStride = depth + rng.Next(0, 3);
            int panels = GemmKernels.Panels(channels), ps = 0, pe = panels;
            if (panels > 1 && rng.Next(3) == 0) { ps = rng.Next(panels); pe = rng.Next(ps + 1, panels + 1); }
            int outStride = channels + rng.Next(0, 5);
            // A is also laid out for FloatTaps: row r's value k at float r·rowStep + taps[k]/4 of src (rows overlap, as a
            // convolution's windows do); a holds the same values as plain rows
            // a third of the tap tables in contiguous groups of 4 from each multiple of 4 (a convolution with a multiple of 4
            // input channels: the arm64 4-row kernel's by-element path), the rest scattered
            int rowStep = rng.Next(1, 9), span = depth + 3 + rng.Next(0, 20);
            bool quads = rng.Next(3) == 0;
            var taps = new int[depth];
            for (int k = 0; k < depth; k++)
            {
                bool grouped = quads && k / 4 * 4 + 4 <= depth;
                taps[k] = grouped && k % 4 != 0 ? taps[k - 1] + 4 : 4 * rng.Next(grouped ? span - 3 : span);
            }
            var src = new float[(rows - 1) * rowStep + span];
            for (int i = 0; i < src.Length; i++) src[i] = (float)(rng.NextDouble() * 2 - 1);
            var a = new float[rows * aStride];
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < depth; k++) a[r * aStride + k] = src[r * rowStep + taps[k] / 4];
            var w = new float[channels * depth];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1);
            var packed = GemmKernels.PackFloat(channels, depth, (oc, k) => w[oc * depth + k], len => new float[len]);
            var bias = new float[panels * GemmKernels.Panel];
            for (int i = 0; i < bias.Length; i++) bias[i] = (float)(rng.NextDouble() - 0.5);
            var (min, max) = FloatClamp(rng);
            int outLen = rows * outStride + 32;
            string what = $"rows {rows} depth {depth} channels {channels} panels [{ps},{pe}) aStride {aStride} outStride {outStride} clamp [{min},{max}]{(quads ? " taps in 4s" : "")}";
            fixed (float* pBias = bias) fixed (float* pA = a) fixed (float* pW = packed) fixed (float* pSrc = src) fixed (int* pTaps = taps)
            {
                var s = new FloatOutputStage { Bias = pBias, Min = min, Max = max };
                var expected = new uint[outLen];
                expected.AsSpan().Fill(FloatSentinel);
                int cEnd = Math.Min(pe * GemmKernels.Panel, channels);
                for (int r = 0; r < rows; r++)
                    for (int oc = ps * GemmKernels.Panel; oc < cEnd; oc++)
                    {
                        float acc = 0;
                        for (int k = 0; k < depth; k++) acc = MathF.FusedMultiplyAdd(a[r * aStride + k], w[oc * depth + k], acc);
                        expected[r * outStride + oc] = BitConverter.SingleToUInt32Bits(Clamp(acc + bias[oc], min, max));
                    }
                foreach (var level in levels.Prepend(SimdLevel.Scalar))
                {
                    var got = new uint[outLen];
                    got.AsSpan().Fill(FloatSentinel);
                    fixed (uint* pO = got)
                        GemmKernels.Float(level, pA, aStride, rows, depth, pW, ps, pe, (float*)pO, outStride, channels, s);
                    int bad = FirstDifference(expected, got);
                    c.Expect(bad < 0, $"GEMM float {level}: {what}: element {bad} (row {bad / outStride}, channel {bad % outStride}) = " +
                        $"{(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(got[bad]))}, expected {(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(expected[bad]))}");
                    if (!GemmKernels.HasFloatTaps(level)) continue;
                    got.AsSpan().Fill(FloatSentinel);
                    fixed (uint* pO = got)
                        GemmKernels.FloatTaps(level, pSrc, rowStep, rows, depth, pTaps, pW, ps, pe, (float*)pO, outStride, channels, s);
                    bad = FirstDifference(expected, got);
                    c.Expect(bad < 0, $"GEMM float in place (FloatTaps) {level}: {what} rowStep {rowStep}: element {bad} (row {bad / outStride}, channel {bad % outStride}) = " +
                        $"{(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(got[bad]))}, expected {(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(expected[bad]))}");
                }
            }
        }
    }

    public static void Depthwise(Checker c, SimdLevel[] levels, int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            bool broadcast = rng.Next(4) == 0;
            int channels = rng.Next(3) == 0 ? Pick(rng, [1, 4, 7, 8, 9, 15, 16, 17, 24, 32, 33]) : rng.Next(1, 70);
            int nTaps = rng.Next(1, 26), tapCount = rng.Next(1, nTaps + 1);
            int cPad = (channels + 15) / 16 * 16;
            int pixel = broadcast ? 1 : channels + rng.Next(0, 4);
            var offs = new int[tapCount]; var taps = new int[tapCount];
            var order = Enumerable.Range(0, nTaps).OrderBy(_ => rng.Next()).ToArray();
            for (int t = 0; t < tapCount; t++) { offs[t] = rng.Next(0, nTaps) * pixel; taps[t] = order[t]; }
            int xLen = nTaps * pixel + 16;
            bool signed = rng.Next(2) == 0;
            string what = $"{(broadcast ? "broadcast " : "")}channels {channels} taps {tapCount}/{nTaps} {(signed ? "int8" : "uint8")}";

            // quantized
            var xq = new byte[xLen]; rng.NextBytes(xq);
            var wq = new int[nTaps * cPad];
            for (int i = 0; i < wq.Length; i++) wq[i] = rng.Next(-255, 256);
            int inZp = signed ? rng.Next(-128, 128) : rng.Next(0, 256);
            var (bias, scale, zp, lo, hi) = QuantStage(rng, cPad, signed, Math.Sqrt(tapCount) * 255 * 200 / 3);
            fixed (int* pOffs = offs) fixed (int* pTaps = taps) fixed (byte* pX = xq) fixed (int* pW = wq) fixed (int* pBias = bias) fixed (float* pScale = scale)
            {
                var s = new QuantizedOutputStage { Bias = pBias, Scale = pScale, Lo = lo, Hi = hi, ZeroPoint = zp, Signed = signed };
                var expected = new byte[channels + 16];
                expected.AsSpan().Fill(Sentinel);
                for (int ch = 0; ch < channels; ch++)
                {
                    int acc = 0;
                    for (int t = 0; t < tapCount; t++)
                    {
                        int xi = offs[t] + (broadcast ? 0 : ch);
                        acc += ((signed ? (sbyte)xq[xi] : xq[xi]) - inZp) * wq[taps[t] * cPad + ch];
                    }
                    expected[ch] = OutputStage.RequantizeScalar(acc, ch, s);
                }
                foreach (var level in levels.Prepend(SimdLevel.Scalar))
                {
                    var got = new byte[channels + 16];
                    got.AsSpan().Fill(Sentinel);
                    fixed (byte* pO = got)
                    {
                        if (broadcast) DepthwiseKernels.QuantizedBroadcast(level, pX, pOffs, pTaps, tapCount, pW, cPad, channels, inZp, pO, s);
                        else DepthwiseKernels.Quantized(level, pX, pOffs, pTaps, tapCount, pW, cPad, channels, inZp, pO, s);
                    }
                    int bad = FirstDifference(expected, got);
                    c.Expect(bad < 0, $"depthwise quantized {level}: {what}: channel {bad} = {(bad < 0 ? 0 : got[bad])}, expected {(bad < 0 ? 0 : expected[bad])}");
                }
            }

            // float
            var xf = new float[xLen];
            for (int i = 0; i < xf.Length; i++) xf[i] = (float)(rng.NextDouble() * 2 - 1);
            var wf = new float[nTaps * cPad];
            for (int i = 0; i < wf.Length; i++) wf[i] = (float)(rng.NextDouble() * 2 - 1);
            var fb = new float[cPad];
            for (int i = 0; i < fb.Length; i++) fb[i] = (float)(rng.NextDouble() - 0.5);
            var (min, max) = FloatClamp(rng);
            fixed (int* pOffs = offs) fixed (int* pTaps = taps) fixed (float* pX = xf) fixed (float* pW = wf) fixed (float* pBias = fb)
            {
                var s = new FloatOutputStage { Bias = pBias, Min = min, Max = max };
                var expected = new uint[channels + 16];
                expected.AsSpan().Fill(FloatSentinel);
                for (int ch = 0; ch < channels; ch++)
                {
                    float acc = 0;
                    for (int t = 0; t < tapCount; t++) acc = MathF.FusedMultiplyAdd(xf[offs[t] + (broadcast ? 0 : ch)], wf[taps[t] * cPad + ch], acc);
                    expected[ch] = BitConverter.SingleToUInt32Bits(Clamp(acc + fb[ch], min, max));
                }
                foreach (var level in levels.Prepend(SimdLevel.Scalar))
                {
                    var got = new uint[channels + 16];
                    got.AsSpan().Fill(FloatSentinel);
                    fixed (uint* pO = got)
                    {
                        if (broadcast) DepthwiseKernels.FloatBroadcast(level, pX, pOffs, pTaps, tapCount, pW, cPad, channels, (float*)pO, s);
                        else DepthwiseKernels.Float(level, pX, pOffs, pTaps, tapCount, pW, cPad, channels, (float*)pO, s);
                    }
                    int bad = FirstDifference(expected, got);
                    c.Expect(bad < 0, $"depthwise float {level}: {what} clamp [{min},{max}]: channel {bad} = " +
                        $"{(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(got[bad]))}, expected {(bad < 0 ? 0 : BitConverter.UInt32BitsToSingle(expected[bad]))}");
                }
            }
        }
    }

    public static void WidenSubtract(Checker c, int seed, int count)
    {
        var rng = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            int len = rng.Next(0, 200);
            var src = new byte[len]; rng.NextBytes(src);
            bool signed = rng.Next(2) == 0;
            int zp = signed ? rng.Next(-128, 128) : rng.Next(0, 256);
            var got = new short[len + 8];
            fixed (byte* ps = src) fixed (short* pd = got)
            {
                if (signed) GemmKernels.WidenSubtract((sbyte*)ps, pd, len, zp);
                else GemmKernels.WidenSubtract(ps, pd, len, zp);
            }
            int bad = -1;
            for (int i = 0; i < len + 8 && bad < 0; i++)
                if (got[i] != (i < len ? (signed ? (sbyte)src[i] : src[i]) - zp : 0)) bad = i;
            c.Expect(bad < 0, $"WidenSubtract {(signed ? "int8" : "uint8")} n {len} zp {zp}: element {bad}");
        }
    }

    private static int FirstDifference<T>(T[] expected, T[] got) where T : IEquatable<T>
    {
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(got[i])) return i;
        return -1;
    }
}

/// <summary>Counts checks and prints failures (the first ten per section).</summary>
internal sealed class Checker
{
    public int Cases, Failures;
    private int _sectionFailures;

    public void Section(string name, Action body)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int before = Cases;
        _sectionFailures = 0;
        Run(name, body);
        Console.WriteLine($"{(_sectionFailures == 0 ? "ok  " : "FAIL")} {name}: {Cases - before} checks, {_sectionFailures} failures ({sw.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>Runs a body; an exception is a failure.</summary>
    public void Run(string what, Action body)
    {
        try { body(); }
        catch (Exception e) { Fail($"{what}: {e.GetType().Name}: {e.Message}"); }
    }

    /// <summary>One counted check whose body throws on failure.</summary>
    public void Check(string what, Action body)
    {
        Cases++;
        Run(what, body);
    }

    public void Expect(bool ok, string message)
    {
        Cases++;
        if (!ok) Fail(message);
    }

    public void Fail(string message)
    {
        Failures++;
        _sectionFailures++;
        if (_sectionFailures <= 10) Console.WriteLine($"FAIL {message}");
    }
}
