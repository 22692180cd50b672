using EdgeLite.Vision;

namespace EdgeLite.Tests.Video;

public class ObjectTrackerTests
{
    private static Detection Box(float x, float y, float score = 0.9f, int cls = 1) => new(cls, "thing", score, x, y, x + 40, y + 40);

    [Fact]
    public void IdsFollowMovingObjectsThroughAScoreDipAndAShortGap()
    {
        var t = new ObjectTracker();
        int a = 0, b = 0;
        for (int f = 0; f < 40; f++)
        {
            var dets = new List<Detection>();
            // object A moves right 5 px a frame; its score dips to 0.3 on frames 10-14 (ByteTrack's low pass keeps it)
            dets.Add(Box(10 + 5 * f, 20, f is >= 10 and < 15 ? 0.3f : 0.9f));
            // object B moves down, and is missing on frames 20-24 (the Kalman prediction carries it across)
            if (f is < 20 or >= 25) dets.Add(Box(300, 10 + 4 * f));
            var r = t.Update(dets);
            var ra = r.Where(x => x.Detection.Left < 280).ToList();
            if (f == 0) { a = ra.Single().TrackId; b = r.Single(x => x.TrackId != a).TrackId; continue; }
            Assert.Equal(a, Assert.Single(ra).TrackId);
            if (f is < 20 or >= 25) Assert.Contains(r, x => x.TrackId == b && Math.Abs(x.Detection.Top - (10 + 4 * f)) < 6);
            else Assert.DoesNotContain(r, x => x.TrackId == b);
        }
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void TracksAreBornConfirmedAndDie()
    {
        var t = new ObjectTracker(new TrackerOptions { MaxLostFrames = 3 });
        Assert.Single(t.Update([Box(0, 0)]));                 // first frame: confirmed at once
        var later = Box(300, 300);
        Assert.Single(t.Update([Box(0, 0), later]));          // a newcomer is tentative on its first frame
        var two = t.Update([Box(0, 0), later]);
        Assert.Equal(2, two.Count);                           // ... and confirmed on its second
        int newcomer = two.Single(x => x.Detection.Left > 100).TrackId;
        for (int i = 0; i < 4; i++) t.Update([Box(0, 0)]);    // gone for longer than MaxLostFrames
        var back = t.Update([Box(0, 0), later]);
        Assert.DoesNotContain(back, x => x.TrackId == newcomer);
        Assert.Single(t.Update([Box(0, 0), Box(0, 0, 0.9f, cls: 2)]), x => x.Detection.Index == 1);
        Assert.Throws<ArgumentException>(() => new ObjectTracker(new TrackerOptions { LowScore = 0.9f, HighScore = 0.5f }));
        // low-score detections never start tracks
        var fresh = new ObjectTracker();
        Assert.Empty(fresh.Update([Box(0, 0, 0.3f)]));
        Assert.Equal(0, fresh.TrackCount);
    }
}
