namespace EdgeLite.Threading;

/// <summary>
/// A persistent pool of worker threads for splitting one kernel's work. Threads are created once; a call to
/// <see cref="Run"/> allocates nothing. Work is split into contiguous ranges by a fixed rule that depends only
/// on the count and the thread count, and kernels write disjoint outputs, so results never depend on timing.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelWork? _work;
    private int _count;
    private int _pending;
    private volatile bool _stop;
    private Exception? _error;

    public WorkerPool(int threads)
    {
        ThreadCount = Math.Max(1, threads);
        _threads = new Thread[ThreadCount - 1];
        _start = new SemaphoreSlim[ThreadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            int worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"EdgeLite worker {worker}" };
            _threads[i].Start();
        }
        // ManualResetEventSlim creates its internal lock object lazily, the first time a wait actually blocks.
        // Force that now so that no Invoke ever allocates it (a short timed wait on an unset event blocks).
        if (_threads.Length > 0) _done.Wait(1);
    }

    public int ThreadCount { get; }

    /// <summary>Range of items for worker <paramref name="w"/> out of <paramref name="n"/> workers.</summary>
    public static (int Start, int End) Split(int count, int n, int w)
    {
        int baseSize = count / n, rem = count % n;
        int start = w * baseSize + Math.Min(w, rem);
        return (start, start + baseSize + (w < rem ? 1 : 0));
    }

    public void Run(int count, IParallelWork work)
    {
        int n = Math.Min(ThreadCount, count);
        if (n <= 1) { work.Run(0, count, 0); return; }
        _work = work; _count = count; _error = null;
        _pending = n - 1;
        _done.Reset();
        for (int i = 0; i < n - 1; i++) _start[i].Release();
        var (s, e) = Split(count, n, 0);
        try { work.Run(s, e, 0); }
        finally
        {
            _done.Wait();
            _work = null;
        }
        if (_error != null) throw new InterpreterException("a worker thread failed: " + _error.Message, _error);
    }

    private void Loop(int worker)
    {
        while (true)
        {
            _start[worker - 1].Wait();
            if (_stop) return;
            try
            {
                int n = Math.Min(ThreadCount, _count);
                var (s, e) = Split(_count, n, worker);
                _work!.Run(s, e, worker);
            }
            catch (Exception ex) { _error = ex; }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        _stop = true;
        foreach (var s in _start) s.Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}
