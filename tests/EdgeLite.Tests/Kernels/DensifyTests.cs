using EdgeLite.Tests.Infrastructure;
using Fb = EdgeLite.Schema;
using static EdgeLite.Tests.Infrastructure.OpModelBuilder;

namespace EdgeLite.Tests.Kernels;

public class DensifyTests
{
    private static OpModelBuilder Model(int[] shape, float[] values, SparseSpec sparsity)
    {
        var m = new OpModelBuilder();
        int s = m.SparseConstant("sparse", TensorType.Float32, shape, values, sparsity);
        int d = m.Intermediate("dense", TensorType.Float32, shape);
        int x = m.Input("x", TensorType.Float32, shape);
        int y = m.Output("y", TensorType.Float32, shape);
        m.Op(Fb.BuiltinOperator.DENSIFY, [s], [d]);
        m.Op(Fb.BuiltinOperator.ADD, [x, d], [y], Fb.BuiltinOptions.AddOptions, f => Fb.AddOptions.CreateAddOptions(f).Value);
        return m;
    }

    [Fact]
    public void CsrRowsBecomeTheDenseMatrix()
    {
        // [[0, 5, 0], [7, 0, 8]]: rows dense, columns CSR (segments 0,1,3; indices 1, 0, 2)
        var sp = new SparseSpec([0, 1], [], [(2, null, null), (0, [0, 1, 3], [1, 0, 2])]);
        using var it = OpRun.Invoke(Model([2, 3], [5, 7, 8], sp), new float[6]);
        Assert.Equal(new float[] { 0, 5, 0, 7, 0, 8 }, it.Output<float>());
    }

    [Fact]
    public void BlockSparseWithTraversal()
    {
        // 2x4 in 1x2 blocks: block rows dense (2), block cols CSR over 2 blocks, inner 1x2 dense.
        // row 0 keeps block 1 (cols 2,3 = 1,2); row 1 keeps block 0 (cols 0,1 = 3,4)
        var sp = new SparseSpec([0, 1, 2, 3], [0, 1], [(2, null, null), (0, [0, 1, 2], [1, 0]), (1, null, null), (2, null, null)]);
        using var it = OpRun.Invoke(Model([2, 4], [1, 2, 3, 4], sp), new float[8]);
        Assert.Equal(new float[] { 0, 0, 1, 2, 3, 4, 0, 0 }, it.Output<float>());
    }

    [Fact]
    public void MalformedSparsityIsAFormatError()
    {
        // index 3 out of range for 3 columns; a segment past the indices; a wrong dense size
        foreach (var sp in new[]
        {
            new SparseSpec([0, 1], [], [(2, null, null), (0, [0, 1, 3], [1, 0, 3])]),
            new SparseSpec([0, 1], [], [(2, null, null), (0, [0, 1, 9], [1, 0, 2])]),
            new SparseSpec([0, 1], [], [(5, null, null), (0, [0, 1, 3], [1, 0, 2])]),
        })
            Assert.Throws<ModelFormatException>(() => Model([2, 3], [5, 7, 8], sp).BuildInterpreter());
    }
}
