using EdgeLite.Kernels.Common;
using EdgeLite.Simd;

namespace EdgeLite.Kernels;

/// <summary>
/// CONV_2D: input [N,H,W,IC], filter [OC,KH,KW,IC/groups], optional bias [OC], output [N,OH,OW,OC]; float32, uint8
/// (per-tensor) and int8 (per-channel) as TFLite's reference kernels (reference_ops::Conv, reference_integer_ops::
/// ConvPerChannel): acc = bias + Σ (x - x_zp)(w - w_zp), requantized with the per-channel multiplier, clamped to the
/// fused activation. <see cref="EvalReference"/> is the spec; the fast path (im2col tiles of 4 pixels × packed
/// weights, <see cref="GemmKernels"/>) gives identical quantized results and float results within rounding.
/// </summary>
internal sealed unsafe class Conv2D : OpKernel
{
    /// <summary>Tests set this (per thread, read at Prepare) to run the reference loops.</summary>
    [ThreadStatic] internal static bool ForceReference;

    private ConvQuantization _q = null!;
    private int _batches, _inH, _inW, _inC, _outH, _outW, _outC, _kH, _kW, _filterC, _groups;
    private int _strideH, _strideW, _dilH, _dilW, _padH, _padW;
    private bool _fast;
    // fast path
    private int _depth, _pairs, _blocks, _rowInts, _workerBytes;
    private short[] _packedQ = [];
    private float[] _packedF = [];
    private Work _work = null!;

    public override void Prepare(KernelContext context)
    {
        var input = context.Input(0);
        var filter = context.Input(1);
        var bias = context.OptionalInput(2);
        var output = context.Output(0);
        var o = context.Options<Schema.Conv2DOptions>() ?? default;
        if (input.Rank != 4 || filter.Rank != 4) throw context.Invalid($"expects 4-D input and filter, got {input} and {filter}");
        if (!filter.IsConstant) throw context.Unsupported("non-constant filter");
        _batches = input.Dim(0); _inH = input.Dim(1); _inW = input.Dim(2); _inC = input.Dim(3);
        _outC = filter.Dim(0); _kH = filter.Dim(1); _kW = filter.Dim(2); _filterC = filter.Dim(3);
        if (_filterC <= 0 || _inC % _filterC != 0) throw context.Invalid($"input has {_inC} channels, filter {_filterC}");
        _groups = _inC / _filterC;
        if (_outC % _groups != 0) throw context.Invalid($"{_outC} output channels in {_groups} groups");
        _strideH = o.StrideH; _strideW = o.StrideW; _dilH = o.DilationHFactor; _dilW = o.DilationWFactor;
        if (_strideH <= 0 || _strideW <= 0 || _dilH <= 0 || _dilW <= 0)
            throw context.Invalid($"stride {_strideH}x{_strideW}, dilation {_dilH}x{_dilW}");
        if (o.Padding is not (Schema.Padding.SAME or Schema.Padding.VALID)) throw context.Invalid($"padding {o.Padding}");
        var pad = PaddingUtil.Compute(o.Padding, _strideH, _strideW, _dilH, _dilW, _inH, _inW, _kH, _kW, out _outH, out _outW);
        _padH = pad.Height; _padW = pad.Width;
        _q = ConvQuantization.Prepare(context, input, filter, bias, output, _outC, 0, o.FusedActivationFunction);
        context.SetOutputShape(0, [_batches, _outH, _outW, _outC]);

        _fast = _groups == 1 && !ForceReference;
        if (!_fast) return;
        _depth = _kH * _kW * _inC;
        _blocks = (_outC + GemmKernels.Block - 1) / GemmKernels.Block;
        if (_q.Kind == ConvKind.Float32)
        {
            float* w = (float*)filter.DataPointer;
            _packedF = GemmKernels.PackFloat(_outC, _depth, (oc, k) => w[(long)oc * _depth + k], context.AllocatePersistent<float>);
            _rowInts = (_depth + 15) & ~15;
        }
        else
        {
            byte* w = filter.DataPointer;
            bool u8 = _q.Kind == ConvKind.UInt8;
            var wzp = _q.WeightZeroPoints;
            _packedQ = GemmKernels.PackInt16(_outC, _depth,
                (oc, k) => (u8 ? w[(long)oc * _depth + k] : ((sbyte*)w)[(long)oc * _depth + k]) - wzp[oc], context.AllocatePersistent<short>);
            _pairs = GemmKernels.Pairs(_depth);
            _rowInts = (_pairs + 15) & ~15;
        }
        // per worker: 4 patch rows + a 4x32 accumulator tile
        _workerBytes = (GemmKernels.Rows * _rowInts + GemmKernels.Rows * 2 * GemmKernels.Block) * 4;
        context.RequestScratch((long)_workerBytes * context.ThreadCount);
        _work = new Work(this);
    }

    public override void Eval(KernelContext context)
    {
        if (!_fast) { EvalReference(context); return; }
        _work.Input = context.Input(0).DataPointer;
        _work.Output = context.Output(0).DataPointer;
        _work.Scratch = context.Scratch;
        int pixels = _batches * _outH * _outW;
        context.ParallelFor((pixels + GemmKernels.Rows - 1) / GemmKernels.Rows, _work);
    }

    private sealed class Work(Conv2D k) : IParallelWork
    {
        public byte* Input, Output, Scratch;
        public void Run(int start, int end, int worker) => k.RunTiles(start, end, Input, Output, Scratch + (long)worker * k._workerBytes);
    }

    private void RunTiles(int tileStart, int tileEnd, byte* input, byte* output, byte* scratch)
    {
        int pixels = _batches * _outH * _outW;
        int* rows = (int*)scratch;
        int* acc = rows + GemmKernels.Rows * _rowInts;
        bool isFloat = _q.Kind == ConvKind.Float32;
        for (int tile = tileStart; tile < tileEnd; tile++)
        {
            int p0 = tile * GemmKernels.Rows;
            int count = Math.Min(GemmKernels.Rows, pixels - p0);
            for (int r = 0; r < GemmKernels.Rows; r++)
            {
                if (r < count) BuildPatch(p0 + r, input, rows + r * _rowInts);
                else new Span<int>(rows + r * _rowInts, _rowInts).Clear();
            }
            for (int b = 0; b < _blocks; b += 2)
            {
                int b1 = b + 1 < _blocks ? b + 1 : b;
                if (isFloat)
                {
                    fixed (float* w = _packedF)
                        GemmKernels.Floatx4x32((float*)rows, _rowInts, _depth, w + (long)b * _depth * GemmKernels.Block,
                            w + (long)b1 * _depth * GemmKernels.Block, (float*)acc);
                    StoreFloat(p0, count, b, (float*)acc, (float*)output);
                }
                else
                {
                    fixed (short* w = _packedQ)
                        GemmKernels.Int16x4x32(rows, _rowInts, _pairs, w + (long)b * _pairs * 2 * GemmKernels.Block,
                            w + (long)b1 * _pairs * 2 * GemmKernels.Block, acc);
                    StoreQuantized(p0, count, b, acc, output);
                }
            }
        }
    }

    /// <summary>im2col of one output pixel: KH×KW×IC values (x - x_zp for quantized; padding contributes 0).</summary>
    private void BuildPatch(int pixel, byte* input, int* row)
    {
        int ox = pixel % _outW, t = pixel / _outW, oy = t % _outH, n = t / _outH;
        int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
        if (_q.Kind == ConvKind.Float32)
        {
            float* dst = (float*)row;
            float* src = (float*)input;
            for (int ky = 0; ky < _kH; ky++)
            {
                int iy = iy0 + ky * _dilH;
                for (int kx = 0; kx < _kW; kx++, dst += _inC)
                {
                    int ix = ix0 + kx * _dilW;
                    if ((uint)iy < (uint)_inH && (uint)ix < (uint)_inW)
                        new ReadOnlySpan<float>(src + (((long)n * _inH + iy) * _inW + ix) * _inC, _inC).CopyTo(new Span<float>(dst, _inC));
                    else new Span<float>(dst, _inC).Clear();
                }
            }
            return;
        }
        short* d = (short*)row;
        int zp = _q.InputZeroPoint;
        bool u8 = _q.Kind == ConvKind.UInt8;
        for (int ky = 0; ky < _kH; ky++)
        {
            int iy = iy0 + ky * _dilH;
            for (int kx = 0; kx < _kW; kx++, d += _inC)
            {
                int ix = ix0 + kx * _dilW;
                if ((uint)iy < (uint)_inH && (uint)ix < (uint)_inW)
                {
                    long off = (((long)n * _inH + iy) * _inW + ix) * _inC;
                    if (u8) GemmKernels.WidenSubtract(input + off, d, _inC, zp);
                    else GemmKernels.WidenSubtract((sbyte*)input + off, d, _inC, zp);
                }
                else new Span<short>(d, _inC).Clear();
            }
        }
        if ((_depth & 1) != 0) *d = 0; // the odd depth's pair partner
    }

    private void StoreQuantized(int p0, int count, int block, int* acc, byte* output)
    {
        bool u8 = _q.Kind == ConvKind.UInt8;
        for (int r = 0; r < count; r++)
        {
            byte* outRow = output + (long)(p0 + r) * _outC;
            for (int j = 0; j < 2 * GemmKernels.Block; j++)
            {
                int oc = block * GemmKernels.Block + j;
                if (oc >= _outC) break;
                int v = _q.Requantize(acc[r * 2 * GemmKernels.Block + j] + _q.Bias[oc], oc);
                outRow[oc] = u8 ? (byte)v : (byte)(sbyte)v;
            }
        }
    }

    private void StoreFloat(int p0, int count, int block, float* acc, float* output)
    {
        for (int r = 0; r < count; r++)
        {
            float* outRow = output + (long)(p0 + r) * _outC;
            for (int j = 0; j < 2 * GemmKernels.Block; j++)
            {
                int oc = block * GemmKernels.Block + j;
                if (oc >= _outC) break;
                float v = acc[r * 2 * GemmKernels.Block + j] + _q.FloatBias[oc];
                outRow[oc] = v < _q.FMin ? _q.FMin : v > _q.FMax ? _q.FMax : v;
            }
        }
    }

    /// <summary>The spec: TFLite's reference convolution, one output element at a time (grouped conv included).</summary>
    internal void EvalReference(KernelContext context)
    {
        byte* input = context.Input(0).DataPointer, filter = context.Input(1).DataPointer, output = context.Output(0).DataPointer;
        int ocPerGroup = _outC / _groups;
        for (int n = 0; n < _batches; n++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                    for (int oc = 0; oc < _outC; oc++)
                    {
                        int g = oc / ocPerGroup;
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
                                    for (int ic = 0; ic < _filterC; ic++)
                                    {
                                        float x = ((float*)input)[(((long)n * _inH + iy) * _inW + ix) * _inC + g * _filterC + ic];
                                        float w = ((float*)filter)[(((long)oc * _kH + ky) * _kW + kx) * _filterC + ic];
                                        sum += x * w;
                                    }
                                }
                            float v = sum + _q.FloatBias[oc];
                            ((float*)output)[outIndex] = Math.Clamp(v, _q.FMin, _q.FMax);
                        }
                        else
                        {
                            bool u8 = _q.Kind == ConvKind.UInt8;
                            int izp = _q.InputZeroPoint, wzp = _q.WeightZeroPoints[oc];
                            int acc = 0;
                            for (int ky = 0; ky < _kH; ky++)
                                for (int kx = 0; kx < _kW; kx++)
                                {
                                    int iy = iy0 + ky * _dilH, ix = ix0 + kx * _dilW;
                                    if ((uint)iy >= (uint)_inH || (uint)ix >= (uint)_inW) continue;
                                    for (int ic = 0; ic < _filterC; ic++)
                                    {
                                        long xi = (((long)n * _inH + iy) * _inW + ix) * _inC + g * _filterC + ic;
                                        long wi = (((long)oc * _kH + ky) * _kW + kx) * _filterC + ic;
                                        int x = u8 ? input[xi] : ((sbyte*)input)[xi];
                                        int w = u8 ? filter[wi] : ((sbyte*)filter)[wi];
                                        acc += (x - izp) * (w - wzp);
                                    }
                                }
                            int v = _q.Requantize(acc + _q.Bias[oc], oc);
                            if (u8) output[outIndex] = (byte)v; else ((sbyte*)output)[outIndex] = (sbyte)v;
                        }
                    }
    }
}
