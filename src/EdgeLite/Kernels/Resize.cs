using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EdgeLite.Kernels;

/// <summary>
/// RESIZE_BILINEAR over NHWC with a constant size [new_height, new_width], align_corners and half_pixel_centers,
/// computed as XNNPACK does (what TFLite runs on CPU). Source coordinate: out·scale (align_corners or the TensorFlow
/// legacy mode), else out·scale + (scale/2 - 1/2) clamped to [0, in-1]; scale = (in - a)/(out - a), a = 1 with
/// align_corners (out &gt; 1). float32: t = tl + (tr-tl)·αx, b = bl + (br-bl)·αx, out = t + (b-t)·αy. uint8/int8: α in
/// 11-bit fixed point (round(α·2048)), the same blend in integers, (acc + 2^21) &gt;&gt; 22. int16 (not delegated):
/// TFLite's reference ResizeBilinearInteger (source coordinates in 1/1024 units, round half away from zero).
/// Quantized values are not rescaled: input and output must share scale and zero point (XNNPACK refuses such a node
/// and real TFLite fails the model), otherwise unsupported. align_corners with half_pixel_centers is invalid.
/// </summary>
internal sealed unsafe class ResizeBilinear : OpKernel
{
    private int _n, _inH, _inW, _c, _outH, _outW;
    private int[] _x0 = [], _x1 = [], _y0 = [], _y1 = [], _axq = [], _ayq = [];
    private float[] _ax = [], _ay = [];
    private int[] _x10 = [], _y10 = [];
    private TensorType _type;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var size = context.Input(1); var y = context.Output(0);
        var o = context.Options<Schema.ResizeBilinearOptions>() ?? default;
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _type = x.Type;
        if (_type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8 or TensorType.Int16)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        if (_type != TensorType.Float32 && x.Quantization is { Scales.Count: > 0 } qi && y.Quantization is { Scales.Count: > 0 } qo
            && (qi.Scale != qo.Scale || qi.ZeroPoint != qo.ZeroPoint))
            throw context.Unsupported($"quantized resize from {qi} to {qo} (values are not rescaled: input and output must share scale and zero point)");
        if (o.AlignCorners && o.HalfPixelCenters) throw context.Invalid("align_corners and half_pixel_centers are mutually exclusive");
        (_outH, _outW) = ResizeCommon.Size(context, size);
        _n = x.Dim(0); _inH = x.Dim(1); _inW = x.Dim(2); _c = x.Dim(3);
        if (_inH <= 0 || _inW <= 0) throw context.Invalid($"empty input {x}");
        context.SetOutputShape(0, [_n, _outH, _outW, _c]);
        _work = new Work(this);
        if (_type == TensorType.Int16)
        {
            Axis10(_inH, _outH, o.AlignCorners, o.HalfPixelCenters, out _y0, out _y1, out _y10);
            Axis10(_inW, _outW, o.AlignCorners, o.HalfPixelCenters, out _x0, out _x1, out _x10);
            return;
        }
        bool legacy = o.AlignCorners || !o.HalfPixelCenters;
        Axis(_inH, _outH, o.AlignCorners, legacy, out _y0, out _y1, out _ay, out _ayq);
        Axis(_inW, _outW, o.AlignCorners, legacy, out _x0, out _x1, out _ax, out _axq);
    }

    private static void Axis(int input, int output, bool alignCorners, bool legacy, out int[] lo, out int[] hi, out float[] alpha, out int[] alphaQ)
    {
        int adj = alignCorners && output != 1 ? 1 : 0;
        float scale = (float)(input - adj) / (output - adj);
        float offset = 0.5f * scale - 0.5f;
        lo = new int[output]; hi = new int[output]; alpha = new float[output]; alphaQ = new int[output];
        for (int i = 0; i < output; i++)
        {
            float v = i * scale;
            if (!legacy) v = Math.Min(Math.Max(v + offset, 0f), input - 1);
            int l = Math.Min((int)v, input - 1);
            lo[i] = l;
            hi[i] = Math.Min(l + 1, input - 1);
            alpha[i] = v - l;
            alphaQ[i] = (int)MathF.Round(alpha[i] * 2048f, MidpointRounding.ToEven);
        }
    }

    /// <summary>TFLite's integer interpolation values: the source coordinate in 1/1024 units and its two neighbours.</summary>
    private static void Axis10(int input, int output, bool alignCorners, bool halfPixel, out int[] lo, out int[] hi, out int[] scaled)
    {
        int scale10 = alignCorners && output > 1
            ? ((1 << 10) * (input - 1) + (output - 1) / 2) / (output - 1)
            : ((1 << 10) * input + output / 2) / output;
        lo = new int[output]; hi = new int[output]; scaled = new int[output];
        for (int i = 0; i < output; i++)
        {
            int v = halfPixel ? i * scale10 + scale10 / 2 - (1 << 9) : i * scale10;
            scaled[i] = v;
            lo[i] = Math.Max(v / (1 << 10), 0);
            hi[i] = Math.Min((v + (1 << 10) - 1) / (1 << 10), input - 1);
        }
    }

    private void EvalInt16(short* src, short* dst)
    {
        int c = _c;
        for (int n = 0; n < _n; n++)
            for (int oy = 0; oy < _outH; oy++)
            {
                short* top = src + ((long)n * _inH + _y0[oy]) * _inW * c, bottom = src + ((long)n * _inH + _y1[oy]) * _inW * c;
                long dy = _y10[oy] - (1 << 10) * _y0[oy];
                for (int ox = 0; ox < _outW; ox++)
                {
                    short* tl = top + (long)_x0[ox] * c, tr = top + (long)_x1[ox] * c, bl = bottom + (long)_x0[ox] * c, br = bottom + (long)_x1[ox] * c;
                    long dx = _x10[ox] - (1 << 10) * _x0[ox];
                    for (int k = 0; k < c; k++)
                    {
                        long acc = tl[k] * ((1 << 10) - dy) * ((1 << 10) - dx) + bl[k] * dy * ((1 << 10) - dx)
                                 + tr[k] * ((1 << 10) - dy) * dx + br[k] * dy * dx;
                        *dst++ = (short)((acc + (acc > 0 ? 1 << 19 : -(1 << 19))) / (1 << 20));
                    }
                }
            }
    }

    private Work? _work;

    private sealed class Work(ResizeBilinear k) : IParallelWork
    {
        public byte* Src, Dst;
        public void Run(int start, int end, int worker) => k.Rows(start, end, Src, Dst);
    }

    public override void Eval(KernelContext context)
    {
        byte* src = context.Input(0).DataPointer, dst = context.Output(0).DataPointer;
        if (_type == TensorType.Int16) { EvalInt16((short*)src, (short*)dst); return; }
        _work!.Src = src; _work.Dst = dst;
        // output rows split across threads (each output element costs about four multiply-adds)
        context.ParallelFor(_n * _outH, _work, 4L * _n * _outH * _outW * _c);
    }

    /// <summary>Output rows [start, end) over all images (row r = image r / outH, line r % outH).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Rows(int start, int end, byte* src, byte* dst)
    {
        int c = _c;
        for (int row = start; row < end; row++)
            {
                int n = row / _outH, oy = row % _outH;
                long rowT = ((long)n * _inH + _y0[oy]) * _inW, rowB = ((long)n * _inH + _y1[oy]) * _inW;
                for (int ox = 0; ox < _outW; ox++)
                {
                    long tl = (rowT + _x0[ox]) * c, tr = (rowT + _x1[ox]) * c, bl = (rowB + _x0[ox]) * c, br = (rowB + _x1[ox]) * c;
                    long o = (((long)n * _outH + oy) * _outW + ox) * c;
                    if (_type == TensorType.Float32)
                    {
                        float ax = _ax[ox], ay = _ay[oy];
                        float* s = (float*)src; float* d = (float*)dst + o;
                        int k = 0;
                        if (Vector256.IsHardwareAccelerated)
                        {
                            // the same operations in the same order, 8 channels at a time (no fused multiply-add)
                            var vax = Vector256.Create(ax); var vay = Vector256.Create(ay);
                            for (; k < c && c >= 8; k += 8)
                            {
                                // the last 1..7 channels: one vector ending at the last channel (recomputing a few
                                // channels with the same values) instead of a scalar tail
                                if (k + 8 > c) k = c - 8;
                                var vtl = Vector256.Load(s + tl + k); var vtr = Vector256.Load(s + tr + k);
                                var vbl = Vector256.Load(s + bl + k); var vbr = Vector256.Load(s + br + k);
                                var t = vtl + (vtr - vtl) * vax;
                                var b = vbl + (vbr - vbl) * vax;
                                (t + (b - t) * vay).Store(d + k);
                            }
                        }
                        else if (Vector128.IsHardwareAccelerated)
                        {
                            // 128-bit (arm64): the same, 4 channels at a time
                            var vax = Vector128.Create(ax); var vay = Vector128.Create(ay);
                            for (; k < c && c >= 4; k += 4)
                            {
                                if (k + 4 > c) k = c - 4;
                                var vtl = Vector128.Load(s + tl + k); var vtr = Vector128.Load(s + tr + k);
                                var vbl = Vector128.Load(s + bl + k); var vbr = Vector128.Load(s + br + k);
                                var t = vtl + (vtr - vtl) * vax;
                                var b = vbl + (vbr - vbl) * vax;
                                (t + (b - t) * vay).Store(d + k);
                            }
                        }
                        for (; k < c; k++)
                        {
                            float t = s[tl + k] + (s[tr + k] - s[tl + k]) * ax;
                            float b = s[bl + k] + (s[br + k] - s[bl + k]) * ax;
                            d[k] = t + (b - t) * ay;
                        }
                    }
                    else
                    {
                        int ax = _axq[ox], ay = _ayq[oy];
                        bool signed = _type == TensorType.Int8;
                        int k = 0;
                        if (c >= 16 && Avx512BW.IsSupported)
                        {
                            // the same integer blend, 16 channels at a time (last ones: an overlapping vector)
                            var vax = Vector512.Create(ax); var vay = Vector512.Create(ay); var round = Vector512.Create(1 << 21);
                            for (; k < c; k += 16)
                            {
                                if (k + 16 > c) k = c - 16;
                                Vector512<int> vtl, vtr, vbl, vbr;
                                if (signed)
                                {
                                    vtl = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)src + tl + k)); vtr = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)src + tr + k));
                                    vbl = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)src + bl + k)); vbr = Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)src + br + k));
                                }
                                else
                                {
                                    vtl = Avx512F.ConvertToVector512Int32(Vector128.Load(src + tl + k)); vtr = Avx512F.ConvertToVector512Int32(Vector128.Load(src + tr + k));
                                    vbl = Avx512F.ConvertToVector512Int32(Vector128.Load(src + bl + k)); vbr = Avx512F.ConvertToVector512Int32(Vector128.Load(src + br + k));
                                }
                                var t = (vtl << 11) + (vtr - vtl) * vax;
                                var b = (vbl << 11) + (vbr - vbl) * vax;
                                var acc = ((t << 11) + (b - t) * vay + round) >> 22;
                                Avx512F.ConvertToVector128Byte(acc).Store(dst + o + k); // truncating: acc is within the byte range
                            }
                            continue;
                        }
                        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
                        {
                            // the same integer blend, 8 channels at a time
                            var vax = Vector256.Create(ax); var vay = Vector256.Create(ay); var round = Vector256.Create(1 << 21);
                            for (; k < c && c >= 8; k += 8)
                            {
                                if (k + 8 > c) k = c - 8; // the last channels: an overlapping vector, as the float path
                                Vector256<int> vtl, vtr, vbl, vbr;
                                if (signed)
                                {
                                    vtl = Avx2.ConvertToVector256Int32((sbyte*)src + tl + k); vtr = Avx2.ConvertToVector256Int32((sbyte*)src + tr + k);
                                    vbl = Avx2.ConvertToVector256Int32((sbyte*)src + bl + k); vbr = Avx2.ConvertToVector256Int32((sbyte*)src + br + k);
                                }
                                else
                                {
                                    vtl = Avx2.ConvertToVector256Int32(src + tl + k); vtr = Avx2.ConvertToVector256Int32(src + tr + k);
                                    vbl = Avx2.ConvertToVector256Int32(src + bl + k); vbr = Avx2.ConvertToVector256Int32(src + br + k);
                                }
                                var t = (vtl << 11) + (vtr - vtl) * vax;
                                var b = (vbl << 11) + (vbr - vbl) * vax;
                                var acc = ((t << 11) + (b - t) * vay + round) >> 22;
                                var bytes = Vector128.Narrow(Vector256.Narrow(acc, acc).GetLower(), Vector128<short>.Zero);
                                *(ulong*)(dst + o + k) = bytes.AsUInt64().ToScalar();
                            }
                        }
                        else if (Vector128.IsHardwareAccelerated)
                        {
                            // 128-bit (arm64): the same integer blend, 8 channels at a time (two int32 halves)
                            var vax = Vector128.Create(ax); var vay = Vector128.Create(ay); var round = Vector128.Create(1 << 21);
                            for (; k < c && c >= 8; k += 8)
                            {
                                if (k + 8 > c) k = c - 8;
                                var (tl0, tl1) = Elements.Widen8(src + tl + k, signed); var (tr0, tr1) = Elements.Widen8(src + tr + k, signed);
                                var (bl0, bl1) = Elements.Widen8(src + bl + k, signed); var (br0, br1) = Elements.Widen8(src + br + k, signed);
                                var t0 = (tl0 << 11) + (tr0 - tl0) * vax; var t1 = (tl1 << 11) + (tr1 - tl1) * vax;
                                var b0 = (bl0 << 11) + (br0 - bl0) * vax; var b1 = (bl1 << 11) + (br1 - bl1) * vax;
                                var acc0 = ((t0 << 11) + (b0 - t0) * vay + round) >> 22;
                                var acc1 = ((t1 << 11) + (b1 - t1) * vay + round) >> 22;
                                var words = Vector128.Narrow(acc0, acc1);  // within the byte range: narrowing truncates nothing
                                *(ulong*)(dst + o + k) = Vector128.Narrow(words, words).AsUInt64().ToScalar();
                            }
                        }
                        for (; k < c; k++)
                        {
                            int vtl = signed ? (sbyte)src[tl + k] : src[tl + k], vtr = signed ? (sbyte)src[tr + k] : src[tr + k];
                            int vbl = signed ? (sbyte)src[bl + k] : src[bl + k], vbr = signed ? (sbyte)src[br + k] : src[br + k];
                            int t = (vtl << 11) + (vtr - vtl) * ax;
                            int b = (vbl << 11) + (vbr - vbl) * ax;
                            int acc = (t << 11) + (b - t) * ay;
                            dst[o + k] = (byte)((acc + (1 << 21)) >> 22);
                        }
                    }
                }
            }
    }
}

/// <summary>
/// RESIZE_NEAREST_NEIGHBOR over NHWC with a constant size, any element size, as TFLite's reference: source index
/// min(align_corners ? round((i + o)·scale) : floor((i + o)·scale), in-1), o = 0.5 with half_pixel_centers.
/// </summary>
internal sealed unsafe class ResizeNearestNeighbor : OpKernel
{
    private int _n, _inH, _inW, _c, _outH, _outW, _elem;
    private int[] _ys = [], _xs = [];

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var size = context.Input(1); var y = context.Output(0);
        var o = context.Options<Schema.ResizeNearestNeighborOptions>() ?? default;
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        (_outH, _outW) = ResizeCommon.Size(context, size);
        _n = x.Dim(0); _inH = x.Dim(1); _inW = x.Dim(2); _c = x.Dim(3); _elem = x.ElementSize;
        if (_inH <= 0 || _inW <= 0) throw context.Invalid($"empty input {x}");
        context.SetOutputShape(0, [_n, _outH, _outW, _c]);
        _ys = Map(_inH, _outH, o.AlignCorners, o.HalfPixelCenters);
        _xs = Map(_inW, _outW, o.AlignCorners, o.HalfPixelCenters);
    }

    private static int[] Map(int input, int output, bool align, bool half)
    {
        float scale = align && output > 1 ? (input - 1) / (float)(output - 1) : input / (float)output;
        float offset = half ? 0.5f : 0f;
        var m = new int[output];
        for (int i = 0; i < output; i++)
        {
            float v = (i + offset) * scale;
            int s = Math.Min(align ? (int)MathF.Round(v, MidpointRounding.AwayFromZero) : (int)MathF.Floor(v), input - 1);
            m[i] = half ? Math.Max(0, s) : s;
        }
        return m;
    }

    public override void Eval(KernelContext context)
    {
        byte* src = context.Input(0).DataPointer, dst = context.Output(0).DataPointer;
        long pixel = (long)_c * _elem;
        for (int n = 0; n < _n; n++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                    Buffer.MemoryCopy(src + (((long)n * _inH + _ys[oy]) * _inW + _xs[ox]) * pixel,
                        dst + (((long)n * _outH + oy) * _outW + ox) * pixel, pixel, pixel);
    }
}

internal static class ResizeCommon
{
    /// <summary>The constant int32 [2] size input (new height, new width), checked.</summary>
    public static (int H, int W) Size(KernelContext context, Tensor size)
    {
        if (!size.IsConstant) throw context.Unsupported("dynamic output size (non-constant size tensor)");
        if (size.Type != TensorType.Int32 || size.ElementCount != 2) throw context.Invalid($"size must be int32[2], got {size}");
        var s = size.AsSpan<int>();
        if (s[0] <= 0 || s[1] <= 0 || (long)s[0] * s[1] > int.MaxValue / 4) throw context.Invalid($"output size {s[0]}x{s[1]}");
        return (s[0], s[1]);
    }
}
