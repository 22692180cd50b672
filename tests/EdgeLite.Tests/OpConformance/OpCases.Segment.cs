using EdgeLite.Tests.Infrastructure;
using Op = EdgeLite.Schema.BuiltinOperator;

namespace EdgeLite.Tests.OpConformance;

/// <summary>Segment reductions and non-max suppression.</summary>
internal static partial class OpCases
{
    public static IEnumerable<OpCase> SegmentCases()
    {
        int[] data = [6, 2, 3];
        foreach (var t in new[] { TensorType.Float32, TensorType.Int32 })
        {
            var tol = t == TensorType.Float32 ? OpTolerance.Float : OpTolerance.Exact;
            int[] sorted = [0, 0, 1, 2, 2, 2];
            yield return new($"SEGMENT_SUM_{N(t)}", OneOpWithConstants(Op.SEGMENT_SUM, [(t, data, null, null), (TensorType.Int32, [6], null, Raw(sorted))],
                [(t, [3, 2, 3], null)]), OpInputs.Random(141), tol) { ReferenceRuntime = "tfjs-tflite" }; // TFLite makes SEGMENT_SUM's output dynamic
            // ids that skip a segment: TFLite refuses them (ids must grow by 0 or 1)
            yield return new($"SEGMENT_SUM_{N(t)}_gap", OneOpWithConstants(Op.SEGMENT_SUM, [(t, data, null, null), (TensorType.Int32, [6], null, Raw(0, 0, 1, 3, 3, 3))],
                [(t, [4, 2, 3], null)]), OpInputs.Random(141), tol);
            int[] unsorted = [2, 0, -1, 2, 4, 0];
            foreach (var op in new[] { Op.UNSORTED_SEGMENT_SUM, Op.UNSORTED_SEGMENT_MAX, Op.UNSORTED_SEGMENT_MIN, Op.UNSORTED_SEGMENT_PROD })
            {
                // constant ids (one negative, skipped; segment 1 and 3 empty) and ids given at run time
                yield return new($"{op}_{N(t)}", OneOpWithConstants(op, [(t, data, null, null), (TensorType.Int32, [6], null, Raw(unsorted)), (TensorType.Int32, [], null, Raw(5))],
                    [(t, [5, 2, 3], null)]), OpInputs.Random(142), tol);
                yield return new($"{op}_{N(t)}_runtime_ids", OneOpWithConstants(op, [(t, data, null, null), (TensorType.Int32, [6], null, null), (TensorType.Int32, [1], null, Raw(4))],
                    [(t, [4, 2, 3], null)]), OpInputs.Of(t == TensorType.Float32 ? new Gen(143).Floats(36, -2, 2) : new Gen(143).Ints(36, -9, 9), new[] { 3, 1, 1, 0, 3, 1 }), tol)
                { ReferenceRuntime = "tfjs-tflite" };
                yield return new($"{op}_{N(t)}_2d_ids", OneOpWithConstants(op, [(t, [2, 3, 2], null, null), (TensorType.Int32, [2, 3], null, Raw(1, 0, 1, 2, 2, 0)), (TensorType.Int32, [], null, Raw(3))],
                    [(t, [3, 2], null)]), OpInputs.Random(144), tol);
            }
        }
    }

    public static IEnumerable<OpCase> NmsCases()
    {
        // 12 boxes in clusters (distinct scores, no ties), corners sometimes given in reverse order
        var g = new Gen(151);
        var boxes = new List<float>();
        float[][] centres = [[0.2f, 0.2f], [0.6f, 0.3f], [0.5f, 0.8f]];
        for (int i = 0; i < 12; i++)
        {
            var c = centres[i % 3];
            float cy = c[0] + g.Floats(1, -0.05f, 0.05f)[0], cx = c[1] + g.Floats(1, -0.05f, 0.05f)[0], h = g.Floats(1, 0.1f, 0.3f)[0], w = g.Floats(1, 0.1f, 0.3f)[0];
            if (i % 4 == 3) boxes.AddRange([cy + h / 2, cx + w / 2, cy - h / 2, cx - w / 2]);
            else boxes.AddRange([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2]);
        }
        var scores = Enumerable.Range(0, 12).Select(i => 0.05f + 0.9f * ((i * 7) % 12) / 11f + 0.001f * i).ToArray();
        foreach (var (maxOut, iou, thr, sigma, name) in new[] { (5, 0.5f, 0.1f, 0f, "basic"), (12, 0.3f, 0f, 0f, "all"), (3, 0.7f, 0.5f, 0f, "threshold"), (8, 0.6f, 0.05f, 0.5f, "soft") })
        {
            if (sigma == 0)
                yield return new($"NON_MAX_SUPPRESSION_V4_{name}", OneOpWithConstants(Op.NON_MAX_SUPPRESSION_V4,
                    [(TensorType.Float32, [12, 4], null, null), (TensorType.Float32, [12], null, null), (TensorType.Int32, [], null, Raw(maxOut)),
                     (TensorType.Float32, [], null, Raw(iou)), (TensorType.Float32, [], null, Raw(thr))],
                    [(TensorType.Int32, [maxOut], null), (TensorType.Int32, [], null)]), OpInputs.Of(boxes.ToArray(), scores));
            yield return new($"NON_MAX_SUPPRESSION_V5_{name}", OneOpWithConstants(Op.NON_MAX_SUPPRESSION_V5,
                [(TensorType.Float32, [12, 4], null, null), (TensorType.Float32, [12], null, null), (TensorType.Int32, [], null, Raw(maxOut)),
                 (TensorType.Float32, [], null, Raw(iou)), (TensorType.Float32, [], null, Raw(thr)), (TensorType.Float32, [], null, Raw(sigma))],
                [(TensorType.Int32, [maxOut], null), (TensorType.Float32, [maxOut], null), (TensorType.Int32, [], null)]), OpInputs.Of(boxes.ToArray(), scores), OpTolerance.Float);
        }
    }
}
