using System.Text.RegularExpressions;

namespace Physis.Cli.Commands;

/// <summary>Turns expected failures (bad input, unwritable output, corrupt files) into one line on stderr and exit code 2.</summary>
internal static class CliErrors
{
    public const int BadInput = 2;

    /// <summary>The library's setting names (PinnSettings) as the command line spells them.</summary>
    private static readonly Dictionary<string, string> Flags = new()
    {
        ["Sampling.Domain"] = "--domain-points",
        ["Sampling.Boundary"] = "--boundary-points",
        ["Sampling.Initial"] = "--initial-points",
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
        ["Width"] = "--width",
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

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"error: {InFlags(e.Message)}");
            return BadInput;
        }
    }

    /// <summary>A library message with each setting name replaced by its flag ("set TimeWindows to 2" reads "set --time-windows to 2").</summary>
    public static string InFlags(string message) => SettingName.Replace(message, m => Flags[m.Value]);

    private static readonly Regex SettingName = new($@"\b({string.Join("|", Flags.Keys.Select(Regex.Escape))})\b");
}
