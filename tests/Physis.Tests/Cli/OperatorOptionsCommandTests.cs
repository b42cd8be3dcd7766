using System.Globalization;
using System.Text.Json;
using Physis.Data;
using Physis.Tests.Data;
using Physis.Tests.Operators;

namespace Physis.Tests.Cli;

/// <summary>train-operator's neuraloperator options, further test files, divergence recovery and refused data, as a user runs them.</summary>
public class OperatorOptionsCommandTests
{
    private static string TempPath(string suffix = "") => Path.Combine(Path.GetTempPath(), $"physis-operator-options-{Guid.NewGuid():N}{suffix}");

    [Fact]
    public void NeuraloperatorOptionsAndTestFilesAtTwoResolutions()
    {
        string data = TempPath(".h5"), fine = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(30, 32, seed: 1).Write(data);
            OperatorTrainingTests.HeatData(6, 64, seed: 2).Write(fine);
            var (code, output, error) = SolveCommandTests.Physis("train-operator", "fno", "--data", data, "--test", "10", "--test-data", fine,
                "--modes-total", "8", "--width", "8", "--projection-width", "16", "--optimizer", "adamw", "--lr", "1e-2", "--weight-decay",
                "1e-4", "--schedule", "cosine", "--cosine-period", "4", "--epochs", "2", "--batch", "10", "--loss", "h1", "--h1", "periodic",
                "--normalised-loss", "--out", folder);
            Assert.True(code == 0, error);
            Assert.Contains($"{fine}: relative L2", output);

            var lines = File.ReadAllLines(Path.Combine(folder, "history.csv"));
            string column = Path.GetFileNameWithoutExtension(fine).Replace('-', '_');
            Assert.EndsWith($",{column}_relative_l2,{column}_relative_h1", lines[0]);
            Assert.Equal(3, lines.Length);
            for (int e = 0; e < 2; e++)
            {
                var fields = lines[e + 1].Split(',');
                // Cosine over 4 epochs, not over the run's 2: lr (1 + cos(pi e / 4)) / 2.
                Assert.Equal(1e-2 * 0.5 * (1 + Math.Cos(Math.PI * e / 4)), double.Parse(fields[5], CultureInfo.InvariantCulture), 15);
                Assert.All(fields[8..], f => Assert.InRange(double.Parse(f, CultureInfo.InvariantCulture), 1e-6, 10));
            }

            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            var root = run.RootElement;
            Assert.Equal("periodic", root.GetProperty("h1_differences").GetString());
            var training = root.GetProperty("settings").GetProperty("training");
            Assert.Equal("adam_w", training.GetProperty("optimizer").GetString());
            Assert.True(training.GetProperty("normalised_loss").GetBoolean());
            var modes = root.GetProperty("settings").GetProperty("architecture").GetProperty("modes");
            Assert.Equal([5], modes.EnumerateArray().Select(m => m.GetInt32()));
            var tests = root.GetProperty("tests").EnumerateArray().ToArray();
            Assert.Equal(["test", fine], tests.Select(t => t.GetProperty("name").GetString()));
            Assert.All(tests, t => Assert.InRange(t.GetProperty("relative_h1").GetDouble(), 1e-6, 10));

            // New options are part of the run: a resume cannot change them.
            (code, _, error) = SolveCommandTests.Physis("train-operator", "fno", "--resume", "--out", folder, "--h1", "one-sided");
            Assert.Equal(2, code);
            Assert.Contains("--h1 cannot be given", error);
            // A test file changed since the run started.
            OperatorTrainingTests.HeatData(6, 64, seed: 3).Write(fine);
            (code, _, error) = SolveCommandTests.Physis("train-operator", "fno", "--resume", "--out", folder, "--epochs", "3");
            Assert.Equal(2, code);
            Assert.Contains("has changed since the run started", error);
        }
        finally
        {
            File.Delete(data);
            File.Delete(fine);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void BadOptionsAreOneLineBeforeAnythingIsWritten()
    {
        string data = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(20, 16, seed: 1).Write(data);
            string[] small = ["train-operator", "fno", "--data", data, "--width", "8", "--epochs", "1", "--out", folder];
            foreach (var (options, message) in new (string[], string)[]
            {
                (["--modes", "4", "--modes-total", "8"], "not both"),
                (["--modes-total", "8,8"], "--modes-total gives 2 counts but the data are 1D"),
                (["--modes", "4", "--cosine-period", "5"], "--cosine-period applies to --schedule cosine only"),
                (["--modes", "4", "--schedule", "cosine", "--cosine-period", "0"], "--cosine-period must be positive"),
                (["--modes", "4", "--h1", "central"], "Unknown --h1 'central'"),
                (["--modes", "4", "--optimizer", "sgd"], "Unknown --optimizer 'sgd'"),
                (["--modes", "4", "--projection-width", "0"], "--projection-width must be positive"),
                (["--modes", "4", "--test-data", data + ".missing"], "No data file at"),
            })
            {
                var (code, _, error) = SolveCommandTests.Physis([.. small, .. options]);
                Assert.True(code == 2, $"{string.Join(' ', options)}: {error}");
                Assert.Contains(message, Assert.Single(error.Trim().Split('\n')));
                Assert.False(Directory.Exists(folder), string.Join(' ', options));
            }
        }
        finally
        {
            File.Delete(data);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void DivergenceIsRolledBackAndRecordedOrEndsInOneLine()
    {
        string data = TempPath(".h5"), folder = TempPath(), failed = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(40, 16, seed: 1).Write(data);
            string[] run = ["train-operator", "fno", "--data", data, "--modes", "4", "--width", "8", "--epochs", "2", "--batch", "10",
                "--schedule", "constant", "--lr", "1e3", "--weight-decay", "0"];
            var (code, output, error) = SolveCommandTests.Physis([.. run, "--max-recoveries", "40", "--out", folder]);
            Assert.True(code == 0, error);
            Assert.Contains("rolled back to the epoch's start, learning rate x 0.5", output);
            using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            var recoveries = record.RootElement.GetProperty("recoveries").EnumerateArray().ToArray();
            Assert.NotEmpty(recoveries);
            Assert.True(double.IsFinite(record.RootElement.GetProperty("test_relative_l2").GetDouble()));
            var history = File.ReadAllLines(Path.Combine(folder, "history.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
            Assert.Equal(recoveries.Length, history.Sum(f => int.Parse(f[7], CultureInfo.InvariantCulture)));

            (code, _, error) = SolveCommandTests.Physis([.. run, "--max-recoveries", "0", "--out", failed]);
            Assert.Equal(1, code);
            string line = Assert.Single(error.Trim().Split('\n'));
            Assert.Contains("after 0 rollbacks", line);
            Assert.DoesNotContain("Exception", line);  // the shared divergence failure: one plain line, no trace log
        }
        finally
        {
            File.Delete(data);
            foreach (var f in new[] { folder, failed }) if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
        }
    }

    [Fact]
    public void ZeroOrHugeDataAreOneLineAndZeroEpochsListOnlyWrittenFiles()
    {
        string good = TempPath(".h5"), zero = TempPath(".h5"), huge = TempPath(".h5"), folder = TempPath(), refused = TempPath();
        try
        {
            var heat = OperatorTrainingTests.HeatData(20, 16, seed: 1);
            heat.Write(good);
            new OperatorDataset(heat.Inputs, new double[heat.Targets.Length], heat.Count, heat.Coordinates).Write(zero);
            new OperatorDataset(heat.Inputs, [.. heat.Targets.Select(t => t * 1e307)], heat.Count, heat.Coordinates).Write(huge);
            string[] small = ["--modes", "4", "--width", "8", "--epochs", "1", "--out", refused];
            foreach (var (file, message) in new[] { (zero, "has all-zero targets, so its relative error (0 / 0) is undefined"),
                (huge, "divide the data by a constant") })
            {
                var (code, _, error) = SolveCommandTests.Physis(["train-operator", "fno", "--data", file, .. small]);
                Assert.Equal(2, code);
                Assert.Contains(message, Assert.Single(error.Trim().Split('\n')));
                Assert.False(Directory.Exists(refused));
            }

            var (status, output, stderr) = SolveCommandTests.Physis("train-operator", "fno", "--data", good, "--modes", "4", "--width", "8",
                "--epochs", "0", "--out", folder);
            Assert.True(status == 0, stderr);
            var listed = output.Split('\n').Single(l => l.StartsWith("outputs in ")).Split(": ")[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.DoesNotContain("error.png", listed);
            Assert.DoesNotContain("checkpoint.bin", listed);
            Assert.All(listed, f => Assert.True(File.Exists(Path.Combine(folder, f)), f));

            foreach (var (file, message) in new[] { (zero, "has all-zero targets"), (huge, "divide the data by a constant") })
            {
                (status, _, stderr) = SolveCommandTests.Physis("predict", "--model", folder, "--data", file, "--out", refused);
                Assert.Equal(2, status);
                Assert.Contains(message, Assert.Single(stderr.Trim().Split('\n')));
            }
        }
        finally
        {
            foreach (var f in new[] { good, zero, huge }) File.Delete(f);
            foreach (var f in new[] { folder, refused }) if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
        }
    }

    [NumPyFact("torch")]
    public void ModesTotalGivesTheParameterCountOfThePlainPyTorchFno()
    {
        // neuraloperator's small Darcy FNO: n_modes (8, 8), 24 hidden channels, projection ratio 2 (48 channels).
        string data = TempPath(".h5"), folder = TempPath();
        try
        {
            var random = new Random(1);
            var coordinates = Enumerable.Range(0, 16).Select(i => i / 15.0).ToArray();
            var inputs = Enumerable.Range(0, 4 * 256).Select(_ => random.NextDouble()).ToArray();
            new OperatorDataset(inputs, [.. inputs.Select(v => v + 1)], 4, [coordinates, coordinates]).Write(data);
            var (code, _, error) = SolveCommandTests.Physis("train-operator", "fno", "--data", data, "--modes-total", "8,8", "--width", "24",
                "--projection-width", "48", "--epochs", "0", "--test", "1", "--out", folder);
            Assert.True(code == 0, error);
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            long physis = run.RootElement.GetProperty("parameter_count").GetInt64();

            string script = Path.Combine(StyleTests.RepositoryRoot(), "benchmarks", "darcy-small");
            string count = NumPyFactAttribute.RunPython("""
                import sys
                sys.path.insert(0, sys.argv[1])
                from pytorch_fno_darcy import Fno2d
                model = Fno2d()
                print(sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters()))
                print(sum(p.numel() * 2 for p in model.spectral.parameters()))
                """, script);
            var lines = count.Trim().Split('\n');
            Assert.Equal(long.Parse(lines[0], CultureInfo.InvariantCulture), physis);
            // Per layer neuraloperator's weight [24, 24, 8, 8 / 2 + 1], complex.
            Assert.Equal(4L * 2 * 24 * 24 * 8 * 5, long.Parse(lines[1], CultureInfo.InvariantCulture));
            Assert.Equal(4L * 2 * 24 * 24 * 8 * 5, run.RootElement.GetProperty("spectral_parameters").GetInt64());
        }
        finally
        {
            File.Delete(data);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
