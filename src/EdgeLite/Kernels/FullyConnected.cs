using EdgeLite.Kernels.Common;
using EdgeLite.Simd;

namespace EdgeLite.Kernels;

/// <summary>
/// FULLY_CONNECTED: input [..., K] read as [batch, K] (batch = elements / K), weights [units, K], optional bias
/// [units], output [batch, units] (or the input's leading dims + units with keep_num_dims). float32, uint8 and int8
/// (per-tensor or per-channel weights) as TFLite's reference kernels; the fast path runs the packed GEMM micro-kernels.
/// </summary>
internal sealed unsafe class FullyConnected : OpKernel
{
    /// <summary>Tests set this (per thread, read at Prepare) to run the reference loops.</summary>
    [ThreadStatic] internal static bool ForceReference;

    private ConvQuantization _q = null!;
    private int _batch, _depth, _units, _pairs, _panels, _workUnits;
    // NeonDot: raw 8-bit rows of _kPad bytes and GemmKernels.QuantizedDot
    private bool _dot;
    private int _kPad, _dotWeightZp;
    private byte* _packedDot;
    private bool _fast, _byRows;
    private SimdLevel _level;
    private short* _packedQ;
    private float* _packedF;
    private QuantizedOutputStage _stage;
    private FloatOutputStage _fstage;
    private Work _work = null!;

    public override void Prepare(KernelContext context)
    {
        var input = context.Input(0);
        var weights = context.Input(1);
        var bias = context.OptionalInput(2);
        var output = context.Output(0);
        var o = context.Options<Schema.FullyConnectedOptions>() ?? default;
        if (o.WeightsFormat != Schema.FullyConnectedOptionsWeightsFormat.DEFAULT) throw context.Unsupported($"weights format {o.WeightsFormat}");
        if (weights.Rank != 2) throw context.Invalid($"weights must be 2-D, got {weights}");
        if (!weights.IsConstant) throw context.Unsupported("non-constant weights");
        _units = weights.Dim(0); _depth = weights.Dim(1);
        if (_depth <= 0 || input.ElementCount % _depth != 0) throw context.Invalid($"input {input} does not split into rows of {_depth}");
        _batch = input.ElementCount / _depth;
        _q = ConvQuantization.Prepare(context, input, weights, bias, output, _units, 0, o.FusedActivationFunction);
        if (o.KeepNumDims)
        {
            if (input.Dim(input.Rank - 1) != _depth) throw context.Invalid($"keep_num_dims with input {input} and depth {_depth}");
            var shape = input.ShapeArray;
            shape[^1] = _units;
            context.SetOutputShape(0, shape);
        }
        else context.SetOutputShape(0, [_batch, _units]);

        _fast = !ForceReference;
        if (!_fast) return;
        _level = GemmKernels.Select();
        _panels = GemmKernels.Panels(_units);
        _dot = false;
        if (_q.Kind == ConvKind.Float32)
        {
            float* w = _q.FloatWeights;
            var packed = GemmKernels.PackFloat(_units, _depth, new GemmKernels.FloatRows(w, _depth), context.AllocatePersistent<float>);
            _packedF = KernelContext.AddressOf(packed);
            _fstage = _q.CreateFloatOutputStage(context, _panels * GemmKernels.Panel);
        }
        else if (_level == SimdLevel.NeonDot && _q.WeightZeroPoints.Length > 0 && _q.WeightZeroPoints.All(z => z == _q.WeightZeroPoints[0]))
        {
            // 8-bit dot products (see GemmKernels.Dot.cs): raw operands, zero points taken out exactly
            _dot = true;
            _dotWeightZp = _q.WeightZeroPoints[0];
            _kPad = GemmKernels.DotDepth(_depth);
            _packedDot = _q.PrepareDot(context, weights.DataPointer, _units, _depth, _panels, out _stage);
            context.RequestScratch((long)_batch * (_kPad + 4));
        }
        else
        {
            byte* w = weights.DataPointer;
            bool u8 = _q.Kind == ConvKind.UInt8;
            var wzp = _q.WeightZeroPoints;
            var packed = GemmKernels.PackInt16(_units, _depth, new GemmKernels.ByteRows(w, _depth, u8, wzp), context.AllocatePersistent<short>);
            _packedQ = KernelContext.AddressOf(packed);
            _stage = _q.CreateOutputStage(context, _panels * GemmKernels.Panel);
            _pairs = GemmKernels.Pairs(_depth);
            context.RequestScratch((long)_batch * _pairs * 4);
        }
        // Threads split rows in groups of 8 when there are enough, else pairs of panels (batch 1 is a GEMV).
        _byRows = _batch >= 16 * context.ThreadCount;
        _workUnits = _byRows ? (_batch + 7) / 8 : (_panels + 1) / 2;
        _work = new Work(this);
    }

    public override void Eval(KernelContext context)
    {
        byte* input = context.Input(0).DataPointer, output = context.Output(0).DataPointer;
        if (!_fast) { EvalReference(input, context.Input(1).DataPointer, output); return; }
        if (_dot)
        {
            // rows of _kPad raw bytes (the depth tail 0), then −w_zp·Σx per row
            byte* rows = context.Scratch;
            int* corrections = (int*)(rows + (long)_batch * _kPad);
            bool signed = _q.Kind != ConvKind.UInt8;
            for (int b = 0; b < _batch; b++)
            {
                byte* row = rows + (long)b * _kPad;
                Buffer.MemoryCopy(input + (long)b * _depth, row, _depth, _depth);
                new Span<byte>(row + _depth, _kPad - _depth).Clear();
                corrections[b] = -_dotWeightZp * GemmKernels.RowSum(row, _kPad, signed);
            }
            _work.A = context.Scratch;
        }
        else if (_q.Kind != ConvKind.Float32)
        {
            short* rows = (short*)context.Scratch;
            for (int b = 0; b < _batch; b++)
            {
                short* row = rows + (long)b * 2 * _pairs;
                long off = (long)b * _depth;
                if (_q.Kind == ConvKind.UInt8) GemmKernels.WidenSubtract(input + off, row, _depth, _q.InputZeroPoint);
                else GemmKernels.WidenSubtract((sbyte*)input + off, row, _depth, _q.InputZeroPoint);
                if ((_depth & 1) != 0) row[_depth] = 0;
            }
            _work.A = context.Scratch;
        }
        else _work.A = input;
        _work.Output = output;
        context.ParallelFor(_workUnits, _work, (long)_batch * _units * _depth);
    }

    private sealed class Work(FullyConnected k) : IParallelWork
    {
        public byte* A, Output;
        public void Run(int start, int end, int worker) => k.Run(start, end, A, Output);
    }

    private void Run(int start, int end, byte* a, byte* output)
    {
        int r0 = 0, rows = _batch, p0 = 0, p1 = _panels;
        if (_byRows) { r0 = start * 8; rows = Math.Min(_batch, end * 8) - r0; }
        else { p0 = start * 2; p1 = Math.Min(_panels, end * 2); }
        if (rows <= 0 || p0 >= p1) return;
        if (_dot)
            GemmKernels.QuantizedDot(a + (long)r0 * _kPad, _kPad, rows, _kPad, (int*)(a + (long)_batch * _kPad) + r0, _packedDot, p0, p1,
                output + (long)r0 * _units, _units, _units, _stage, _q.Kind != ConvKind.UInt8);
        else if (_q.Kind == ConvKind.Float32)
            GemmKernels.Float(_level, (float*)a + (long)r0 * _depth, _depth, rows, _depth, _packedF, p0, p1, (float*)output + (long)r0 * _units, _units, _units, _fstage);
        else
            GemmKernels.Quantized(_level, (int*)a + (long)r0 * _pairs, _pairs, rows, _pairs, _packedQ, p0, p1, output + (long)r0 * _units, _units, _units, _stage);
    }

    /// <summary>The spec: TFLite's reference fully connected.</summary>
    private void EvalReference(byte* input, byte* weights, byte* output)
    {
        bool u8 = _q.Kind == ConvKind.UInt8;
        for (int b = 0; b < _batch; b++)
            for (int u = 0; u < _units; u++)
            {
                if (_q.Kind == ConvKind.Float32)
                {
                    float sum = 0;
                    for (int k = 0; k < _depth; k++)
                        sum += ((float*)input)[(long)b * _depth + k] * _q.FloatWeights[(long)u * _depth + k];
                    float v = sum + _q.FloatBias[u];
                    ((float*)output)[(long)b * _units + u] = Math.Clamp(v, _q.FMin, _q.FMax);
                }
                else
                {
                    int acc = 0, izp = _q.InputZeroPoint, wzp = _q.WeightZeroPoints[u];
                    for (int k = 0; k < _depth; k++)
                    {
                        long xi = (long)b * _depth + k, wi = (long)u * _depth + k;
                        int x = u8 ? input[xi] : ((sbyte*)input)[xi];
                        int w = u8 ? weights[wi] : ((sbyte*)weights)[wi];
                        acc += (x - izp) * (w - wzp);
                    }
                    int v = _q.Requantize(acc + _q.Bias[u], u);
                    if (u8) output[(long)b * _units + u] = (byte)v; else ((sbyte*)output)[(long)b * _units + u] = (sbyte)v;
                }
            }
    }
}
