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
    private int _batch, _depth, _units, _pairs, _rowInts, _blocks;
    private bool _fast;
    private short[] _packedQ = [];
    private float[] _packedF = [];

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
        _blocks = (_units + GemmKernels.Block - 1) / GemmKernels.Block;
        if (_q.Kind == ConvKind.Float32)
        {
            float* w = (float*)weights.DataPointer;
            _packedF = GemmKernels.PackFloat(_units, _depth, (u, k) => w[(long)u * _depth + k], context.AllocatePersistent<float>);
            _rowInts = (_depth + 15) & ~15;
        }
        else
        {
            byte* w = weights.DataPointer;
            bool u8 = _q.Kind == ConvKind.UInt8;
            var wzp = _q.WeightZeroPoints;
            _packedQ = GemmKernels.PackInt16(_units, _depth,
                (u, k) => (u8 ? w[(long)u * _depth + k] : ((sbyte*)w)[(long)u * _depth + k]) - wzp[u], context.AllocatePersistent<short>);
            _pairs = GemmKernels.Pairs(_depth);
            _rowInts = (_pairs + 15) & ~15;
        }
        context.RequestScratch((GemmKernels.Rows * _rowInts + GemmKernels.Rows * 2 * GemmKernels.Block) * 4L);
    }

    public override void Eval(KernelContext context)
    {
        byte* input = context.Input(0).DataPointer, output = context.Output(0).DataPointer;
        if (!_fast) { EvalReference(input, context.Input(1).DataPointer, output); return; }
        int* rows = (int*)context.Scratch;
        int* acc = rows + GemmKernels.Rows * _rowInts;
        bool isFloat = _q.Kind == ConvKind.Float32, u8 = _q.Kind == ConvKind.UInt8;
        for (int b0 = 0; b0 < _batch; b0 += GemmKernels.Rows)
        {
            int count = Math.Min(GemmKernels.Rows, _batch - b0);
            for (int r = 0; r < GemmKernels.Rows; r++)
            {
                int* row = rows + r * _rowInts;
                new Span<int>(row, _rowInts).Clear();
                if (r >= count) continue;
                long off = (long)(b0 + r) * _depth;
                if (isFloat) new ReadOnlySpan<float>((float*)input + off, _depth).CopyTo(new Span<float>(row, _depth));
                else if (u8) GemmKernels.WidenSubtract(input + off, (short*)row, _depth, _q.InputZeroPoint);
                else GemmKernels.WidenSubtract((sbyte*)input + off, (short*)row, _depth, _q.InputZeroPoint);
            }
            for (int blk = 0; blk < _blocks; blk += 2)
            {
                int blk1 = blk + 1 < _blocks ? blk + 1 : blk;
                if (isFloat)
                {
                    fixed (float* w = _packedF)
                        GemmKernels.Floatx4x32((float*)rows, _rowInts, _depth, w + (long)blk * _depth * GemmKernels.Block,
                            w + (long)blk1 * _depth * GemmKernels.Block, (float*)acc);
                }
                else
                {
                    fixed (short* w = _packedQ)
                        GemmKernels.Int16x4x32(rows, _rowInts, _pairs, w + (long)blk * _pairs * 2 * GemmKernels.Block,
                            w + (long)blk1 * _pairs * 2 * GemmKernels.Block, acc);
                }
                for (int r = 0; r < count; r++)
                    for (int j = 0; j < 2 * GemmKernels.Block; j++)
                    {
                        int u = blk * GemmKernels.Block + j;
                        if (u >= _units) break;
                        long oi = (long)(b0 + r) * _units + u;
                        if (isFloat)
                        {
                            float v = ((float*)acc)[r * 2 * GemmKernels.Block + j] + _q.FloatBias[u];
                            ((float*)output)[oi] = v < _q.FMin ? _q.FMin : v > _q.FMax ? _q.FMax : v;
                        }
                        else
                        {
                            int v = _q.Requantize(acc[r * 2 * GemmKernels.Block + j] + _q.Bias[u], u);
                            output[oi] = u8 ? (byte)v : (byte)(sbyte)v;
                        }
                    }
            }
        }
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
                        sum += ((float*)input)[(long)b * _depth + k] * ((float*)weights)[(long)u * _depth + k];
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
