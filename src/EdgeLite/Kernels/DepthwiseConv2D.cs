using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeLite.Kernels.Common;

namespace EdgeLite.Kernels;

/// <summary>
/// DEPTHWISE_CONV_2D: input [N,H,W,IC], filter [1,KH,KW,IC·M], optional bias [IC·M], output [N,OH,OW,IC·M]; output
/// channel oc = ic·M + m reads input channel ic. float32, uint8 (per-tensor) and int8 (per-channel along axis 3), as
/// TFLite's reference kernels (reference_ops::DepthwiseConv, reference_integer_ops::DepthwiseConvPerChannel).
/// <see cref="EvalReference"/> is the spec; the fast path (depth multiplier 1) vectorises over channels with
/// pre-widened weights and splits output rows across threads.
/// </summary>
internal sealed unsafe class DepthwiseConv2D : OpKernel
{
    /// <summary>Tests set this (per thread, read at Prepare) to run the reference loops.</summary>
    [ThreadStatic] internal static bool ForceReference;

    private ConvQuantization _q = null!;
    private int _batches, _inH, _inW, _inC, _outH, _outW, _outC, _kH, _kW, _mult;
    private int _strideH, _strideW, _dilH, _dilW, _padH, _padW;
    private bool _fast;
    private int[] _wInt = [];     // [KH*KW][C] w - w_zp
    private float[] _wFloat = []; // [KH*KW][C]
    private Work _work = null!;

    public override void Prepare(KernelContext context)
    {
        var input = context.Input(0);
        var filter = context.Input(1);
        var bias = context.OptionalInput(2);
        var output = context.Output(0);
        var o = context.Options<Schema.DepthwiseConv2DOptions>() ?? default;
        if (input.Rank != 4 || filter.Rank != 4) throw context.Invalid($"expects 4-D input and filter, got {input} and {filter}");
        if (filter.Dim(0) != 1) throw context.Invalid($"filter {filter} must have leading dimension 1");
        if (!filter.IsConstant) throw context.Unsupported("non-constant filter");
        _batches = input.Dim(0); _inH = input.Dim(1); _inW = input.Dim(2); _inC = input.Dim(3);
        _kH = filter.Dim(1); _kW = filter.Dim(2); _outC = filter.Dim(3);
        if (_inC <= 0 || _outC % _inC != 0) throw context.Invalid($"filter has {_outC} channels for {_inC} input channels");
        // TFLite derives the multiplier from the shapes (the option is informational in later versions).
        _mult = _outC / _inC;
        _strideH = o.StrideH; _strideW = o.StrideW; _dilH = o.DilationHFactor; _dilW = o.DilationWFactor;
        if (_strideH <= 0 || _strideW <= 0 || _dilH <= 0 || _dilW <= 0)
            throw context.Invalid($"stride {_strideH}x{_strideW}, dilation {_dilH}x{_dilW}");
        if (o.Padding is not (Schema.Padding.SAME or Schema.Padding.VALID)) throw context.Invalid($"padding {o.Padding}");
        var pad = PaddingUtil.Compute(o.Padding, _strideH, _strideW, _dilH, _dilW, _inH, _inW, _kH, _kW, out _outH, out _outW);
        _padH = pad.Height; _padW = pad.Width;
        _q = ConvQuantization.Prepare(context, input, filter, bias, output, _outC, 3, o.FusedActivationFunction);
        context.SetOutputShape(0, [_batches, _outH, _outW, _outC]);

        _fast = _mult == 1 && !ForceReference;
        if (!_fast) return;
        int taps = _kH * _kW;
        if (_q.Kind == ConvKind.Float32)
        {
            _wFloat = context.AllocatePersistent<float>(taps * _outC);
            new ReadOnlySpan<float>(filter.DataPointer, taps * _outC).CopyTo(_wFloat);
        }
        else
        {
            _wInt = context.AllocatePersistent<int>(taps * _outC);
            bool u8 = _q.Kind == ConvKind.UInt8;
            for (int t = 0; t < taps; t++)
                for (int c = 0; c < _outC; c++)
                {
                    int i = t * _outC + c;
                    _wInt[i] = (u8 ? filter.DataPointer[i] : ((sbyte*)filter.DataPointer)[i]) - _q.WeightZeroPoints[c];
                }
        }
        context.RequestScratch((long)_outC * 4 * context.ThreadCount);
        _work = new Work(this);
    }

    public override void Eval(KernelContext context)
    {
        if (!_fast) { EvalReference(context); return; }
        _work.Input = context.Input(0).DataPointer;
        _work.Output = context.Output(0).DataPointer;
        _work.Scratch = context.Scratch;
        context.ParallelFor(_batches * _outH, _work);
    }

    private sealed class Work(DepthwiseConv2D k) : IParallelWork
    {
        public byte* Input, Output, Scratch;
        public void Run(int start, int end, int worker)
        {
            int* acc = (int*)(Scratch + (long)worker * k._outC * 4);
            for (int row = start; row < end; row++)
            {
                if (k._q.Kind == ConvKind.Float32) k.RowFloat(row, (float*)Input, (float*)Output, (float*)acc);
                else k.RowQuantized(row, Input, Output, acc);
            }
        }
    }

    private void RowQuantized(int row, byte* input, byte* output, int* acc)
    {
        int oy = row % _outH, n = row / _outH, c = _outC;
        bool u8 = _q.Kind == ConvKind.UInt8;
        int zp = _q.InputZeroPoint;
        fixed (int* w = _wInt)
        fixed (int* bias = _q.Bias)
        {
            for (int ox = 0; ox < _outW; ox++)
            {
                new ReadOnlySpan<int>(bias, c).CopyTo(new Span<int>(acc, c));
                int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
                for (int ky = 0; ky < _kH; ky++)
                {
                    int iy = iy0 + ky * _dilH;
                    if ((uint)iy >= (uint)_inH) continue;
                    for (int kx = 0; kx < _kW; kx++)
                    {
                        int ix = ix0 + kx * _dilW;
                        if ((uint)ix >= (uint)_inW) continue;
                        byte* x = input + (((long)n * _inH + iy) * _inW + ix) * c;
                        int* wt = w + (ky * _kW + kx) * c;
                        int i = 0;
                        if (Avx2.IsSupported)
                        {
                            var vzp = Vector256.Create(zp);
                            for (; i + 8 <= c; i += 8)
                            {
                                Vector256<int> xv = (u8 ? Avx2.ConvertToVector256Int32(x + i) : Avx2.ConvertToVector256Int32((sbyte*)x + i)) - vzp;
                                (Vector256.Load(acc + i) + xv * Vector256.Load(wt + i)).Store(acc + i);
                            }
                        }
                        if (u8) for (; i < c; i++) acc[i] += (x[i] - zp) * wt[i];
                        else for (; i < c; i++) acc[i] += (((sbyte*)x)[i] - zp) * wt[i];
                    }
                }
                byte* outPix = output + (((long)n * _outH + oy) * _outW + ox) * c;
                for (int i = 0; i < c; i++)
                {
                    int v = _q.Requantize(acc[i], i);
                    outPix[i] = u8 ? (byte)v : (byte)(sbyte)v;
                }
            }
        }
    }

    private void RowFloat(int row, float* input, float* output, float* acc)
    {
        int oy = row % _outH, n = row / _outH, c = _outC;
        fixed (float* w = _wFloat)
        {
            for (int ox = 0; ox < _outW; ox++)
            {
                new Span<float>(acc, c).Clear();
                int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
                for (int ky = 0; ky < _kH; ky++)
                {
                    int iy = iy0 + ky * _dilH;
                    if ((uint)iy >= (uint)_inH) continue;
                    for (int kx = 0; kx < _kW; kx++)
                    {
                        int ix = ix0 + kx * _dilW;
                        if ((uint)ix >= (uint)_inW) continue;
                        float* x = input + (((long)n * _inH + iy) * _inW + ix) * c;
                        float* wt = w + (ky * _kW + kx) * c;
                        int i = 0;
                        if (Vector256.IsHardwareAccelerated)
                            for (; i + 8 <= c; i += 8)
                                (Vector256.Load(acc + i) + Vector256.Load(x + i) * Vector256.Load(wt + i)).Store(acc + i);
                        for (; i < c; i++) acc[i] += x[i] * wt[i];
                    }
                }
                float* outPix = output + (((long)n * _outH + oy) * _outW + ox) * c;
                for (int i = 0; i < c; i++)
                {
                    float v = acc[i] + _q.FloatBias[i];
                    outPix[i] = v < _q.FMin ? _q.FMin : v > _q.FMax ? _q.FMax : v;
                }
            }
        }
    }

    /// <summary>The spec: TFLite's reference depthwise convolution.</summary>
    internal void EvalReference(KernelContext context)
    {
        byte* input = context.Input(0).DataPointer, filter = context.Input(1).DataPointer, output = context.Output(0).DataPointer;
        bool u8 = _q.Kind == ConvKind.UInt8;
        for (int n = 0; n < _batches; n++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                    for (int ic = 0; ic < _inC; ic++)
                        for (int m = 0; m < _mult; m++)
                        {
                            int oc = ic * _mult + m;
                            int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
                            long outIndex = (((long)n * _outH + oy) * _outW + ox) * _outC + oc;
                            if (_q.Kind == ConvKind.Float32)
                            {
                                float sum = 0;
                                for (int ky = 0; ky < _kH; ky++)
                                    for (int kx = 0; kx < _kW; kx++)
                                    {
                                        int iy = iy0 + ky * _dilH, ix = ix0 + kx * _dilW;
                                        if ((uint)iy >= (uint)_inH || (uint)ix >= (uint)_inW) continue;
                                        sum += ((float*)input)[(((long)n * _inH + iy) * _inW + ix) * _inC + ic]
                                             * ((float*)filter)[(ky * _kW + kx) * _outC + oc];
                                    }
                                float v = sum + _q.FloatBias[oc];
                                ((float*)output)[outIndex] = Math.Clamp(v, _q.FMin, _q.FMax);
                            }
                            else
                            {
                                int acc = 0, izp = _q.InputZeroPoint, wzp = _q.WeightZeroPoints[oc];
                                for (int ky = 0; ky < _kH; ky++)
                                    for (int kx = 0; kx < _kW; kx++)
                                    {
                                        int iy = iy0 + ky * _dilH, ix = ix0 + kx * _dilW;
                                        if ((uint)iy >= (uint)_inH || (uint)ix >= (uint)_inW) continue;
                                        long xi = (((long)n * _inH + iy) * _inW + ix) * _inC + ic;
                                        long wi = (ky * _kW + kx) * _outC + oc;
                                        int x = u8 ? input[xi] : ((sbyte*)input)[xi];
                                        int w = u8 ? filter[wi] : ((sbyte*)filter)[wi];
                                        acc += (x - izp) * (w - wzp);
                                    }
                                int v = _q.Requantize(acc + _q.Bias[oc], oc);
                                if (u8) output[outIndex] = (byte)v; else ((sbyte*)output)[outIndex] = (sbyte)v;
                            }
                        }
    }
}
