using System.Diagnostics;
using Xunit;

namespace Physis.Tests.Distributed;

/// <summary>Runs the physis command under MPICH's mpiexec, as a user would start a data-parallel run.</summary>
internal static class MpiJob
{
    public const string Launcher = "/usr/bin/mpiexec.mpich";

    /// <summary>Why the MPI tests cannot run here, or null (CI installs MPICH).</summary>
    public static string? Missing =>
        !File.Exists(Launcher) ? "MPICH is not installed (apt-get install mpich)"
        : !File.Exists("/usr/lib/x86_64-linux-gnu/libmpich.so.12") ? "MPICH's libmpich.so.12 is not installed" : null;

    /// <summary>Starts physis on <paramref name="ranks"/> ranks, one libtorch thread each.</summary>
    public static Process Start(int ranks, params string[] args)
    {
        var start = new ProcessStartInfo(Launcher) { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] launch = ["-n", ranks.ToString(), "dotnet", Path.Combine(AppContext.BaseDirectory, "Physis.Cli.dll")];
        foreach (var a in launch) start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>Starts physis on <paramref name="ranks"/> ranks and kills the job (SIGKILL, every rank) once the condition holds.</summary>
    public static void KillAfter(int ranks, string[] args, Func<bool> condition)
    {
        using var process = Start(ranks, args);
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited) Assert.Fail($"the job ended (exit {process.ExitCode}) before the kill point: {error.Result}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the kill point was not reached in two minutes");
            Thread.Sleep(1);
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>Runs physis on <paramref name="ranks"/> ranks to the end and returns its exit code and output.</summary>
    public static (int Code, string Output, string Error) Run(int ranks, params string[] args)
    {
        using var process = Start(ranks, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mpiexec -n {ranks} physis {string.Join(' ', args)} ran past 5 minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A test that needs MPICH; skipped with the reason where it is missing.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiJob.Missing is { } reason) Skip = reason;
    }
}

/// <summary>A theory that needs MPICH; skipped with the reason where it is missing.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (MpiJob.Missing is { } reason) Skip = reason;
    }
}
