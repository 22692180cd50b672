namespace EdgeLite.Tests.Infrastructure;

/// <summary>
/// Managed bytes allocated by the current thread while running an action. A garbage collection that suspends the thread
/// mid-way (started by another thread: the test host runs tests in parallel) retires the thread's allocation context
/// and moves GC.GetAllocatedBytesForCurrentThread by up to a few KB without any allocation — seen as 150–8000 "bytes"
/// inside a Conv2D Eval exactly when GC.GetTotalPauseDuration grew. Such a measurement is repeated (up to 5 times);
/// one that no pause overlapped is the answer.
/// </summary>
public static class Allocations
{
    public static long During(Action action)
    {
        long bytes = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var pause = GC.GetTotalPauseDuration();
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (bytes == 0 || GC.GetTotalPauseDuration() == pause) return bytes;
        }
        return bytes;
    }

    /// <summary>Bytes allocated by <paramref name="invokes"/> calls of Invoke (see <see cref="During"/>).</summary>
    public static long OfInvoke(Interpreter interpreter, int invokes = 1) => During(() => { for (int i = 0; i < invokes; i++) interpreter.Invoke(); });
}
