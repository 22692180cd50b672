namespace EdgeLite.Kernels;

/// <summary>
/// NON_MAX_SUPPRESSION_V4 and V5 on float32 boxes [N, 4] (y1, x1, y2, x2; corners in any order) and scores [N], as
/// TFLite's reference NonMaxSuppression: candidates above score_threshold taken best score first, a candidate
/// dropped when its IoU with an already selected box reaches iou_threshold; V5's soft-NMS (sigma &gt; 0) decays a
/// candidate's score by exp(-0.5/σ · IoU²) per selected box and puts it back in the queue. Outputs have the constant
/// max_output_size's length with the unused tail set to 0, plus the valid count (V4: indices, count; V5: indices,
/// scores, count). Candidates of equal score are taken in index order (TFLite's std::priority_queue leaves that order
/// to its heap; the conformance cases avoid ties).
/// </summary>
internal sealed unsafe class NonMaxSuppression(bool v5) : OpKernel
{
    private int _boxes, _max;
    private int[] _heapIndex = [], _heapBegin = [], _selected = [];
    private float[] _heapScore = [];

    public override void Prepare(KernelContext context)
    {
        var boxes = context.Input(0); var scores = context.Input(1); var maxOut = context.Input(2);
        var iou = context.Input(3); var scoreThreshold = context.Input(4);
        if (boxes.Type != TensorType.Float32 || scores.Type != TensorType.Float32) throw context.Unsupported($"{boxes.Type.ToDTypeName()} boxes, {scores.Type.ToDTypeName()} scores (float32 only)");
        if (boxes.Rank != 2 || boxes.Dim(1) != 4) throw context.Invalid($"boxes {boxes} are not [N, 4]");
        if (scores.Rank != 1 || scores.Dim(0) != boxes.Dim(0)) throw context.Invalid($"scores {scores} do not match boxes {boxes}");
        foreach (var t in v5 ? new[] { iou, scoreThreshold, context.Input(5) } : new[] { iou, scoreThreshold })
            if (t.Type != TensorType.Float32 || t.ElementCount != 1) throw context.Invalid($"{t} is not one float32");
        if (maxOut.Type != TensorType.Int32 || maxOut.ElementCount != 1) throw context.Invalid($"max_output_size {maxOut} is not one int32");
        if (!maxOut.IsConstant) throw context.Unsupported("non-constant max_output_size (the output shape would depend on it)");
        _max = maxOut.AsSpan<int>()[0];
        if (_max < 0) throw context.Invalid($"max_output_size {_max}");
        _boxes = boxes.Dim(0);
        int outputs = v5 ? 3 : 2;
        if (context.OutputCount != outputs) throw context.Invalid($"{context.OutputCount} outputs, expected {outputs}");
        if (context.Output(0).Type != TensorType.Int32 || context.Output(outputs - 1).Type != TensorType.Int32) throw context.Invalid("indices and count must be int32");
        if (v5 && context.Output(1).Type != TensorType.Float32) throw context.Invalid("selected scores must be float32");
        context.SetOutputShape(0, [_max]);
        if (v5) context.SetOutputShape(1, [_max]);
        context.SetOutputShape(outputs - 1, []);
        int cap = Math.Max(1, _boxes);
        _heapIndex = context.AllocatePersistent<int>(cap); _heapBegin = context.AllocatePersistent<int>(cap);
        _heapScore = context.AllocatePersistent<float>(cap); _selected = context.AllocatePersistent<int>(Math.Max(1, _max));
    }

    public override void Eval(KernelContext context)
    {
        float* boxes = (float*)context.Input(0).DataPointer, scores = (float*)context.Input(1).DataPointer;
        float iouThreshold = *(float*)context.Input(3).DataPointer, scoreThreshold = *(float*)context.Input(4).DataPointer;
        float sigma = v5 ? *(float*)context.Input(5).DataPointer : 0f;
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new InterpreterException($"{context.Operator.OpName}: iou_threshold {iouThreshold} outside [0, 1]");
        if (!(sigma >= 0)) throw new InterpreterException($"{context.Operator.OpName}: soft_nms_sigma {sigma} is negative");
        int* outIdx = (int*)context.Output(0).DataPointer;
        float* outScores = v5 ? (float*)context.Output(1).DataPointer : null;
        int* count = (int*)context.Output(v5 ? 2 : 1).DataPointer;

        int heap = 0;
        for (int i = 0; i < _boxes; i++)
            if (scores[i] > scoreThreshold) Push(ref heap, i, scores[i], 0);
        int selected = 0, outputs = Math.Min(heap, _max);
        float scale = sigma > 0 ? -0.5f / sigma : 0f;
        while (selected < outputs && heap > 0)
        {
            Pop(ref heap, out int index, out float score, out int begin);
            float original = score;
            bool hard = false;
            for (int j = selected - 1; j >= begin; j--)
            {
                float iou = Iou(boxes, index, _selected[j]);
                if (iou >= iouThreshold) { hard = true; break; }
                if (sigma > 0) score *= MathF.Exp(scale * iou * iou);
                if (score <= scoreThreshold) break;
            }
            begin = selected;
            if (hard) continue;
            if (score == original)
            {
                _selected[selected] = index;
                if (outScores != null) outScores[selected] = score;
                selected++;
            }
            if (score > scoreThreshold) Push(ref heap, index, score, begin);
        }
        for (int k = 0; k < _max; k++) outIdx[k] = k < selected ? _selected[k] : 0;
        if (outScores != null) for (int k = selected; k < _max; k++) outScores[k] = 0;
        *count = selected;
    }

    private static float Iou(float* boxes, int i, int j)
    {
        float* a = boxes + 4 * i; float* b = boxes + 4 * j;
        float ay0 = Math.Min(a[0], a[2]), ay1 = Math.Max(a[0], a[2]), ax0 = Math.Min(a[1], a[3]), ax1 = Math.Max(a[1], a[3]);
        float by0 = Math.Min(b[0], b[2]), by1 = Math.Max(b[0], b[2]), bx0 = Math.Min(b[1], b[3]), bx1 = Math.Max(b[1], b[3]);
        float areaA = (ay1 - ay0) * (ax1 - ax0), areaB = (by1 - by0) * (bx1 - bx0);
        if (areaA <= 0 || areaB <= 0) return 0;
        float inter = Math.Max(Math.Min(ay1, by1) - Math.Max(ay0, by0), 0f) * Math.Max(Math.Min(ax1, bx1) - Math.Max(ax0, bx0), 0f);
        float union = areaA + areaB - inter;
        return union == 0 ? 0 : inter / union;
    }

    // a binary max-heap on (score, then lower index first) in the persistent arrays
    private bool Above(int a, int b) => _heapScore[a] > _heapScore[b] || (_heapScore[a] == _heapScore[b] && _heapIndex[a] < _heapIndex[b]);

    private void Swap(int a, int b)
    {
        (_heapIndex[a], _heapIndex[b]) = (_heapIndex[b], _heapIndex[a]);
        (_heapScore[a], _heapScore[b]) = (_heapScore[b], _heapScore[a]);
        (_heapBegin[a], _heapBegin[b]) = (_heapBegin[b], _heapBegin[a]);
    }

    private void Push(ref int n, int index, float score, int begin)
    {
        int k = n++;
        _heapIndex[k] = index; _heapScore[k] = score; _heapBegin[k] = begin;
        while (k > 0 && Above(k, (k - 1) / 2)) { Swap(k, (k - 1) / 2); k = (k - 1) / 2; }
    }

    private void Pop(ref int n, out int index, out float score, out int begin)
    {
        index = _heapIndex[0]; score = _heapScore[0]; begin = _heapBegin[0];
        n--;
        if (n == 0) return;
        _heapIndex[0] = _heapIndex[n]; _heapScore[0] = _heapScore[n]; _heapBegin[0] = _heapBegin[n];
        int k = 0;
        while (true)
        {
            int l = 2 * k + 1, r = l + 1, best = k;
            if (l < n && Above(l, best)) best = l;
            if (r < n && Above(r, best)) best = r;
            if (best == k) break;
            Swap(k, best); k = best;
        }
    }
}
