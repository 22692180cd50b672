namespace EdgeLite;

/// <summary>
/// Plans one arena for all intermediate tensors: each buffer has a lifetime [first, last] in operator steps
/// and a size; buffers whose lifetimes overlap never share bytes, the others may. Greedy by size (largest
/// first), each placed at the lowest offset that fits between the already placed buffers live at the same time
/// (the strategy of TFLite's greedy memory planner).
/// </summary>
internal static class ArenaPlanner
{
    public const int Alignment = 64;

    public readonly record struct Request(long Size, int First, int Last);

    /// <summary>Returns an offset per request and the arena size.</summary>
    public static (long[] Offsets, long ArenaSize) Plan(IReadOnlyList<Request> requests)
    {
        int n = requests.Count;
        var offsets = new long[n];
        var order = Enumerable.Range(0, n)
            .OrderByDescending(i => requests[i].Size)
            .ThenBy(i => requests[i].First)
            .ThenBy(i => i)
            .ToArray();
        var placed = new List<int>(n);
        long arena = 0;
        var live = new List<(long Start, long End)>();
        foreach (var i in order)
        {
            var r = requests[i];
            long size = Align(r.Size);
            if (size == 0) { offsets[i] = 0; continue; }
            live.Clear();
            foreach (var j in placed)
            {
                var q = requests[j];
                if (q.First <= r.Last && r.First <= q.Last) live.Add((offsets[j], offsets[j] + Align(q.Size)));
            }
            live.Sort((a, b) => a.Start.CompareTo(b.Start));
            long candidate = 0;
            foreach (var (s, e) in live)
            {
                if (candidate + size <= s) break;
                candidate = Math.Max(candidate, e);
            }
            offsets[i] = candidate;
            placed.Add(i);
            arena = Math.Max(arena, candidate + size);
        }
        return (offsets, arena);
    }

    /// <summary>
    /// The most bytes (aligned) live at any one step: no plan of these lifetimes can use a smaller arena, so the planned
    /// size next to this shows how much the greedy placement loses to fragmentation.
    /// </summary>
    public static long LowerBound(IReadOnlyList<Request> requests)
    {
        if (requests.Count == 0) return 0;
        int steps = 0;
        foreach (var r in requests) steps = Math.Max(steps, r.Last + 2);
        var delta = new long[steps + 1];
        foreach (var r in requests)
        {
            if (r.Last < r.First) continue;
            delta[r.First] += Align(r.Size);
            delta[r.Last + 1] -= Align(r.Size);
        }
        long live = 0, max = 0;
        foreach (var d in delta) { live += d; max = Math.Max(max, live); }
        return max;
    }

    public static long Align(long size) => (size + Alignment - 1) & ~(long)(Alignment - 1);
}
