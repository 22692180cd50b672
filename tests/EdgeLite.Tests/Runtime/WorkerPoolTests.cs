using EdgeLite.Threading;

namespace EdgeLite.Tests.Runtime;

public class WorkerPoolTests
{
    private sealed class Marks : IParallelWork
    {
        public int[] Hits = new int[64];
        public void Run(int start, int end, int worker) { for (int i = start; i < end; i++) Interlocked.Increment(ref Hits[i]); }
    }

    [Fact]
    public void EveryItemRunsExactlyOnceAcrossManyQuickRuns()
    {
        using var pool = new WorkerPool(3);
        var work = new Marks();
        var rng = new Random(5);
        for (int r = 0; r < 5000; r++)
        {
            int count = rng.Next(1, 9);
            Array.Clear(work.Hits);
            pool.Run(count, work);
            for (int i = 0; i < 64; i++) Assert.Equal(i < count ? 1 : 0, work.Hits[i]);
            if (r % 1000 == 0) Thread.Sleep(2); // let the workers fall asleep now and then
        }
    }

    private sealed class Throws : IParallelWork
    {
        // the second range fails, whichever thread runs it (its worker, or the caller when that worker is late)
        public void Run(int start, int end, int worker) { if (start > 0) throw new InvalidOperationException("boom"); }
    }

    [Fact]
    public void AWorkerFailureSurfacesAsInterpreterException()
    {
        using var pool = new WorkerPool(2);
        var e = Assert.Throws<InterpreterException>(() => pool.Run(2, new Throws()));
        Assert.Contains("boom", e.Message);
        var work = new Marks();
        pool.Run(4, work); // still usable
        Assert.Equal(new[] { 1, 1, 1, 1 }, work.Hits[..4]);
    }

    [Fact]
    public void SplitCoversTheRangeInOrder()
    {
        for (int count = 0; count < 20; count++)
            for (int n = 1; n <= 5; n++)
            {
                int next = 0;
                for (int w = 0; w < n; w++)
                {
                    var (s, e) = WorkerPool.Split(count, n, w);
                    Assert.Equal(next, s);
                    Assert.InRange(e - s, count / n, count / n + 1);
                    next = e;
                }
                Assert.Equal(count, next);
            }
    }
}
