using System.CommandLine;
using EdgeLite.Cli.Commands;
using EdgeLite.Vision;

namespace EdgeLite.Cli;

/// <summary>The edgelite command line, callable in-process (tests) with its own output writers.</summary>
public static class Cli
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Ok = 0;
    /// <summary>Exit code of a runtime failure (missing file, malformed model, unsupported op, bad image...).</summary>
    public const int Failure = 1;
    /// <summary>Exit code of a usage error.</summary>
    public const int Usage = 2;

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code. Errors are one line on <paramref name="stderr"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, interactive: false);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="interactive"/>: the output is a terminal (progress bars allowed).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive) => Run(args, stdout, stderr, interactive, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter, bool)"/>; <paramref name="stdin"/> is what <c>--source -</c> reads (null = the console's).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, Stream? stdin)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Print stack traces of errors", Recursive = true };
        var root = new RootCommand("edgelite: run TensorFlow Lite models from .NET (classify, detect, segment, pose, hands, face-landmarks, pose-landmarks, run, inspect, bench)");
        root.Options.Add(verbose);
        var io = new CommandIO(stdout, stderr, interactive, stdin);
        root.Subcommands.Add(ClassifyCommand.Create(io));
        root.Subcommands.Add(DetectCommand.Create(io));
        root.Subcommands.Add(SegmentCommand.Create(io));
        root.Subcommands.Add(PoseCommand.Create(io));
        root.Subcommands.Add(LandmarksCommand.Create(io, LandmarkerKind.Hand));
        root.Subcommands.Add(LandmarksCommand.Create(io, LandmarkerKind.Face));
        root.Subcommands.Add(LandmarksCommand.Create(io, LandmarkerKind.Pose));
        root.Subcommands.Add(RunCommand.Create(io));
        root.Subcommands.Add(InspectCommand.Create(io));
        root.Subcommands.Add(BenchCommand.Create(io));
        root.Subcommands.Add(QuantizeCommand.Create(io));
        root.Subcommands.Add(QuantizeCommand.CreateCompare(io));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"edgelite: error: {parse.Errors[0].Message} (see edgelite --help)");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException)
        {
            stderr.WriteLine($"edgelite: error: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ModelFormatException or UnsupportedOperatorException
            or InterpreterException or ImageFormatException or VideoException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            stderr.WriteLine($"edgelite: error: {Describe(e)}");
            if (parse.GetValue(verbose)) stderr.WriteLine(e);
            return Failure;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        ModelFormatException => $"malformed model: {e.Message}",
        UnsupportedOperatorException => $"unsupported: {e.Message}",
        ImageFormatException => $"unreadable image: {e.Message}",
        _ => e.Message,
    };
}

/// <summary>Output writers handed to every command; <paramref name="Interactive"/>: stdout and stderr are a terminal.</summary>
internal sealed record CommandIO(TextWriter Out, TextWriter Err, bool Interactive = false, Stream? In = null);

/// <summary>A command-line usage error found after parsing (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
