using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;

namespace EdgeLite.Tests.Kernels;

public class SegmentAndNmsTests
{
    [Fact]
    public void SegmentSumNeedsSortedConsecutiveConstantIds()
    {
        OpModelBuilder Build(int[] ids, bool constant = true)
        {
            var m = new OpModelBuilder();
            int x = m.Input("x", TensorType.Float32, [ids.Length]);
            int s = constant ? m.Constant("ids", TensorType.Int32, [ids.Length], ids) : m.Input("ids", TensorType.Int32, [ids.Length]);
            int y = m.Output("y", TensorType.Float32, [ids.Length == 0 ? 0 : ids.Max() + 1]);
            m.Op(Fb.BuiltinOperator.SEGMENT_SUM, [x, s], [y]);
            return m;
        }
        using var it = OpRun.Invoke(Build([0, 0, 1]), new[] { 1f, 2f, 4f });
        Assert.Equal(new[] { 3f, 4f }, it.Output<float>());
        Assert.IsType<ModelFormatException>(Prepared.Error(Build([1, 0, 1])));
        Assert.IsType<ModelFormatException>(Prepared.Error(Build([0, 2, 2])));
        Assert.IsType<UnsupportedOperatorException>(Prepared.Error(Build([0, 1], constant: false)));
    }

    [Fact]
    public void UnsortedSegmentIdBeyondNumSegmentsIsAnInterpreterError()
    {
        var m = new OpModelBuilder();
        int x = m.Input("x", TensorType.Int32, [3]), s = m.Input("ids", TensorType.Int32, [3]), n = m.Constant("n", TensorType.Int32, [], new[] { 2 });
        int y = m.Output("y", TensorType.Int32, [2]);
        m.Op(Fb.BuiltinOperator.UNSORTED_SEGMENT_MAX, [x, s, n], [y]);
        using var it = m.BuildInterpreter();
        it.GetInputTensor(0).CopyFrom<int>([1, 2, 3]); it.GetInputTensor(1).CopyFrom<int>([0, -1, 1]);
        it.Invoke();
        Assert.Equal(new[] { 1, 3 }, it.Output<int>());
        it.GetInputTensor(1).CopyFrom<int>([0, 2, 1]);
        Assert.Throws<InterpreterException>(() => it.Invoke());
    }

    private static OpModelBuilder Nms(int maxOut, float iou, int boxes = 3, int[]? boxShape = null)
    {
        var m = new OpModelBuilder();
        int b = m.Input("boxes", TensorType.Float32, boxShape ?? [boxes, 4]), s = m.Input("scores", TensorType.Float32, [boxes]);
        int mo = m.Constant("max", TensorType.Int32, [], new[] { maxOut });
        int io = m.Input("iou", TensorType.Float32, []), st = m.Constant("thr", TensorType.Float32, [], new[] { 0f });
        int sel = m.Output("sel", TensorType.Int32, [maxOut]), cnt = m.Output("n", TensorType.Int32, []);
        m.Op(Fb.BuiltinOperator.NON_MAX_SUPPRESSION_V4, [b, s, mo, io, st], [sel, cnt]);
        return m;
    }

    [Fact]
    public void NmsSuppressesOverlapsAndZeroesTheTail()
    {
        // box 1 overlaps box 0 (IoU 0.81), box 2 is apart; corners of box 2 given reversed
        float[] boxes = [0, 0, 1, 1, 0, 0, 0.9f, 0.9f, 3, 3, 2, 2];
        using var it = OpRun.Invoke(Nms(3, 0.5f), boxes, new[] { 0.9f, 0.8f, 0.7f }, new[] { 0.5f });
        Assert.Equal(new[] { 0, 2, 0 }, it.Output<int>(0));
        Assert.Equal(2, it.Output<int>(1)[0]);
    }

    [Fact]
    public void NmsRefusesBadShapesAndThresholds()
    {
        Assert.IsType<ModelFormatException>(Prepared.Error(Nms(2, 0.5f, boxShape: [3, 5])));
        Assert.IsType<ModelFormatException>(Prepared.Error(Nms(-1, 0.5f)));
        using var it = Nms(2, 0.5f).BuildInterpreter();
        it.GetInputTensor(2).CopyFrom<float>([1.5f]);
        Assert.Throws<InterpreterException>(() => it.Invoke());
    }
}
