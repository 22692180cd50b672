using System.CommandLine;
using System.CommandLine.Parsing;
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
        // --json anywhere before a "--": errors and warnings are JSON objects on stderr too
        int dashDash = Array.IndexOf(args, "--");
        var io = new CommandIO(stdout, stderr, interactive, stdin) { Json = args.Take(dashDash < 0 ? args.Length : dashDash).Contains("--json") };
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
        if (UsageError(parse, args, dashDash) is { } usage)
        {
            io.Error(usage + " (see edgelite " + (parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name + " ") + "--help)");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException)
        {
            io.Error(e.Message);
            return Usage;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ModelFormatException or UnsupportedOperatorException
            or InterpreterException or ImageFormatException or VideoException or IOException or UnauthorizedAccessException or ArgumentException
            or ObjectDisposedException or InvalidOperationException or OutOfMemoryException)
        {
            io.Error(Describe(e));
            if (parse.GetValue(verbose)) stderr.WriteLine(e);
            return Failure;
        }
    }

    /// <summary>
    /// The first usage error: System.CommandLine's own (unknown commands and options, bad values) with a "did you mean",
    /// and a token that looks like an option but was taken as a positional argument (a misspelled option: `--topk 3`
    /// must not become two image paths; a path starting with '-' can follow `--`).
    /// </summary>
    private static string? UsageError(ParseResult parse, string[] args, int dashDash)
    {
        var command = parse.CommandResult.Command;
        var optionNames = command.Options.Concat(parse.RootCommandResult.Command.Options.Where(o => o.Recursive))
            .SelectMany(o => o.Aliases.Prepend(o.Name)).Append("--help").Distinct().ToList();
        string Hint(string token)
        {
            var candidates = token.StartsWith('-') ? optionNames : command.Subcommands.Select(c => c.Name).ToList();
            return Shared.Suggest(token, candidates) is { } s ? $" (did you mean {s}?)" : "";
        }
        var afterDashDash = dashDash < 0 ? new HashSet<string>() : args.Skip(dashDash + 1).ToHashSet();
        foreach (var token in parse.UnmatchedTokens)
        {
            if (afterDashDash.Contains(token)) continue;
            if (token.StartsWith('-') && token.Length > 1) return $"unknown option {token}{Hint(token)}";
            if (command is RootCommand) return $"unknown command '{token}'{Hint(token)}";
        }
        if (parse.Errors.Count > 0)
        {
            var first = parse.Errors[0].Message;
            foreach (var token in parse.UnmatchedTokens) if (first.Contains($"'{token}'")) return first.TrimEnd('.') + Hint(token);
            return first.TrimEnd('.');
        }
        foreach (var arg in parse.CommandResult.Children.OfType<ArgumentResult>())
            foreach (var t in arg.Tokens)
            {
                string v = t.Value;
                if (v.Length < 2 || v[0] != '-' || afterDashDash.Contains(v) || double.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out _)) continue;
                return $"unknown option {v}{Hint(v)}";
            }
        return null;
    }

    private static string Describe(Exception e) => e switch
    {
        ModelFormatException => $"malformed model: {e.Message}",
        UnsupportedOperatorException => $"unsupported: {e.Message}",
        ImageFormatException => $"unreadable image: {e.Message}",
        OutOfMemoryException => "out of memory (lower --max-image-pixels or use a smaller model)",
        _ => e.Message,
    };
}

/// <summary>Output writers handed to every command; <paramref name="Interactive"/>: stdout and stderr are a terminal.</summary>
internal sealed record CommandIO(TextWriter Out, TextWriter Err, bool Interactive = false, Stream? In = null)
{
    /// <summary>--json was given: errors and warnings are JSON objects on stderr (one per line).</summary>
    public bool Json { get; init; }

    /// <summary>Reports an error: <c>edgelite: error: ...</c>, or <c>{"error": ..., "image"?: ...}</c> with --json.</summary>
    public void Error(string message, string? image = null)
    {
        if (Json) Common.WriteJsonLine(Err, w => { if (image != null) w.WriteString("image", image); w.WriteString("error", message); });
        else Err.WriteLine(image != null ? $"edgelite: error: {image}: {message}" : $"edgelite: error: {message}");
    }

    /// <summary>Reports a warning: <c>edgelite: warning: ...</c>, or <c>{"warning": ...}</c> with --json.</summary>
    public void Warn(string message)
    {
        if (Json) Common.WriteJsonLine(Err, w => w.WriteString("warning", message));
        else Err.WriteLine($"edgelite: warning: {message}");
    }
}

/// <summary>A command-line usage error found after parsing (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
