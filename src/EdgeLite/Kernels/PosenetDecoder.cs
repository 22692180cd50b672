namespace EdgeLite.Kernels;

/// <summary>
/// Coral's multi-person PoseNet decoder, custom operator <c>PosenetDecoderOp</c> (libcoral
/// coral/pose_estimation/posenet_decoder_op.cc; not part of TFLite). Inputs: keypoint heatmaps [1,H,W,17] (logits),
/// short-range offsets [1,H,W,34] (17 y then 17 x), mid-range displacements [1,H,W,64] (16 forward-edge y, 16
/// forward x, 16 backward y, 16 backward x) and, for BodyPix, long-range offsets [1,H,W,34]; uint8/int8 inputs are
/// dequantized with their own scale and zero point, offsets are divided by the stride (grid units).
/// Custom options (flexbuffer map): <c>max_detections</c>, <c>score_threshold</c> (a probability), <c>stride</c>,
/// <c>nms_radius</c> (input pixels). Outputs, all float32, shaped here (they are 0-d in the files): keypoints
/// [1,D,17,2] as (y, x) in input pixels, keypoint scores [1,D,17], pose scores [1,D], pose count [1] and, with the
/// long offsets, instance masks [1,D,H,W] (1 where a grid cell belongs to that pose).
/// <para>
/// Algorithm, as Coral's: every heatmap value whose logit is at least logit(score_threshold) and that no value of
/// the same keypoint in its 3×3 neighbourhood exceeds is a root candidate, placed at its cell plus its short offset.
/// Candidates are taken by decreasing score; one closer than nms_radius to the same keypoint of an accepted pose is
/// skipped; otherwise the pose is grown along the 32 directed skeleton edges, highest-scoring keypoint first:
/// follow the edge's mid-range displacement, then refine 5 times with the target keypoint's short offset (bilinear
/// sampling, positions clamped to the grid); each keypoint's score is the bilinear heatmap logit there, then a
/// sigmoid. A pose whose mean keypoint score reaches the threshold is kept. Finally soft keypoint NMS: each pose,
/// by decreasing score, is rescored as the mean of its keypoint scores not within nms_radius of the same keypoint
/// of a higher-ranked pose, and poses under the threshold are dropped.
/// </para>
/// <para>
/// The candidate and keypoint priority queues reproduce the binary-heap order of libstdc++'s
/// <c>std::priority_queue</c>, so candidates with equal (quantized) scores are taken in the same order as Coral's.
/// Differences: pose scores that tie are ordered by index (Coral's std::sort is unstable); unused output slots are
/// zero (Coral leaves them as they were); with no pose the masks are all zero (Coral marks every cell as pose 0's);
/// the masks take the long offsets' own H×W (Coral always declares 33×33); a NaN position samples cell 0.
/// </para>
/// </summary>
internal sealed class PosenetDecoder : OpKernel
{
    /// <summary>The custom code the operator is registered under.</summary>
    public const string CustomCode = "PosenetDecoderOp";

    /// <summary>Keypoints per pose (COCO order: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).</summary>
    public const int NumKeypoints = 17;
    private const int NumEdges = 16;
    private const int RefinementSteps = 5;     // short-offset refinements after a mid-range displacement
    private const int MaskRefinementSteps = 2; // long-offset refinements for instance masks
    private const int MaxDetectionsLimit = 1000;

    // The skeleton's 16 edges, parent -> child; edges 16..31 are the same pairs reversed.
    private static readonly (int From, int To)[] ForwardEdges =
    [
        (0, 1), (1, 3), (0, 2), (2, 4), (0, 5), (5, 7), (7, 9), (5, 11),
        (11, 13), (13, 15), (0, 6), (6, 8), (8, 10), (6, 12), (12, 14), (14, 16),
    ];

    /// <summary>Per keypoint, its outgoing edges in edge order: (child keypoint, mid-offset y channel).</summary>
    private static readonly (int Child, int Channel)[][] Children = BuildChildren();

    private static (int, int)[][] BuildChildren()
    {
        var lists = new List<(int, int)>[NumKeypoints];
        for (int k = 0; k < NumKeypoints; k++) lists[k] = [];
        for (int e = 0; e < 2 * NumEdges; e++)
        {
            var (from, to) = e < NumEdges ? ForwardEdges[e] : (ForwardEdges[e - NumEdges].To, ForwardEdges[e - NumEdges].From);
            // mid offsets: [fwd y 0..15][fwd x 16..31][bwd y 32..47][bwd x 48..63]; the x channel is y + NumEdges
            lists[from].Add((to, e < NumEdges ? e : e + NumEdges));
        }
        var r = new (int, int)[NumKeypoints][];
        for (int k = 0; k < NumKeypoints; k++) r[k] = [.. lists[k]];
        return r;
    }

    /// <summary>A keypoint candidate: position in grid cells, heatmap logit, keypoint index.</summary>
    internal struct Candidate
    {
        public float Y, X, Score;
        public int Id;
    }

    private int _maxDetections, _stride, _h, _w;
    private float _scoreThreshold, _nmsRadius;
    private bool _masks;

    // Working memory, sized in Prepare (Eval allocates nothing).
    private float[] _heat = [], _short = [], _mid = [], _long = [];
    private Candidate[] _candidates = [], _queue = [];
    private byte[] _decoded = [], _occluded = [];
    private float[] _poseYx = [], _poseScores = [], _instanceScores = [], _embedding = [];
    private int[] _order = [], _orderTmp = [], _kpOrder = [];

    public override void Prepare(KernelContext context)
    {
        if (!((context.InputCount == 3 && context.OutputCount == 4) || (context.InputCount == 4 && context.OutputCount == 5)))
            throw context.Invalid($"expects 3 inputs and 4 outputs (heatmaps, short offsets, mid offsets) or 4 and 5 (with long offsets), has {context.InputCount} and {context.OutputCount}");
        var options = FlexBufferMap.Parse(context.CustomOptions);
        foreach (var key in (ReadOnlySpan<string>)["max_detections", "score_threshold", "stride", "nms_radius"])
            if (!options.Contains(key)) throw context.Invalid($"custom option '{key}' is missing");
        long maxDetections = options.GetInt("max_detections"), stride = options.GetInt("stride");
        _scoreThreshold = (float)options.GetFloat("score_threshold");
        _nmsRadius = (float)options.GetFloat("nms_radius");
        if (maxDetections is < 1 or > MaxDetectionsLimit) throw context.Invalid($"max_detections {maxDetections} (1..{MaxDetectionsLimit})");
        if (stride is < 1 or > 1024) throw context.Invalid($"stride {stride}");
        if (!(_scoreThreshold >= 0f && _scoreThreshold <= 1f)) throw context.Invalid($"score_threshold {_scoreThreshold} not in [0, 1]");
        if (!(_nmsRadius >= 0f) || float.IsInfinity(_nmsRadius)) throw context.Invalid($"nms_radius {_nmsRadius}");
        _maxDetections = (int)maxDetections;
        _stride = (int)stride;
        _masks = context.InputCount == 4;

        var heatmaps = context.Input(0);
        if (heatmaps.Rank != 4 || heatmaps.Dim(0) != 1 || heatmaps.Dim(3) != NumKeypoints)
            throw context.Invalid($"heatmaps {heatmaps} must be [1,H,W,{NumKeypoints}]");
        _h = heatmaps.Dim(1); _w = heatmaps.Dim(2);
        if (_h < 1 || _w < 1) throw context.Invalid($"heatmaps {heatmaps} are empty");
        CheckInput(context, 0, NumKeypoints, "heatmaps");
        CheckInput(context, 1, 2 * NumKeypoints, "short offsets");
        CheckInput(context, 2, 4 * NumEdges, "mid offsets");
        if (_masks) CheckInput(context, 3, 2 * NumKeypoints, "long offsets");
        for (int i = 0; i < context.OutputCount; i++)
            if (context.Output(i).Type != TensorType.Float32)
                throw context.Invalid($"output {i} must be float32, is {context.Output(i).Type.ToDTypeName()}");

        int d = _maxDetections;
        context.SetOutputShape(0, [1, d, NumKeypoints, 2]);
        context.SetOutputShape(1, [1, d, NumKeypoints]);
        context.SetOutputShape(2, [1, d]);
        context.SetOutputShape(3, [1]);
        if (_masks) context.SetOutputShape(4, [1, d, _h, _w]);

        int cells = checked(_h * _w);
        _heat = context.AllocatePersistent<float>(checked(cells * NumKeypoints));
        _short = context.AllocatePersistent<float>(checked(cells * 2 * NumKeypoints));
        _mid = context.AllocatePersistent<float>(checked(cells * 4 * NumEdges));
        if (_masks)
        {
            _long = context.AllocatePersistent<float>(checked(cells * 2 * NumKeypoints));
            _embedding = context.AllocatePersistent<float>(2 * NumKeypoints);
        }
        // every heatmap value can be a candidate (a plateau is a local maximum everywhere)
        _candidates = context.AllocatePersistent<Candidate>(checked(cells * NumKeypoints));
        _queue = context.AllocatePersistent<Candidate>(1 + 2 * NumEdges); // the root, then one push per edge at most
        _decoded = context.AllocatePersistent<byte>(NumKeypoints);
        _occluded = context.AllocatePersistent<byte>(NumKeypoints);
        _poseYx = context.AllocatePersistent<float>(d * NumKeypoints * 2);
        _poseScores = context.AllocatePersistent<float>(d * NumKeypoints);
        _instanceScores = context.AllocatePersistent<float>(d);
        _order = context.AllocatePersistent<int>(d);
        _orderTmp = context.AllocatePersistent<int>(d);
        _kpOrder = context.AllocatePersistent<int>(NumKeypoints);
    }

    private void CheckInput(KernelContext context, int index, int channels, string what)
    {
        var t = context.Input(index);
        if (t.Rank != 4 || t.Dim(0) != 1 || t.Dim(1) != _h || t.Dim(2) != _w || t.Dim(3) != channels)
            throw context.Invalid($"{what} {t} must be [1,{_h},{_w},{channels}]");
        if (t.Type is not (TensorType.Float32 or TensorType.UInt8 or TensorType.Int8))
            throw context.Unsupported($"{what} {t} of type {t.Type.ToDTypeName()} (float32, uint8 or int8 only)");
        if (t.Type != TensorType.Float32 && t.Quantization == null)
            throw context.Invalid($"{what} {t} is {t.Type.ToDTypeName()} without quantization parameters");
    }

    public override void Eval(KernelContext context)
    {
        float gridScale = (float)(1.0 / _stride); // offsets are in input pixels; the decoder works in grid cells
        Dequantize(context.Input(0), _heat, 1f);
        Dequantize(context.Input(1), _short, gridScale);
        Dequantize(context.Input(2), _mid, gridScale);

        var keypoints = context.Output(0).AsSpan<float>();
        var keypointScores = context.Output(1).AsSpan<float>();
        var poseScores = context.Output(2).AsSpan<float>();
        keypoints.Clear(); keypointScores.Clear(); poseScores.Clear();
        int count = DecodeAllPoses(keypoints, keypointScores, poseScores);
        context.Output(3).AsSpan<float>()[0] = count;

        if (_masks)
        {
            Dequantize(context.Input(3), _long, gridScale);
            DecodeInstanceMasks(keypoints, count, context.Output(4).AsSpan<float>());
        }
    }

    /// <summary>dst = (q - zero_point) · (scale · extra) for quantized inputs, x · extra for float ones (float arithmetic, as Coral).</summary>
    private static void Dequantize(Tensor src, float[] dst, float extra)
    {
        if (src.Type == TensorType.Float32)
        {
            var f = src.AsSpan<float>();
            for (int i = 0; i < f.Length; i++) dst[i] = f[i] * extra;
            return;
        }
        var q = src.Quantization!;
        float scale = q.Scale * extra, zp = q.ZeroPoint;
        if (src.Type == TensorType.UInt8)
        {
            var b = src.AsSpan<byte>();
            for (int i = 0; i < b.Length; i++) dst[i] = (b[i] - zp) * scale;
        }
        else
        {
            var b = src.AsSpan<sbyte>();
            for (int i = 0; i < b.Length; i++) dst[i] = (b[i] - zp) * scale;
        }
    }

    private int DecodeAllPoses(Span<float> outKeypoints, Span<float> outKeypointScores, Span<float> outPoseScores)
    {
        // the threshold as a logit (the heatmaps are logits), computed in double as Coral's
        float minLogit = (float)-Math.Log(1.0 / (_scoreThreshold + 1e-6) - 1.0);
        float radius = _nmsRadius / _stride;
        float squaredRadius = radius * radius;
        int candidateCount = BuildCandidates(minLogit);

        int poses = 0;
        while (poses < _maxDetections && candidateCount > 0)
        {
            var root = HeapPop(_candidates, ref candidateCount);
            if (!PassKeypointNms(root, poses, squaredRadius)) continue;
            DecodePose(root, poses);
            var scores = _poseScores.AsSpan(poses * NumKeypoints, NumKeypoints);
            for (int k = 0; k < NumKeypoints; k++) scores[k] = Sigmoid(scores[k]);
            SortKeypointScores(poses);
            float instanceScore = 0f;
            for (int j = 0; j < NumKeypoints; j++) instanceScore += scores[_kpOrder[j]];
            instanceScore /= NumKeypoints;
            if (instanceScore >= _scoreThreshold) _instanceScores[poses++] = instanceScore;
        }

        // Soft keypoint NMS: rescore each pose, by decreasing score, without its keypoints that lie within the NMS
        // radius of the same keypoint of a higher-ranked pose.
        DetectionPostProcess.StableSortDescending(_instanceScores, poses, _order, _orderTmp);
        for (int i = 0; i < poses; i++)
        {
            int current = _order[i];
            _occluded.AsSpan().Clear();
            for (int j = 0; j < i; j++)
            {
                int previous = _order[j];
                for (int k = 0; k < NumKeypoints; k++)
                {
                    int a = (current * NumKeypoints + k) * 2, b = (previous * NumKeypoints + k) * 2;
                    if (SquaredDistance(_poseYx[a], _poseYx[a + 1], _poseYx[b], _poseYx[b + 1]) <= squaredRadius) _occluded[k] = 1;
                }
            }
            var scores = _poseScores.AsSpan(current * NumKeypoints, NumKeypoints);
            SortKeypointScores(current);
            float total = 0f;
            for (int k = 0; k < NumKeypoints; k++)
                if (_occluded[_kpOrder[k]] == 0) total += scores[_kpOrder[k]];
            _instanceScores[current] = total / NumKeypoints;
        }
        DetectionPostProcess.StableSortDescending(_instanceScores, poses, _order, _orderTmp);

        int written = 0;
        for (int i = 0; i < poses; i++)
        {
            int index = _order[i];
            if (_instanceScores[index] < _scoreThreshold) break;
            for (int k = 0; k < NumKeypoints; k++)
            {
                int s = (index * NumKeypoints + k) * 2, o = (written * NumKeypoints + k) * 2;
                outKeypoints[o] = _poseYx[s] * _stride;
                outKeypoints[o + 1] = _poseYx[s + 1] * _stride;
            }
            _poseScores.AsSpan(index * NumKeypoints, NumKeypoints).CopyTo(outKeypointScores.Slice(written * NumKeypoints, NumKeypoints));
            outPoseScores[written] = _instanceScores[index];
            written++;
        }
        return written;
    }

    /// <summary>
    /// Root candidates: every value at least <paramref name="minLogit"/> that no value of the same keypoint in its 3×3
    /// neighbourhood exceeds, at its cell moved by its short offset; pushed in (y, x, keypoint) order.
    /// </summary>
    private int BuildCandidates(float minLogit)
    {
        int count = 0, h = _h, w = _w;
        var heat = _heat;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int cell = y * w + x;
                for (int j = 0; j < NumKeypoints; j++)
                {
                    float score = heat[cell * NumKeypoints + j];
                    if (!(score >= minLogit)) continue;
                    bool localMaximum = true;
                    int y0 = Math.Max(y - 1, 0), y1 = Math.Min(y + 2, h), x0 = Math.Max(x - 1, 0), x1 = Math.Min(x + 2, w);
                    for (int yy = y0; yy < y1 && localMaximum; yy++)
                        for (int xx = x0; xx < x1; xx++)
                            if (heat[(yy * w + xx) * NumKeypoints + j] > score) { localMaximum = false; break; }
                    if (!localMaximum) continue;
                    float dy = _short[cell * 2 * NumKeypoints + j], dx = _short[cell * 2 * NumKeypoints + NumKeypoints + j];
                    HeapPush(_candidates, ref count, new Candidate
                    {
                        Y = Clamp(y + dy, h - 1f), X = Clamp(x + dx, w - 1f), Score = score, Id = j,
                    });
                }
            }
        return count;
    }

    /// <summary>False when the candidate lies within the NMS radius of the same keypoint of an accepted pose.</summary>
    private bool PassKeypointNms(in Candidate c, int poses, float squaredRadius)
    {
        for (int p = 0; p < poses; p++)
        {
            int o = (p * NumKeypoints + c.Id) * 2;
            if (SquaredDistance(c.Y, c.X, _poseYx[o], _poseYx[o + 1]) <= squaredRadius) return false;
        }
        return true;
    }

    /// <summary>
    /// Grows a pose from <paramref name="root"/> into slot <paramref name="slot"/>: keypoint positions (grid units)
    /// and heatmap logits, highest-scoring known keypoint first, each reaching its not-yet-decoded neighbours.
    /// </summary>
    private void DecodePose(in Candidate root, int slot)
    {
        var yx = _poseYx.AsSpan(slot * NumKeypoints * 2, NumKeypoints * 2);
        var scores = _poseScores.AsSpan(slot * NumKeypoints, NumKeypoints);
        yx.Fill(-1f);
        scores.Fill(-1e5f);
        _decoded.AsSpan().Clear();
        int queued = 0;
        HeapPush(_queue, ref queued, new Candidate
        {
            Y = root.Y, X = root.X, Id = root.Id, Score = Sample(_heat, NumKeypoints, root.Y, root.X, root.Id),
        });
        while (queued > 0)
        {
            var current = HeapPop(_queue, ref queued);
            if (_decoded[current.Id] != 0) continue;
            yx[current.Id * 2] = current.Y;
            yx[current.Id * 2 + 1] = current.X;
            scores[current.Id] = current.Score;
            _decoded[current.Id] = 1;
            foreach (var (child, channel) in Children[current.Id])
            {
                if (_decoded[child] != 0) continue;
                var (cy, cx) = Displace(current.Y, current.X, channel, child);
                HeapPush(_queue, ref queued, new Candidate { Y = cy, X = cx, Id = child, Score = Sample(_heat, NumKeypoints, cy, cx, child) });
            }
        }
    }

    /// <summary>Follows the mid-range displacement of one edge, then refines with the target's short offsets.</summary>
    private (float Y, float X) Displace(float y, float x, int yChannel, int target)
    {
        Sample2(_mid, 4 * NumEdges, y, x, yChannel, yChannel + NumEdges, out float dy, out float dx);
        y = Clamp(y + dy, _h - 1f);
        x = Clamp(x + dx, _w - 1f);
        for (int i = 0; i < RefinementSteps; i++)
        {
            Sample2(_short, 2 * NumKeypoints, y, x, target, NumKeypoints + target, out dy, out dx);
            y = Clamp(y + dy, _h - 1f);
            x = Clamp(x + dx, _w - 1f);
        }
        return (y, x);
    }

    /// <summary>
    /// Instance masks: each grid cell follows the long-range offsets of every keypoint (1 + 2 refinements) and
    /// belongs to the pose whose keypoints are nearest in summed squared distance (first one on ties).
    /// </summary>
    private void DecodeInstanceMasks(ReadOnlySpan<float> keypoints, int poses, Span<float> masks)
    {
        masks.Clear();
        if (poses == 0) return;
        for (int y = 0; y < _h; y++)
            for (int x = 0; x < _w; x++)
            {
                for (int k = 0; k < NumKeypoints; k++)
                {
                    float ey = y, ex = x;
                    for (int i = 0; i <= MaskRefinementSteps; i++)
                    {
                        Sample2(_long, 2 * NumKeypoints, ey, ex, k, k + NumKeypoints, out float dy, out float dx);
                        ey = Clamp(ey + dy, _h - 1f);
                        ex = Clamp(ex + dx, _w - 1f);
                    }
                    _embedding[k * 2] = ey * _stride;
                    _embedding[k * 2 + 1] = ex * _stride;
                }
                int best = 0;
                float bestDistance = 0f;
                for (int p = 0; p < poses; p++)
                {
                    float distance = 0f;
                    for (int k = 0; k < NumKeypoints; k++)
                    {
                        int o = (p * NumKeypoints + k) * 2;
                        distance += SquaredDistance(_embedding[k * 2], _embedding[k * 2 + 1], keypoints[o], keypoints[o + 1]);
                    }
                    if (p == 0 || distance < bestDistance) { best = p; bestDistance = distance; }
                }
                masks[(best * _h + y) * _w + x] = 1f;
            }
    }

    /// <summary>_kpOrder = the keypoints of pose <paramref name="slot"/> by decreasing score (stable insertion sort).</summary>
    private void SortKeypointScores(int slot)
    {
        var scores = _poseScores.AsSpan(slot * NumKeypoints, NumKeypoints);
        for (int i = 0; i < NumKeypoints; i++)
        {
            int v = i, j = i;
            while (j > 0 && scores[_kpOrder[j - 1]] < scores[v]) { _kpOrder[j] = _kpOrder[j - 1]; j--; }
            _kpOrder[j] = v;
        }
    }

    /// <summary>Bilinear sample of channel <paramref name="c"/> at (y, x), positions clamped to the grid.</summary>
    private float Sample(float[] t, int channels, float y, float x, int c)
    {
        Sample2(t, channels, y, x, c, c, out float v, out _);
        return v;
    }

    /// <summary>Bilinear samples of channels <paramref name="c0"/> and <paramref name="c1"/> at (y, x) (Coral's formula and float order).</summary>
    private void Sample2(float[] t, int channels, float y, float x, int c0, int c1, out float v0, out float v1)
    {
        float yp = Clamp(y, _h - 1f), xp = Clamp(x, _w - 1f);
        int yFloor = (int)MathF.Floor(yp), yCeil = (int)MathF.Ceiling(yp);
        int xFloor = (int)MathF.Floor(xp), xCeil = (int)MathF.Ceiling(xp);
        float yl = y - yFloor, xl = x - xFloor;
        int tl = (yFloor * _w + xFloor) * channels, tr = (yFloor * _w + xCeil) * channels;
        int bl = (yCeil * _w + xFloor) * channels, br = (yCeil * _w + xCeil) * channels;
        v0 = (1 - yl) * ((1 - xl) * t[tl + c0] + xl * t[tr + c0]) + yl * ((1 - xl) * t[bl + c0] + xl * t[br + c0]);
        v1 = (1 - yl) * ((1 - xl) * t[tl + c1] + xl * t[tr + c1]) + yl * ((1 - xl) * t[bl + c1] + xl * t[br + c1]);
    }

    /// <summary>v clamped to [0, hi]; NaN gives 0.</summary>
    private static float Clamp(float v, float hi) => !(v >= 0f) ? 0f : hi < v ? hi : v;

    private static float SquaredDistance(float ay, float ax, float by, float bx)
    {
        float dy = by - ay, dx = bx - ax;
        return dy * dy + dx * dx;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    // A max-heap on Score with the exact sift order of libstdc++'s push_heap / pop_heap, so that equal scores leave
    // the queue in the same order as in Coral's std::priority_queue.

    internal static void HeapPush(Candidate[] heap, ref int count, in Candidate value) => SiftUp(heap, count++, value);

    private static void SiftUp(Candidate[] heap, int hole, in Candidate value)
    {
        int parent = (hole - 1) / 2;
        while (hole > 0 && heap[parent].Score < value.Score)
        {
            heap[hole] = heap[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        heap[hole] = value;
    }

    internal static Candidate HeapPop(Candidate[] heap, ref int count)
    {
        var top = heap[0];
        int len = count - 1;
        if (len > 0)
        {
            var value = heap[len];
            int hole = 0, child = 0;
            while (child < (len - 1) / 2)
            {
                child = 2 * (child + 1);
                if (heap[child].Score < heap[child - 1].Score) child--;
                heap[hole] = heap[child];
                hole = child;
            }
            if ((len & 1) == 0 && child == (len - 2) / 2)
            {
                child = 2 * (child + 1);
                heap[hole] = heap[child - 1];
                hole = child - 1;
            }
            SiftUp(heap, hole, value);
        }
        count = len;
        return top;
    }
}
