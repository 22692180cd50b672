using System.Runtime.Intrinsics;
using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// Transposed convolution, float32: TRANSPOSE_CONV (inputs: output_shape, weights [OC,KH,KW,IC], input [N,H,W,IC],
/// optional bias) and MediaPipe's custom Convolution2DTransposeBias (inputs: input, weights, bias; custom options =
/// the C struct {padding, stride_w, stride_h} as three int32). As TFLite's reference: every input pixel scatters
/// x · w[oc, ky, kx, ic] to output (iy·s - pad + ky, ix·s - pad + kx), padding computed as for the forward convolution
/// from the output size to the input size; then bias and the fused activation.
/// </summary>
internal sealed unsafe class TransposeConv(bool mediapipe) : OpKernel
{
    /// <summary>The custom code of MediaPipe's variant.</summary>
    public const string CustomCode = "Convolution2DTransposeBias";

    private int _n, _inH, _inW, _inC, _outH, _outW, _outC, _kH, _kW, _sH, _sW, _padH, _padW, _inputIndex;
    private float _min, _max;
    private float[] _w = [];   // [ky][kx][ic][oc] (vectorised over output channels)
    private float[] _wt = [];  // [ky][kx][oc][ic] (few output channels: dot products over input channels)
    private float[] _bias = [];
    // gather form (few output channels): per output row/column the taps that reach it (AxisTaps)
    private int _tapsY, _tapsX;
    private int[] _yTap = [], _yIn = [], _xTap = [], _xIn = [];

    public override void Prepare(KernelContext context)
    {
        Tensor input, weights; Tensor? bias;
        Schema.Padding padding; Schema.ActivationFunctionType act = Schema.ActivationFunctionType.NONE;
        int[] outShape;
        if (mediapipe)
        {
            _inputIndex = 0;
            input = context.Input(0); weights = context.Input(1); bias = context.OptionalInput(2);
            var opt = context.CustomOptions;
            if (opt.Length < 12) throw context.Invalid($"custom options of {opt.Length} bytes (expected padding, stride_w, stride_h)");
            int pad = BitConverter.ToInt32(opt[..4]);
            _sW = BitConverter.ToInt32(opt.Slice(4, 4)); _sH = BitConverter.ToInt32(opt.Slice(8, 4));
            padding = pad switch { 1 => Schema.Padding.SAME, 2 => Schema.Padding.VALID, _ => throw context.Invalid($"padding {pad}") };
            outShape = context.Output(0).ShapeArray;
        }
        else
        {
            _inputIndex = 2;
            var shapeT = context.Input(0); weights = context.Input(1); input = context.Input(2); bias = context.OptionalInput(3);
            var o = context.Options<Schema.TransposeConvOptions>() ?? default;
            padding = o.Padding; _sW = o.StrideW; _sH = o.StrideH; act = o.FusedActivationFunction;
            if (!shapeT.IsConstant || shapeT.Type != TensorType.Int32 || shapeT.ElementCount != 4) throw context.Unsupported($"output_shape {shapeT} (must be a constant int32[4])");
            outShape = shapeT.AsSpan<int>().ToArray();
        }
        if (input.Type != TensorType.Float32 || weights.Type != TensorType.Float32) throw context.Unsupported($"{input.Type.ToDTypeName()} input with {weights.Type.ToDTypeName()} weights (float32 only)");
        if (!weights.IsConstant) throw context.Unsupported("non-constant weights");
        if (input.Rank != 4 || weights.Rank != 4 || outShape.Length != 4) throw context.Invalid($"expects 4-D input, weights and output: {input}, {weights}");
        if (_sH <= 0 || _sW <= 0) throw context.Invalid($"stride {_sH}x{_sW}");
        _n = input.Dim(0); _inH = input.Dim(1); _inW = input.Dim(2); _inC = input.Dim(3);
        _outC = weights.Dim(0); _kH = weights.Dim(1); _kW = weights.Dim(2);
        if (weights.Dim(3) != _inC) throw context.Invalid($"weights {weights} for {_inC} input channels");
        if (outShape[0] != _n || outShape[3] != _outC || outShape[1] <= 0 || outShape[2] <= 0) throw context.Invalid($"output shape [{string.Join(",", outShape)}]");
        _outH = outShape[1]; _outW = outShape[2];
        // padding as for the forward convolution output → input
        var pad2 = PaddingUtil.Compute(padding, _sH, _sW, 1, 1, _outH, _outW, _kH, _kW, out int fh, out int fw);
        if (fh != _inH || fw != _inW) throw context.Invalid($"input {input} does not match output {_outH}x{_outW} with stride {_sH}x{_sW} and {padding} padding");
        _padH = pad2.Height; _padW = pad2.Width;
        (_min, _max) = QuantizationUtils.ActivationRange((FusedActivation)(sbyte)act);
        _w = context.AllocatePersistent<float>(_kH * _kW * _inC * _outC);
        var src = weights.AsSpan<float>();
        for (int oc = 0; oc < _outC; oc++)
            for (int ky = 0; ky < _kH; ky++)
                for (int kx = 0; kx < _kW; kx++)
                    for (int ic = 0; ic < _inC; ic++)
                        _w[((ky * _kW + kx) * _inC + ic) * _outC + oc] = src[((oc * _kH + ky) * _kW + kx) * _inC + ic];
        if (_outC < 8)
        {
            _wt = context.AllocatePersistent<float>(_kH * _kW * _inC * _outC);
            for (int oc = 0; oc < _outC; oc++)
                for (int t = 0; t < _kH * _kW; t++)
                    for (int ic = 0; ic < _inC; ic++)
                        _wt[(t * _outC + oc) * _inC + ic] = src[(oc * _kH * _kW + t) * _inC + ic];
        }
        _bias = new float[_outC];
        if (bias != null)
        {
            if (bias.Type != TensorType.Float32 || bias.ElementCount != _outC || !bias.IsConstant) throw context.Invalid($"bias {bias}");
            bias.AsSpan<float>().CopyTo(_bias);
        }
        context.SetOutputShape(0, outShape);
        _work = new Work(this);
        if (_wt.Length > 0)
        {
            _tapsY = (_kH + _sH - 1) / _sH; _tapsX = (_kW + _sW - 1) / _sW;
            (_yTap, _yIn) = AxisTaps(_outH, _inH, _kH, _sH, _padH, _tapsY);
            (_xTap, _xIn) = AxisTaps(_outW, _inW, _kW, _sW, _padW, _tapsX);
        }
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(_inputIndex).DataPointer, y = (float*)context.Output(0).DataPointer;
        if (_wt.Length > 0)
        {
            // few output channels: each output pixel gathers its taps (MediaPipe's 16 → 1 channel upsampling head)
            _work!.X = x; _work.Y = y;
            context.ParallelFor(_n * _outH, _work, (long)_n * _outH * _outW * _outC * _inC * ((_kH + _sH - 1) / _sH) * ((_kW + _sW - 1) / _sW));
            return;
        }
        int oc = _outC;
        long outPixels = (long)_n * _outH * _outW;
        for (long p = 0; p < outPixels; p++) _bias.AsSpan().CopyTo(new Span<float>(y + p * oc, oc));
        fixed (float* w = _w)
            for (int n = 0; n < _n; n++)
                for (int iy = 0; iy < _inH; iy++)
                    for (int ix = 0; ix < _inW; ix++)
                    {
                        float* xp = x + (((long)n * _inH + iy) * _inW + ix) * _inC;
                        for (int ky = 0; ky < _kH; ky++)
                        {
                            int oy = iy * _sH - _padH + ky;
                            if ((uint)oy >= (uint)_outH) continue;
                            for (int kx = 0; kx < _kW; kx++)
                            {
                                int ox = ix * _sW - _padW + kx;
                                if ((uint)ox >= (uint)_outW) continue;
                                float* yp = y + (((long)n * _outH + oy) * _outW + ox) * oc;
                                float* wt = w + (ky * _kW + kx) * _inC * oc;
                                ScatterTap(xp, wt, yp, _inC, oc);
                            }
                        }
                    }
        ApplyActivation(y, outPixels * oc);
    }

    /// <summary>
    /// yp[c] += Σ_ic xp[ic]·wt[ic·oc + c] for one (input pixel, tap): 32 output channels at a time in four 256-bit
    /// accumulators held across the input channels (the output row is read and written once per tap, not once per
    /// input channel), then 8 at a time, then scalar. The per-tap partial sum is added to the output in one step.
    /// </summary>
    private static void ScatterTap(float* xp, float* wt, float* yp, int inC, int oc)
    {
        int c = 0;
        if (Vector256.IsHardwareAccelerated && Common.FloatBinary.Allow256)
        {
            for (; c + 32 <= oc; c += 32)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                float* wr = wt + c;
                for (int ic = 0; ic < inC; ic++, wr += oc)
                {
                    var v = Vector256.Create(xp[ic]);
                    a0 += v * Vector256.Load(wr); a1 += v * Vector256.Load(wr + 8);
                    a2 += v * Vector256.Load(wr + 16); a3 += v * Vector256.Load(wr + 24);
                }
                (Vector256.Load(yp + c) + a0).Store(yp + c); (Vector256.Load(yp + c + 8) + a1).Store(yp + c + 8);
                (Vector256.Load(yp + c + 16) + a2).Store(yp + c + 16); (Vector256.Load(yp + c + 24) + a3).Store(yp + c + 24);
            }
            for (; c + 8 <= oc; c += 8)
            {
                Vector256<float> a0 = default;
                float* wr = wt + c;
                for (int ic = 0; ic < inC; ic++, wr += oc) a0 += Vector256.Create(xp[ic]) * Vector256.Load(wr);
                (Vector256.Load(yp + c) + a0).Store(yp + c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; c + 16 <= oc; c += 16)
            {
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                float* wr = wt + c;
                for (int ic = 0; ic < inC; ic++, wr += oc)
                {
                    var v = Vector128.Create(xp[ic]);
                    a0 += v * Vector128.Load(wr); a1 += v * Vector128.Load(wr + 4);
                    a2 += v * Vector128.Load(wr + 8); a3 += v * Vector128.Load(wr + 12);
                }
                (Vector128.Load(yp + c) + a0).Store(yp + c); (Vector128.Load(yp + c + 4) + a1).Store(yp + c + 4);
                (Vector128.Load(yp + c + 8) + a2).Store(yp + c + 8); (Vector128.Load(yp + c + 12) + a3).Store(yp + c + 12);
            }
        }
        for (; c < oc; c++)
        {
            float acc = 0;
            for (int ic = 0; ic < inC; ic++) acc += xp[ic] * wt[ic * oc + c];
            yp[c] += acc;
        }
    }

    private Work? _work;

    private sealed class Work(TransposeConv k) : IParallelWork
    {
        public float* X, Y;
        public void Run(int start, int end, int worker) { for (int r = start; r < end; r++) k.GatherRow(r, X, Y); }
    }

    /// <summary>
    /// One output row, few output channels: out(oy, ox, oc) = bias + Σ over the taps that reach it (ky with
    /// oy + pad - ky a multiple of the stride, likewise kx) of Σ_ic x(iy, ix, ic)·w(oc, ky, kx, ic), the input
    /// channels 8 at a time; then the activation. The same products as the scatter form, summed per output.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void GatherRow(int row, float* x, float* y)
    {
        int n = row / _outH, oy = row % _outH, inC = _inC, outC = _outC, ty = _tapsY, tx = _tapsX;
        float* yRow = y + (long)row * _outW * outC;
        fixed (float* wt = _wt)
        fixed (int* yk = _yTap, yi = _yIn, xk = _xTap, xi = _xIn)
            for (int ox = 0; ox < _outW; ox++)
                for (int oc = 0; oc < outC; oc++)
                {
                    var acc = Vector256<float>.Zero;
                    float sum = 0;
                    for (int a = oy * ty; a < oy * ty + ty; a++)
                    {
                        if (yk[a] < 0) continue;
                        for (int b = ox * tx; b < ox * tx + tx; b++)
                        {
                            if (xk[b] < 0) continue;
                            float* xp = x + (((long)n * _inH + yi[a]) * _inW + xi[b]) * inC;
                            float* wr = wt + ((long)(yk[a] * _kW + xk[b]) * outC + oc) * inC;
                            int ic = 0;
                            if (Vector256.IsHardwareAccelerated)
                                for (; ic + 8 <= inC; ic += 8) acc += Vector256.Load(xp + ic) * Vector256.Load(wr + ic);
                            for (; ic < inC; ic++) sum += xp[ic] * wr[ic];
                        }
                    }
                    float v = _bias[oc] + ((Vector256.IsHardwareAccelerated ? Vector256.Sum(acc) : 0f) + sum);
                    yRow[(long)ox * outC + oc] = v < _min ? _min : v > _max ? _max : v;
                }
    }

    /// <summary>
    /// For each output coordinate along one axis, the (kernel tap, input coordinate) pairs that reach it: o = i·s - pad + k,
    /// <paramref name="perOutput"/> slots each (ceil(k/s)), unused or out-of-image slots with tap -1.
    /// </summary>
    private static (int[] Taps, int[] Inputs) AxisTaps(int outSize, int inSize, int k, int s, int pad, int perOutput)
    {
        var taps = new int[outSize * perOutput];
        var inputs = new int[outSize * perOutput];
        Array.Fill(taps, -1);
        for (int o = 0; o < outSize; o++)
        {
            int j = 0;
            for (int t = (o + pad) % s; t < k; t += s)
            {
                int i = (o + pad - t) / s;
                if ((uint)i >= (uint)inSize) continue;
                taps[o * perOutput + j] = t; inputs[o * perOutput + j] = i; j++;
            }
        }
        return (taps, inputs);
    }

    private void ApplyActivation(float* y, long count)
    {
        if (_min != float.NegativeInfinity || _max != float.PositiveInfinity)
            for (long i = 0; i < count; i++) y[i] = Math.Clamp(y[i], _min, _max);
    }
}
