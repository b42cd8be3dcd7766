using System.Text.Json;
using Physis.Tests.Operators;

namespace Physis.Tests.Cli;

/// <summary>train-operator and predict, run as separate processes as a user runs them.</summary>
public class OperatorCommandTests
{
    private static (int ExitCode, string Error) Run(params string[] args)
    {
        var (code, _, error) = SolveCommandTests.Physis(args);
        return (code, error);
    }

    private static string TempPath(string suffix = "") => Path.Combine(Path.GetTempPath(), $"physis-operator-cli-{Guid.NewGuid():N}{suffix}");

    [Fact]
    public void TrainsSavesAndPredictsAtAnotherResolution()
    {
        string data = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(30, 64, seed: 1).Write(data);
            var (code, error) = Run("train-operator", "fno", "--data", data, "--epochs", "2", "--batch", "10", "--modes", "6", "--width", "8",
                "--test", "10", "--resolution", "32", "--out", folder);
            Assert.True(code == 0, error);
            foreach (var file in new[] { "run.json", "history.csv", "error.png", "test_sample_0.png", "model.bin", "checkpoint.bin" })
                Assert.True(File.Exists(Path.Combine(folder, file)), file);
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            Assert.True(run.RootElement.GetProperty("test_relative_l2").GetDouble() > 0);

            (code, error) = Run("predict", "--model", folder, "--data", data, "--samples", "10");
            Assert.True(code == 0, error);
            Assert.True(File.Exists(Path.Combine(folder, "predict_64.json")));

            (code, error) = Run("predict", "--model", folder, "--data", data, "--resolution", "8");
            Assert.Equal(2, code);
            Assert.Contains("cannot resolve 6 Fourier modes", error);
        }
        finally
        {
            File.Delete(data);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ResumeRefusesOtherDataAndOtherOptionsAndTakesMoreEpochs()
    {
        string data = TempPath(".h5"), other = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(20, 16, seed: 1).Write(data);
            OperatorTrainingTests.HeatData(20, 16, seed: 2).Write(other);
            string[] small = ["--batch", "10", "--modes", "4", "--width", "8", "--test", "5", "--schedule", "constant", "--out", folder];
            var (code, error) = Run(["train-operator", "fno", "--data", data, "--epochs", "2", .. small]);
            Assert.True(code == 0, error);

            // An option given with --resume is refused, not ignored.
            (code, error) = Run("train-operator", "fno", "--resume", "--out", folder, "--data", other);
            Assert.Equal(2, code);
            Assert.Contains("so --data cannot be given", Assert.Single(error.Trim().Split('\n')));
            // The data file replaced by another: the stored SHA-256 no longer matches.
            File.Copy(other, data, overwrite: true);
            (code, error) = Run("train-operator", "fno", "--resume", "--out", folder, "--epochs", "3");
            Assert.Equal(2, code);
            Assert.Contains("has changed since the run started", error);
            // Another operator in the same folder.
            (code, error) = Run("train-operator", "deeponet", "--resume", "--out", folder);
            Assert.Equal(2, code);
            Assert.Contains("not a deeponet operator run", error);

            // Back to the original data: more epochs continue the run.
            OperatorTrainingTests.HeatData(20, 16, seed: 1).Write(data);
            (code, error) = Run("train-operator", "fno", "--resume", "--out", folder, "--epochs", "3");
            Assert.True(code == 0, error);
            Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "history.csv")).Length);
            (code, error) = Run("train-operator", "fno", "--resume", "--out", folder, "--epochs", "1");
            Assert.Equal(2, code);
            Assert.Contains("more epochs than its 3", error);
        }
        finally
        {
            File.Delete(data);
            File.Delete(other);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void BadInputsExitWithCode2AndOneLine()
    {
        string data = TempPath(".h5"), nan = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(6, 16, seed: 1).Write(data);
            var poisoned = OperatorTrainingTests.HeatData(6, 16, seed: 1);
            poisoned.Inputs[20] = double.NaN;
            poisoned.Write(nan);
            var cases = new (string[] Args, string Message)[]
            {
                (["train-operator", "fno", "--data", TempPath(".h5")], "does not exist"),
                (["train-operator", "fno", "--data", nan, "--out", folder], "non-finite value (NaN) in sample 1"),
                (["train-operator", "fno", "--data", data, "--modes", "4,4", "--out", folder], "--modes gives 2 counts but the data are 1D"),
                (["train-operator", "deeponet", "--data", data, "--branch", "10,8,8", "--out", folder],
                    "--branch starts with 10 sensors but the data have 16"),
                (["train-operator", "fno", "--data", data, "--resolution", "5", "--out", folder], "Resolution 5 cannot be taken from 16"),
                (["train-operator", "fno", "--data", data, "--epochs", "-1", "--out", folder], "--epochs cannot be negative"),
                // Library settings named by their flags: BatchSize, LearningRate, StepEvery, RankRatio, Heads and Width, Levels.
                (["train-operator", "fno", "--data", data, "--batch", "0", "--out", folder], "--batch must be positive"),
                (["train-operator", "fno", "--data", data, "--lr", "-1", "--out", folder], "--learning-rate must be positive"),
                (["train-operator", "fno", "--data", data, "--step-every", "0", "--out", folder], "--step-every must be positive"),
                (["train-operator", "fno", "--data", data, "--schedule", "triangle", "--out", folder], "Unknown --schedule 'triangle'"),
                (["train-operator", "tfno", "--data", data, "--modes", "4", "--rank-ratio", "2", "--out", folder], "--rank-ratio must lie in (0, 1]"),
                (["train-operator", "lsm", "--data", data, "--width", "8", "--heads", "3", "--out", folder],
                    "--heads must be a positive divisor of --width (8)"),
                (["train-operator", "mgno", "--data", data, "--levels", "0", "--out", folder], "--levels must lie in 1 to 30"),
                (["train-operator", "wavelet", "--data", data], "Unknown operator 'wavelet'"),
                (["predict", "--model", folder, "--data", data], "No saved model"),
            };
            foreach (var (args, message) in cases)
            {
                var (code, error) = Run(args);
                Assert.True(code == 2, $"{string.Join(" ", args)}: exit {code}, {error}");
                Assert.Contains(message, error);
                Assert.Single(error.Trim().Split('\n'));
            }
            Assert.False(Directory.Exists(folder), "nothing may be written for invalid input");
        }
        finally
        {
            File.Delete(data);
            File.Delete(nan);
        }
    }

    /// <summary>MgNO and LSM from the command line: train at one resolution, predict at another, refuse a grid they cannot take.</summary>
    [Theory]
    [InlineData("mgno", new[] { "--width", "6", "--layers", "2", "--levels", "3" })]
    [InlineData("lsm", new[] { "--width", "6", "--scales", "2", "--tokens", "2", "--basis", "4", "--patches", "2" })]
    public void GridOperatorsTrainAndPredictAtAnotherResolution(string model, string[] options)
    {
        string data = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(30, 64, seed: 1).Write(data);
            var (code, error) = Run(["train-operator", model, "--data", data, "--epochs", "2", "--batch", "10", "--test", "10", "--resolution", "32",
                "--out", folder, .. options]);
            Assert.True(code == 0, error);
            using (var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json"))))
            {
                Assert.True(run.RootElement.GetProperty("test_relative_l2").GetDouble() is > 0 and < 10);
                Assert.True(run.RootElement.GetProperty("peak_memory_megabytes").GetDouble() > 10);
                Assert.Equal(model, run.RootElement.GetProperty("operator").GetString());
            }

            (code, error) = Run("predict", "--model", folder, "--data", data, "--samples", "10");
            Assert.True(code == 0, error);
            Assert.True(File.Exists(Path.Combine(folder, "predict_64.json")));

            (code, error) = Run("predict", "--model", folder, "--data", data, "--resolution", "2");
            Assert.Equal(2, code);
            Assert.Contains("at least", error);
            Assert.Single(error.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(data);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// bench operators generates the data, trains the three models on it in their own processes and tabulates them; a
    /// second run with the same arguments reuses the finished runs instead of training again.
    /// </summary>
    [Fact]
    public void BenchOperatorsTabulatesEveryModelAndReusesFinishedRuns()
    {
        string folder = TempPath();
        try
        {
            string[] args = ["bench", "operators", "--datasets", "burgers", "--train", "4", "--test", "2", "--epochs", "1", "--batch", "2", "--out",
                folder];
            var (code, error) = Run(args);
            Assert.True(code == 0, error);
            var rows = File.ReadAllLines(Path.Combine(folder, "bench.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(["fno", "mgno", "lsm"], rows.Select(r => r[1]));
            foreach (var r in rows)
            {
                Assert.Equal("burgers", r[0]);
                Assert.True(long.Parse(r[2]) > 0, $"{r[1]} parameters");
                Assert.True(double.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture) > 0, $"{r[1]} test error");
                Assert.True(double.Parse(r[6], System.Globalization.CultureInfo.InvariantCulture) > 10, $"{r[1]} peak memory");
            }
            Assert.Contains("| burgers | fno |", File.ReadAllText(Path.Combine(folder, "bench.md")));
            string record = Path.Combine(folder, "burgers-mgno", "run.json");
            var written = File.GetLastWriteTimeUtc(record);

            (code, error) = Run(args);
            Assert.True(code == 0, error);
            Assert.Equal(written, File.GetLastWriteTimeUtc(record));

            (code, error) = Run("bench", "operators", "--models", "fno,unet", "--out", folder);
            Assert.Equal(2, code);
            Assert.Contains("Unknown model 'unet'", error);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
