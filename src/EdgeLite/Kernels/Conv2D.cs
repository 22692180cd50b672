using System.Runtime.Intrinsics;
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
    // fast path: GEMM of im2col rows (blocks of pixels in per-worker scratch) by weights packed at Prepare
    private SimdLevel _level;
    private int _depth, _pairs, _aStride, _panels, _blockRows, _blocks, _chunks, _panelsPerChunk;
    private long _workerBytes;
    private bool _direct;     // float 1x1 stride 1: the GEMM reads the input in place
    // float, every vector level, other shapes: interior output pixels (window inside the image) read the input in place
    // through a table of tap offsets (no im2col copy); output columns [_oxLo, _oxHi) of rows [_oyLo, _oyHi) are interior
    private bool _tapped;
    private int* _taps;
    private int _oxLo, _oxHi, _oyLo, _oyHi;
    private bool _pointwise;  // quantized 1x1 stride 1: a block's rows are widened in one run
    // small filter rows (KW·IC < 16) of an arena input are widened 16 at a time (over-reading into the arena slack)
    private bool _overRead;
    private short* _packedQ;
    // NeonDot: raw 8-bit operands, GemmKernels.QuantizedDot (A rows of _kPad bytes, then one int32 correction per row)
    private bool _dot;
    private int _kPad, _dotWeightZp;
    private byte* _packedDot;
    private float* _packedF;
    private QuantizedOutputStage _stage;
    private FloatOutputStage _fstage;
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
        // a PAD fused into this node (Interpreter.FusePads) becomes explicit padding: taps in it are skipped
        PaddingUtil.ForConvolution(context, o.Padding, _strideH, _strideW, _dilH, _dilW, _inH, _inW, _kH, _kW, out _outH, out _outW, out _padH, out _padW);
        _q = ConvQuantization.Prepare(context, input, filter, bias, output, _outC, 0, o.FusedActivationFunction);
        context.SetOutputShape(0, [_batches, _outH, _outW, _outC]);

        _fast = _groups == 1 && !ForceReference;
        // Prepare runs again after an input resize: nothing chosen for the previous shapes may carry over
        _tapped = _direct = _pointwise = _overRead = _dot = false;
        if (!_fast) return;
        _level = GemmKernels.Select();
        _depth = _kH * _kW * _inC;
        _panels = GemmKernels.Panels(_outC);
        if (_q.Kind == ConvKind.Float32)
        {
            float* w = _q.FloatWeights;
            var packed = GemmKernels.PackFloat(_outC, _depth, new GemmKernels.FloatRows(w, _depth), context.AllocatePersistent<float>);
            _packedF = KernelContext.AddressOf(packed);
            _fstage = _q.CreateFloatOutputStage(context, _panels * GemmKernels.Panel);
            _aStride = _depth;
            _direct = Pointwise();
            if (!_direct && GemmKernels.HasFloatTaps(_level)) PrepareTaps(context);
        }
        else
        {
            // the dot-product kernel needs one weight zero point (uint8 per-tensor, int8 symmetric): −w_zp·Σx per row
            var wzp = _q.WeightZeroPoints;
            _dot = _level == SimdLevel.NeonDot && wzp.Length > 0 && wzp.All(z => z == wzp[0]);
        }
        if (_dot)
        {
            _dotWeightZp = _q.WeightZeroPoints[0];
            _kPad = GemmKernels.DotDepth(_depth);
            _packedDot = _q.PrepareDot(context, filter.DataPointer, _outC, _depth, _panels, out _stage);
            _aStride = _kPad / 4; // in ints, as the int16 path's (sizes the blocks below)
        }
        else if (_q.Kind != ConvKind.Float32)
        {
            byte* w = filter.DataPointer;
            bool u8 = _q.Kind == ConvKind.UInt8;
            var wzp = _q.WeightZeroPoints;
            var packed = GemmKernels.PackInt16(_outC, _depth, new GemmKernels.ByteRows(w, _depth, u8, wzp), context.AllocatePersistent<short>);
            _packedQ = KernelContext.AddressOf(packed);
            _stage = _q.CreateOutputStage(context, _panels * GemmKernels.Panel);
            _pairs = GemmKernels.Pairs(_depth);
            _aStride = _pairs;
            _pointwise = Pointwise();
        }
        // Blocks of pixels whose im2col rows (~48 KB) stay in L2 while every panel of weights passes over them.
        long pixels = (long)_batches * _outH * _outW;
        int rows = (int)Math.Clamp(48 * 1024 / (_aStride * 4L), 8, 512) / 8 * 8;
        if (rows > pixels) rows = (int)((pixels + 7) / 8 * 8);
        _blockRows = Math.Max(8, rows);
        _blocks = (int)((pixels + _blockRows - 1) / _blockRows);
        int threads = context.ThreadCount;
        if (threads > 1 && _blocks >= threads && _blocks % threads != 0)
        {
            // a whole number of blocks per thread: shrink the blocks a little rather than leave one thread idle
            int want = (_blocks + threads - 1) / threads * threads;
            _blockRows = (int)Math.Max(8, ((pixels + want - 1) / want + 7) / 8 * 8);
            _blocks = (int)((pixels + _blockRows - 1) / _blockRows);
        }
        // Few blocks for many threads: also split the output channels (in pairs of panels, the micro-kernel's width).
        _chunks = threads == 1 || _blocks >= 2 * threads ? 1 : Math.Max(1, Math.Min((_panels + 1) / 2, threads));
        _panelsPerChunk = ((_panels + _chunks - 1) / _chunks + 1) & ~1;
        _chunks = (_panels + _panelsPerChunk - 1) / _panelsPerChunk;
        _overRead = _q.Kind != ConvKind.Float32 && _kW * _inC < 16 && !input.IsConstant && System.Runtime.Intrinsics.X86.Avx2.IsSupported;
        // + 32 bytes: the last row's 16-value over-write
        _workerBytes = _direct ? 0 : ((long)_blockRows * _aStride * 4 + 32 + (_dot ? _blockRows * 4L : 0) + 63) & ~63L;
        context.RequestScratch(_workerBytes * threads);
        _work = new Work(this);
    }

    /// <summary>
    /// The tap table of the in-place float path: byte offset of value k = (ky·KW + kx)·IC + ic of an output pixel's
    /// im2col row from the pixel's window origin; and the range of output rows and columns whose window lies inside
    /// the input. Used when at least one micro-kernel call's rows (AVX-512: 8, AVX2 and 128-bit: 4) are interior columns.
    /// </summary>
    private void PrepareTaps(KernelContext context)
    {
        _oxLo = Math.Min(_outW, (_padW + _strideW - 1) / _strideW);
        _oyLo = Math.Min(_outH, (_padH + _strideH - 1) / _strideH);
        // last interior column: ox·sW - padW + (kW-1)·dilW <= inW - 1
        int lastX = _inW - 1 - (_kW - 1) * _dilW + _padW, lastY = _inH - 1 - (_kH - 1) * _dilH + _padH;
        _oxHi = lastX < 0 ? 0 : Math.Min(_outW, lastX / _strideW + 1);
        _oyHi = lastY < 0 ? 0 : Math.Min(_outH, lastY / _strideH + 1);
        long maxOffset = (((long)(_kH - 1) * _dilH * _inW + (long)(_kW - 1) * _dilW) * _inC + _inC) * 4;
        if (_oxHi - _oxLo < (_level == SimdLevel.Avx512 ? 8 : 4) || _oyHi <= _oyLo || maxOffset > int.MaxValue) return;
        var taps = context.AllocatePersistent<int>(_depth);
        for (int ky = 0, k = 0; ky < _kH; ky++)
            for (int kx = 0; kx < _kW; kx++)
                for (int ic = 0; ic < _inC; ic++, k++)
                    taps[k] = (int)((((long)ky * _dilH * _inW + (long)kx * _dilW) * _inC + ic) * 4);
        _taps = KernelContext.AddressOf(taps);
        _tapped = true;
    }

    /// <summary>1x1, stride 1, no padding: output pixel p reads input pixel p only.</summary>
    private bool Pointwise() => _kH == 1 && _kW == 1 && _strideH == 1 && _strideW == 1 && _padH == 0 && _padW == 0 && _outH == _inH && _outW == _inW;

    public override void Eval(KernelContext context)
    {
        if (!_fast) { EvalReference(context); return; }
        _work.Input = context.Input(0).DataPointer;
        _work.Output = context.Output(0).DataPointer;
        _work.Scratch = context.Scratch;
        context.ParallelFor(_blocks * _chunks, _work, (long)_batches * _outH * _outW * _outC * _kH * _kW * _filterC);
    }

    private sealed class Work(Conv2D k) : IParallelWork
    {
        public byte* Input, Output, Scratch;
        public void Run(int start, int end, int worker) => k.RunBlocks(start, end, Input, Output, Scratch + worker * k._workerBytes);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RunBlocks(int start, int end, byte* input, byte* output, byte* a)
    {
        long pixels = (long)_batches * _outH * _outW;
        int built = -1;
        for (int u = start; u < end; u++)
        {
            int block = u / _chunks, chunk = u % _chunks;
            long p0 = (long)block * _blockRows;
            int count = (int)Math.Min(_blockRows, pixels - p0);
            int pStart = chunk * _panelsPerChunk, pEnd = Math.Min(_panels, pStart + _panelsPerChunk);
            if (_tapped)
            {
                RunTapped(p0, count, (float*)input, (float*)a, (float*)output, pStart, pEnd);
                continue;
            }
            if (_q.Kind == ConvKind.Float32)
            {
                float* rows = _direct ? (float*)input + p0 * _inC : (float*)a;
                if (!_direct && block != built) { Im2ColFloat(p0, count, input, rows); built = block; }
                GemmKernels.Float(_level, rows, _aStride, count, _depth, _packedF, pStart, pEnd, (float*)output + p0 * _outC, _outC, _outC, _fstage);
            }
            else if (_dot)
            {
                int* corrections = (int*)(a + (long)_blockRows * _kPad);
                if (block != built) { Im2ColDot(p0, count, input, a, corrections); built = block; }
                GemmKernels.QuantizedDot(a, _kPad, count, _kPad, corrections, _packedDot, pStart, pEnd, output + p0 * _outC, _outC, _outC, _stage,
                    _q.Kind != ConvKind.UInt8);
            }
            else
            {
                if (block != built) { Im2ColQuantized(p0, count, input, (short*)a); built = block; }
                GemmKernels.Quantized(_level, (int*)a, _aStride, count, _pairs, _packedQ, pStart, pEnd, output + p0 * _outC, _outC, _outC, _stage);
            }
        }
    }

    /// <summary>
    /// Float output pixels [p0, p0 + count) by output row: the interior columns straight from the input
    /// (<see cref="GemmKernels.FloatTaps"/>), the border ones (window partly in the padding) through im2col rows in
    /// <paramref name="a"/>. Every pixel gets the same sums either way (padding taps add exact zeros).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RunTapped(long p0, int count, float* input, float* a, float* output, int pStart, int pEnd)
    {
        PixelOf(p0, out int n, out int oy, out int ox);
        for (int i = 0; i < count;)
        {
            int left = Math.Min(count - i, _outW - ox); // pixels of this output row in the block
            bool rowInside = oy >= _oyLo && oy < _oyHi;
            int lo = rowInside ? Math.Clamp(_oxLo - ox, 0, left) : left;  // [0, lo): left border
            int hi = rowInside ? Math.Clamp(_oxHi - ox, lo, left) : left; // [lo, hi): interior; [hi, left): right border
            long p = p0 + i;
            if (lo > 0) RunIm2Col(p, lo, (byte*)input, a, output, pStart, pEnd);
            if (hi > lo)
            {
                int iy = oy * _strideH - _padH, ix = (ox + lo) * _strideW - _padW;
                float* origin = input + (((long)n * _inH + iy) * _inW + ix) * _inC;
                GemmKernels.FloatTaps(_level, origin, _strideW * _inC, hi - lo, _depth, _taps, _packedF, pStart, pEnd, output + (p + lo) * _outC, _outC, _outC, _fstage);
            }
            if (left > hi) RunIm2Col(p + hi, left - hi, (byte*)input, a, output, pStart, pEnd);
            i += left;
            ox += left;
            if (ox == _outW) { ox = 0; if (++oy == _outH) { oy = 0; n++; } }
        }
    }

    private void RunIm2Col(long p, int count, byte* input, float* a, float* output, int pStart, int pEnd)
    {
        Im2ColFloat(p, count, input, a);
        GemmKernels.Float(_level, a, _aStride, count, _depth, _packedF, pStart, pEnd, output + p * _outC, _outC, _outC, _fstage);
    }

    /// <summary>Output pixel p as (batch, row, column).</summary>
    private void PixelOf(long p, out int n, out int oy, out int ox)
    {
        ox = (int)(p % _outW); long t = p / _outW;
        oy = (int)(t % _outH); n = (int)(t / _outH);
    }

    /// <summary>im2col of <paramref name="count"/> output pixels from <paramref name="p0"/>: rows of KH·KW·IC floats (padding 0).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Im2ColFloat(long p0, int count, byte* input, float* a)
    {
        PixelOf(p0, out int n, out int oy, out int ox);
        int rowLen = _kW * _inC;
        for (int i = 0; i < count; i++)
        {
            int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
            float* row = a + (long)i * _aStride;
            bool fullX = _dilW == 1 && ix0 >= 0 && ix0 + _kW <= _inW;
            for (int ky = 0; ky < _kH; ky++)
            {
                int iy = iy0 + ky * _dilH;
                float* dst = row + ky * rowLen;
                if ((uint)iy >= (uint)_inH) { new Span<float>(dst, rowLen).Clear(); continue; }
                float* src = (float*)input + (((long)n * _inH + iy) * _inW + ix0) * _inC;
                if (fullX) { CopyFloats(src, dst, rowLen); continue; }
                for (int kx = 0; kx < _kW; kx++)
                {
                    int ix = ix0 + kx * _dilW;
                    if ((uint)ix < (uint)_inW) CopyFloats(src + (long)kx * _dilW * _inC, dst + kx * _inC, _inC);
                    else new Span<float>(dst + kx * _inC, _inC).Clear();
                }
            }
            if (++ox == _outW) { ox = 0; if (++oy == _outH) { oy = 0; n++; } }
        }
    }

    // im2col rows of few channels (an RGB input: 3 floats per tap) are short: vector moves inline, no Memmove call
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void CopyFloats(float* src, float* dst, int n) => Elements.CopyShort((byte*)src, (byte*)dst, n * 4L);

    /// <summary>im2col of <paramref name="count"/> output pixels as int16 x - x_zp (padding 0), pairs zero-filled to even depth.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Im2ColQuantized(long p0, int count, byte* input, short* a)
    {
        int rowLen = _kW * _inC, zp = _q.InputZeroPoint;
        bool u8 = _q.Kind == ConvKind.UInt8;
        if (_pointwise && (_depth & 1) == 0)
        {
            // 1x1, stride 1, no padding, even depth: the block's rows are one contiguous run of the input
            Widen(input + p0 * _inC, a, count * _inC, zp, u8);
            return;
        }
        PixelOf(p0, out int n, out int oy, out int ox);
        for (int i = 0; i < count; i++)
        {
            int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
            short* row = a + (long)i * 2 * _aStride;
            bool fullX = _dilW == 1 && ix0 >= 0 && ix0 + _kW <= _inW;
            if (_overRead && fullX && iy0 >= 0 && iy0 + (_kH - 1) * _dilH < _inH)
            {
                // a run of interior pixels along the output row (small-channel stems): one tight loop
                int run = Math.Min(count - i, _outW - ox);
                int last = (_inW - _kW - ix0) / _strideW; // further pixels of this row whose window stays inside
                run = Math.Min(run, last + 1);
                WidenRun(input + (((long)n * _inH + iy0) * _inW + ix0) * _inC, row, run, zp, u8);
                i += run - 1;
                ox += run - 1;
                if (++ox == _outW) { ox = 0; if (++oy == _outH) { oy = 0; n++; } }
                continue;
            }
            for (int ky = 0; ky < _kH; ky++)
            {
                int iy = iy0 + ky * _dilH;
                short* dst = row + ky * rowLen;
                if ((uint)iy >= (uint)_inH) { new Span<short>(dst, rowLen).Clear(); continue; }
                byte* src = input + (((long)n * _inH + iy) * _inW + ix0) * _inC;
                if (fullX && _overRead) { Widen16(src, dst, zp, u8); continue; }
                if (fullX) { Widen(src, dst, rowLen, zp, u8); continue; }
                for (int kx = 0; kx < _kW; kx++)
                {
                    int ix = ix0 + kx * _dilW;
                    if ((uint)ix < (uint)_inW) Widen(src + (long)kx * _dilW * _inC, dst + kx * _inC, _inC, zp, u8);
                    else new Span<short>(dst + kx * _inC, _inC).Clear();
                }
            }
            if ((_depth & 1) != 0) row[_depth] = 0; // the odd depth's pair partner
            if (++ox == _outW) { ox = 0; if (++oy == _outH) { oy = 0; n++; } }
        }
    }

    /// <summary>
    /// im2col for <see cref="GemmKernels.QuantizedDot"/>: rows of <see cref="_kPad"/> raw bytes (taps in the padding
    /// = the input zero point, the depth tail 0) and per row −w_zp·Σx in <paramref name="corrections"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Im2ColDot(long p0, int count, byte* input, byte* a, int* corrections)
    {
        int rowLen = _kW * _inC, kPad = _kPad;
        byte zp = (byte)_q.InputZeroPoint;
        bool signed = _q.Kind != ConvKind.UInt8;
        PixelOf(p0, out int n, out int oy, out int ox);
        for (int i = 0; i < count; i++)
        {
            int iy0 = oy * _strideH - _padH, ix0 = ox * _strideW - _padW;
            byte* row = a + (long)i * kPad;
            bool fullX = _dilW == 1 && ix0 >= 0 && ix0 + _kW <= _inW;
            for (int ky = 0; ky < _kH; ky++)
            {
                int iy = iy0 + ky * _dilH;
                byte* dst = row + ky * rowLen;
                if ((uint)iy >= (uint)_inH) { new Span<byte>(dst, rowLen).Fill(zp); continue; }
                byte* src = input + (((long)n * _inH + iy) * _inW + ix0) * _inC;
                if (fullX) { Buffer.MemoryCopy(src, dst, rowLen, rowLen); continue; }
                for (int kx = 0; kx < _kW; kx++)
                {
                    int ix = ix0 + kx * _dilW;
                    if ((uint)ix < (uint)_inW) Buffer.MemoryCopy(src + (long)kx * _dilW * _inC, dst + kx * _inC, _inC, _inC);
                    else new Span<byte>(dst + kx * _inC, _inC).Fill(zp);
                }
            }
            new Span<byte>(row + _depth, kPad - _depth).Clear();
            corrections[i] = -_dotWeightZp * GemmKernels.RowSum(row, kPad, signed);
            if (++ox == _outW) { ox = 0; if (++oy == _outH) { oy = 0; n++; } }
        }
    }

    /// <summary>
    /// im2col of <paramref name="pixels"/> consecutive interior output pixels of one row when a filter row is shorter than
    /// 16 values (<see cref="_overRead"/>): per pixel and filter row one 16-value widen (see <see cref="Widen16"/>), in
    /// increasing order so each pixel's over-write is overwritten by the next filter row or pixel; then the odd
    /// depth's pair partner.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void WidenRun(byte* src, short* dst, int pixels, int zp, bool u8)
    {
        int kH = _kH, rowLen = _kW * _inC, depth = _depth;
        long rowStride = (long)_dilH * _inW * _inC, srcStep = (long)_strideW * _inC, dstStep = 2L * _aStride;
        bool odd = (depth & 1) != 0;
        var vzp = Vector256.Create((short)zp);
        for (int i = 0; i < pixels; i++, src += srcStep, dst += dstStep)
        {
            byte* s = src;
            short* d = dst;
            for (int ky = 0; ky < kH; ky++, s += rowStride, d += rowLen)
            {
                var v = u8 ? System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(s) : System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16((sbyte*)s);
                (v - vzp).Store(d);
            }
            if (odd) dst[depth] = 0;
        }
    }

    /// <summary>
    /// Widens 16 values whatever the row length (&lt; 16): the extra values land in the next filter row's place, which the
    /// next call overwrites, or in the row's padding (see <see cref="_overRead"/>); 16-byte loads stay in the arena's slack.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Widen16(byte* src, short* dst, int zp, bool u8)
    {
        var v = u8 ? System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(src) : System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16((sbyte*)src);
        (v - Vector256.Create((short)zp)).Store(dst);
    }

    private static void Widen(byte* src, short* dst, int count, int zp, bool u8)
    {
        if (u8) GemmKernels.WidenSubtract(src, dst, count, zp);
        else GemmKernels.WidenSubtract((sbyte*)src, dst, count, zp);
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
                                        float w = _q.FloatWeights[(((long)oc * _kH + ky) * _kW + kx) * _filterC + ic];
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
