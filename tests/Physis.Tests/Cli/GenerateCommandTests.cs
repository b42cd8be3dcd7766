using Physis.Data.Datasets;

namespace Physis.Tests.Cli;

/// <summary>physis generate / merge as a user runs them.</summary>
public class GenerateCommandTests
{
    [Theory]
    [InlineData("Unknown dataset 'heat'. Known datasets: burgers, darcy, navier-stokes, allen-cahn, kdv", "heat", "--samples", "2")]
    [InlineData("--shard must be i/n with 0 <= i < n", "burgers", "--samples", "2", "--shard", "3/2")]
    [InlineData("Resolution 100000 is not supported for burgers: use a power of two from 16 to 8192",
        "burgers", "--samples", "2", "--resolution", "100000")]
    [InlineData("Resolution 1000 is not supported for burgers", "burgers", "--samples", "2", "--resolution", "1000")]
    [InlineData("Resolution 100 is not supported for darcy: use 85, 106, 141, 211, 421", "darcy", "--samples", "2", "--resolution", "100")]
    [InlineData("allen-cahn is a single trajectory", "allen-cahn", "--samples", "4", "--resolution", "64")]
    [InlineData("--samples is required for burgers", "burgers")]
    public void BadInputGivesExitCode2AndWritesNothing(string message, params string[] args)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-generate-{Guid.NewGuid():N}");
        var (code, _, error) = SolveCommandTests.Physis(["generate", .. args, "--out", Path.Combine(folder, "data.h5")]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(folder), "nothing may be written for invalid input");
    }

    [Fact]
    public void ShardsGeneratedFromTheCommandLineMerge()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-generate-{Guid.NewGuid():N}");
        try
        {
            string output = Path.Combine(folder, "b.h5");
            foreach (string shard in new[] { "0/2", "1/2" })
            {
                var (code, stdout, error) = SolveCommandTests.Physis("generate", "burgers", "--samples", "3", "--resolution", "32", "--shard", shard,
                    "--out", output);
                Assert.True(code == 0, error);
                Assert.Contains("samples/s", stdout);
            }
            var rerun = SolveCommandTests.Physis("generate", "burgers", "--samples", "3", "--resolution", "32", "--shard", "1/2", "--out", output);
            Assert.Contains("already complete", rerun.Output);

            var missing = SolveCommandTests.Physis("merge", Path.Combine(folder, "b.shard-0-of-2.h5"), "--out", Path.Combine(folder, "all.h5"));
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("missing samples [1, 3)", missing.Error);

            var merged = SolveCommandTests.Physis("merge", Path.Combine(folder, "b.shard-1-of-2.h5"), Path.Combine(folder, "b.shard-0-of-2.h5"),
                "--out", Path.Combine(folder, "all.h5"));
            Assert.True(merged.ExitCode == 0, merged.Error);
            Assert.Equal(3, DatasetFile.ReadHeader(Path.Combine(folder, "all.h5")).Count);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
