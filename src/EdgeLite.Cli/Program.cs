namespace EdgeLite.Cli;

/// <summary>Entry point of the edgelite tool.</summary>
public static class Program
{
    /// <summary>Runs the CLI.</summary>
    public static int Main(string[] args) => Cli.Run(args, Console.Out, Console.Error,
        interactive: !Console.IsOutputRedirected && !Console.IsErrorRedirected);
}
