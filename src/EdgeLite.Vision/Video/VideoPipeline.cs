using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeLite.Vision;

/// <summary>Options of a <see cref="VideoPipeline{T}"/>.</summary>
public sealed record VideoPipelineOptions
{
    /// <summary>
    /// Keep only the newest frame when inference is slower than the source (true), or process every frame (false);
    /// null = drop for live sources (cameras, streams, pipes), process all for files and sequences.
    /// </summary>
    public bool? DropStale { get; init; }
    /// <summary>Frames waiting between stages (capture → inference, inference → output).</summary>
    public int QueueCapacity { get; init; } = 2;
    /// <summary>Stop after this many processed frames (0 = until the source ends).</summary>
    public long MaxFrames { get; init; }
}

/// <summary>Timing of one processed frame.</summary>
/// <param name="LatencyMs">From the frame being read off the source to its result being ready.</param>
/// <param name="InferenceMs">Time in the processing function (preprocessing, inference, post-processing).</param>
/// <param name="DroppedBefore">Frames dropped so far (live sources).</param>
public readonly record struct FrameTiming(double LatencyMs, double InferenceMs, long DroppedBefore);

/// <summary>What a pipeline run did.</summary>
public sealed class PipelineStats
{
    internal PipelineStats(long captured, long processed, long dropped, double seconds, double[] latencies, double inferenceTotal)
    {
        Captured = captured; Processed = processed; Dropped = dropped; Seconds = seconds;
        var sorted = (double[])latencies.Clone();
        Array.Sort(sorted);
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        LatencyMedianMs = P(0.5); LatencyP90Ms = P(0.9); LatencyMaxMs = sorted.Length == 0 ? 0 : sorted[^1];
        InferenceMeanMs = processed == 0 ? 0 : inferenceTotal / processed;
    }

    /// <summary>Frames read from the source.</summary>
    public long Captured { get; }
    /// <summary>Frames processed and output.</summary>
    public long Processed { get; }
    /// <summary>Frames dropped because a newer one arrived first.</summary>
    public long Dropped { get; }
    /// <summary>Wall time of the run.</summary>
    public double Seconds { get; }
    /// <summary>Processed frames per second.</summary>
    public double Fps => Seconds > 0 ? Processed / Seconds : 0;
    /// <summary>Median capture → result latency.</summary>
    public double LatencyMedianMs { get; }
    /// <summary>90th percentile capture → result latency.</summary>
    public double LatencyP90Ms { get; }
    /// <summary>Largest capture → result latency.</summary>
    public double LatencyMaxMs { get; }
    /// <summary>Mean time in the processing function.</summary>
    public double InferenceMeanMs { get; }
}

/// <summary>
/// Capture, processing and output on three threads joined by bounded queues, so that decoding the next frame,
/// running the models on this one and writing the previous result overlap. Frame buffers come from a fixed pool
/// (allocated once, reused: no per-frame buffer allocation). Files are processed frame by frame (the capture thread
/// waits when the queue is full); live sources keep only the newest frame (a stale one is dropped, so latency stays
/// bounded by about one processing time instead of growing).
/// </summary>
/// <typeparam name="T">The per-frame result.</typeparam>
public sealed class VideoPipeline<T>
{
    private readonly FrameSource _source;
    private readonly Func<VideoFrame, T> _process;
    private readonly Action<VideoFrame, T, FrameTiming> _output;
    private readonly VideoPipelineOptions _o;

    /// <summary>
    /// A pipeline reading <paramref name="source"/>, running <paramref name="process"/> on each frame (on one thread,
    /// in order) and handing frame, result and timing to <paramref name="output"/> (on the caller's thread, in order).
    /// The frame is returned to the pool after <paramref name="output"/> returns.
    /// </summary>
    public VideoPipeline(FrameSource source, Func<VideoFrame, T> process, Action<VideoFrame, T, FrameTiming> output, VideoPipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(output);
        _source = source; _process = process; _output = output;
        _o = options ?? new VideoPipelineOptions();
        if (_o.QueueCapacity < 1) throw new ArgumentOutOfRangeException(nameof(options), "QueueCapacity must be at least 1");
    }

    /// <summary>Frame buffers the pipeline allocated (fixed for a run).</summary>
    public int PoolSize { get; private set; }

    /// <summary>Runs until the source ends, <see cref="VideoPipelineOptions.MaxFrames"/> frames were output, or <paramref name="cancel"/> fires.</summary>
    /// <exception cref="VideoException">The source failed.</exception>
    public PipelineStats Run(CancellationToken cancel = default)
    {
        bool drop = _o.DropStale ?? _source.IsLive;
        int cap = _o.QueueCapacity;
        // capture 1 + waiting cap (or the newest-frame slot) + processing 1 + waiting for output cap + output 1
        PoolSize = 2 * cap + 3;
        var pool = new BlockingCollection<VideoFrame>(new ConcurrentStack<VideoFrame>(), PoolSize);
        for (int i = 0; i < PoolSize; i++) pool.Add(new VideoFrame(_source.Width, _source.Height));
        var toProcess = new BlockingCollection<VideoFrame>(new ConcurrentQueue<VideoFrame>(), cap);
        var toOutput = new BlockingCollection<(VideoFrame Frame, T Result, FrameTiming Timing)>(new ConcurrentQueue<(VideoFrame, T, FrameTiming)>(), cap);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var token = stop.Token;
        object slotLock = new();
        VideoFrame? newest = null;
        bool captureDone = false;
        long captured = 0, dropped = 0, processed = 0;
        double inferenceTotal = 0;
        var latencies = new List<double>(1024);
        Exception? failure = null;
        void Fail(Exception e) { Interlocked.CompareExchange(ref failure, e, null); stop.Cancel(); }
        long start = Stopwatch.GetTimestamp();

        var capture = new Thread(() =>
        {
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var f = pool.Take(token);
                    if (!_source.Read(f)) { pool.Add(f); break; }
                    Interlocked.Increment(ref captured);
                    if (!drop) { toProcess.Add(f, token); continue; }
                    lock (slotLock)
                    {
                        if (newest != null) { pool.Add(newest); Interlocked.Increment(ref dropped); }
                        newest = f;
                        Monitor.Pulse(slotLock);
                    }
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { Fail(e); }
            finally
            {
                lock (slotLock) { captureDone = true; Monitor.PulseAll(slotLock); }
                toProcess.CompleteAdding();
            }
        }) { IsBackground = true, Name = "video capture" };

        var infer = new Thread(() =>
        {
            try
            {
                while (!token.IsCancellationRequested)
                {
                    VideoFrame? f;
                    if (drop)
                    {
                        lock (slotLock)
                        {
                            while (newest == null && !captureDone && !token.IsCancellationRequested) Monitor.Wait(slotLock, 50);
                            f = newest; newest = null;
                        }
                        if (f == null) break;
                    }
                    else if (!toProcess.TryTake(out f, Timeout.Infinite, token)) break;
                    long t0 = Stopwatch.GetTimestamp();
                    var r = _process(f);
                    long t1 = Stopwatch.GetTimestamp();
                    var timing = new FrameTiming(Stopwatch.GetElapsedTime(f.CapturedAt, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Interlocked.Read(ref dropped));
                    toOutput.Add((f, r, timing), token);
                }
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { Fail(e); }
            finally { toOutput.CompleteAdding(); }
        }) { IsBackground = true, Name = "video inference" };

        capture.Start();
        infer.Start();
        try
        {
            while (!token.IsCancellationRequested && toOutput.TryTake(out var item, Timeout.Infinite, token))
            {
                _output(item.Frame, item.Result, item.Timing);
                processed++;
                latencies.Add(item.Timing.LatencyMs);
                inferenceTotal += item.Timing.InferenceMs;
                pool.Add(item.Frame);
                if (_o.MaxFrames > 0 && processed >= _o.MaxFrames) { stop.Cancel(); break; }
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { Fail(e); }
        finally
        {
            stop.Cancel();
            lock (slotLock) Monitor.PulseAll(slotLock);
            // the capture thread may sit in a blocking read of a live source: it ends when the source is disposed
            infer.Join();
            capture.Join(TimeSpan.FromSeconds(2));
        }
        if (failure is VideoException or IOException or ImageFormatException or ArgumentException or InterpreterException)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        if (failure != null) throw new VideoException($"video pipeline failed: {failure.Message}", failure);
        return new PipelineStats(Interlocked.Read(ref captured), processed, Interlocked.Read(ref dropped), Stopwatch.GetElapsedTime(start).TotalSeconds, latencies.ToArray(), inferenceTotal);
    }
}
