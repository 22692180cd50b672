namespace EdgeLite.Cli;

/// <summary>Entry point of the edgelite tool.</summary>
public static class Program
{
    /// <summary>Runs the CLI.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("edgelite: not implemented yet");
        return 1;
    }
}
