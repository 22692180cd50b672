using System.Diagnostics;

namespace EdgeLite.Threading;

/// <summary>
/// A persistent pool of worker threads for splitting one kernel's work. Threads are created once; a call to
/// <see cref="Run"/> allocates nothing. Work is split into contiguous ranges by a fixed rule that depends only
/// on the count and the thread count, and kernels write disjoint outputs, so results never depend on timing.
/// Between operators the workers spin for a short while (<see cref="SpinMicroseconds"/>) before sleeping, so the
/// next operator's start costs no thread wake-up (as XNNPACK's pthreadpool does); the caller spins likewise while
/// the last workers finish.
/// Each range is claimed before it runs (one atomic exchange): the caller, done with its own range, runs any range
/// whose worker has not started yet. On a CPU that another process keeps busy, a descheduled worker then costs nothing
/// instead of a scheduler time slice (measured before this: a 1.2 ms model took 11.6 ms at 2 threads while a build ran
/// on the other core). The ranges are the same whoever runs them, so results still never depend on timing; a range
/// run by the caller uses the caller's worker index (its scratch memory is free by then).
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker (or the waiting caller) spins before blocking.</summary>
    public const int SpinMicroseconds = 200;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;            // 1 while worker i is (about to be) blocked on _wake[i]
    private readonly int[] _claimed;             // range i taken (by worker i or by the caller), per Run
    private readonly ManualResetEventSlim _done = new(false);
    private readonly long _spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private IParallelWork? _work;
    private int _count, _participants;
    private int _generation;                     // bumped by every Run
    private int _pending;
    private volatile bool _stop;
    private Exception? _error;

    public WorkerPool(int threads)
    {
        ThreadCount = Math.Max(1, threads);
        _threads = new Thread[ThreadCount - 1];
        _wake = new SemaphoreSlim[ThreadCount - 1];
        _sleeping = new int[ThreadCount - 1];
        _claimed = new int[ThreadCount];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
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
        _work = work; _count = count; _error = null; _participants = n;
        _pending = n - 1;
        for (int i = 1; i < n; i++) Volatile.Write(ref _claimed[i], 0); // release: a worker that sees 0 sees the fields above
        Interlocked.Increment(ref _generation); // publishes the fields above
        for (int i = 0; i < n - 1; i++)
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
        var (s, e) = Split(count, n, 0);
        try
        {
            work.Run(s, e, 0);
            // ranges whose workers have not started: run them here rather than wait for those threads
            for (int r = 1; r < n; r++)
            {
                if (Interlocked.Exchange(ref _claimed[r], 1) != 0) continue;
                try
                {
                    var (rs, re) = Split(count, n, r);
                    work.Run(rs, re, 0);
                }
                catch (Exception ex) { _error = ex; } // reported as a worker's failure would be
                finally { Interlocked.Decrement(ref _pending); }
            }
        }
        finally
        {
            long until = Stopwatch.GetTimestamp() + _spinTicks;
            while (Volatile.Read(ref _pending) != 0)
            {
                if (Stopwatch.GetTimestamp() <= until) { Thread.SpinWait(8); continue; }
                // The event may still carry a late Set from the previous run (a worker preempted between its last
                // decrement and the Set): so wake up, clear it, and trust only the pending count.
                _done.Wait();
                _done.Reset();
            }
            _work = null;
        }
        if (_error != null) throw new InterpreterException("a worker thread failed: " + _error.Message, _error);
    }

    private void Loop(int worker)
    {
        int seen = 0, slot = worker - 1;
        while (true)
        {
            int g = Volatile.Read(ref _generation);
            if (g == seen)
            {
                long until = Stopwatch.GetTimestamp() + _spinTicks;
                while ((g = Volatile.Read(ref _generation)) == seen && !_stop && Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
                if (g == seen && !_stop)
                {
                    // going to sleep: announce it, then look once more (Run bumps the generation before it reads the flag)
                    Interlocked.Exchange(ref _sleeping[slot], 1);
                    if (Volatile.Read(ref _generation) == seen && !_stop) _wake[slot].Wait();
                    else if (Interlocked.Exchange(ref _sleeping[slot], 0) == 0) _wake[slot].Wait(); // Run took the flag: consume its release
                    g = Volatile.Read(ref _generation);
                }
            }
            if (_stop) return;
            if (g == seen) continue;
            seen = g;
            if (worker >= _participants) continue;
            if (Interlocked.Exchange(ref _claimed[worker], 1) != 0) continue; // the caller took this range
            try
            {
                var (s, e) = Split(_count, _participants, worker);
                _work!.Run(s, e, worker);
            }
            catch (Exception ex) { _error = ex; }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        _stop = true;
        for (int i = 0; i < _wake.Length; i++) _wake[i].Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _wake) s.Dispose();
        _done.Dispose();
    }
}
