using Physis.Runs;

namespace Physis.Tests.Cli;

/// <summary>Counts far beyond any real run (time windows, bench options) are refused in one line before anything is written.</summary>
public class CountBoundsTests
{
    [Fact]
    public void TimeWindowsHaveAnUpperBound()
    {
        new MarchingSettings(10_000).Validate();
        var refused = Assert.Throws<ArgumentException>(() => new MarchingSettings(10_001).Validate());
        Assert.Contains("TimeWindows must be at most 10000, got 10001", refused.Message);
    }

    [Fact]
    public void SolveWithAHundredMillionTimeWindowsIsRefusedBeforeItWritesAnything()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-cli-{Guid.NewGuid():N}");
        var (code, _, error) = SolveCommandTests.Physis("solve", "burgers", "--time-windows", "100000000", "--out", folder);
        Assert.Equal(2, code);
        Assert.Contains("--time-windows must be at most 10000, got 100000000: each window trains its own network and writes its own checkpoint file",
            Assert.Single(error.Trim().Split('\n')));
        Assert.False(Directory.Exists(folder), "nothing may be written for invalid input");
    }

    [Theory]
    [InlineData("--epochs must be at least 1; got 0", "--epochs", "0")]
    [InlineData("--batch must be at least 1; got 0", "--batch", "0")]
    [InlineData("--lr must be a positive number; got -0.1", "--lr", "-0.1")]
    [InlineData("--lr must be a positive number; got NaN", "--lr", "NaN")]
    [InlineData("Unknown --schedule 'linear'. Known: step, cosine, constant", "--schedule", "linear")]
    [InlineData("--step-every must be at least 1; got 0", "--step-every", "0")]
    [InlineData("--threads must be at least 1; got 0", "--threads", "0")]
    [InlineData("--train and --test must be positive", "--train", "0")]
    [InlineData("--train and --test must be positive", "--test", "-1")]
    [InlineData("--datasets names no dataset", "--datasets", ",")]
    [InlineData("--models names no model", "--models", "")]
    [InlineData("Unknown dataset 'heat' for bench operators", "--datasets", "burgers,heat")]
    [InlineData("--train plus --test is more than the 10,000,000 samples", "--train", "2000000000")]
    public void BenchOperatorsChecksEveryOptionBeforeGeneratingData(string message, string option, string value)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-bench-{Guid.NewGuid():N}");
        var (code, _, error) = SolveCommandTests.Physis("bench", "operators", option, value, "--out", folder);
        Assert.Equal(2, code);
        Assert.Contains(message, Assert.Single(error.Trim().Split('\n')));
        Assert.False(Directory.Exists(folder), "nothing may be generated or written for invalid input");
    }
}
