using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// UNIDIRECTIONAL_SEQUENCE_LSTM with TFLite's semantics. Inputs (24; 20 = without layer norm; -1 = absent):
/// 0 input [batch, time, in] ([time, batch, in] with time_major); 1–4 input-to-{input, forget, cell, output} weights
/// [cell, in]; 5–8 recurrent-to-{i, f, c, o} weights [cell, out]; 9–11 peephole cell-to-{i, f, o} [cell];
/// 12–15 gate biases {i, f, c, o} [cell]; 16 projection weights [out, cell]; 17 projection bias [out];
/// 18 output state and 19 cell state (variable tensors, updated in place); 20–23 layer-norm coefficients {i, f, c, o}.
/// Input-gate tensors absent = CIFG (input gate = 1 - forget gate). Output [.., .., out].
/// float32: gates σ(W·x + R·h + peephole + bias) (layer norm: normalise, scale, then bias), cell gate and hidden
/// activation = the fused activation, cell_clip / proj_clip. int8 (TFLite's 8x8→16 integer path): int8 input and
/// output state, int16 cell state with a power-of-two scale, gates in Q3.12 (or the layer-norm intermediates' scales),
/// gemmlowp fixed-point sigmoid/tanh, the hidden state quantized with intermediate 4's scale and zero point.
/// </summary>
internal sealed unsafe class UnidirectionalSequenceLstm(bool sequence = true) : OpKernel
{
    /// <summary>False for the LSTM op: one step on [batch, input] (LSTMOptions, full kernel), the same arithmetic.</summary>
    private readonly bool _sequence = sequence;

    private const int Input = 0, InputToInput = 1, RecurrentToInput = 5, CellToInput = 9, CellToForget = 10, CellToOutput = 11;
    private const int InputGateBias = 12, ProjectionWeights = 16, ProjectionBias = 17, OutputState = 18, CellState = 19, InputLayerNorm = 20;
    private const int GateI = 0, GateF = 1, GateC = 2, GateO = 3;

    private bool _integer, _timeMajor, _cifg, _peephole, _projection, _layerNorm;
    private int _batch, _time, _nInput, _nCell, _nOutput;
    private FusedActivation _activation;
    private float _cellClip, _projClip;

    // integer path
    private readonly int[] _inMul = new int[4], _inShift = new int[4], _recMul = new int[4], _recShift = new int[4];
    private readonly int[] _peepMul = new int[4], _peepShift = new int[4];
    private readonly int*[] _inBias = new int*[4], _recBias = new int*[4];
    private int* _projBias;
    private int _hiddenMul, _hiddenShift, _hiddenZp, _projMul, _projShift, _outputStateZp, _cellScale;
    private short _cellClipQ;
    private sbyte _projClipQ;

    public override void Prepare(KernelContext context)
    {
        if (context.InputCount != 24 && context.InputCount != 20) throw context.Invalid($"expects 24 (or 20) inputs, got {context.InputCount}");
        if (context.OutputCount != 1) throw context.Invalid($"expects 1 output, got {context.OutputCount}");
        if (_sequence)
        {
            var o = context.Options<Schema.UnidirectionalSequenceLSTMOptions>() ?? default;
            if (o.DiagonalRecurrentTensors) throw context.Unsupported("diagonal recurrent weights");
            _timeMajor = o.TimeMajor;
            _activation = (FusedActivation)(sbyte)o.FusedActivationFunction;
            _cellClip = o.CellClip; _projClip = o.ProjClip;
        }
        else
        {
            var o = context.Options<Schema.LSTMOptions>() ?? default;
            if (o.KernelType != Schema.LSTMKernelType.FULL) throw context.Unsupported($"LSTM kernel type {o.KernelType}");
            _timeMajor = true; // one step: row = batch index
            _activation = (FusedActivation)(sbyte)o.FusedActivationFunction;
            _cellClip = o.CellClip; _projClip = o.ProjClip;
        }
        if (_cellClip < 0 || _projClip < 0 || float.IsNaN(_cellClip) || float.IsNaN(_projClip)) throw context.Invalid($"negative clip (cell {_cellClip}, projection {_projClip})");
        if (_activation is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.ReluN1To1 or FusedActivation.Relu6 or FusedActivation.Tanh))
            throw context.Unsupported($"activation {_activation}");

        var input = context.Input(Input);
        if (_sequence)
        {
            if (input.Rank != 3) throw context.Invalid($"input must be 3-D, got {input}");
            _time = _timeMajor ? input.Dim(0) : input.Dim(1);
            _batch = _timeMajor ? input.Dim(1) : input.Dim(0);
            _nInput = input.Dim(2);
        }
        else
        {
            if (input.Rank != 2) throw context.Invalid($"input must be [batch, input], got {input}");
            if (input.Type != TensorType.Float32) throw context.Unsupported($"{input.Type.ToDTypeName()} LSTM (the one-step op is implemented for float32)");
            _time = 1; _batch = input.Dim(0); _nInput = input.Dim(1);
        }
        var ito = context.Input(4);
        if (ito.Rank != 2) throw context.Invalid($"input-to-output weights must be 2-D, got {ito}");
        _nCell = ito.Dim(0);
        var rto = context.Input(8);
        if (rto.Rank != 2) throw context.Invalid($"recurrent-to-output weights must be 2-D, got {rto}");
        _nOutput = rto.Dim(1);
        if (_nCell <= 0 || _nOutput <= 0 || _nInput <= 0) throw context.Invalid($"empty dimensions (input {_nInput}, cell {_nCell}, output {_nOutput})");

        _cifg = context.OptionalInput(InputToInput) == null;
        if (_cifg != (context.OptionalInput(RecurrentToInput) == null)) throw context.Invalid("input-to-input and recurrent-to-input weights must both be present or both absent");
        _peephole = context.OptionalInput(CellToOutput) != null;
        if (_peephole != (context.OptionalInput(CellToForget) != null)) throw context.Invalid("cell-to-forget and cell-to-output weights must both be present or both absent");
        if (context.OptionalInput(CellToInput) != null && (_cifg || !_peephole)) throw context.Invalid("cell-to-input weights without input gate or other peephole weights");
        if (_peephole && !_cifg && context.OptionalInput(CellToInput) == null) throw context.Invalid("peephole LSTM with an input gate needs cell-to-input weights");
        _projection = context.OptionalInput(ProjectionWeights) != null;
        if (!_projection && context.OptionalInput(ProjectionBias) != null) throw context.Invalid("projection bias without projection weights");
        if (!_projection && _nOutput != _nCell) throw context.Invalid($"without projection the output size ({_nOutput}) must equal the cell count ({_nCell})");
        _layerNorm = context.InputCount == 24 && context.OptionalInput(InputLayerNorm + 1) != null;

        _integer = input.Type == TensorType.Int8;
        if (!_integer && input.Type != TensorType.Float32) throw context.Unsupported($"{input.Type.ToDTypeName()} input");
        var weightType = ito.Type;
        if (!_integer && weightType != TensorType.Float32) throw context.Unsupported($"hybrid LSTM ({weightType.ToDTypeName()} weights with float input)");
        if (_integer && weightType != TensorType.Int8) throw context.Unsupported($"int8 input with {weightType.ToDTypeName()} weights");
        var biasType = _integer ? TensorType.Int32 : TensorType.Float32;
        var smallType = _integer ? TensorType.Int16 : TensorType.Float32;

        for (int g = 0; g < 4; g++)
        {
            bool need = g != GateI || !_cifg;
            CheckTensor(context, 1 + g, need, weightType, _nCell, _nInput);
            CheckTensor(context, 5 + g, need, weightType, _nCell, _nOutput);
            CheckTensor(context, 12 + g, need, biasType, _nCell);
            if (g != GateC) CheckTensor(context, g == GateI ? CellToInput : g == GateF ? CellToForget : CellToOutput, _peephole && need, smallType, _nCell);
            if (context.InputCount == 24) CheckTensor(context, InputLayerNorm + g, _layerNorm && need, smallType, _nCell);
        }
        if (_projection)
        {
            CheckTensor(context, ProjectionWeights, true, weightType, _nOutput, _nCell);
            if (context.OptionalInput(ProjectionBias) != null) CheckTensor(context, ProjectionBias, true, biasType, _nOutput);
        }

        var outState = context.Input(OutputState); var cellState = context.Input(CellState);
        if (!outState.IsVariable || !cellState.IsVariable) throw context.Invalid("output state and cell state must be variable tensors");
        if (outState.ElementCount != _batch * _nOutput) throw context.Invalid($"output state {outState} must hold batch × output = {_batch * _nOutput} elements");
        if (cellState.ElementCount != _batch * _nCell) throw context.Invalid($"cell state {cellState} must hold batch × cell = {_batch * _nCell} elements");
        if (outState.Type != input.Type) throw context.Invalid($"output state {outState} must have the input's type");
        if (cellState.Type != smallType) throw context.Invalid($"cell state {cellState} must be {smallType.ToDTypeName()}");
        var output = context.Output(0);
        if (output.Type != input.Type) throw context.Invalid($"output {output} must have the input's type");
        if (_sequence) context.SetOutputShape(0, [input.Dim(0), input.Dim(1), _nOutput]);
        else context.SetOutputShape(0, [_batch, _nOutput]);

        if (_integer) PrepareInteger(context);
        // scratch: four gates, the hidden state (and the tanh of the cell state for the integer path)
        context.RequestScratch(_integer ? 5L * _nCell * sizeof(short) + _nCell + 64 : 5L * _nCell * sizeof(float));
    }

    private static void CheckTensor(KernelContext context, int index, bool required, TensorType type, int d0, int d1 = -1)
    {
        var t = context.OptionalInput(index);
        if (t == null)
        {
            if (required) throw context.Invalid($"input {index} is required");
            return;
        }
        if (!required) throw context.Invalid($"input {index} {t} must be absent with this configuration");
        if (t.Type != type) throw context.Invalid($"input {index} {t} must be {type.ToDTypeName()}");
        bool shapeOk = d1 < 0 ? t.Rank == 1 && t.Dim(0) == d0 : t.Rank == 2 && t.Dim(0) == d0 && t.Dim(1) == d1;
        if (!shapeOk) throw context.Invalid($"input {index} {t} must have shape [{d0}{(d1 < 0 ? "" : "," + d1)}]");
    }

    private static float Scale(Tensor t) => t.Quantization?.Scale ?? 1f;

    private void PrepareInteger(KernelContext context)
    {
        if (_layerNorm) throw context.Unsupported("integer layer-norm LSTM");
        if (_activation != FusedActivation.Tanh) throw context.Unsupported($"integer LSTM with activation {_activation} (TFLite supports tanh)");
        if (context.IntermediateCount != 5) throw context.Invalid($"integer LSTM needs 5 intermediate tensors, got {context.IntermediateCount}");
        for (int i = 1; i < 24; i++)
            if (i != OutputState && i != CellState && context.OptionalInput(i) is { } w && !w.IsConstant)
                throw context.Unsupported($"integer LSTM with non-constant input {i} {w}");
        var input = context.Input(Input);
        var outState = context.Input(OutputState); var cellState = context.Input(CellState);
        var hidden = context.Intermediate(4);
        if (hidden.Quantization is not { } hq || hq.Scales.Count == 0) throw context.Invalid("intermediate 4 (hidden state) has no quantization");
        if (input.Quantization == null || outState.Quantization == null || cellState.Quantization == null) throw context.Invalid("integer LSTM tensors without quantization");

        // cell state scale must be a power of two, at most 2^-9
        float cellScaleF = cellState.Quantization.Scale;
        float log2 = MathF.Log(cellScaleF) * (1f / MathF.Log(2f));
        float rounded = MathF.Round(log2);
        if (MathF.Abs(log2 - rounded) >= 1e-3f) throw context.Unsupported($"cell state scale {cellScaleF} is not a power of two");
        _cellScale = (int)rounded;
        if (_cellScale > -9 || _cellScale < -15) throw context.Unsupported($"cell state scale 2^{_cellScale} (TFLite needs 2^-15 .. 2^-9)");
        _cellClipQ = _cellClip > 0 ? (short)Math.Min(Math.Max(_cellClip / cellScaleF, -32768f), 32767f) : (short)0;
        _projClipQ = _projClip > 0 ? (sbyte)Math.Min(Math.Max(_projClip / Scale(context.Output(0)), -128f), 127f) : (sbyte)0;

        float inputScale = input.Quantization.Scale, stateScale = outState.Quantization.Scale;
        const float gateScale = 1f / 4096; // Q3.12 (no layer norm)
        for (int g = 0; g < 4; g++)
        {
            if (g == GateI && _cifg) continue;
            float effIn = Scale(context.Input(1 + g)) * inputScale / gateScale;
            float effRec = Scale(context.Input(5 + g)) * stateScale / gateScale;
            QuantizationUtils.QuantizeMultiplier(effIn, out _inMul[g], out _inShift[g]);
            QuantizationUtils.QuantizeMultiplier(effRec, out _recMul[g], out _recShift[g]);
            if (_peephole && g != GateC)
            {
                var w = context.Input(g == GateI ? CellToInput : g == GateF ? CellToForget : CellToOutput);
                float effPeep = (float)(Math.Pow(2, _cellScale) * Scale(w) / gateScale);
                QuantizationUtils.QuantizeMultiplier(effPeep, out _peepMul[g], out _peepShift[g]);
            }
            // The input zero point and the output state's are folded into the biases (row sums of the weights).
            _inBias[g] = EffectiveBias(context, context.Input(1 + g), context.Input(12 + g), -input.Quantization.ZeroPoint, _nInput);
            _recBias[g] = EffectiveBias(context, context.Input(5 + g), null, -outState.Quantization.ZeroPoint, _nOutput);
        }
        float hiddenScale = hq.Scale;
        _hiddenZp = hq.ZeroPoint;
        _outputStateZp = outState.Quantization.ZeroPoint;
        float effHidden = (float)(Math.Pow(2, -15) / hiddenScale * Math.Pow(2, -15));
        QuantizationUtils.QuantizeMultiplier(effHidden, out _hiddenMul, out _hiddenShift);
        if (_projection)
        {
            float effProj = Scale(context.Input(ProjectionWeights)) * hiddenScale / stateScale;
            QuantizationUtils.QuantizeMultiplier(effProj, out _projMul, out _projShift);
            // TFLite stores the hidden state as value - zero point, hence + zero point here.
            _projBias = EffectiveBias(context, context.Input(ProjectionWeights), context.OptionalInput(ProjectionBias), _hiddenZp, _nCell);
        }
    }

    private static int* EffectiveBias(KernelContext context, Tensor weights, Tensor? bias, int zeroPoint, int cols)
    {
        int rows = weights.Dim(0);
        var result = context.AllocatePersistent<int>(rows);
        sbyte* w = (sbyte*)weights.DataPointer;
        for (int r = 0; r < rows; r++)
        {
            int sum = 0;
            for (int c = 0; c < cols; c++) sum += w[(long)r * cols + c];
            result[r] = (bias != null ? ((int*)bias.DataPointer)[r] : 0) + sum * zeroPoint;
        }
        return KernelContext.AddressOf(result);
    }

    public override void Eval(KernelContext context)
    {
        byte* input = context.Input(Input).DataPointer, output = context.Output(0).DataPointer;
        byte* h = context.Input(OutputState).DataPointer, c = context.Input(CellState).DataPointer;
        int inSize = _integer ? 1 : 4;
        for (int b = 0; b < _batch; b++)
            for (int t = 0; t < _time; t++)
            {
                long row = _timeMajor ? (long)t * _batch + b : (long)b * _time + t;
                byte* x = input + row * _nInput * inSize, y = output + row * _nOutput * inSize;
                if (_integer) StepInteger(context, (sbyte*)x, (sbyte*)y, (sbyte*)h + (long)b * _nOutput, (short*)c + (long)b * _nCell);
                else StepFloat(context, (float*)x, (float*)y, (float*)h + (long)b * _nOutput, (float*)c + (long)b * _nCell);
            }
    }

    private static float* F(KernelContext context, int index) => context.OptionalInput(index) is { } t ? (float*)t.DataPointer : null;

    private float Activate(float v) => _activation switch
    {
        FusedActivation.None => v,
        FusedActivation.Relu => MathF.Max(0, v),
        FusedActivation.ReluN1To1 => Math.Clamp(v, -1f, 1f),
        FusedActivation.Relu6 => Math.Clamp(v, 0f, 6f),
        _ => MathF.Tanh(v),
    };

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    /// <summary>One time step for one batch row: updates the states <paramref name="h"/>, <paramref name="c"/> and writes <paramref name="y"/>.</summary>
    private void StepFloat(KernelContext context, float* x, float* y, float* h, float* c)
    {
        int nCell = _nCell;
        float* gates = (float*)context.Scratch;
        float* hidden = gates + 4 * nCell;
        for (int g = 0; g < 4; g++)
        {
            if (g == GateI && _cifg) continue;
            float* gate = gates + g * nCell;
            float* wx = F(context, 1 + g), wh = F(context, 5 + g), bias = F(context, 12 + g);
            for (int j = 0; j < nCell; j++)
            {
                float acc = _layerNorm ? 0f : bias[j];
                float* wr = wx + (long)j * _nInput;
                for (int k = 0; k < _nInput; k++) acc += wr[k] * x[k];
                wr = wh + (long)j * _nOutput;
                for (int k = 0; k < _nOutput; k++) acc += wr[k] * h[k];
                gate[j] = acc;
            }
        }
        if (!_cifg) FinishGate(context, gates + GateI * nCell, GateI, CellToInput, c, sigmoid: true);
        FinishGate(context, gates + GateF * nCell, GateF, CellToForget, c, sigmoid: true);
        float* ig = gates + GateI * nCell, fg = gates + GateF * nCell, cg = gates + GateC * nCell, og = gates + GateO * nCell;
        FinishGate(context, cg, GateC, -1, c, sigmoid: false);
        for (int j = 0; j < nCell; j++)
        {
            float v = fg[j] * c[j] + cg[j] * (_cifg ? 1f - fg[j] : ig[j]);
            if (_cellClip > 0) v = Math.Clamp(v, -_cellClip, _cellClip);
            c[j] = v;
        }
        FinishGate(context, og, GateO, CellToOutput, c, sigmoid: true);
        for (int j = 0; j < nCell; j++) hidden[j] = og[j] * Activate(c[j]);
        if (_projection)
        {
            float* wp = F(context, ProjectionWeights), bp = F(context, ProjectionBias);
            for (int r = 0; r < _nOutput; r++)
            {
                float acc = bp != null ? bp[r] : 0f;
                float* wr = wp + (long)r * nCell;
                for (int k = 0; k < nCell; k++) acc += wr[k] * hidden[k];
                if (_projClip > 0) acc = Math.Clamp(acc, -_projClip, _projClip);
                y[r] = acc;
            }
        }
        else for (int j = 0; j < nCell; j++) y[j] = hidden[j];
        for (int j = 0; j < _nOutput; j++) h[j] = y[j];
    }

    /// <summary>Peephole, layer norm (normalise, scale, add the bias) and the gate's activation, in place.</summary>
    private void FinishGate(KernelContext context, float* gate, int g, int peepholeIndex, float* c, bool sigmoid)
    {
        int n = _nCell;
        if (_peephole && peepholeIndex >= 0)
        {
            float* w = F(context, peepholeIndex);
            for (int j = 0; j < n; j++) gate[j] += w[j] * c[j];
        }
        if (_layerNorm)
        {
            float sum = 0, sumSq = 0;
            for (int j = 0; j < n; j++) { sum += gate[j]; sumSq += gate[j] * gate[j]; }
            float mean = sum / n;
            float variance = sumSq / n - mean * mean;
            float inv = variance == 0 ? 1f / MathF.Sqrt(1e-8f) : 1f / MathF.Sqrt(variance);
            float* coef = F(context, InputLayerNorm + g), bias = F(context, 12 + g);
            for (int j = 0; j < n; j++) gate[j] = (gate[j] - mean) * inv * coef[j] + bias[j];
        }
        if (sigmoid) for (int j = 0; j < n; j++) gate[j] = Sigmoid(gate[j]);
        else for (int j = 0; j < n; j++) gate[j] = Activate(gate[j]);
    }

    private static short Sat16(int v) => (short)(v < short.MinValue ? short.MinValue : v > short.MaxValue ? short.MaxValue : v);
    private static sbyte Sat8(int v) => (sbyte)(v < -128 ? -128 : v > 127 ? 127 : v);

    /// <summary>One time step of TFLite's 8x8→16 integer LSTM for one batch row.</summary>
    private void StepInteger(KernelContext context, sbyte* x, sbyte* y, sbyte* h, short* c)
    {
        int nCell = _nCell;
        short* gates = (short*)context.Scratch;
        short* tanhC = gates + 4 * nCell;
        sbyte* hidden = (sbyte*)(tanhC + nCell);
        // TFLite's order: forget, cell, input, (cell update), output.
        GateInteger(context, x, h, c, gates + GateF * nCell, GateF, sigmoid: true);
        GateInteger(context, x, h, c, gates + GateC * nCell, GateC, sigmoid: false);
        if (!_cifg) GateInteger(context, x, h, c, gates + GateI * nCell, GateI, sigmoid: true);
        short* ig = gates + GateI * nCell, fg = gates + GateF * nCell, cg = gates + GateC * nCell, og = gates + GateO * nCell;
        int shift = 30 + _cellScale;
        for (int j = 0; j < nCell; j++)
        {
            int kept = (short)QuantizationUtils.RoundingDivideByPOT(fg[j] * c[j], 15);
            int inGate = _cifg ? short.MaxValue - fg[j] : ig[j];
            int added = (short)QuantizationUtils.RoundingDivideByPOT(inGate * cg[j], shift);
            short v = Sat16(kept + added);
            if (_cellClipQ > 0) v = Math.Clamp(v, (short)-_cellClipQ, _cellClipQ);
            c[j] = v;
        }
        GateInteger(context, x, h, c, og, GateO, sigmoid: true);
        int tanhBits = 15 + _cellScale;
        for (int j = 0; j < nCell; j++)
        {
            tanhC[j] = FixedPoint16.Tanh(c[j], tanhBits);
            int v = QuantizationUtils.MultiplyByQuantizedMultiplier(og[j] * tanhC[j], _hiddenMul, _hiddenShift);
            hidden[j] = Sat8(v - _hiddenZp); // TFLite subtracts the zero point here
        }
        if (_projection)
        {
            sbyte* wp = (sbyte*)context.Input(ProjectionWeights).DataPointer;
            for (int r = 0; r < _nOutput; r++)
            {
                int acc = _projBias[r];
                sbyte* wr = wp + (long)r * nCell;
                for (int k = 0; k < nCell; k++) acc += wr[k] * hidden[k];
                sbyte v = Sat8(QuantizationUtils.MultiplyByQuantizedMultiplier(acc, _projMul, _projShift) + _outputStateZp);
                if (_projClipQ > 0) v = Math.Clamp(v, (sbyte)-_projClipQ, _projClipQ);
                y[r] = v;
            }
        }
        else for (int j = 0; j < nCell; j++) y[j] = hidden[j];
        for (int j = 0; j < _nOutput; j++) h[j] = y[j];
    }

    private void GateInteger(KernelContext context, sbyte* x, sbyte* h, short* c, short* gate, int g, bool sigmoid)
    {
        sbyte* wx = (sbyte*)context.Input(1 + g).DataPointer, wh = (sbyte*)context.Input(5 + g).DataPointer;
        int* bx = _inBias[g], bh = _recBias[g];
        short* peep = _peephole && g != GateC ? (short*)context.Input(g == GateI ? CellToInput : g == GateF ? CellToForget : CellToOutput).DataPointer : null;
        for (int j = 0; j < _nCell; j++)
        {
            int acc = bx[j];
            sbyte* wr = wx + (long)j * _nInput;
            for (int k = 0; k < _nInput; k++) acc += x[k] * wr[k];
            int v = Sat16(QuantizationUtils.MultiplyByQuantizedMultiplier(acc, _inMul[g], _inShift[g]));
            acc = bh[j];
            wr = wh + (long)j * _nOutput;
            for (int k = 0; k < _nOutput; k++) acc += h[k] * wr[k];
            v = Sat16(QuantizationUtils.MultiplyByQuantizedMultiplier(acc, _recMul[g], _recShift[g]) + v);
            if (peep != null) v = Sat16(QuantizationUtils.MultiplyByQuantizedMultiplier(peep[j] * c[j], _peepMul[g], _peepShift[g]) + v);
            gate[j] = sigmoid ? FixedPoint16.Logistic((short)v, 3) : FixedPoint16.Tanh((short)v, 3);
        }
    }
}
