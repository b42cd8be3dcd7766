using Physis.Data.Datasets;

namespace Physis.Tests.Data;

/// <summary>Dataset files, sharding, merging, resuming and parallel generation, on small grids.</summary>
public sealed class DatasetTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"physis-datasets-{Guid.NewGuid():N}");

    public DatasetTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathTo(params string[] names) => Path.Combine([_folder, .. names]);

    private static BurgersDataset SmallBurgers() => new(resolution: 32, times: 2);

    private static (DatasetHeader Header, double[] Input, double[] Tensor) Generate(string path, long samples, Shard shard, int workers,
        int? chunk = null)
    {
        DatasetGeneration.Run(SmallBurgers(), path, samples, seed: 7, shard, workers, chunk);
        return DatasetFile.Read(DatasetGeneration.ShardPath(path, shard));
    }

    [Fact]
    public void FileRoundTripKeepsLayoutAttributesAndValues()
    {
        var generator = new DarcyDataset(85);
        var header = DatasetHeader.For(generator, seed: 11, start: 4, end: 6, total: 9);
        var random = new Random(1);
        var input = Enumerable.Range(0, 2 * 85 * 85).Select(_ => random.NextDouble()).ToArray();
        var tensor = Enumerable.Range(0, 2 * 85 * 85).Select(_ => random.NextDouble()).ToArray();
        string path = PathTo("darcy.h5");

        DatasetFile.Write(path, header, input, tensor);
        var (read, readInput, readTensor) = DatasetFile.Read(path);

        Assert.Equal(input, readInput);
        Assert.Equal(tensor, readTensor);
        Assert.Null(header.RunDifference(read));
        Assert.Equal((4L, 6L, 9L, 11L), (read.SampleStart, read.SampleEnd, read.SampleTotal, read.Seed));
        Assert.Equal(new[] { 85, 85 }, read.InputShape);
        Assert.Equal(generator.XCoordinate, read.YCoordinate);
        Assert.Equal(new[] { 0.0 }, read.TimeCoordinate);
        Assert.Equal(DatasetGenerator.Version, read.GeneratorVersion);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
        var (_, firstInput, firstTensor) = DatasetFile.ReadFirst(path, 1);
        Assert.Equal(input.AsSpan(0, 85 * 85).ToArray(), firstInput);
        Assert.Equal(tensor.AsSpan(0, 85 * 85).ToArray(), firstTensor);
    }

    [NumPyFact("h5py")]
    public void H5pyReadsTheLayout()
    {
        string path = PathTo("burgers.h5");
        var (_, input, tensor) = Generate(path, 3, Shard.Whole, workers: 1);
        string output = NumPyFactAttribute.RunPython("""
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            print(f["input"].shape, f["tensor"].shape, f["x-coordinate"].shape, f["t-coordinate"].shape)
            print(f["input"].dtype, f["tensor"].dtype)
            print(repr(float(f["input"][2, 5])), repr(float(f["tensor"][1, 1, 7])), list(f["t-coordinate"][:]))
            a = f.attrs
            print(a["pde"], a["seed"], a["sample_start"], a["sample_end"], a["samples_total"], a["nu"], a["generator_version"])
            """, path);
        var lines = output.Trim().Split('\n');
        Assert.Equal("(3, 32) (3, 2, 32) (32,) (2,)", lines[0]);
        Assert.Equal("float64 float64", lines[1]);
        Assert.Equal($"{input[2 * 32 + 5]:R} {tensor[(1 * 2 + 1) * 32 + 7]:R} [0.5, 1.0]", lines[2]);
        Assert.Equal($"burgers 7 0 3 3 0.1 {DatasetGenerator.Version}", lines[3]);
    }

    [Fact]
    public void MergedShardsEqualTheSingleProcessFileBitForBit()
    {
        var whole = Generate(PathTo("whole.h5"), 10, Shard.Whole, workers: 1);
        string merged = PathTo("merged.h5");
        var shards = Enumerable.Range(0, 3).Select(i =>
        {
            Generate(PathTo("run.h5"), 10, new Shard(i, 3), workers: 2, chunk: 2);
            return DatasetGeneration.ShardPath(PathTo("run.h5"), new Shard(i, 3));
        }).Reverse().ToList();

        DatasetGeneration.Merge(shards, merged);
        var (header, input, tensor) = DatasetFile.Read(merged);

        Assert.Equal(whole.Input, input);
        Assert.Equal(whole.Tensor, tensor);
        Assert.Equal((0L, 10L), (header.SampleStart, header.SampleEnd));
        Assert.Null(whole.Header.RunDifference(header));
    }

    [Fact]
    public void WorkerCountAndChunkSizeDoNotChangeTheSamples()
    {
        var one = Generate(PathTo("one.h5"), 9, Shard.Whole, workers: 1);
        var three = Generate(PathTo("three.h5"), 9, Shard.Whole, workers: 3, chunk: 2);
        Assert.Equal(one.Input, three.Input);
        Assert.Equal(one.Tensor, three.Tensor);
        Assert.NotEqual(one.Input.AsSpan(0, 32).ToArray(), one.Input.AsSpan(32, 32).ToArray());
    }

    [Fact]
    public void MergeNamesMissingAndDuplicateSampleRanges()
    {
        string run = PathTo("run.h5");
        var paths = Enumerable.Range(0, 3).Select(i =>
        {
            DatasetGeneration.Run(SmallBurgers(), run, 9, 7, new Shard(i, 3), workers: 1);
            return DatasetGeneration.ShardPath(run, new Shard(i, 3));
        }).ToArray();
        string copy = PathTo("copy-of-shard-1.h5");
        File.Copy(paths[1], copy);
        string merged = PathTo("merged.h5");

        var missing = Assert.Throws<InvalidDataException>(() => DatasetGeneration.Merge([paths[0], paths[2]], merged));
        Assert.Contains("missing samples [3, 6)", missing.Message);
        var duplicate = Assert.Throws<InvalidDataException>(() => DatasetGeneration.Merge([.. paths, copy], merged));
        Assert.Contains("duplicate samples [3, 6)", duplicate.Message);
        var tail = Assert.Throws<InvalidDataException>(() => DatasetGeneration.Merge([paths[0], paths[1]], merged));
        Assert.Contains("missing samples [6, 9)", tail.Message);
        Assert.False(File.Exists(merged));

        DatasetGeneration.Run(SmallBurgers(), PathTo("other.h5"), 9, seed: 8, new Shard(1, 3), workers: 1);
        var other = Assert.Throws<InvalidDataException>(() => DatasetGeneration.Merge(
            [paths[0], DatasetGeneration.ShardPath(PathTo("other.h5"), new Shard(1, 3)), paths[2]], merged));
        Assert.Contains("seed 8, expected 7", other.Message);
    }

    [Fact]
    public void KilledRunResumesWithoutRedoingOrLosingFinishedChunks()
    {
        var reference = Generate(PathTo("reference.h5"), 12, Shard.Whole, workers: 1);
        string path = PathTo("killed.h5");
        using var kill = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetGeneration.Run(SmallBurgers(), path, 12, 7, Shard.Whole,
            workers: 2, chunkSize: 3, progress: p => { if (p.Solved >= 7) kill.Cancel(); }, cancel: kill.Token));
        Assert.False(File.Exists(path));
        var parts = Directory.GetFiles(path + ".parts", "samples-*.h5");
        Assert.InRange(parts.Length, 2, 3);
        // What a kill during an atomic write leaves behind must be ignored.
        File.WriteAllText(Path.Combine(path + ".parts", ".samples-9-12.h5.123.tmp"), "half-written");

        var report = DatasetGeneration.Run(SmallBurgers(), path, 12, 7, Shard.Whole, workers: 2, chunkSize: 3);
        Assert.Equal(3 * parts.Length, report.Reused);
        Assert.Equal(12 - report.Reused, report.Solved);
        var (_, input, tensor) = DatasetFile.Read(path);
        Assert.Equal(reference.Input, input);
        Assert.Equal(reference.Tensor, tensor);
        Assert.False(Directory.Exists(path + ".parts"));

        Directory.CreateDirectory(path + ".parts");  // as a kill right after the final rename leaves it
        var again = DatasetGeneration.Run(SmallBurgers(), path, 12, 7, Shard.Whole, workers: 2, chunkSize: 3);
        Assert.True(again.AlreadyComplete);
        Assert.False(Directory.Exists(path + ".parts"));
        Assert.Equal(0, again.Solved);
        var changed = Assert.Throws<IOException>(() => DatasetGeneration.Run(SmallBurgers(), path, 12, 8, Shard.Whole, workers: 1));
        Assert.Contains("already exists from a different run (seed 7, expected 8)", changed.Message);
    }

    /// <summary>
    /// A finished chunk carries its SHA-256; on resume a chunk whose bytes changed since is named in one warning and
    /// solved again, a chunk that still matches is reused, and the assembled file equals an uninterrupted run's.
    /// </summary>
    [Fact]
    public void DamagedChunkIsSolvedAgainOnResumeNotReused()
    {
        var reference = Generate(PathTo("reference.h5"), 9, Shard.Whole, workers: 1);
        string path = PathTo("damaged.h5");
        using var kill = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetGeneration.Run(SmallBurgers(), path, 9, 7, Shard.Whole,
            workers: 1, chunkSize: 3, progress: p => { if (p.Solved >= 6) kill.Cancel(); }, cancel: kill.Token));
        string first = Path.Combine(path + ".parts", "samples-0-3.h5");
        Assert.True(File.Exists(first + DatasetGeneration.ChecksumExtension), "a finished chunk records its checksum");
        Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(first))),
            File.ReadAllText(first + DatasetGeneration.ChecksumExtension));
        // One flipped bit in a sample value: the file still reads, so only the checksum can tell.
        Damage(first, reference.Tensor[5]);
        Assert.NotEqual(reference.Tensor[5], DatasetFile.Read(first).Tensor[5]);

        var warnings = new List<string>();
        var report = DatasetGeneration.Run(SmallBurgers(), path, 9, 7, Shard.Whole, workers: 1, chunkSize: 3, warning: warnings.Add);

        Assert.Contains("samples-0-3.h5 does not match the SHA-256 recorded when it was finished; solving its samples [0, 3) again",
            Assert.Single(warnings));
        Assert.True(File.Exists(path));
        Assert.Equal((1, 3L, 6L), (report.Damaged, report.Reused, report.Solved));
        var (_, input, tensor) = DatasetFile.Read(path);
        Assert.Equal(reference.Input, input);
        Assert.Equal(reference.Tensor, tensor);
    }

    /// <summary>Flips the lowest bit of the stored <paramref name="value"/> in the file's bytes.</summary>
    private static void Damage(string path, double value)
    {
        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(BitConverter.GetBytes(value));
        Assert.True(at >= 0, "the value is stored as little-endian float64");
        bytes[at] ^= 1;
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void ChunkWithoutItsChecksumIsSolvedAgainQuietly()
    {
        string path = PathTo("cut.h5");
        using var kill = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetGeneration.Run(SmallBurgers(), path, 6, 7, Shard.Whole,
            workers: 1, chunkSize: 3, progress: p => { if (p.Solved >= 3) kill.Cancel(); }, cancel: kill.Token));
        // As a kill between the chunk's rename and its checksum's leaves it.
        File.Delete(Path.Combine(path + ".parts", "samples-0-3.h5" + DatasetGeneration.ChecksumExtension));
        var warnings = new List<string>();
        var report = DatasetGeneration.Run(SmallBurgers(), path, 6, 7, Shard.Whole, workers: 1, chunkSize: 3, warning: warnings.Add);
        Assert.Empty(warnings);
        Assert.Equal((0L, 6L), (report.Reused, report.Solved));
    }

    [Fact]
    public void MergeRefusesAnOutputThatIsOneOfItsShardsEvenThroughALink()
    {
        string run = PathTo("run.h5");
        var paths = Enumerable.Range(0, 2).Select(i =>
        {
            DatasetGeneration.Run(SmallBurgers(), run, 4, 7, new Shard(i, 2), workers: 1);
            return DatasetGeneration.ShardPath(run, new Shard(i, 2));
        }).ToArray();
        var before = File.ReadAllBytes(paths[0]);
        string linkedFolder = PathTo("linked");
        Directory.CreateSymbolicLink(linkedFolder, _folder);
        string linkedFile = PathTo("link.h5");
        File.CreateSymbolicLink(linkedFile, paths[0]);

        foreach (var output in new[] { paths[0], Path.Combine(_folder, ".", "run.shard-0-of-2.h5"), linkedFile,
            Path.Combine(linkedFolder, "run.shard-0-of-2.h5") })
        {
            var refused = Assert.Throws<ArgumentException>(() => DatasetGeneration.Merge(paths, output));
            Assert.Contains($"--out {output} is the shard {paths[0]} itself, which merging would replace", refused.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(paths[0]));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void RunsThatCannotFitAreRefusedBeforeAnythingIsWritten()
    {
        string path = PathTo("sub", "big.h5");
        var tooMany = Assert.Throws<ArgumentException>(() => DatasetGeneration.Run(SmallBurgers(), path, 2_000_000_000, 7, Shard.Whole, 1));
        Assert.Matches(@"^--samples 2000000000 is more than the 10,000,000 one run can have: it would need about [\d.]+ TiB of disk per shard "
            + @"\(.+ has [\d.]+ [KMGTP]?i?B free\)", tooMany.Message);
        // 1024 x 1001 doubles a sample: about 134 TiB written twice.
        var disk = Assert.Throws<IOException>(() => DatasetGeneration.Run(new BurgersDataset(1024, 1000), path, 9_000_000, 7, Shard.Whole, 1));
        Assert.Matches(@"^burgers samples \[0, 9000000\) need about 134 TiB of disk \(9000000 sample\(s\) of 7\.8 MiB, .*\), "
            + @"but .+ has [\d.]+ [KMGTP]?i?B free", disk.Message);
        // One 256 x 256 x 10000 sample is 5 GB; 1000 workers would hold 1000 of them.
        var memory = Assert.Throws<ArgumentException>(() => DatasetGeneration.Run(new NavierStokesDataset(256, 10_000), path, 1000, 7,
            Shard.Whole, 1000));
        Assert.Matches(@"^navier-stokes needs about 4\.\d TiB of memory \(1000 chunk\(s\) of 1 sample\(s\) of 4\.9 GiB in flight with 1000 "
            + @"worker\(s\)\), but [\d.]+ [KMGTP]?i?B is available", memory.Message);
        Assert.Throws<ArgumentException>(() => new BurgersDataset(64, 2_000_000_000));
        Assert.Throws<ArgumentException>(() => DatasetGeneration.Run(SmallBurgers(), path, 4, 7, Shard.Whole, 100_000));
        Assert.False(Directory.Exists(PathTo("sub")), "nothing may be written for a run that cannot fit");
    }

    [Fact]
    public void InputsAreTheSameFunctionAtEveryResolution()
    {
        double[] Input(DatasetGenerator generator)
        {
            var input = new double[generator.InputLength];
            generator.CreateSolver()(SampleSeed.Random(3, 5), input, new double[generator.TensorLength]);
            return input;
        }
        var coarse = Input(new BurgersDataset(32));
        var fine = Input(new BurgersDataset(64));
        Assert.Equal(coarse, Enumerable.Range(0, 32).Select(j => fine[2 * j]).ToArray());

        // 85 and 141 nodes per side share every 3rd and every 5th node (every 15th of the 421 the field is drawn on).
        var darcy85 = Input(new DarcyDataset(85));
        var darcy141 = Input(new DarcyDataset(141));
        for (int i = 0; i < 85; i += 3)
            for (int j = 0; j < 85; j += 3)
                Assert.Equal(darcy85[i * 85 + j], darcy141[i / 3 * 5 * 141 + j / 3 * 5]);
    }

    [Theory]
    [InlineData("burgers", 64, null)]
    [InlineData("darcy", 85, null)]
    [InlineData("navier-stokes", 16, 5)]
    [InlineData("allen-cahn", 64, 11)]
    [InlineData("kdv", 64, 11)]
    [InlineData("antiderivative", 100, null)]
    public void EveryDatasetSolvesToFiniteFieldsOfTheContractShape(string name, int resolution, int? times)
    {
        var generator = DatasetCatalog.Create(name, resolution, times);
        var input = new double[generator.InputLength];
        var tensor = new double[generator.TensorLength];
        generator.CreateSolver()(SampleSeed.Random(0, 0), input, tensor);
        Assert.All(tensor, v => Assert.True(double.IsFinite(v)));
        Assert.Contains(input, v => v != 0);
        Assert.Equal(generator.InputShape.Length == 2, generator.YCoordinate is not null);
        Assert.All(generator.InputShape, n => Assert.Equal(resolution, n));
        if (name == "darcy") Assert.All(input, a => Assert.True(a is 12 or 3));
        if (name is "allen-cahn" or "kdv") Assert.Equal(input, tensor.AsSpan(0, resolution).ToArray());
    }

    /// <summary>
    /// The targets are integrals of the inputs (the trapezoid rule over the sensors agrees with the fine-grid integral
    /// to O(h^2)), and the inputs have the GP's unit variance and length-scale correlation exp(-d^2 / (2 l^2)).
    /// </summary>
    [Fact]
    public void AntiderivativeTargetsIntegrateTheirGaussianProcessInputs()
    {
        var data = AntiderivativeDataset.Generate(400, sensors: 101, seed: 7);
        int n = 101;
        double h = 1.0 / (n - 1), worst = 0, variance = 0, correlation = 0;
        for (int s = 0; s < data.Count; s++)
        {
            var u = data.Inputs.AsSpan(s * n, n);
            var g = data.Targets.AsSpan(s * n, n);
            Assert.Equal(0, g[0]);
            double sum = 0;
            for (int i = 1; i < n; i++)
            {
                sum += (u[i - 1] + u[i]) * h / 2;
                worst = Math.Max(worst, Math.Abs(sum - g[i]));
            }
            variance += u[50] * u[50];
            correlation += u[30] * u[50];   // distance 0.2 = l: exp(-1/2)
        }
        variance /= data.Count;
        correlation /= data.Count;
        // Trapezoid over the sensors vs over the 10x finer grid: |error| <= h^2 / 12 * integral of |u''|, and u'' of this GP
        // has standard deviation sqrt(3) / l^2 (about 43), so about 1e-3 at four deviations.
        Assert.True(worst < 1e-3, $"largest difference from the sensor-grid trapezoid integral {worst}");
        Assert.True(worst > 1e-9, "targets should come from the finer grid, not the sensor grid itself");
        Assert.InRange(variance, 0.85, 1.15);   // 400 samples: standard error about 0.07
        Assert.InRange(correlation, Math.Exp(-0.5) - 0.15, Math.Exp(-0.5) + 0.15);
    }
}
