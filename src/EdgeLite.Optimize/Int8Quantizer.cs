using EdgeLite.Optimize.Calibration;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Optimize;

/// <summary>
/// Full-integer quantization of a float graph (in place): per-channel symmetric int8 weights, int32 biases at input
/// scale × weight scale, asymmetric int8 activations from calibrated ranges, TFLite's constraints per operator (shared
/// scales through reshapes, pooling, resizes and concatenation; fixed output scales of LOGISTIC/SOFTMAX/TANH), and
/// operators without an integer kernel kept float between DEQUANTIZE and QUANTIZE.
/// </summary>
internal sealed class Int8Quantizer
{
    private enum Kind { Float, Weighted, SameAsInput, Own, Fixed, Concat, IntegerOutput }

    private sealed record Rule(Kind Kind, int[] Activations, int Weights = -1, int Bias = -1, int WeightAxis = 0, bool PerChannel = true,
        float FixedScale = 0, int FixedZeroPoint = 0, int MinVersion = 1, int[]? ConstantOperands = null);

    private readonly ModelGraph _graph;
    private readonly GraphSubgraph _sg;
    private readonly QuantizationOptions _options;
    private readonly Dictionary<GraphTensor, (double Min, double Max)> _ranges;
    private readonly Dictionary<GraphTensor, GraphTensor> _quantized = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<GraphTensor, GraphTensor> _dequantized = new(ReferenceEqualityComparer.Instance);
    private readonly List<GraphOperator> _ops = [];
    private readonly HashSet<GraphOperator> _keepFloat = new(ReferenceEqualityComparer.Instance);

    /// <summary>Operators kept float, by index of the source graph, and why.</summary>
    public List<(int Index, string Op, string Why)> FloatOperators { get; } = [];

    public Int8Quantizer(ModelGraph graph, QuantizationOptions options, Dictionary<GraphTensor, (double, double)> ranges)
    {
        _graph = graph; _sg = graph.MainSubgraph; _options = options; _ranges = ranges;
        for (int i = 0; i < _sg.Operators.Count; i++)
        {
            var op = _sg.Operators[i];
            if (options.KeepFloat.Contains(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) ||
                op.Outputs.Count > 0 && options.KeepFloat.Contains(op.Outputs[0].Name)) _keepFloat.Add(op);
        }
    }

    public void Run()
    {
        var source = _sg.Operators.ToList();
        PrepareInputs();
        for (int i = 0; i < source.Count; i++)
        {
            var op = source[i];
            var rule = RuleFor(op);
            string? why = rule.Kind == Kind.Float ? "no integer kernel for it in EdgeLite's quantizer" : null;
            if (_keepFloat.Contains(op)) { rule = new Rule(Kind.Float, []); why = "kept float (--keep-float)"; }
            if (rule.Kind != Kind.Float && !CanQuantize(op, rule, out var reason)) { rule = new Rule(Kind.Float, []); why = reason; }
            if (rule.Kind == Kind.Float)
            {
                FloatOperators.Add((i, op.OpName, why!));
                for (int k = 0; k < op.Inputs.Count; k++)
                    if (op.Inputs[k] is { } t && t.Type == TensorType.Int8 && _ranges.ContainsKey(t)) op.Inputs[k] = FloatOf(t);
                _ops.Add(op);
                continue;
            }
            QuantizeOperator(op, rule);
        }
        FinishOutputs();
        _sg.Operators.Clear();
        _sg.Operators.AddRange(_ops);
        _graph.RemoveUnusedTensors(_sg);
    }

    // ---- rules ------------------------------------------------------------------------------------

    private Rule RuleFor(GraphOperator op)
    {
        if (op.CustomCode != null) return new Rule(Kind.Float, []);
        return op.Code switch
        {
            Fb.BuiltinOperator.CONV_2D => new Rule(Kind.Weighted, [0], 1, 2, 0, MinVersion: 3),
            Fb.BuiltinOperator.DEPTHWISE_CONV_2D => new Rule(Kind.Weighted, [0], 1, 2, 3, MinVersion: 3),
            Fb.BuiltinOperator.FULLY_CONNECTED => new Rule(Kind.Weighted, [0], 1, 2, 0, _options.PerChannelFullyConnected, MinVersion: _options.PerChannelFullyConnected ? 5 : 4),
            Fb.BuiltinOperator.TRANSPOSE_CONV => new Rule(Kind.Weighted, [2], 1, 3, 0, MinVersion: 2),
            Fb.BuiltinOperator.ADD or Fb.BuiltinOperator.SUB or Fb.BuiltinOperator.MUL => new Rule(Kind.Own, [0, 1], MinVersion: 2, ConstantOperands: [0, 1]),
            Fb.BuiltinOperator.MAX_POOL_2D or Fb.BuiltinOperator.AVERAGE_POOL_2D or Fb.BuiltinOperator.RESIZE_BILINEAR
                or Fb.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR or Fb.BuiltinOperator.PAD or Fb.BuiltinOperator.DEPTH_TO_SPACE
                or Fb.BuiltinOperator.SPACE_TO_DEPTH or Fb.BuiltinOperator.TRANSPOSE or Fb.BuiltinOperator.SLICE
                or Fb.BuiltinOperator.STRIDED_SLICE or Fb.BuiltinOperator.GATHER or Fb.BuiltinOperator.SPLIT_V => new Rule(Kind.SameAsInput, [0], MinVersion: 2),
            Fb.BuiltinOperator.RESHAPE or Fb.BuiltinOperator.SQUEEZE => new Rule(Kind.SameAsInput, [0]),
            Fb.BuiltinOperator.SPLIT => new Rule(Kind.SameAsInput, [1], MinVersion: 2),
            Fb.BuiltinOperator.CONCATENATION => new Rule(Kind.Concat, [.. Enumerable.Range(0, op.Inputs.Count)], MinVersion: 2),
            Fb.BuiltinOperator.MEAN => new Rule(Kind.Own, [0], MinVersion: 2),
            Fb.BuiltinOperator.SOFTMAX or Fb.BuiltinOperator.LOGISTIC => new Rule(Kind.Fixed, [0], FixedScale: 1f / 256, FixedZeroPoint: -128, MinVersion: 2),
            Fb.BuiltinOperator.TANH => new Rule(Kind.Fixed, [0], FixedScale: 1f / 128, FixedZeroPoint: 0, MinVersion: 2),
            // Versions: what TFLite's converter writes for int8 (RELU/RELU6 v2; HARD_SWISH, LEAKY_RELU, RELU_N1_TO_1, PRELU
            // have one version for every type).
            Fb.BuiltinOperator.RELU or Fb.BuiltinOperator.RELU6 => new Rule(Kind.Own, [0], MinVersion: 2),
            Fb.BuiltinOperator.RELU_N1_TO_1 or Fb.BuiltinOperator.LEAKY_RELU or Fb.BuiltinOperator.HARD_SWISH => new Rule(Kind.Own, [0]),
            Fb.BuiltinOperator.PRELU => new Rule(Kind.Own, [0, 1], ConstantOperands: [1]),
            Fb.BuiltinOperator.ARG_MAX or Fb.BuiltinOperator.ARG_MIN => new Rule(Kind.IntegerOutput, [0], MinVersion: 2),
            _ => new Rule(Kind.Float, []),
        };
    }

    private bool CanQuantize(GraphOperator op, Rule rule, out string why)
    {
        why = "";
        foreach (var k in rule.Activations)
        {
            if (k >= op.Inputs.Count || op.Inputs[k] is not { } t) { why = $"input {k} missing"; return false; }
            if (t.Type != TensorType.Float32 && !(t.Type == TensorType.Int8 && _ranges.ContainsKey(t))) { why = $"input {k} is {t.Type.ToDTypeName()}"; return false; }
            bool constantAllowed = rule.ConstantOperands?.Contains(k) == true || rule.Kind == Kind.Concat;
            if (t.IsConstant && !constantAllowed) { why = $"input {k} is a constant"; return false; }
            if (!t.IsConstant && !_ranges.ContainsKey(t)) { why = $"input {k} '{t.Name}' was not calibrated"; return false; }
        }
        if (rule.Kind == Kind.Weighted)
        {
            if (op.Inputs[rule.Weights] is not { IsConstant: true, Type: TensorType.Float32 }) { why = "its weights are not float constants"; return false; }
            if (rule.Bias < op.Inputs.Count && op.Inputs[rule.Bias] is { } b && (!b.IsConstant || b.Type != TensorType.Float32)) { why = "its bias is not a float constant"; return false; }
        }
        if (rule.Kind != Kind.IntegerOutput)
            foreach (var o in op.Outputs)
                if (o.Type != TensorType.Float32 || !_ranges.ContainsKey(o)) { why = $"output '{o.Name}' is not a calibrated float tensor"; return false; }
        return true;
    }

    // ---- rewriting -------------------------------------------------------------------------------

    private void QuantizeOperator(GraphOperator op, Rule rule)
    {
        // Activation inputs as int8.
        QuantizationParameters? concatParams = null;
        if (rule.Kind == Kind.Concat)
        {
            // One scale for all inputs and the output: the union of their ranges.
            double lo = _ranges[op.Outputs[0]].Min, hi = _ranges[op.Outputs[0]].Max;
            foreach (var t in op.Inputs) if (t != null) { var r = RangeOf(t); lo = Math.Min(lo, r.Min); hi = Math.Max(hi, r.Max); }
            concatParams = Params(lo, hi);
        }
        foreach (var k in rule.Activations)
        {
            var t = op.Inputs[k]!;
            if (t.IsConstant) { op.Inputs[k] = QuantizeConstant(t, concatParams ?? Params(RangeOf(t).Min, RangeOf(t).Max)); continue; }
            var q = t.Type == TensorType.Int8 ? t : QuantizedOf(t);
            if (concatParams != null && !Same(q.Quantization!, concatParams)) q = Requantize(q, concatParams);
            op.Inputs[k] = q;
        }
        if (rule.Kind == Kind.Weighted) QuantizeWeightsAndBias(op, rule);

        foreach (var o in op.Outputs)
        {
            if (rule.Kind == Kind.IntegerOutput) continue;
            var p = rule.Kind switch
            {
                Kind.SameAsInput => op.Inputs[rule.Activations[0]]!.Quantization!,
                Kind.Concat => concatParams!,
                Kind.Fixed => new QuantizationParameters([rule.FixedScale], [rule.FixedZeroPoint], 0),
                _ => Params(_ranges[o].Min, _ranges[o].Max),
            };
            o.Type = TensorType.Int8;
            o.Quantization = p;
        }
        op.Version = Math.Max(op.Version, rule.MinVersion);
        _ops.Add(op);
    }

    private void QuantizeWeightsAndBias(GraphOperator op, Rule rule)
    {
        var w = op.Inputs[rule.Weights]!;
        var input = op.Inputs[rule.Activations[0]]!;
        var data = w.DataAs<float>();
        float[] scales = rule.PerChannel ? QuantMath.SymmetricScales(data, w.Shape, rule.WeightAxis) : [QuantMath.SymmetricScales(data, [data.Length], 0).Max()];
        var bias = rule.Bias < op.Inputs.Count ? op.Inputs[rule.Bias] : null;
        if (bias != null) QuantMath.FitBias(bias.DataAs<float>(), input.Quantization!.Scale, scales);
        var values = QuantMath.QuantizeSymmetric(data, w.Shape, rule.WeightAxis, scales);
        var qw = _sg.AddConstant(w.Name, TensorType.Int8, w.Shape, (byte[])(Array)values,
            new QuantizationParameters(scales, new long[scales.Length], scales.Length > 1 ? rule.WeightAxis : 0));
        op.Inputs[rule.Weights] = qw;
        if (bias is { } b)
        {
            var (bv, bs) = QuantMath.Bias(b.DataAs<float>(), input.Quantization!.Scale, scales);
            var qb = _sg.AddConstant<int>(b.Name, TensorType.Int32, b.Shape, bv, new QuantizationParameters(bs, new long[bs.Length], 0));
            op.Inputs[rule.Bias] = qb;
        }
    }

    private GraphTensor QuantizeConstant(GraphTensor t, QuantizationParameters p)
    {
        var src = t.DataAs<float>();
        var q = new sbyte[src.Length];
        for (int i = 0; i < q.Length; i++) q[i] = (sbyte)QuantMath.Quantize(src[i], p.Scale, p.ZeroPoint, -128, 127);
        return _sg.AddConstant(t.Name, TensorType.Int8, t.Shape, (byte[])(Array)q, p);
    }

    private (double Min, double Max) RangeOf(GraphTensor t)
    {
        if (_ranges.TryGetValue(t, out var r)) return r;
        if (t.IsConstant && t.Type == TensorType.Float32)
        {
            double lo = 0, hi = 0;
            foreach (var v in t.DataAs<float>()) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            return (lo, hi);
        }
        if (t.Quantization is { } q) return (q.Scale * (-128 - q.ZeroPoint), q.Scale * (127 - q.ZeroPoint));
        throw new InvalidOperationException($"tensor {t} has no calibrated range");
    }

    private static QuantizationParameters Params(double min, double max)
    {
        var (s, z) = QuantMath.Asymmetric(min, max);
        return new QuantizationParameters([s], [z], 0);
    }

    private static bool Same(QuantizationParameters a, QuantizationParameters b) => a.Scale == b.Scale && a.ZeroPoint == b.ZeroPoint;

    // The int8 version of a float activation: QUANTIZE before its first integer consumer.
    private GraphTensor QuantizedOf(GraphTensor t)
    {
        if (_quantized.TryGetValue(t, out var q)) return q;
        var r = RangeOf(t);
        q = _sg.AddTensor(t.Name + "_int8", TensorType.Int8, t.Shape, Params(r.Min, r.Max));
        q.ShapeSignature = t.ShapeSignature;
        _ops.Add(Convert(Fb.BuiltinOperator.QUANTIZE, t, q, 1));
        _dequantized[q] = t;
        return _quantized[t] = q;
    }

    // The float version of an int8 activation: DEQUANTIZE before its first float consumer.
    private GraphTensor FloatOf(GraphTensor t)
    {
        if (_dequantized.TryGetValue(t, out var f)) return f;
        f = _sg.AddTensor(t.Name + "_float", TensorType.Float32, t.Shape);
        f.ShapeSignature = t.ShapeSignature;
        _ops.Add(Convert(Fb.BuiltinOperator.DEQUANTIZE, t, f, 2));
        _quantized[f] = t;
        return _dequantized[t] = f;
    }

    private GraphTensor Requantize(GraphTensor t, QuantizationParameters p)
    {
        var q = _sg.AddTensor(t.Name + "_requantized", TensorType.Int8, t.Shape, p);
        _ops.Add(Convert(Fb.BuiltinOperator.QUANTIZE, t, q, 2));
        return q;
    }

    private static GraphOperator Convert(Fb.BuiltinOperator code, GraphTensor from, GraphTensor to, int version)
    {
        var op = new GraphOperator((int)code, null, version);
        op.Inputs.Add(from);
        op.Outputs.Add(to);
        return op;
    }

    // ---- model inputs and outputs -------------------------------------------------------------------

    private void PrepareInputs()
    {
        if (_options.Io == ModelIoType.Float) return;
        for (int i = 0; i < _sg.Inputs.Count; i++)
        {
            var x = _sg.Inputs[i];
            if (x.Type != TensorType.Float32 || !_ranges.TryGetValue(x, out var r)) continue;
            var p = Params(r.Min, r.Max);
            if (_options.Io == ModelIoType.Int8)
            {
                x.Type = TensorType.Int8;
                x.Quantization = p;
                continue;
            }
            // uint8 input: the same scale, zero point + 128, converted to int8 first.
            var inner = _sg.AddTensor(x.Name + "_int8", TensorType.Int8, x.Shape, p);
            _sg.ReplaceUses(x, inner);
            _sg.Inputs[i] = x;
            x.Type = TensorType.UInt8;
            x.Quantization = new QuantizationParameters([p.Scale], [p.ZeroPoint + 128], 0);
            _ops.Add(Convert(Fb.BuiltinOperator.QUANTIZE, x, inner, 2));
            _ranges[inner] = r;
        }
    }

    private void FinishOutputs()
    {
        for (int i = 0; i < _sg.Outputs.Count; i++)
        {
            var y = _sg.Outputs[i];
            GraphTensor result;
            if (_options.Io == ModelIoType.Float)
            {
                if (y.Type != TensorType.Int8) continue;
                result = FloatOf(y);
            }
            else
            {
                var q = y.Type == TensorType.Float32 && _ranges.ContainsKey(y) ? QuantizedOf(y) : y;
                if (q.Type != TensorType.Int8) continue;
                if (_options.Io == ModelIoType.Int8) { if (ReferenceEquals(q, y)) continue; result = q; }
                else
                {
                    var p = q.Quantization!;
                    result = _sg.AddTensor(y.Name + "_uint8", TensorType.UInt8, y.Shape, new QuantizationParameters([p.Scale], [p.ZeroPoint + 128], 0));
                    _ops.Add(Convert(Fb.BuiltinOperator.QUANTIZE, q, result, 2));
                }
            }
            // The model's output keeps the original name; the inner tensor gets a suffix.
            string name = y.Name;
            y.Name = name + (y.Type == TensorType.Int8 ? "_int8" : "_float");
            result.Name = name;
            _sg.Outputs[i] = result;
            foreach (var s in _graph.Signatures.Where(s => s.Subgraph == _sg))
                for (int k = 0; k < s.Outputs.Count; k++)
                    if (ReferenceEquals(s.Outputs[k].Tensor, y)) s.Outputs[k] = new GraphSignatureTensor(s.Outputs[k].Name, result);
        }
    }
}
