namespace EdgeLite.Kernels;

/// <summary>
/// TFLite's SSD post-processing custom operator <c>TFLite_Detection_PostProcess</c>: decodes centre-size box
/// encodings against anchors, then runs class-agnostic "fast" NMS (each anchor ranked by its best class) or
/// per-class "regular" NMS, and writes boxes [1,D,4] (ymin, xmin, ymax, xmax), classes [1,D], scores [1,D] and the
/// detection count [1], all float32, with D = max_detections × max_classes_per_detection.
/// Semantics follow tensorflow/lite/kernels/detection_postprocess.cc: decoding in double, scores kept when
/// ≥ nms_score_threshold, a stable descending sort, suppression when IoU &gt; nms_iou_threshold.
/// Differences: where TFLite uses an unstable partial sort (top classes of an anchor, regular NMS merge) equal
/// scores are ordered by index here; unused output slots are zero (TFLite leaves them as they were).
/// </summary>
internal sealed class DetectionPostProcess : OpKernel
{
    /// <summary>The custom code the operator is registered under.</summary>
    public const string CustomCode = "TFLite_Detection_PostProcess";

    private int _maxDetections, _maxClassesPerDetection, _detectionsPerClass, _numClasses;
    private float _scoreThreshold, _iouThreshold;
    private bool _regularNms;
    private double _yScale, _xScale, _hScale, _wScale;
    private int _numBoxes, _boxStride, _classesWithBackground, _labelOffset, _numDetected;

    // Working memory, sized in Prepare (Eval allocates nothing).
    private float[] _decoded = [];      // [N,4] ymin, xmin, ymax, xmax
    private float[] _scores = [];       // [N,C] dequantized class predictions (quantized input only)
    private byte[] _active = [];
    private int[] _keepIndices = [], _sorted = [], _sortTmp = [], _selected = [];
    private float[] _keepScores = [], _classScores = [];
    private int[] _mergedIndices = [], _mergedSorted = [];
    private float[] _mergedScores = [], _mergedSortedValues = [];
    private float[] _maxScores = [];
    private int[] _classOrder = [];

    public override void Prepare(KernelContext context)
    {
        if (context.InputCount != 3) throw context.Invalid($"expects 3 inputs (boxes, scores, anchors), has {context.InputCount}");
        if (context.OutputCount != 4) throw context.Invalid($"expects 4 outputs, has {context.OutputCount}");
        var options = FlexBufferMap.Parse(context.CustomOptions);
        _maxDetections = checked((int)options.GetInt("max_detections"));
        _maxClassesPerDetection = checked((int)options.GetInt("max_classes_per_detection"));
        _detectionsPerClass = options.Contains("detections_per_class") ? checked((int)options.GetInt("detections_per_class")) : 100;
        _regularNms = options.GetBool("use_regular_nms");
        _scoreThreshold = (float)options.GetFloat("nms_score_threshold");
        _iouThreshold = (float)options.GetFloat("nms_iou_threshold");
        _numClasses = checked((int)options.GetInt("num_classes"));
        _yScale = (float)options.GetFloat("y_scale");
        _xScale = (float)options.GetFloat("x_scale");
        _hScale = (float)options.GetFloat("h_scale");
        _wScale = (float)options.GetFloat("w_scale");

        var boxes = context.Input(0);
        var classes = context.Input(1);
        var anchors = context.Input(2);
        if (boxes.Rank != 3 || classes.Rank != 3 || anchors.Rank != 2)
            throw context.Invalid($"expects boxes [1,N,4+], scores [1,N,C] and anchors [N,4], got {boxes}, {classes}, {anchors}");
        _numBoxes = boxes.Dim(1);
        _boxStride = boxes.Dim(2);
        _classesWithBackground = classes.Dim(2);
        if (boxes.Dim(0) != 1 || classes.Dim(0) != 1) throw context.Unsupported("batch size other than 1");
        if (_boxStride < 4) throw context.Invalid($"box encodings have {_boxStride} values per box, need at least 4");
        if (classes.Dim(1) != _numBoxes || anchors.Dim(0) != _numBoxes || anchors.Dim(1) != 4)
            throw context.Invalid($"boxes ({_numBoxes}), scores ({classes.Dim(1)}) and anchors ({anchors.Dim(0)}x{anchors.Dim(1)}) disagree");
        foreach (var t in new[] { boxes, classes, anchors })
            if (t.Type is not (TensorType.Float32 or TensorType.UInt8))
                throw context.Unsupported($"input {t} of type {t.Type.ToDTypeName()} (float32 or uint8 only)");
        if (_numClasses <= 0 || _classesWithBackground - _numClasses is < 0 or > 1)
            throw context.Invalid($"num_classes {_numClasses} does not fit the {_classesWithBackground} class scores");
        _labelOffset = _classesWithBackground - _numClasses;
        if (_maxDetections < 0) throw context.Invalid($"max_detections {_maxDetections}");
        if (_maxClassesPerDetection <= 0) throw context.Invalid($"max_classes_per_detection {_maxClassesPerDetection}");
        if (_regularNms && _detectionsPerClass <= 0) throw context.Invalid($"detections_per_class {_detectionsPerClass}");
        if (!(_iouThreshold > 0f && _iouThreshold <= 1f)) throw context.Invalid($"nms_iou_threshold {_iouThreshold} not in (0, 1]");
        if (_yScale == 0 || _xScale == 0 || _hScale == 0 || _wScale == 0) throw context.Invalid("a box scale is zero");

        _numDetected = checked(_maxDetections * _maxClassesPerDetection);
        for (int i = 0; i < 4; i++)
            if (context.Output(i).Type != TensorType.Float32)
                throw context.Invalid($"output {i} must be float32, is {context.Output(i).Type.ToDTypeName()}");
        context.SetOutputShape(0, [1, _numDetected, 4]);
        context.SetOutputShape(1, [1, _numDetected]);
        context.SetOutputShape(2, [1, _numDetected]);
        context.SetOutputShape(3, [1]);

        int n = _numBoxes;
        _decoded = context.AllocatePersistent<float>(checked(n * 4));
        if (classes.Type == TensorType.UInt8) _scores = context.AllocatePersistent<float>(checked(n * _classesWithBackground));
        _active = context.AllocatePersistent<byte>(n);
        _keepIndices = context.AllocatePersistent<int>(n);
        _keepScores = context.AllocatePersistent<float>(n);
        _sorted = context.AllocatePersistent<int>(n);
        _sortTmp = context.AllocatePersistent<int>(checked(n + _maxDetections));
        _selected = context.AllocatePersistent<int>(n);
        if (_regularNms)
        {
            _classScores = context.AllocatePersistent<float>(n);
            _mergedIndices = context.AllocatePersistent<int>(checked(n + _maxDetections));
            _mergedScores = context.AllocatePersistent<float>(checked(n + _maxDetections));
            _mergedSorted = context.AllocatePersistent<int>(checked(n + _maxDetections));
            _mergedSortedValues = context.AllocatePersistent<float>(Math.Max(1, _maxDetections));
        }
        else
        {
            _maxScores = context.AllocatePersistent<float>(n);
            _classOrder = context.AllocatePersistent<int>(checked(n * _numClasses));
        }
    }

    public override void Eval(KernelContext context)
    {
        var boxes = context.Input(0);
        var classes = context.Input(1);
        DecodeBoxes(boxes, context.Input(2));
        for (int i = 0; i < _numBoxes; i++)
        {
            int b = i * 4;
            if (_decoded[b] > _decoded[b + 2] || _decoded[b + 1] > _decoded[b + 3])
                throw new InterpreterException($"operator {context.Operator.Index} ({CustomCode}): decoded box {i} is inverted (negative anchor size?)");
        }

        ReadOnlySpan<float> scores;
        if (classes.Type == TensorType.UInt8)
        {
            var q = classes.AsSpan<byte>();
            float zp = classes.Quantization?.ZeroPoint ?? 0, scale = classes.Quantization?.Scale ?? 1f;
            for (int i = 0; i < q.Length; i++) _scores[i] = (q[i] - zp) * scale;
            scores = _scores;
        }
        else scores = classes.AsSpan<float>();

        var outBoxes = context.Output(0).AsSpan<float>();
        var outClasses = context.Output(1).AsSpan<float>();
        var outScores = context.Output(2).AsSpan<float>();
        outBoxes.Clear(); outClasses.Clear(); outScores.Clear();
        int count = _regularNms ? RegularNms(scores, outBoxes, outClasses, outScores) : FastNms(scores, outBoxes, outClasses, outScores);
        context.Output(3).AsSpan<float>()[0] = count;
    }

    private void DecodeBoxes(Tensor boxes, Tensor anchors)
    {
        bool qBoxes = boxes.Type == TensorType.UInt8, qAnchors = anchors.Type == TensorType.UInt8;
        float bzp = boxes.Quantization?.ZeroPoint ?? 0, bscale = boxes.Quantization?.Scale ?? 1f;
        float azp = anchors.Quantization?.ZeroPoint ?? 0, ascale = anchors.Quantization?.Scale ?? 1f;
        ReadOnlySpan<byte> bq = qBoxes ? boxes.AsSpan<byte>() : default;
        ReadOnlySpan<float> bf = qBoxes ? default : boxes.AsSpan<float>();
        ReadOnlySpan<byte> aq = qAnchors ? anchors.AsSpan<byte>() : default;
        ReadOnlySpan<float> af = qAnchors ? default : anchors.AsSpan<float>();
        for (int i = 0; i < _numBoxes; i++)
        {
            int bo = i * _boxStride, ao = i * 4;
            float y, x, h, w, ay, ax, ah, aw;
            if (qBoxes) { y = (bq[bo] - bzp) * bscale; x = (bq[bo + 1] - bzp) * bscale; h = (bq[bo + 2] - bzp) * bscale; w = (bq[bo + 3] - bzp) * bscale; }
            else { y = bf[bo]; x = bf[bo + 1]; h = bf[bo + 2]; w = bf[bo + 3]; }
            if (qAnchors) { ay = (aq[ao] - azp) * ascale; ax = (aq[ao + 1] - azp) * ascale; ah = (aq[ao + 2] - azp) * ascale; aw = (aq[ao + 3] - azp) * ascale; }
            else { ay = af[ao]; ax = af[ao + 1]; ah = af[ao + 2]; aw = af[ao + 3]; }
            float yc = (float)(y / _yScale * ah + ay);
            float xc = (float)(x / _xScale * aw + ax);
            float halfH = (float)(0.5 * Math.Exp(h / _hScale) * ah);
            float halfW = (float)(0.5 * Math.Exp(w / _wScale) * aw);
            int d = i * 4;
            _decoded[d] = yc - halfH;
            _decoded[d + 1] = xc - halfW;
            _decoded[d + 2] = yc + halfH;
            _decoded[d + 3] = xc + halfW;
        }
    }

    private float IoU(int i, int j)
    {
        int a = i * 4, b = j * 4;
        float areaI = (_decoded[a + 2] - _decoded[a]) * (_decoded[a + 3] - _decoded[a + 1]);
        float areaJ = (_decoded[b + 2] - _decoded[b]) * (_decoded[b + 3] - _decoded[b + 1]);
        if (areaI <= 0 || areaJ <= 0) return 0f;
        float ymin = Math.Max(_decoded[a], _decoded[b]);
        float xmin = Math.Max(_decoded[a + 1], _decoded[b + 1]);
        float ymax = Math.Min(_decoded[a + 2], _decoded[b + 2]);
        float xmax = Math.Min(_decoded[a + 3], _decoded[b + 3]);
        float inter = Math.Max(ymax - ymin, 0f) * Math.Max(xmax - xmin, 0f);
        return inter / (areaI + areaJ - inter);
    }

    /// <summary>Greedy NMS over one score per box; writes the selected box indices to <see cref="_selected"/>.</summary>
    private int SingleClassNms(ReadOnlySpan<float> boxScores, int maxDetections)
    {
        int kept = 0;
        for (int i = 0; i < boxScores.Length; i++)
            if (boxScores[i] >= _scoreThreshold) { _keepScores[kept] = boxScores[i]; _keepIndices[kept] = i; kept++; }
        StableSortDescending(_keepScores, kept, _sorted, _sortTmp);
        int outputSize = Math.Min(kept, maxDetections);
        int active = kept, selected = 0;
        _active.AsSpan(0, kept).Fill(1);
        for (int i = 0; i < kept; i++)
        {
            if (active == 0 || selected >= outputSize) break;
            if (_active[i] == 0) continue;
            int boxI = _keepIndices[_sorted[i]];
            _selected[selected++] = boxI;
            _active[i] = 0;
            active--;
            for (int j = i + 1; j < kept; j++)
            {
                if (_active[j] == 0) continue;
                if (IoU(boxI, _keepIndices[_sorted[j]]) > _iouThreshold) { _active[j] = 0; active--; }
            }
        }
        return selected;
    }

    private int FastNms(ReadOnlySpan<float> scores, Span<float> outBoxes, Span<float> outClasses, Span<float> outScores)
    {
        int perAnchor = Math.Min(_maxClassesPerDetection, _numClasses);
        for (int row = 0; row < _numBoxes; row++)
        {
            var boxScores = scores.Slice(row * _classesWithBackground + _labelOffset, _numClasses);
            var order = _classOrder.AsSpan(row * _numClasses, _numClasses);
            TopIndices(boxScores, perAnchor, order);
            _maxScores[row] = boxScores[order[0]];
        }
        int selected = SingleClassNms(_maxScores.AsSpan(0, _numBoxes), _maxDetections);
        for (int s = 0; s < selected; s++)
        {
            int anchor = _selected[s];
            var boxScores = scores.Slice(anchor * _classesWithBackground + _labelOffset, _numClasses);
            for (int col = 0; col < perAnchor; col++)
            {
                int slot = _maxClassesPerDetection * s + col;
                int cls = _classOrder[anchor * _numClasses + col];
                _decoded.AsSpan(anchor * 4, 4).CopyTo(outBoxes.Slice(slot * 4, 4));
                outClasses[slot] = cls;
                outScores[slot] = boxScores[cls];
            }
        }
        return selected;
    }

    private int RegularNms(ReadOnlySpan<float> scores, Span<float> outBoxes, Span<float> outClasses, Span<float> outScores)
    {
        int sortedCount = 0;
        for (int col = 0; col < _numClasses; col++)
        {
            for (int row = 0; row < _numBoxes; row++)
                _classScores[row] = scores[row * _classesWithBackground + col + _labelOffset];
            int selected = SingleClassNms(_classScores.AsSpan(0, _numBoxes), _detectionsPerClass);
            int outputIndex = sortedCount;
            for (int s = 0; s < selected; s++)
            {
                int box = _selected[s];
                _mergedIndices[outputIndex] = box * _classesWithBackground + col + _labelOffset;
                _mergedScores[outputIndex] = _classScores[box];
                outputIndex++;
            }
            int toSort = Math.Min(outputIndex, _maxDetections);
            StableSortDescending(_mergedScores, outputIndex, _mergedSorted, _sortTmp);
            for (int r = 0; r < toSort; r++)
            {
                int t = _mergedSorted[r];
                _sortTmp[r] = _mergedIndices[t];
                _mergedSortedValues[r] = _mergedScores[t];
            }
            for (int r = 0; r < toSort; r++)
            {
                _mergedIndices[r] = _sortTmp[r];
                _mergedScores[r] = _mergedSortedValues[r];
            }
            sortedCount = toSort;
        }
        for (int i = 0; i < sortedCount; i++)
        {
            int anchor = _mergedIndices[i] / _classesWithBackground;
            int cls = _mergedIndices[i] - anchor * _classesWithBackground - _labelOffset;
            _decoded.AsSpan(anchor * 4, 4).CopyTo(outBoxes.Slice(i * 4, 4));
            outClasses[i] = cls;
            outScores[i] = _mergedScores[i];
        }
        return sortedCount;
    }

    /// <summary>The indices of the <paramref name="k"/> largest values, largest first (ties: lower index first).</summary>
    private static void TopIndices(ReadOnlySpan<float> values, int k, Span<int> indices)
    {
        if (k == 1)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            indices[0] = best;
            return;
        }
        for (int i = 0; i < values.Length; i++) indices[i] = i;
        // partial selection sort: k is small (classes per detection)
        for (int i = 0; i < k; i++)
        {
            int best = i;
            for (int j = i + 1; j < values.Length; j++)
                if (values[indices[j]] > values[indices[best]]) best = j;
            if (best != i)
            {
                int v = indices[best];
                indices.Slice(i, best - i).CopyTo(indices.Slice(i + 1, best - i));
                indices[i] = v;
            }
        }
    }

    /// <summary>Stable arg-sort of values[0..n) by decreasing value into <paramref name="order"/> (bottom-up merge sort).</summary>
    internal static void StableSortDescending(float[] values, int n, int[] order, int[] tmp)
    {
        for (int i = 0; i < n; i++) order[i] = i;
        int[] src = order, dst = tmp;
        for (int width = 1; width < n; width *= 2)
        {
            for (int lo = 0; lo < n; lo += 2 * width)
            {
                int mid = Math.Min(lo + width, n), hi = Math.Min(lo + 2 * width, n);
                int a = lo, b = mid, o = lo;
                while (a < mid && b < hi) dst[o++] = values[src[b]] > values[src[a]] ? src[b++] : src[a++];
                while (a < mid) dst[o++] = src[a++];
                while (b < hi) dst[o++] = src[b++];
            }
            (src, dst) = (dst, src);
        }
        if (!ReferenceEquals(src, order)) Array.Copy(src, order, n);
    }
}
