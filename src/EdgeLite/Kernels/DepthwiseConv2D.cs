using EdgeLite.Kernels.Common;
using EdgeLite.Simd;

namespace EdgeLite.Kernels;

/// <summary>
/// DEPTHWISE_CONV_2D: input [N,H,W,IC], filter [1,KH,KW,IC·M], optional bias [IC·M], output [N,OH,OW,IC·M]; output
/// channel oc = ic·M + m reads input channel ic. float32, uint8 (per-tensor) and int8 (per-channel along axis 3), as
/// TFLite's reference kernels (reference_ops::DepthwiseConv, reference_integer_ops::DepthwiseConvPerChannel).
/// <see cref="EvalReference"/> is the spec; the fast path (depth multiplier 1) vectorises over channels with
/// pre-widened weights and splits output rows across threads. Interior pixels go four at a time at every vector level
/// (each weight vector loaded once for the four), the others one at a time.
/// </summary>
internal sealed unsafe class DepthwiseConv2D : OpKernel
{
    /// <summary>Tests set this (per thread, read at Prepare) to run the reference loops.</summary>
    [ThreadStatic] internal static bool ForceReference;

    private ConvQuantization _q = null!;
    private int _batches, _inH, _inW, _inC, _outH, _outW, _outC, _kH, _kW, _mult;
    private int _strideH, _strideW, _dilH, _dilW, _padH, _padW;
    private bool _fast;
    // fast path: per pixel, channel-vectorised sums over the taps inside the image (DepthwiseKernels)
    private SimdLevel _level;
    private int _taps, _cPad;
    private int* _w;          // [tap][cPad] w - w_zp (quantized)
    private float* _wf;       // [tap][cPad] (float)
    private int* _allOffs;    // interior pixels: offsets of every tap from the window's top-left input pixel
    private int* _allTaps;
    private int _pairBlocks;  // quantized, AVX-512/AVX2: channel blocks of 32/16 for the tap-pair kernels (0 = not used)
    private short* _wPairs;   // DepthwiseKernels.PackPairs layout
    private int* _pairCorr;
    private short* _w16;      // quantized, 128-bit: _w as int16 for the four- and one-pixel kernels (null = not used)
    private int _packed;       // float, AVX-512, C = 1/2/4/8 at stride 1: pixels per vector (0 = not used)
    private float* _wPacked;   // [tap][16]: each tap's C weights repeated
    private FloatOutputStage _packedStage;
    private QuantizedOutputStage _stage;
    private FloatOutputStage _fstage;
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
        // a PAD fused into this node (Interpreter.FusePads) becomes explicit padding: taps in it are skipped
        PaddingUtil.ForConvolution(context, o.Padding, _strideH, _strideW, _dilH, _dilW, _inH, _inW, _kH, _kW, out _outH, out _outW, out _padH, out _padW);
        _q = ConvQuantization.Prepare(context, input, filter, bias, output, _outC, 3, o.FusedActivationFunction);
        context.SetOutputShape(0, [_batches, _outH, _outW, _outC]);

        _fast = (_mult == 1 || _inC == 1) && !ForceReference && (long)_inH * _inW * _inC < int.MaxValue / 4;
        // Prepare runs again after an input resize: nothing chosen for the previous shapes may carry over
        _packed = 0; _wPacked = null; _pairBlocks = 0; _wPairs = null; _pairCorr = null; _w16 = null;
        if (!_fast) return;
        _level = Simd.GemmKernels.Select();
        _taps = _kH * _kW;
        _cPad = (_outC + 15) & ~15;
        if (_q.Kind == ConvKind.Float32)
        {
            var wf = context.AllocatePersistent<float>(_taps * _cPad);
            for (int t = 0; t < _taps; t++)
                new ReadOnlySpan<float>(_q.FloatWeights + t * _outC, _outC).CopyTo(wf.AsSpan(t * _cPad));
            _wf = KernelContext.AddressOf(wf);
            _fstage = _q.CreateFloatOutputStage(context, _cPad);
            if (_level == SimdLevel.Avx512 && _mult == 1 && _strideW == 1 && _outC is 1 or 2 or 4 or 8)
            {
                _packed = 16 / _outC;
                var wp = context.AllocatePersistent<float>(_taps * 16);
                var bp = context.AllocatePersistent<float>(16);
                for (int j = 0; j < 16; j++)
                {
                    bp[j] = _q.FloatBias[j % _outC];
                    for (int t = 0; t < _taps; t++) wp[t * 16 + j] = _q.FloatWeights[t * _outC + j % _outC];
                }
                _wPacked = KernelContext.AddressOf(wp);
                _packedStage = new FloatOutputStage { Bias = KernelContext.AddressOf(bp), Min = _q.FMin, Max = _q.FMax };
            }
        }
        else
        {
            var wi = context.AllocatePersistent<int>(_taps * _cPad);
            bool u8 = _q.Kind == ConvKind.UInt8;
            for (int t = 0; t < _taps; t++)
                for (int c = 0; c < _outC; c++)
                {
                    int i = t * _outC + c;
                    wi[t * _cPad + c] = (u8 ? filter.DataPointer[i] : ((sbyte*)filter.DataPointer)[i]) - _q.WeightZeroPoints[c];
                }
            _w = KernelContext.AddressOf(wi);
            _stage = _q.CreateOutputStage(context, _cPad);
            // tap-pair kernels: blocks of 32 channels at AVX-512, 16 at AVX2
            int block = _level == SimdLevel.Avx512 ? 32 : _level == SimdLevel.Avx2 ? 16 : 0;
            if (block > 0 && _mult == 1 && _outC >= block)
            {
                _pairBlocks = _outC / block;
                var packed = context.AllocatePersistent<short>((_taps + 1) / 2 * _pairBlocks * 2 * block);
                var corr = context.AllocatePersistent<int>(_pairBlocks * block);
                _wPairs = KernelContext.AddressOf(packed);
                _pairCorr = KernelContext.AddressOf(corr);
                DepthwiseKernels.PackPairs(_w, _cPad, _taps, _pairBlocks, block, _q.InputZeroPoint, _wPairs, _pairCorr);
            }
            // 128-bit four-pixel kernel: int16 weights, the input zero point as a byte of the input type
            int izp = _q.InputZeroPoint;
            if (Simd.GemmKernels.Is128(_level) && _mult == 1 && (u8 ? izp is >= 0 and <= 255 : izp is >= -128 and <= 127))
            {
                var w16 = context.AllocatePersistent<short>(_taps * _cPad);
                if (DepthwiseKernels.NarrowWeights(_w, _taps * _cPad, KernelContext.AddressOf(w16))) _w16 = KernelContext.AddressOf(w16);
            }
        }
        var offs = context.AllocatePersistent<int>(_taps);
        var taps = context.AllocatePersistent<int>(_taps);
        for (int ky = 0; ky < _kH; ky++)
            for (int kx = 0; kx < _kW; kx++)
            {
                int t = ky * _kW + kx;
                offs[t] = (ky * _dilH * _inW + kx * _dilW) * _inC;
                taps[t] = t;
            }
        _allOffs = KernelContext.AddressOf(offs);
        _allTaps = KernelContext.AddressOf(taps);
        context.RequestScratch((long)_taps * 8 * context.ThreadCount);
        _work = new Work(this);
    }

    public override void Eval(KernelContext context)
    {
        if (!_fast) { EvalReference(context); return; }
        _work.Input = context.Input(0).DataPointer;
        _work.Output = context.Output(0).DataPointer;
        _work.Scratch = context.Scratch;
        context.ParallelFor(_batches * _outH, _work, (long)_batches * _outH * _outW * _outC * _kH * _kW);
    }

    private sealed class Work(DepthwiseConv2D k) : IParallelWork
    {
        public byte* Input, Output, Scratch;
        public void Run(int start, int end, int worker)
        {
            int* offs = (int*)(Scratch + (long)worker * k._taps * 8);
            for (int row = start; row < end; row++) k.Row(row, Input, Output, offs, offs + k._taps);
        }
    }

    /// <summary>
    /// One output row: interior pixels use every tap; border pixels the taps inside the image. With one input channel
    /// and a depth multiplier (micro_speech's 1 → 8), each tap's single input value is broadcast over the outputs.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Row(int row, byte* input, byte* output, int* offs, int* taps)
    {
        int oy = row % _outH, n = row / _outH, ci = _inC, co = _outC;
        int iy0 = oy * _strideH - _padH;
        bool isFloat = _q.Kind == ConvKind.Float32, bcast = _mult > 1;
        int elem = isFloat ? 4 : 1;
        byte* image = input + (long)n * _inH * _inW * ci * elem;
        byte* outRow = output + ((long)n * _outH + oy) * _outW * co * elem;
        bool rowInside = iy0 >= 0 && iy0 + (_kH - 1) * _dilH < _inH;
        for (int ox = 0; ox < _outW; ox++)
        {
            int ix0 = ox * _strideW - _padW;
            byte* o = outRow + (long)ox * co * elem;
            int* po = _allOffs, pt = _allTaps;
            int count = _taps;
            byte* x = image + ((long)iy0 * _inW + ix0) * ci * elem;
            if (rowInside && ix0 >= 0 && ix0 + (_kW - 1) * _dilW < _inW)
            {
                int run = 4 * _packed;
                if (_packed > 0 && isFloat && ox + run - 1 < _outW && ix0 + run - 1 + (_kW - 1) * _dilW < _inW)
                {
                    // 4·P interior pixels of a few-channel layer, P per vector
                    DepthwiseKernels.FloatPacked4((float*)x, _allOffs, _taps, _wPacked, (float*)o, _packedStage);
                    ox += run - 1;
                    continue;
                }
                bool four = !bcast && ox + 3 < _outW && ix0 + 3 * _strideW + (_kW - 1) * _dilW < _inW;
                bool is128 = Simd.GemmKernels.Is128(_level);
                if (four && (is128 ? isFloat || _w16 != null : _level == SimdLevel.Avx2 && (isFloat || _pairBlocks > 0)))
                {
                    // 128-bit and AVX2: four interior pixels (128-bit: 16/8/4 channels at a time, quantized on int16
                    // weights; AVX2: 16/8 float channels or 16-channel blocks of tap pairs), then the channels the
                    // kernel left one pixel at a time
                    int step = _strideW * ci;
                    int done = is128
                        ? isFloat ? DepthwiseKernels.Float4x128((float*)x, step, _allOffs, _taps, _wf, _cPad, co, (float*)o, co, _fstage)
                            : DepthwiseKernels.Quantized4x128(x, step, _allOffs, _taps, _w16, _cPad, co, _q.InputZeroPoint, o, co, _stage)
                        : isFloat ? DepthwiseKernels.Float4Avx2((float*)x, step, _allOffs, _allTaps, _taps, _wf, _cPad, co, (float*)o, co, _fstage)
                            : DepthwiseKernels.Quantized4PairsAvx2(x, step, _allOffs, _taps, _wPairs, _pairCorr, _pairBlocks, o, co, _stage);
                    for (int i = 0; done < co && i < 4; i++)
                    {
                        if (isFloat) DepthwiseKernels.Float(_level, (float*)x + i * step, _allOffs, _allTaps, _taps, _wf, _cPad, co, (float*)o + i * co, _fstage, done);
                        else DepthwiseKernels.Quantized(_level, x + i * step, _allOffs, _allTaps, _taps, _w, _cPad, co, _q.InputZeroPoint, o + i * co, _stage, done);
                    }
                    ox += 3;
                    continue;
                }
                if (four && _level == SimdLevel.Avx512)
                {
                    // four interior pixels at once: each weight vector loaded once for the four
                    if (isFloat) DepthwiseKernels.Float4((float*)x, _strideW * ci, _allOffs, _allTaps, _taps, _wf, _cPad, co, (float*)o, co, _fstage);
                    else
                    {
                        int done = _pairBlocks > 0 ? DepthwiseKernels.Quantized4Pairs(x, _strideW * ci, _allOffs, _taps, _wPairs, _pairCorr, _pairBlocks, o, co, _stage) : 0;
                        if (done < co) DepthwiseKernels.Quantized4(x, _strideW * ci, _allOffs, _allTaps, _taps, _w, _cPad, co, _q.InputZeroPoint, o, co, _stage, done);
                    }
                    ox += 3;
                    continue;
                }
            }
            else
            {
                count = 0;
                for (int ky = 0; ky < _kH; ky++)
                {
                    int iy = iy0 + ky * _dilH;
                    if ((uint)iy >= (uint)_inH) continue;
                    for (int kx = 0; kx < _kW; kx++)
                    {
                        int ix = ix0 + kx * _dilW;
                        if ((uint)ix >= (uint)_inW) continue;
                        offs[count] = (iy * _inW + ix) * ci;
                        taps[count++] = ky * _kW + kx;
                    }
                }
                x = image; po = offs; pt = taps;
            }
            if (bcast)
            {
                if (isFloat) DepthwiseKernels.FloatBroadcast(_level, (float*)x, po, pt, count, _wf, _cPad, co, (float*)o, _fstage);
                else DepthwiseKernels.QuantizedBroadcast(_level, x, po, pt, count, _w, _cPad, co, _q.InputZeroPoint, o, _stage);
            }
            else if (isFloat) DepthwiseKernels.Float(_level, (float*)x, po, pt, count, _wf, _cPad, co, (float*)o, _fstage);
            // 128-bit with int16 weights: smlal on 16 channels per tap instead of int32 multiplies on 8
            else if (_w16 != null) DepthwiseKernels.Quantized1x128(x, po, pt, count, _w16, _cPad, co, _q.InputZeroPoint, o, _stage);
            else DepthwiseKernels.Quantized(_level, x, po, pt, count, _w, _cPad, co, _q.InputZeroPoint, o, _stage);
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
                                             * _q.FloatWeights[(ky * _kW + kx) * _outC + oc];
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
