using System.Text;
using Physis.Cli.Commands;

namespace Physis.Tests.Cli;

/// <summary>
/// Runs `physis` in this process, with stdout and stderr captured for the calling test only: the console's writers are
/// replaced once by routers that write to the capture of the current execution context, or to the real console.
/// </summary>
internal static class InProcessCli
{
    private static readonly AsyncLocal<Capture?> Current = new();

    private sealed record Capture(StringWriter Output, StringWriter Error);

    static InProcessCli()
    {
        Console.SetOut(TextWriter.Synchronized(new Router(Console.Out, () => Current.Value?.Output)));
        Console.SetError(TextWriter.Synchronized(new Router(Console.Error, () => Current.Value?.Error)));
    }

    public static (int ExitCode, string Output, string Error) Physis(params string[] args) => Captured(() => PhysisCommandLine.Run(args));

    /// <summary>Runs an action with the console captured, returning its exit code and what it wrote.</summary>
    public static (int ExitCode, string Output, string Error) Captured(Func<int> action)
    {
        var capture = new Capture(new StringWriter(), new StringWriter());
        var before = Current.Value;
        Current.Value = capture;
        try
        {
            int code = action();
            return (code, capture.Output.ToString(), capture.Error.ToString());
        }
        finally
        {
            Current.Value = before;
        }
    }

    private sealed class Router(TextWriter console, Func<TextWriter?> capture) : TextWriter
    {
        private TextWriter Target => capture() ?? console;
        public override Encoding Encoding => console.Encoding;
        public override void Write(char value) => Target.Write(value);
        public override void Write(string? value) => Target.Write(value);
        public override void Write(char[] buffer, int index, int count) => Target.Write(buffer, index, count);
        public override void WriteLine(string? value) => Target.WriteLine(value);
        public override void Flush() => Target.Flush();
    }
}
