namespace EdgeLite.Tests.Runtime;

public class ArenaPlannerTests
{
    private static ArenaPlanner.Request R(long size, int first, int last) => new(size, first, last);

    [Fact]
    public void ChainOfOpsNeedsOnlyTwoBuffers()
    {
        // t0 -> op0 -> t1 -> op1 -> t2 -> op2 -> t3: each tensor overlaps only its neighbours.
        var reqs = new[] { R(1000, 0, 0), R(1000, 0, 1), R(1000, 1, 2), R(1000, 2, 3) };
        var (offsets, size) = ArenaPlanner.Plan(reqs);
        Assert.Equal(2 * ArenaPlanner.Align(1000), size);
        AssertNoOverlap(reqs, offsets);
    }

    [Fact]
    public void LowerBoundIsTheMostBytesLiveAtOneStep()
    {
        // steps 0..3: live bytes 1024, 1024+2048, 2048+64, 64 (sizes aligned to 64)
        var reqs = new[] { R(1000, 0, 1), R(2048, 1, 2), R(1, 2, 3) };
        Assert.Equal(1024 + 2048, ArenaPlanner.LowerBound(reqs));
        Assert.Equal(0, ArenaPlanner.LowerBound(Array.Empty<ArenaPlanner.Request>()));
    }

    [Fact]
    public void RandomPlansNeverOverlapLiveBuffers()
    {
        var rng = new Random(42);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 40);
            var reqs = new ArenaPlanner.Request[n];
            for (int i = 0; i < n; i++)
            {
                int a = rng.Next(0, 30), b = rng.Next(0, 30);
                reqs[i] = R(rng.Next(0, 5000), Math.Min(a, b), Math.Max(a, b));
            }
            var (offsets, size) = ArenaPlanner.Plan(reqs);
            AssertNoOverlap(reqs, offsets);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(0, offsets[i] % ArenaPlanner.Alignment);
                Assert.True(offsets[i] + reqs[i].Size <= size);
            }
            // Never worse than giving every buffer its own bytes, never better than the bytes live at one step.
            Assert.True(size <= reqs.Sum(r => ArenaPlanner.Align(r.Size)));
            Assert.True(size >= ArenaPlanner.LowerBound(reqs));
        }
    }

    private static void AssertNoOverlap(ArenaPlanner.Request[] reqs, long[] offsets)
    {
        for (int i = 0; i < reqs.Length; i++)
        for (int j = i + 1; j < reqs.Length; j++)
        {
            var a = reqs[i]; var b = reqs[j];
            if (a.Size == 0 || b.Size == 0) continue;
            bool timeOverlap = a.First <= b.Last && b.First <= a.Last;
            bool spaceOverlap = offsets[i] < offsets[j] + b.Size && offsets[j] < offsets[i] + a.Size;
            Assert.False(timeOverlap && spaceOverlap, $"buffers {i} and {j} overlap");
        }
    }
}
