namespace EdgeLite.Benchmarks;

/// <summary>Finds ../shared (models, images) from the working directory or EDGELITE_SHARED.</summary>
internal static class SharedPaths
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("EDGELITE_SHARED");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                {
                    var candidate = Path.Combine(d.FullName, "shared");
                    if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
                    candidate = Path.Combine(d.FullName, "..", "shared");
                    if (Directory.Exists(Path.Combine(candidate, "models"))) return Path.GetFullPath(candidate);
                }
            }
            throw new DirectoryNotFoundException("../shared not found; set EDGELITE_SHARED");
        }
    }

    public static string Model(string relative) => Path.Combine(Root, "models", relative + ".tflite");
}
