using EdgeLite.Quantization;
using EdgeLite.Simd;

namespace EdgeLite.Kernels;

/// <summary>
/// BATCH_MATMUL: out[b..., i, j] = Σ_k lhs[b..., i, k] · rhs[b..., k, j], with adj_x / adj_y taking lhs as [..., K, M]
/// and rhs as [..., N, K]; batch dimensions (up to three, ranks 2–5) broadcast NumPy-style. float32; int8 → int8 and
/// int16 → int16 with TFLite's integer arithmetic ((l − zl)(r − zr) summed in int32 / int64, one quantized multiplier
/// lhs_scale·rhs_scale/out_scale, plus the output zero point, clamped to the type). int16 requires zero points of 0,
/// as TFLite does. The float sum runs in k order, as TFLite's reference kernel (the specification); the float fast path
/// runs each matrix product on the packed GEMM (<see cref="GemmKernels.Float"/>, k in order with fused multiply-add):
/// a constant rhs is packed once at Prepare, a variable one into scratch at Invoke (once per distinct rhs matrix); the
/// output rows of all batches are split across the interpreter's threads.
/// </summary>
internal sealed unsafe class BatchMatMul : OpKernel
{
    private bool _adjX, _adjY;
    private int _m, _n, _k;
    private TensorType _type;
    private int _multiplier, _shift, _zl, _zr, _zo, _min, _max;
    // extended to 3 batch dimensions: output sizes and the element strides of each operand's matrices (0 = broadcast)
    private readonly int[] _batch = new int[3];
    private readonly long[] _lStride = new long[3], _rStride = new long[3];

    /// <summary>Tests set this (per thread, read at Prepare) to run the reference loops.</summary>
    [ThreadStatic] internal static bool ForceReference;
    private bool _fast, _rhsPrepacked;
    private SimdLevel _level;
    private int _panels;
    private long _packedFloats;
    private float* _packed;
    private FloatOutputStage _stage;

    public override void Prepare(KernelContext context)
    {
        var l = context.Input(0); var r = context.Input(1); var y = context.Output(0);
        var o = context.Options<Schema.BatchMatMulOptions>();
        _fast = false;
        _adjX = o?.AdjX ?? false; _adjY = o?.AdjY ?? false;
        if (l.Rank < 2 || r.Rank < 2 || l.Rank > 5 || r.Rank > 5) throw context.Invalid($"operands must have rank 2 to 5, got {l} and {r}");
        _type = l.Type;
        if (_type is not (TensorType.Float32 or TensorType.Int8 or TensorType.Int16)) throw context.Unsupported($"type {_type.ToDTypeName()}");
        if (r.Type != _type) throw context.Unsupported($"{_type.ToDTypeName()} × {r.Type.ToDTypeName()} (the hybrid float × int8 form is not implemented)");
        if (y.Type != _type) throw context.Invalid($"output is {y.Type.ToDTypeName()}, operands {_type.ToDTypeName()}");
        int lr = l.Dim(l.Rank - 2), lc = l.Dim(l.Rank - 1), rr = r.Dim(r.Rank - 2), rc = r.Dim(r.Rank - 1);
        _m = _adjX ? lc : lr; int kl = _adjX ? lr : lc;
        _n = _adjY ? rr : rc; int kr = _adjY ? rc : rr;
        if (kl != kr) throw context.Invalid($"inner dimensions differ: lhs {l} gives {kl}, rhs {r} gives {kr}");
        _k = kl;
        int rank = Math.Max(l.Rank, r.Rank);
        var shape = new int[rank];
        long lMat = (long)lr * lc, rMat = (long)rr * rc;
        long lAcc = lMat, rAcc = rMat;
        for (int i = 0; i < 3; i++) { _batch[i] = 1; _lStride[i] = 0; _rStride[i] = 0; }
        for (int d = rank - 3; d >= 0; d--)
        {
            int li = d - (rank - l.Rank), ri = d - (rank - r.Rank);
            int dl = li >= 0 ? l.Dim(li) : 1, dr = ri >= 0 ? r.Dim(ri) : 1;
            if (dl != dr && dl != 1 && dr != 1) throw context.Invalid($"batch dimensions of {l} and {r} do not broadcast");
            shape[d] = dl == 1 ? dr : dl;
            int slot = 3 - (rank - 2 - d);
            _batch[slot] = shape[d];
            _lStride[slot] = dl == 1 ? 0 : lAcc;
            _rStride[slot] = dr == 1 ? 0 : rAcc;
            lAcc *= dl; rAcc *= dr;
        }
        shape[rank - 2] = _m; shape[rank - 1] = _n;
        context.SetOutputShape(0, shape);
        if (_type == TensorType.Float32) { PrepareFast(context, l, r); return; }
        var ql = l.Quantization; var qr = r.Quantization; var qy = y.Quantization;
        if (ql == null || qr == null || qy == null || ql.Scales.Count != 1 || qr.Scales.Count != 1 || qy.Scales.Count != 1)
            throw context.Unsupported("quantized BATCH_MATMUL needs per-tensor quantization on both operands and the output");
        _zl = (int)ql.ZeroPoint; _zr = (int)qr.ZeroPoint; _zo = (int)qy.ZeroPoint;
        if (_type == TensorType.Int16 && (_zl != 0 || _zr != 0 || _zo != 0)) throw context.Invalid("int16 BATCH_MATMUL needs zero points of 0");
        // as TFLite's GetQuantizedConvolutionMultipler: the operand scales multiplied in float, then divided in double
        double real = (double)(ql.Scale * qr.Scale) / qy.Scale;
        QuantizationUtils.QuantizeMultiplier(real, out _multiplier, out _shift);
        (_min, _max) = QuantizationUtils.TypeRange(_type);
    }

    private void PrepareFast(KernelContext context, Tensor l, Tensor r)
    {
        _fast = !ForceReference && _m > 0 && _n > 0 && _k > 0;
        if (!_fast) return;
        _level = GemmKernels.Select();
        _panels = GemmKernels.Panels(_n);
        _packedFloats = (long)_panels * _k * GemmKernels.Panel;
        var bias = context.AllocatePersistent<float>(_panels * GemmKernels.Panel);
        _stage = new FloatOutputStage { Bias = KernelContext.AddressOf(bias), Min = float.NegativeInfinity, Max = float.PositiveInfinity };
        _rMatrices = r.ElementCount / ((long)_k * _n);
        _lMatrices = l.ElementCount / ((long)_m * _k);
        _outBatches = (long)_batch[0] * _batch[1] * _batch[2];
        _rhsPrepacked = r.IsConstant && _rMatrices * _packedFloats <= int.MaxValue / 4;
        long scratch = 0;
        if (_rhsPrepacked)
        {
            var packed = context.AllocatePersistent<float>((int)(_rMatrices * _packedFloats));
            _packed = KernelContext.AddressOf(packed);
            for (long mi = 0; mi < _rMatrices; mi++) Pack((float*)r.DataPointer + mi * _k * _n, _packed + mi * _packedFloats);
        }
        else scratch += _rMatrices * _packedFloats * 4;
        _transposedOffset = scratch;
        if (_adjX) scratch += _lMatrices * _m * _k * 4;
        if (scratch > 0) context.RequestScratch(scratch);
        _work ??= new Work(this);
        if (_outBatches * _m > int.MaxValue) _fast = false;
    }

    private long _rMatrices, _lMatrices, _outBatches, _transposedOffset;
    private Work? _work;

    private sealed class Work(BatchMatMul k) : IParallelWork
    {
        public float* Lhs, Packed, Output;
        public void Run(int start, int end, int worker) => k.Rows(start, end, Lhs, Packed, Output);
    }

    /// <summary>Packs rhs matrix <paramref name="b"/> as GEMM weights w(j, k) = R(k, j), zero past N.</summary>
    private void Pack(float* b, float* packed)
    {
        for (int p = 0; p < _panels; p++)
            for (int k = 0; k < _k; k++)
            {
                float* dst = packed + ((long)p * _k + k) * GemmKernels.Panel;
                for (int jj = 0; jj < GemmKernels.Panel; jj++)
                {
                    int j = p * GemmKernels.Panel + jj;
                    dst[jj] = j < _n ? b[R(k, j)] : 0f;
                }
            }
    }

    /// <summary>
    /// The float fast path: rhs matrices packed (at Prepare when constant, else here into scratch) and, for adj_x, lhs
    /// matrices transposed into scratch; then the rows of all output matrices split across the threads.
    /// </summary>
    private void EvalFast(KernelContext context)
    {
        var l = context.Input(0); var r = context.Input(1); var y = context.Output(0);
        byte* scratch = context.Scratch;
        float* packed = _rhsPrepacked ? _packed : (float*)scratch;
        if (!_rhsPrepacked)
            for (long mi = 0; mi < _rMatrices; mi++) Pack((float*)r.DataPointer + mi * _k * _n, packed + mi * _packedFloats);
        float* lhs = (float*)l.DataPointer;
        if (_adjX)
        {
            float* t = (float*)(scratch + _transposedOffset);
            for (long mi = 0; mi < _lMatrices; mi++)
            {
                float* a = lhs + mi * _m * _k, d = t + mi * _m * _k;
                for (int i = 0; i < _m; i++) for (int k = 0; k < _k; k++) d[(long)i * _k + k] = a[(long)k * _m + i];
            }
            lhs = t;
        }
        var w = _work!;
        w.Lhs = lhs; w.Packed = packed; w.Output = (float*)y.DataPointer;
        context.ParallelFor((int)(_outBatches * _m), w, _outBatches * _m * _n * _k);
    }

    /// <summary>Output rows [start, end) of the flattened (batch, row) range.</summary>
    private void Rows(int start, int end, float* lhs, float* packed, float* output)
    {
        long kn = (long)_k * _n, mk = (long)_m * _k, mn = (long)_m * _n;
        int row = start;
        while (row < end)
        {
            long ob = row / _m;
            int i0 = (int)(row - ob * _m);
            int rows = Math.Min(_m - i0, end - row);
            int b2 = (int)(ob % _batch[2]), b1 = (int)(ob / _batch[2] % _batch[1]), b0 = (int)(ob / _batch[2] / _batch[1]);
            // operand matrices: strides are whole matrices (0 where broadcast)
            long lm = (b0 * _lStride[0] + b1 * _lStride[1] + b2 * _lStride[2]) / mk;
            long rm = (b0 * _rStride[0] + b1 * _rStride[1] + b2 * _rStride[2]) / kn;
            GemmKernels.Float(_level, lhs + lm * mk + (long)i0 * _k, _k, rows, _k, packed + rm * _packedFloats, 0, _panels,
                output + ob * mn + (long)i0 * _n, _n, _n, _stage);
            row += rows;
        }
    }

    public override void Eval(KernelContext context)
    {
        if (_type == TensorType.Float32 && _fast) { EvalFast(context); return; }
        var l = context.Input(0); var r = context.Input(1); var y = context.Output(0);
        long mn = (long)_m * _n;
        long ob = 0;
        for (int b0 = 0; b0 < _batch[0]; b0++)
            for (int b1 = 0; b1 < _batch[1]; b1++)
                for (int b2 = 0; b2 < _batch[2]; b2++, ob++)
                {
                    long lo = b0 * _lStride[0] + b1 * _lStride[1] + b2 * _lStride[2];
                    long ro = b0 * _rStride[0] + b1 * _rStride[1] + b2 * _rStride[2];
                    switch (_type)
                    {
                        case TensorType.Float32: MatMulFloat((float*)l.DataPointer + lo, (float*)r.DataPointer + ro, (float*)y.DataPointer + ob * mn); break;
                        case TensorType.Int8: MatMulInt8((sbyte*)l.DataPointer + lo, (sbyte*)r.DataPointer + ro, (sbyte*)y.DataPointer + ob * mn); break;
                        default: MatMulInt16((short*)l.DataPointer + lo, (short*)r.DataPointer + ro, (short*)y.DataPointer + ob * mn); break;
                    }
                }
    }

    // element (i, k) of lhs and (k, j) of rhs under the adjoint flags
    private long L(int i, int k) => _adjX ? (long)k * _m + i : (long)i * _k + k;
    private long R(int k, int j) => _adjY ? (long)j * _k + k : (long)k * _n + j;

    private void MatMulFloat(float* a, float* b, float* c)
    {
        for (int i = 0; i < _m; i++)
            for (int j = 0; j < _n; j++)
            {
                float s = 0;
                for (int k = 0; k < _k; k++) s += a[L(i, k)] * b[R(k, j)];
                c[(long)i * _n + j] = s;
            }
    }

    private void MatMulInt8(sbyte* a, sbyte* b, sbyte* c)
    {
        for (int i = 0; i < _m; i++)
            for (int j = 0; j < _n; j++)
            {
                int s = 0;
                for (int k = 0; k < _k; k++) s += (a[L(i, k)] - _zl) * (b[R(k, j)] - _zr);
                int v = QuantizationUtils.MultiplyByQuantizedMultiplier(s, _multiplier, _shift) + _zo;
                c[(long)i * _n + j] = (sbyte)Math.Clamp(v, _min, _max);
            }
    }

    /// <summary>
    /// TFLite's MultiplyByQuantizedMultiplier for an int64 accumulator (common.cc): the multiplier rounded to 16 bits
    /// first, then one rounding shift — what its int16 kernels use (checked against real TFLite, which differs by one
    /// from the full 31-bit product on some values).
    /// </summary>
    internal static int MultiplyReduced(long x, int multiplier, int shift)
    {
        long reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
        int total = 15 - shift;
        long r = (x * reduced + (1L << (total - 1))) >> total;
        return (int)Math.Clamp(r, int.MinValue, int.MaxValue);
    }

    private void MatMulInt16(short* a, short* b, short* c)
    {
        for (int i = 0; i < _m; i++)
            for (int j = 0; j < _n; j++)
            {
                long s = 0;
                for (int k = 0; k < _k; k++) s += (long)a[L(i, k)] * b[R(k, j)];
                int v = MultiplyReduced(s, _multiplier, _shift) + _zo;
                c[(long)i * _n + j] = (short)Math.Clamp(v, _min, _max);
            }
    }
}
