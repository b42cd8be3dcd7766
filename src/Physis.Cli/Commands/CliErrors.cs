using System.Text.RegularExpressions;
using Physis.Infrastructure.Distributed;
using Physis.Training;

namespace Physis.Cli.Commands;

/// <summary>
/// The exit policy of every command: bad input (an invalid value, an unwritable folder, a corrupt file) is one line on
/// stderr and exit code 2; any other failure is one line and exit code 1, with the full trace in a log file that the
/// line names. No stack trace reaches the terminal.
/// </summary>
internal static class CliErrors
{
    public const int BadInput = 2;
    public const int Failure = 1;

    /// <summary>The library's setting names (PinnSettings) as the command line spells them.</summary>
    private static readonly Dictionary<string, string> Flags = new()
    {
        ["Sampling.Domain"] = "--domain-points",
        ["Laplacian.Directions"] = "--directions",
        ["Sampling.Boundary"] = "--boundary-points",
        ["Sampling.Initial"] = "--initial-points",
        ["Sampling.Periodic"] = "--periodic-points",
        ["AdamIterations"] = "--iterations",
        ["LbfgsIterations"] = "--lbfgs-iterations",
        ["ParameterHoldIterations"] = "--hold-parameters",
        ["LearningRate"] = "--learning-rate",
        ["TimeWindows"] = "--time-windows",
        ["HardWindowStart"] = "--hard-window-start",
        ["WarmWindowStart"] = "--warm-window-start",
        ["HardConstraints"] = "--hard-constraints",
        ["Precision"] = "--precision",
        ["Threads"] = "--threads",
        // Operator training (OperatorTrainingSettings, LearningRateSchedule) and architectures (FnoSettings, TfnoSettings,
        // MgnoSettings, LsmSettings, DeepOnetSettings) as `physis train-operator` spells them.
        ["Epochs"] = "--epochs",
        ["BatchSize"] = "--batch",
        ["WeightDecay"] = "--weight-decay",
        ["StepEvery"] = "--step-every",
        ["StepFactor"] = "--step-factor",
        ["PointsPerFunction"] = "--points-per-function",
        ["DataWeight"] = "--data-weight",
        ["Modes"] = "--modes",
        ["ModesTotal"] = "--modes-total",
        ["ProjectionWidth"] = "--projection-width",
        ["MaxRecoveries"] = "--max-recoveries",
        ["Period"] = "--cosine-period",
        ["Width"] = "--width",
        ["Padding"] = "--padding",
        ["DataVariables"] = "--input-var and --output-var",
        ["Layers"] = "--layers",
        ["RankRatio"] = "--rank-ratio",
        ["Factorisation"] = "--factorisation",
        ["Levels"] = "--levels",
        ["Smoothing"] = "--smoothing",
        ["Scales"] = "--scales",
        ["Tokens"] = "--tokens",
        ["Basis"] = "--basis",
        ["Patches"] = "--patches",
        ["Heads"] = "--heads",
        ["Branch"] = "--branch",
        ["Trunk"] = "--trunk",
    };

    /// <summary>The ranks of the command in progress (<see cref="Distribution.Start"/>); one process unless under MPI.</summary>
    public static Communicator Communicator { get; set; } = Communicator.SingleProcess;

    public static int Run(Func<int> action)
    {
        int code = Handle(action);
        // A rank that failed alone would leave the others waiting in their next collective: end the whole job.
        if (code != 0 && Communicator.IsDistributed) Communicator.Abort(code);
        return code;
    }

    private static int Handle(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (TrainingDivergedException e)
        {
            Report(e.Message);
            return Failure;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            Report(InFlags(e.Message));
            return BadInput;
        }
        catch (Exception e)
        {
            Report($"{Describe(e)} (the full trace is in {WriteLog(e)})");
            return Failure;
        }
    }

    /// <summary>One error line; under MPI it names the rank, as every rank may print its own.</summary>
    private static void Report(string message) => Console.Error.WriteLine(Communicator.IsDistributed
        ? $"error: rank {Communicator.Rank} of {Communicator.Size}: {message}"
        : $"error: {message}");

    /// <summary>The first line of the message, with libtorch's allocation failure said plainly.</summary>
    private static string Describe(Exception e)
    {
        string first = e.Message.Split('\n', 2)[0].Trim();
        return e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase) || e is OutOfMemoryException
            ? $"not enough memory for this run ({first}); use a smaller network, fewer points or a smaller batch"
            : $"{e.GetType().Name}: {first}";
    }

    /// <summary>Writes the exception with its trace to a log file in the temporary folder and returns the file's path.</summary>
    private static string WriteLog(Exception e)
    {
        string path = Path.Combine(Path.GetTempPath(), $"physis-error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log");
        try
        {
            File.WriteAllText(path, $"physis {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n{e}\n");
            return path;
        }
        catch (Exception)
        {
            return "no log: the temporary folder is not writable";
        }
    }

    /// <summary>
    /// A parser error as one line: System.CommandLine names the expected .NET type ("as expected type
    /// 'System.Nullable`1[System.Int32]'"), which a user should read as "a whole number".
    /// </summary>
    public static string ParseError(string message, string command)
    {
        string plain = ExpectedType.Replace(message, m => m.Groups[1].Value switch
        {
            var t when t.Contains("Int32") || t.Contains("Int64") => "as a whole number",
            var t when t.Contains("Double") || t.Contains("Single") => "as a number",
            var t when t.Contains("Boolean") => "as true or false",
            _ => "as a value of the right kind",
        });
        return $"error: {plain.TrimEnd('.')}. See '{command} --help'.";
    }

    private static readonly Regex ExpectedType = new(@"as expected type '([^']*)'");

    /// <summary>A library message with each setting name replaced by its flag ("set TimeWindows to 2" reads "set --time-windows to 2").</summary>
    public static string InFlags(string message) => SettingName.Replace(message, m => Flags[m.Value]);

    private static readonly Regex SettingName = new($@"\b({string.Join("|", Flags.Keys.Select(Regex.Escape))})\b");
}
