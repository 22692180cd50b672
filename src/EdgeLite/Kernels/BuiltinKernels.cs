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
        r.AddBuiltin(BuiltinOperator.ARG_MAX, static () => new ArgMinMax(max: true));
        r.AddBuiltin(BuiltinOperator.ARG_MIN, static () => new ArgMinMax(max: false));
        r.AddBuiltin(BuiltinOperator.ASSIGN_VARIABLE, static () => new AssignVariable());
        r.AddBuiltin(BuiltinOperator.AVERAGE_POOL_2D, static () => new Pooling(max: false));
        r.AddBuiltin(BuiltinOperator.BATCH_TO_SPACE_ND, static () => new SpaceToBatch(toBatch: false));
        r.AddBuiltin(BuiltinOperator.BROADCAST_ARGS, static () => new BroadcastArgs());
        r.AddBuiltin(BuiltinOperator.BROADCAST_TO, static () => new BroadcastTo());
        r.AddBuiltin(BuiltinOperator.CALL_ONCE, static () => new CallOnce());
        r.AddBuiltin(BuiltinOperator.CAST, static () => new Cast());
        r.AddBuiltin(BuiltinOperator.CONCATENATION, static () => new Concatenation());
        r.AddBuiltin(BuiltinOperator.CONV_2D, static () => new Conv2D());
        r.AddBuiltin(BuiltinOperator.DENSIFY, static () => new Densify());
        r.AddBuiltin(BuiltinOperator.DEPTHWISE_CONV_2D, static () => new DepthwiseConv2D());
        r.AddBuiltin(BuiltinOperator.DEPTH_TO_SPACE, static () => new DepthToSpace(toSpace: true));
        r.AddBuiltin(BuiltinOperator.DEQUANTIZE, static () => new Dequantize());
        r.AddBuiltin(BuiltinOperator.DIV, static () => new Div(floor: false));
        r.AddBuiltin(BuiltinOperator.EMBEDDING_LOOKUP, static () => new EmbeddingLookup());
        r.AddBuiltin(BuiltinOperator.EXP, static () => new UnaryFloat(UnaryKind.Exp));
        r.AddBuiltin(BuiltinOperator.EXPAND_DIMS, static () => new ExpandDims());
        r.AddBuiltin(BuiltinOperator.FILL, static () => new Fill());
        r.AddBuiltin(BuiltinOperator.FLOOR_DIV, static () => new Div(floor: true));
        r.AddBuiltin(BuiltinOperator.FULLY_CONNECTED, static () => new FullyConnected());
        r.AddBuiltin(BuiltinOperator.GATHER, static () => new Gather());
        r.AddBuiltin(BuiltinOperator.GATHER_ND, static () => new GatherNd());
        r.AddBuiltin(BuiltinOperator.HARD_SWISH, static () => new Activation(ActivationKind.HardSwish));
        r.AddBuiltin(BuiltinOperator.IF, static () => new If());
        r.AddBuiltin(BuiltinOperator.LEAKY_RELU, static () => new Activation(ActivationKind.LeakyRelu));
        r.AddBuiltin(BuiltinOperator.LOG, static () => new UnaryFloat(UnaryKind.Log));
        r.AddBuiltin(BuiltinOperator.LOGISTIC, static () => new Activation(ActivationKind.Logistic));
        r.AddBuiltin(BuiltinOperator.MATRIX_DIAG, static () => new MatrixDiag(set: false));
        r.AddBuiltin(BuiltinOperator.MATRIX_SET_DIAG, static () => new MatrixDiag(set: true));
        r.AddBuiltin(BuiltinOperator.MAX_POOL_2D, static () => new Pooling(max: true));
        r.AddBuiltin(BuiltinOperator.MEAN, static () => new Mean());
        r.AddBuiltin(BuiltinOperator.MIRROR_PAD, static () => new MirrorPad());
        r.AddBuiltin(BuiltinOperator.MUL, static () => new Mul());
        r.AddBuiltin(BuiltinOperator.NEG, static () => new UnaryFloat(UnaryKind.Neg));
        r.AddBuiltin(BuiltinOperator.ONE_HOT, static () => new OneHot());
        r.AddBuiltin(BuiltinOperator.PACK, static () => new Pack());
        r.AddBuiltin(BuiltinOperator.PAD, static () => new Pad());
        r.AddBuiltin(BuiltinOperator.PADV2, static () => new Pad());
        r.AddBuiltin(BuiltinOperator.PRELU, static () => new PRelu());
        r.AddBuiltin(BuiltinOperator.QUANTIZE, static () => new Quantize());
        r.AddBuiltin(BuiltinOperator.RANGE, static () => new Range());
        r.AddBuiltin(BuiltinOperator.RANK, static () => new RankOp());
        r.AddBuiltin(BuiltinOperator.READ_VARIABLE, static () => new ReadVariable());
        r.AddBuiltin(BuiltinOperator.RELU, static () => new Activation(ActivationKind.Relu));
        r.AddBuiltin(BuiltinOperator.RELU6, static () => new Activation(ActivationKind.Relu6));
        r.AddBuiltin(BuiltinOperator.RELU_0_TO_1, static () => new Activation(ActivationKind.Relu0To1));
        r.AddBuiltin(BuiltinOperator.RELU_N1_TO_1, static () => new Activation(ActivationKind.ReluN1To1));
        r.AddBuiltin(BuiltinOperator.RESHAPE, static () => new Reshape());
        r.AddBuiltin(BuiltinOperator.RESIZE_BILINEAR, static () => new ResizeBilinear());
        r.AddBuiltin(BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, static () => new ResizeNearestNeighbor());
        r.AddBuiltin(BuiltinOperator.REVERSE_SEQUENCE, static () => new ReverseSequence());
        r.AddBuiltin(BuiltinOperator.REVERSE_V2, static () => new ReverseV2());
        r.AddBuiltin(BuiltinOperator.RSQRT, static () => new UnaryFloat(UnaryKind.Rsqrt));
        r.AddBuiltin(BuiltinOperator.SCATTER_ND, static () => new ScatterNd());
        r.AddBuiltin(BuiltinOperator.SHAPE, static () => new ShapeOp());
        r.AddBuiltin(BuiltinOperator.SLICE, static () => new Slice());
        r.AddBuiltin(BuiltinOperator.SOFTMAX, static () => new Softmax());
        r.AddBuiltin(BuiltinOperator.SPACE_TO_BATCH_ND, static () => new SpaceToBatch(toBatch: true));
        r.AddBuiltin(BuiltinOperator.SPACE_TO_DEPTH, static () => new DepthToSpace(toSpace: false));
        r.AddBuiltin(BuiltinOperator.SPLIT, static () => new Split(variable: false));
        r.AddBuiltin(BuiltinOperator.SPLIT_V, static () => new Split(variable: true));
        r.AddBuiltin(BuiltinOperator.SQRT, static () => new UnaryFloat(UnaryKind.Sqrt));
        r.AddBuiltin(BuiltinOperator.SQUARE, static () => new UnaryFloat(UnaryKind.Square));
        r.AddBuiltin(BuiltinOperator.SQUEEZE, static () => new Squeeze());
        r.AddBuiltin(BuiltinOperator.STRIDED_SLICE, static () => new StridedSlice());
        r.AddBuiltin(BuiltinOperator.SUB, static () => new Add(subtract: true));
        r.AddBuiltin(BuiltinOperator.TANH, static () => new Activation(ActivationKind.Tanh));
        r.AddBuiltin(BuiltinOperator.TILE, static () => new Tile());
        r.AddBuiltin(BuiltinOperator.TRANSPOSE, static () => new Transpose());
        r.AddBuiltin(BuiltinOperator.TRANSPOSE_CONV, static () => new TransposeConv(mediapipe: false));
        r.AddBuiltin(BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, static () => new UnidirectionalSequenceLstm());
        r.AddBuiltin(BuiltinOperator.UNIQUE, static () => new Unique());
        r.AddBuiltin(BuiltinOperator.UNPACK, static () => new Unpack());
        r.AddBuiltin(BuiltinOperator.VAR_HANDLE, static () => new VarHandle());
        r.AddBuiltin(BuiltinOperator.WHERE, static () => new Where());
        r.AddBuiltin(BuiltinOperator.WHILE, static () => new While());
        r.AddCustom(DetectionPostProcess.CustomCode, static () => new DetectionPostProcess());
        r.AddCustom(PosenetDecoder.CustomCode, static () => new PosenetDecoder());
        r.AddCustom(TransposeConv.CustomCode, static () => new TransposeConv(mediapipe: true));
        r.AddCustom(MediaPipe.Landmarks2TransformMatrix.CustomCode, static () => new MediaPipe.Landmarks2TransformMatrix());
        r.AddCustom(MediaPipe.TransformLandmarks.CustomCode, static () => new MediaPipe.TransformLandmarks());
        r.AddCustom(MediaPipe.TransformTensorBilinear.CustomCode, static () => new MediaPipe.TransformTensorBilinear());
    }
}
