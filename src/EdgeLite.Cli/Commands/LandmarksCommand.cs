using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// <c>edgelite hands|face-landmarks|pose-landmarks IMAGE... --detector D --model M</c>: MediaPipe-style two-stage
/// landmarkers on photos, or on a video / camera / stream with <c>--source</c>.
/// </summary>
internal static class LandmarksCommand
{
    public static Command Create(CommandIO io, LandmarkerKind kind)
    {
        var (name, what, detectorModel, landmarkModel) = kind switch
        {
            LandmarkerKind.Hand => ("hands", "hand landmarks (21 per hand), handedness", "palm_detection_lite.tflite", "hand_landmark_lite.tflite"),
            LandmarkerKind.Face => ("face-landmarks", "the 468-point face mesh of each face", "face_detection_short_range.tflite", "face_landmark.tflite"),
            _ => ("pose-landmarks", "33 body landmarks, world landmarks and a person mask", "pose_detection.tflite", "pose_landmark_lite.tflite"),
        };
        var images = new Argument<string[]>("images") { Description = "Image files or folders of them (or use --source)", Arity = ArgumentArity.ZeroOrMore };
        var detector = new Option<string>("--detector", "-d") { Description = $"The detector model ({detectorModel})", Required = true };
        var model = new Option<string>("--model", "-m") { Description = $"The landmark model ({landmarkModel})", Required = true };
        var max = new Option<int>("--max", "--max-results") { Description = "At most this many objects", DefaultValueFactory = _ => kind == LandmarkerKind.Hand ? 2 : 1 };
        var minScore = new Option<float>("--min-score") { Description = "Minimum detection and presence score", DefaultValueFactory = _ => 0.5f };
        var threads = Shared.ThreadsOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per image (per frame with --source)" };
        var output = new Option<string?>("--out", "-o") { Description = "Write the image with the landmarks drawn (PNG; a folder for several images; a video file with --source)" };
        var noSmoothing = new Option<bool>("--no-smoothing") { Description = "Video: no One Euro smoothing of the landmarks" };
        var segmentation = new Option<bool>("--segmentation") { Description = "pose-landmarks: also the person mask (share of the image; drawn with --out)" };
        var cmd = new Command(name, $"Find {what}: a detector, then a landmark model on a rotated crop; points in image pixels")
            { images, detector, model, max, minScore, threads, json, output, noSmoothing };
        if (kind == LandmarkerKind.Pose) cmd.Options.Add(segmentation);
        var video = VideoOptions.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int t = Shared.Threads(p.GetValue(threads)), m = p.GetValue(max);
            float min = p.GetValue(minScore);
            if (m <= 0) throw new UsageException($"--max {m}: must be positive");
            if (!(min >= 0 && min <= 1)) throw new UsageException("--min-score must be in [0, 1]");
            bool seg = kind == LandmarkerKind.Pose && p.GetValue(segmentation);
            var sourceArg = p.GetValue(video.Source);
            var imageArgs = p.GetValue(images) ?? [];
            if (sourceArg == null && imageArgs.Length == 0) throw new UsageException("give images or --source");
            if (sourceArg != null && imageArgs.Length > 0) throw new UsageException("give images or --source, not both");
            var paths = sourceArg == null ? Common.ExpandImages(imageArgs) : [];
            var plan = new OutputPlan();
            if (sourceArg == null) plan.Add("--out", p.GetValue(output), paths);
            using var det = Common.LoadModel(p.GetValue(detector)!);
            using var lm = Common.LoadModel(p.GetValue(model)!);
            var options = new LandmarkerOptions
            {
                Mode = sourceArg != null ? RunningMode.Video : RunningMode.Image, MaxResults = m, MinDetectionScore = min, MinPresenceScore = min,
                Threads = t, Smoothing = !p.GetValue(noSmoothing), Segmentation = seg,
            };
            using var landmarker = new Landmarker(kind, det, lm, options);
            bool asJson = p.GetValue(json);
            var outTarget = p.GetValue(output);
            if (sourceArg != null)
            {
                return VideoRunner.Run(io, p, video, sourceArg, asJson, outTarget,
                    frame => { var r = landmarker.Detect(frame.Image, frame.PtsMs); return r; },
                    (w, r) => WriteResults(w, kind, r, null),
                    (img, r) => LandmarkDrawing.Draw(r.Count > 0 && r[0].CropMask != null ? LandmarkDrawing.OverlayMask(img, r[0].MaskOnImage(img.Width, img.Height)) : img, r, kind),
                    () => new Dictionary<string, double> { ["detector_runs"] = landmarker.DetectorRuns, ["frames"] = landmarker.Frames },
                    r => $"{r.Count} {(kind switch { LandmarkerKind.Hand => "hand(s)", LandmarkerKind.Face => "face(s)", _ => "pose(s)" })}" + (r.Count > 0 ? $" ids [{string.Join(", ", r.Select(x => x.Id))}]" : ""));
            }
            return Common.ForEachImage(io, paths, asJson, (path, w) =>
            {
                var img = RgbImage.Load(path);
                var found = landmarker.Detect(img);
                float[]? mask = seg && found.Count > 0 && found[0].CropMask != null ? found[0].MaskOnImage(img.Width, img.Height) : null;
                string? written = plan.For("--out", path);
                if (written != null)
                    Common.Save(LandmarkDrawing.Draw(mask != null ? LandmarkDrawing.OverlayMask(img, mask) : img, found, kind), written, "--out");
                if (asJson)
                {
                    Common.WriteJsonLine(w, j =>
                    {
                        j.WriteString("image", path);
                        j.WriteNumber("width", img.Width); j.WriteNumber("height", img.Height);
                        WriteResults(j, kind, found, mask);
                        if (written != null) j.WriteString("annotated", written);
                    });
                }
                else
                {
                    w.WriteLine($"{path}: {found.Count} {(kind switch { LandmarkerKind.Hand => "hand(s)", LandmarkerKind.Face => "face(s)", _ => "pose(s)" })}");
                    foreach (var r in found)
                    {
                        var b = Bounds(r);
                        w.Write($"  score {Common.F(r.Score, 3)}  box [{Common.F(b.L, 0)}, {Common.F(b.T, 0)}, {Common.F(b.R, 0)}, {Common.F(b.B, 0)}]");
                        if (r.Handedness != null) w.Write($"  {r.Handedness} {Common.F(r.HandednessScore, 2)}");
                        w.WriteLine();
                        if (kind != LandmarkerKind.Face)
                            for (int i = 0; i < r.Landmarks.Count; i++)
                            {
                                var l = r.Landmarks[i];
                                w.WriteLine($"    {Names(kind)[i],-18} x {Common.F(l.X, 1),7}  y {Common.F(l.Y, 1),7}  z {Common.F(l.Z, 1),7}{(kind == LandmarkerKind.Pose ? $"  visibility {Common.F(l.Visibility, 2)}" : "")}");
                            }
                    }
                    if (mask != null) w.WriteLine($"  person mask: {Common.F(100.0 * mask.Count(v => v >= 0.5f) / mask.Length, 1)}% of the image");
                    if (written != null) w.WriteLine($"  annotated image: {written}");
                }
            });
        });
        return cmd;
    }

    private static (float L, float T, float R, float B) Bounds(LandmarkResult r)
    {
        float l = float.MaxValue, t = float.MaxValue, rr = float.MinValue, b = float.MinValue;
        foreach (var p in r.Landmarks) { l = MathF.Min(l, p.X); t = MathF.Min(t, p.Y); rr = MathF.Max(rr, p.X); b = MathF.Max(b, p.Y); }
        return (l, t, rr, b);
    }

    /// <summary>The results as "hands" / "faces" / "poses": id, score, box, landmarks [x, y, z(, visibility)], world landmarks, handedness.</summary>
    public static void WriteResults(Utf8JsonWriter j, LandmarkerKind kind, IReadOnlyList<LandmarkResult> found, float[]? mask)
    {
        j.WriteStartArray(kind switch { LandmarkerKind.Hand => "hands", LandmarkerKind.Face => "faces", _ => "poses" });
        foreach (var r in found)
        {
            j.WriteStartObject();
            j.WriteNumber("id", r.Id);
            j.WriteNumber("score", Math.Round(r.Score, 4));
            if (r.Handedness != null) { j.WriteString("handedness", r.Handedness); j.WriteNumber("handedness_score", Math.Round(r.HandednessScore, 4)); }
            var b = Bounds(r);
            j.WriteStartArray("box");
            foreach (var v in new[] { b.L, b.T, b.R, b.B }) j.WriteNumberValue(Math.Round(v, 1));
            j.WriteEndArray();
            j.WriteStartObject("region");
            j.WriteNumber("cx", Math.Round(r.Region.CenterX, 1)); j.WriteNumber("cy", Math.Round(r.Region.CenterY, 1));
            j.WriteNumber("size", Math.Round(r.Region.Width, 1)); j.WriteNumber("rotation", Math.Round(r.Region.Rotation, 4));
            j.WriteBoolean("from_detection", r.FromDetection);
            j.WriteEndObject();
            j.WriteStartArray("landmarks");
            foreach (var l in r.Landmarks)
            {
                j.WriteStartArray();
                j.WriteNumberValue(Math.Round(l.X, 2)); j.WriteNumberValue(Math.Round(l.Y, 2)); j.WriteNumberValue(Math.Round(l.Z, 2));
                if (kind == LandmarkerKind.Pose) j.WriteNumberValue(Math.Round(l.Visibility, 3));
                j.WriteEndArray();
            }
            j.WriteEndArray();
            if (r.WorldLandmarks is { } world)
            {
                j.WriteStartArray("world_landmarks");
                foreach (var l in world) { j.WriteStartArray(); j.WriteNumberValue(Math.Round(l.X, 4)); j.WriteNumberValue(Math.Round(l.Y, 4)); j.WriteNumberValue(Math.Round(l.Z, 4)); j.WriteEndArray(); }
                j.WriteEndArray();
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
        if (mask != null) j.WriteNumber("mask_fraction", Math.Round((double)mask.Count(v => v >= 0.5f) / mask.Length, 4));
    }

    private static readonly string[] HandNames =
    [
        "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip", "index_mcp", "index_pip", "index_dip", "index_tip",
        "middle_mcp", "middle_pip", "middle_dip", "middle_tip", "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
        "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
    ];

    private static readonly string[] PoseNames =
    [
        "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
        "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        "left_heel", "right_heel", "left_foot_index", "right_foot_index",
    ];

    private static string[] Names(LandmarkerKind kind) => kind == LandmarkerKind.Hand ? HandNames : PoseNames;
}
