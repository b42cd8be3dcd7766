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
    [InlineData("Resolution 500 is not supported for darcy: use 3 to 421", "darcy", "--samples", "2", "--resolution", "500")]
    [InlineData("allen-cahn is a single trajectory", "allen-cahn", "--samples", "4", "--resolution", "64")]
    [InlineData("--samples is required for burgers", "burgers")]
    [InlineData("--samples 2000000000 is more than the 10,000,000 one run can have: it would need about 60 TiB of disk per shard",
        "burgers", "--samples", "2000000000")]
    [InlineData("burgers samples [0, 9000000) need about 134 TiB of disk (9000000 sample(s) of 7.8 MiB, written as chunk files and then as one",
        "burgers", "--samples", "9000000", "--times", "1000")]
    [InlineData("navier-stokes needs about 4.8 TiB of memory (1000 chunk(s) of 1 sample(s) of 4.9 GiB in flight with 1000 worker(s)), but",
        "navier-stokes", "--samples", "1000", "--resolution", "256", "--times", "10000", "--workers", "1000")]
    [InlineData("--times 2000000000 is more than the 10000 output times a dataset can have", "burgers", "--samples", "2", "--times", "2000000000")]
    [InlineData("--workers 5000 is more than 1024: each worker is a thread with its own solver", "burgers", "--samples", "2", "--workers", "5000")]
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
    public void MergeIntoOneOfItsShardsIsRefusedAndTheShardKept()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-generate-{Guid.NewGuid():N}");
        try
        {
            string run = Path.Combine(folder, "b.h5");
            var shards = Enumerable.Range(0, 2).Select(i =>
            {
                DatasetGeneration.Run(new BurgersDataset(16), run, 2, 0, new Shard(i, 2), workers: 1);
                return DatasetGeneration.ShardPath(run, new Shard(i, 2));
            }).ToArray();
            var before = File.ReadAllBytes(shards[1]);
            string link = Path.Combine(folder, "link.h5");
            File.CreateSymbolicLink(link, shards[1]);
            foreach (string output in new[] { shards[1], link })
            {
                var (code, _, error) = SolveCommandTests.Physis("merge", shards[0], shards[1], "--out", output);
                Assert.Equal(2, code);
                Assert.Contains($"--out {output} is the shard {shards[1]} itself, which merging would replace; choose another --out",
                    Assert.Single(error.Trim().Split('\n')));
            }
            Assert.Equal(before, File.ReadAllBytes(shards[1]));
            Assert.Equal(3, Directory.GetFileSystemEntries(folder).Length);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A resumed generate names a damaged finished chunk in one stderr line and solves it again.</summary>
    [Fact]
    public void ResumedGenerateSolvesADamagedChunkAgain()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-generate-{Guid.NewGuid():N}");
        try
        {
            // 16 points and one output time: 64 samples a chunk, so 70 samples make two.
            string reference = Path.Combine(folder, "reference.h5"), output = Path.Combine(folder, "b.h5");
            DatasetGeneration.Run(new BurgersDataset(16), reference, 70, 0, Shard.Whole, workers: 1);
            using var kill = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => DatasetGeneration.Run(new BurgersDataset(16), output, 70, 0, Shard.Whole,
                workers: 1, progress: p => { if (p.Solved >= 64) kill.Cancel(); }, cancel: kill.Token));
            string part = Path.Combine(output + ".parts", "samples-0-64.h5");
            var bytes = File.ReadAllBytes(part);
            int at = bytes.AsSpan().IndexOf(BitConverter.GetBytes(DatasetFile.Read(reference).Tensor[3]));
            Assert.True(at >= 0);
            bytes[at] ^= 1;
            File.WriteAllBytes(part, bytes);

            var (code, stdout, error) = SolveCommandTests.Physis("generate", "burgers", "--samples", "70", "--resolution", "16", "--workers", "2",
                "--out", output);
            Assert.True(code == 0, error);
            Assert.Contains($"{part} does not match the SHA-256 recorded when it was finished; solving its samples [0, 64) again",
                Assert.Single(error.Trim().Split('\n')));
            Assert.Contains("70 samples solved", stdout);
            var (_, input, tensor) = DatasetFile.Read(output);
            var expected = DatasetFile.Read(reference);
            Assert.Equal(expected.Input, input);
            Assert.Equal(expected.Tensor, tensor);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
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
