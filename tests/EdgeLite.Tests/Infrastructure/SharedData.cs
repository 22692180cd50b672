namespace EdgeLite.Tests;

/// <summary>Locates ../shared (models, images, conformance vectors) from the test binary.</summary>
public static class SharedData
{
    private static readonly Lazy<string?> _root = new(() =>
    {
        var env = Environment.GetEnvironmentVariable("EDGELITE_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(Path.Combine(env, "models"))) return Path.GetFullPath(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
        }
        return null;
    });

    /// <summary>The shared folder; throws when it cannot be found (tests that need it must fail, not skip silently).</summary>
    public static string Root => _root.Value ?? throw new InvalidOperationException("../shared not found (set EDGELITE_SHARED)");

    public static string Models => Path.Combine(Root, "models");
    public static string Images => Path.Combine(Root, "images");
    public static string Conformance => Path.Combine(Root, "conformance");
    public static string Labels => Path.Combine(Models, "labels");

    /// <summary>Path of a zoo model by file stem (models sit one folder deep).</summary>
    public static string Model(string stem)
    {
        foreach (var dir in Directory.GetDirectories(Models))
        {
            var p = Path.Combine(dir, stem + ".tflite");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"zoo model {stem} not found under {Models}");
    }

    /// <summary>Every zoo model's file stem, as xunit theory data.</summary>
    public static TheoryData<string> ModelStems()
    {
        var d = new TheoryData<string>();
        foreach (var p in AllModels()) d.Add(Path.GetFileNameWithoutExtension(p));
        return d;
    }

    public static IEnumerable<string> AllModels() =>
        Directory.GetDirectories(Models).SelectMany(d => Directory.GetFiles(d, "*.tflite")).OrderBy(p => p, StringComparer.Ordinal);

    public static string Image(string file) => Path.Combine(Images, file);
}
