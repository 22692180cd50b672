using EdgeLite.Schema;

namespace EdgeLite.Kernels;

/// <summary>The table of builtin kernels: one line per operator, kernels live in one file per family.</summary>
internal static class BuiltinKernels
{
    public static void Register(OpResolver r)
    {
        // KERNEL-REGISTRATIONS (keep sorted by operator name; one line each)
        r.AddBuiltin(BuiltinOperator.ABS, static () => new UnaryFloat(UnaryKind.Abs));
        r.AddBuiltin(BuiltinOperator.ADD, static () => new Add(subtract: false));
        r.AddBuiltin(BuiltinOperator.ADD_N, static () => new AddN());
        r.AddBuiltin(BuiltinOperator.ARG_MAX, static () => new ArgMinMax(max: true));
        r.AddBuiltin(BuiltinOperator.ARG_MIN, static () => new ArgMinMax(max: false));
        r.AddBuiltin(BuiltinOperator.AVERAGE_POOL_2D, static () => new Pooling(max: false));
        r.AddBuiltin(BuiltinOperator.BITWISE_XOR, static () => new BinaryElementwise(BinaryKind.BitwiseXor));
        r.AddBuiltin(BuiltinOperator.CAST, static () => new Cast());
        r.AddBuiltin(BuiltinOperator.CEIL, static () => new UnaryMath(UnaryMathKind.Ceil));
        r.AddBuiltin(BuiltinOperator.CONCATENATION, static () => new Concatenation());
        r.AddBuiltin(BuiltinOperator.CONV_2D, static () => new Conv2D());
        r.AddBuiltin(BuiltinOperator.COS, static () => new UnaryMath(UnaryMathKind.Cos));
        r.AddBuiltin(BuiltinOperator.DENSIFY, static () => new Densify());
        r.AddBuiltin(BuiltinOperator.DEPTHWISE_CONV_2D, static () => new DepthwiseConv2D());
        r.AddBuiltin(BuiltinOperator.DEPTH_TO_SPACE, static () => new DepthToSpace(toSpace: true));
        r.AddBuiltin(BuiltinOperator.DEQUANTIZE, static () => new Dequantize());
        r.AddBuiltin(BuiltinOperator.DIV, static () => new Div(floor: false));
        r.AddBuiltin(BuiltinOperator.ELU, static () => new Activation(ActivationKind.Elu));
        r.AddBuiltin(BuiltinOperator.EQUAL, static () => new Comparison(CompareKind.Equal));
        r.AddBuiltin(BuiltinOperator.EXP, static () => new UnaryFloat(UnaryKind.Exp));
        r.AddBuiltin(BuiltinOperator.FLOOR, static () => new UnaryMath(UnaryMathKind.Floor));
        r.AddBuiltin(BuiltinOperator.FLOOR_DIV, static () => new Div(floor: true));
        r.AddBuiltin(BuiltinOperator.FLOOR_MOD, static () => new BinaryElementwise(BinaryKind.FloorMod));
        r.AddBuiltin(BuiltinOperator.FULLY_CONNECTED, static () => new FullyConnected());
        r.AddBuiltin(BuiltinOperator.GATHER, static () => new Gather());
        r.AddBuiltin(BuiltinOperator.GATHER_ND, static () => new GatherNd());
        r.AddBuiltin(BuiltinOperator.GELU, static () => new Activation(ActivationKind.Gelu));
        r.AddBuiltin(BuiltinOperator.GREATER, static () => new Comparison(CompareKind.Greater));
        r.AddBuiltin(BuiltinOperator.GREATER_EQUAL, static () => new Comparison(CompareKind.GreaterEqual));
        r.AddBuiltin(BuiltinOperator.HARD_SWISH, static () => new Activation(ActivationKind.HardSwish));
        r.AddBuiltin(BuiltinOperator.L2_NORMALIZATION, static () => new L2Normalization());
        r.AddBuiltin(BuiltinOperator.L2_POOL_2D, static () => new L2Pool());
        r.AddBuiltin(BuiltinOperator.LEAKY_RELU, static () => new Activation(ActivationKind.LeakyRelu));
        r.AddBuiltin(BuiltinOperator.LESS, static () => new Comparison(CompareKind.Less));
        r.AddBuiltin(BuiltinOperator.LESS_EQUAL, static () => new Comparison(CompareKind.LessEqual));
        r.AddBuiltin(BuiltinOperator.LOCAL_RESPONSE_NORMALIZATION, static () => new LocalResponseNormalization());
        r.AddBuiltin(BuiltinOperator.LOG, static () => new UnaryFloat(UnaryKind.Log));
        r.AddBuiltin(BuiltinOperator.LOGICAL_AND, static () => new Logical(LogicalKind.And));
        r.AddBuiltin(BuiltinOperator.LOGICAL_NOT, static () => new Logical(LogicalKind.Not));
        r.AddBuiltin(BuiltinOperator.LOGICAL_OR, static () => new Logical(LogicalKind.Or));
        r.AddBuiltin(BuiltinOperator.LOGISTIC, static () => new Activation(ActivationKind.Logistic));
        r.AddBuiltin(BuiltinOperator.LOG_SOFTMAX, static () => new LogSoftmax());
        r.AddBuiltin(BuiltinOperator.MAXIMUM, static () => new BinaryElementwise(BinaryKind.Maximum));
        r.AddBuiltin(BuiltinOperator.MAX_POOL_2D, static () => new Pooling(max: true));
        r.AddBuiltin(BuiltinOperator.MEAN, static () => new Mean());
        r.AddBuiltin(BuiltinOperator.MINIMUM, static () => new BinaryElementwise(BinaryKind.Minimum));
        r.AddBuiltin(BuiltinOperator.MUL, static () => new Mul());
        r.AddBuiltin(BuiltinOperator.NEG, static () => new UnaryFloat(UnaryKind.Neg));
        r.AddBuiltin(BuiltinOperator.NOT_EQUAL, static () => new Comparison(CompareKind.NotEqual));
        r.AddBuiltin(BuiltinOperator.PACK, static () => new Pack());
        r.AddBuiltin(BuiltinOperator.PAD, static () => new Pad());
        r.AddBuiltin(BuiltinOperator.PADV2, static () => new Pad());
        r.AddBuiltin(BuiltinOperator.POW, static () => new BinaryElementwise(BinaryKind.Pow));
        r.AddBuiltin(BuiltinOperator.PRELU, static () => new PRelu());
        r.AddBuiltin(BuiltinOperator.QUANTIZE, static () => new Quantize());
        r.AddBuiltin(BuiltinOperator.RELU, static () => new Activation(ActivationKind.Relu));
        r.AddBuiltin(BuiltinOperator.RELU6, static () => new Activation(ActivationKind.Relu6));
        r.AddBuiltin(BuiltinOperator.RELU_0_TO_1, static () => new Activation(ActivationKind.Relu0To1));
        r.AddBuiltin(BuiltinOperator.RELU_N1_TO_1, static () => new Activation(ActivationKind.ReluN1To1));
        r.AddBuiltin(BuiltinOperator.RESHAPE, static () => new Reshape());
        r.AddBuiltin(BuiltinOperator.RESIZE_BILINEAR, static () => new ResizeBilinear());
        r.AddBuiltin(BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, static () => new ResizeNearestNeighbor());
        r.AddBuiltin(BuiltinOperator.RIGHT_SHIFT, static () => new BinaryElementwise(BinaryKind.RightShift));
        r.AddBuiltin(BuiltinOperator.ROUND, static () => new UnaryMath(UnaryMathKind.Round));
        r.AddBuiltin(BuiltinOperator.RSQRT, static () => new UnaryFloat(UnaryKind.Rsqrt));
        r.AddBuiltin(BuiltinOperator.SELECT, static () => new Select(v2: false));
        r.AddBuiltin(BuiltinOperator.SELECT_V2, static () => new Select(v2: true));
        r.AddBuiltin(BuiltinOperator.SIGN, static () => new UnaryMath(UnaryMathKind.Sign));
        r.AddBuiltin(BuiltinOperator.SIN, static () => new UnaryMath(UnaryMathKind.Sin));
        r.AddBuiltin(BuiltinOperator.SLICE, static () => new Slice());
        r.AddBuiltin(BuiltinOperator.SOFTMAX, static () => new Softmax());
        r.AddBuiltin(BuiltinOperator.SPACE_TO_DEPTH, static () => new DepthToSpace(toSpace: false));
        r.AddBuiltin(BuiltinOperator.SPLIT, static () => new Split(variable: false));
        r.AddBuiltin(BuiltinOperator.SPLIT_V, static () => new Split(variable: true));
        r.AddBuiltin(BuiltinOperator.SQRT, static () => new UnaryFloat(UnaryKind.Sqrt));
        r.AddBuiltin(BuiltinOperator.SQUARE, static () => new UnaryFloat(UnaryKind.Square));
        r.AddBuiltin(BuiltinOperator.SQUARED_DIFFERENCE, static () => new BinaryElementwise(BinaryKind.SquaredDifference));
        r.AddBuiltin(BuiltinOperator.SQUEEZE, static () => new Squeeze());
        r.AddBuiltin(BuiltinOperator.STRIDED_SLICE, static () => new StridedSlice());
        r.AddBuiltin(BuiltinOperator.SUB, static () => new Add(subtract: true));
        r.AddBuiltin(BuiltinOperator.TANH, static () => new Activation(ActivationKind.Tanh));
        r.AddBuiltin(BuiltinOperator.TRANSPOSE, static () => new Transpose());
        r.AddBuiltin(BuiltinOperator.TRANSPOSE_CONV, static () => new TransposeConv(mediapipe: false));
        r.AddBuiltin(BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, static () => new UnidirectionalSequenceLstm());
        r.AddBuiltin(BuiltinOperator.UNPACK, static () => new Unpack());
        r.AddBuiltin(BuiltinOperator.ZEROS_LIKE, static () => new UnaryMath(UnaryMathKind.ZerosLike));
        r.AddCustom(DetectionPostProcess.CustomCode, static () => new DetectionPostProcess());
        r.AddCustom(PosenetDecoder.CustomCode, static () => new PosenetDecoder());
        r.AddCustom(TransposeConv.CustomCode, static () => new TransposeConv(mediapipe: true));
        r.AddCustom(MediaPipe.Landmarks2TransformMatrix.CustomCode, static () => new MediaPipe.Landmarks2TransformMatrix());
        r.AddCustom(MediaPipe.TransformLandmarks.CustomCode, static () => new MediaPipe.TransformLandmarks());
        r.AddCustom(MediaPipe.TransformTensorBilinear.CustomCode, static () => new MediaPipe.TransformTensorBilinear());
    }
}
