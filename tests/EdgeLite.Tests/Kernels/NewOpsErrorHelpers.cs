using EdgeLite.Tests.Infrastructure;

namespace EdgeLite.Tests.Kernels;

/// <summary>Builds and prepares a model, returning the typed error (or null when it prepared).</summary>
internal static class Prepared
{
    public static Exception? Error(OpModelBuilder b)
    {
        var e = Record.Exception(() => { using var it = b.BuildInterpreter(); });
        Assert.True(e is null or UnsupportedOperatorException or ModelFormatException or InterpreterException, $"untyped {e?.GetType().Name}: {e?.Message}");
        return e;
    }
}
