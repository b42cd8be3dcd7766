using System.Diagnostics;

namespace Physis.Tests.Data;

/// <summary>
/// A fact that needs Debian's python3 with numpy (and optionally one more module, such as h5py) to cross-check
/// files; skipped with the reason where it is missing (xunit 2 cannot skip from inside a test).
/// </summary>
public sealed class NumPyFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> MissingReasons = new();

    public NumPyFactAttribute() : this("numpy") { }

    public NumPyFactAttribute(string module)
    {
        foreach (string required in new[] { "numpy", module }.Distinct())
            if (MissingReasons.GetOrAdd(required, FindMissingReason) is { } reason)
            {
                Skip = $"python3-{required} (Debian) not installed: {reason}";
                return;
            }
    }

    /// <summary>Runs a Python script with the given arguments; fails the test with Python's output if it exits non-zero.</summary>
    public static string RunPython(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}:\n{output}\n{error.Result}");
        return output;
    }

    private static string? FindMissingReason(string module)
    {
        if (!File.Exists(Python)) return $"{Python} does not exist (apt-get install python3-{module}).";
        try
        {
            using var process =
                Process.Start(new ProcessStartInfo(Python, ["-c", $"import {module}"]) { RedirectStandardError = true, UseShellExecute = false });
            if (process is null) return $"{Python} could not be started.";
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"'import {module}' failed: {error.Trim()} (apt-get install python3-{module}).";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Python} could not be started: {e.Message}";
        }
    }
}
