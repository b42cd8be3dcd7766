using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Physis.Infrastructure;

namespace Physis.Data.Datasets;

/// <summary>Shard <see cref="Index"/> (from 0) of <see cref="Count"/> equal parts of a run's samples.</summary>
public sealed record Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(0, 1);

    /// <summary>Parses "i/n" with 0 &lt;= i &lt; n (Slurm array task ids start at 0).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count < 1 || index >= count)
            throw new ArgumentException($"--shard must be i/n with 0 <= i < n (for example 0/8 for the first of 8 shards); got '{text}'.");
        return new Shard(index, count);
    }

    /// <summary>Samples [Start, End) of this shard: shard sizes differ by at most one.</summary>
    public (long Start, long End) Range(long total) => (total * Index / Count, total * (Index + 1) / Count);
}

/// <summary>Progress of a run: samples finished (solved now or found on disk) out of the shard's, and solved now.</summary>
public readonly record struct GenerationProgress(long Finished, long Total, long Solved, TimeSpan Elapsed);

/// <summary>
/// What a run did: the file, its sample range, samples solved now, samples found finished from an earlier run and
/// finished chunks found damaged (and solved again).
/// </summary>
public sealed record GenerationReport(string Path, long Start, long End, long Solved, long Reused, bool AlreadyComplete, TimeSpan Elapsed,
    int Damaged = 0);

/// <summary>
/// Generates a dataset file, or one shard of it, with samples solved in parallel and kept safe against kills:
/// samples are grouped in chunks, each written atomically to <c>FILE.parts/</c> as soon as it is complete, with its
/// SHA-256 next to it; a re-run skips the chunks on disk whose bytes still match, and when all are there they are
/// assembled into FILE (again atomically) and the parts folder is removed. A shard whose file exists is skipped.
/// Sample i depends only on the run seed and i, so the worker count, the sharding and interruptions never change a value.
/// </summary>
public static class DatasetGeneration
{
    /// <summary>
    /// Most samples in one run (all shards together): a shard keeps a record of each of its chunks in memory and writes
    /// each as its own file, so a count far beyond any dataset in use would only fill memory and the parts folder.
    /// </summary>
    public const long MaxSamples = 10_000_000;

    /// <summary>Most workers: each is a thread with its own solver and chunk in memory.</summary>
    public const int MaxWorkers = 1024;

    /// <summary>Extension of a finished chunk's checksum file, in the format of <c>sha256sum</c>.</summary>
    public const string ChecksumExtension = ".sha256";

    /// <summary>The file a shard writes: FILE itself for a whole run, else FILE with .shard-i-of-n before the extension.</summary>
    public static string ShardPath(string output, Shard shard)
    {
        if (shard.Count == 1) return output;
        string extension = Path.GetExtension(output);
        return Path.Combine(Path.GetDirectoryName(output) ?? "",
            $"{Path.GetFileNameWithoutExtension(output)}.shard-{shard.Index}-of-{shard.Count}{extension}");
    }

    /// <summary>Samples per chunk file: about 16 MiB of doubles, at most 64 samples.</summary>
    public static int DefaultChunkSize(DatasetGenerator generator) =>
        (int)Math.Clamp((16L << 20) / (8L * (generator.InputLength + generator.TensorLength)), 1, 64);

    /// <summary>
    /// Refuses, before anything is allocated or written, a run that is invalid or cannot fit: more than
    /// <see cref="MaxSamples"/> samples, more memory for the chunks in flight than this process may use, or more disk
    /// for the chunk files and the assembled file than the output folder's drive has free. A shard whose file exists
    /// needs nothing more.
    /// </summary>
    public static void EnsureFits(DatasetGenerator generator, string output, long samples, Shard shard, int workers, int? chunkSize = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(shard);
        if (samples < 1) throw new ArgumentException($"--samples must be at least 1; got {samples}.");
        if (generator.IsSingleTrajectory && samples != 1)
            throw new ArgumentException($"{generator.Name} is a single trajectory from a fixed initial condition; use --samples 1.");
        if (workers < 1) throw new ArgumentException($"--workers must be at least 1; got {workers}.");
        if (workers > MaxWorkers)
            throw new ArgumentException($"--workers {workers} is more than {MaxWorkers}: each worker is a thread with its own solver.");
        int chunk = chunkSize ?? DefaultChunkSize(generator);
        if (chunk < 1) throw new ArgumentException($"The chunk size must be at least 1; got {chunk}.");

        string path = ShardPath(output, shard);
        // Doubles throughout: the counts may be far beyond what a long product holds.
        double perSample = 8.0 * ((double)generator.InputLength + generator.TensorLength);
        string folder = ExistingFolder(path);
        if (samples > MaxSamples)
        {
            double perShard = 2 * perSample * samples / shard.Count;
            long freeSpace = new DriveInfo(folder).AvailableFreeSpace;
            throw new ArgumentException($"--samples {samples} is more than the {MaxSamples.ToString("N0", CultureInfo.InvariantCulture)} "
                + $"one run can have: it would need about {Format(perShard)} of disk per shard ({folder} has {Format(freeSpace)} free) "
                + "and a run keeps a record of every chunk in memory; make several runs with different --seed instead.");
        }
        if (File.Exists(path)) return;

        var (start, end) = shard.Range(samples);
        long count = end - start, chunks = (count + chunk - 1) / chunk;
        // At most about one chunk per worker is filled at a time, plus the next one being started.
        long inFlight = Math.Min(Math.Min(workers, count) + 1L, chunks);
        double memory = inFlight * Math.Min(chunk, count) * perSample;
        long available = MemoryBudget.Available();
        if (memory > available)
            throw new ArgumentException($"{generator.Name} needs about {Format(memory)} of memory ({inFlight} chunk(s) of "
                + $"{Math.Min(chunk, count)} sample(s) of {Format(perSample)} in flight with {workers} worker(s)), but {Format(available)} "
                + "is available; use fewer --workers, a lower --resolution or fewer --times.");

        // Every sample is written twice: once in its chunk file, once in the assembled file (the chunks go after).
        string partsFolder = path + ".parts";
        double onDisk = Directory.Exists(partsFolder)
            ? Directory.EnumerateFiles(partsFolder, "samples-*.h5").Sum(f => (double)new FileInfo(f).Length)
            : 0;
        double needed = Math.Max(0, count * perSample - onDisk) + count * perSample;
        long free = new DriveInfo(folder).AvailableFreeSpace;
        if (needed > free)
            throw new IOException($"{generator.Name} samples [{start}, {end}) need about {Format(needed)} of disk ({count} sample(s) of "
                + $"{Format(perSample)}, written as chunk files and then as one file), but {folder} has {Format(free)} free; "
                + "use fewer --samples, a lower --resolution, fewer --times or an --out on a larger disk.");
    }

    /// <summary>Generates the shard's file after <see cref="EnsureFits"/>, reusing the finished chunks whose checksum still matches.</summary>
    /// <param name="warning">
    /// Told, in one line each, of finished chunks whose bytes no longer match their checksum (they are solved again).
    /// </param>
    public static GenerationReport Run(DatasetGenerator generator, string output, long samples, long seed, Shard shard,
        int workers, int? chunkSize = null, Action<GenerationProgress>? progress = null, CancellationToken cancel = default,
        Action<string>? warning = null)
    {
        EnsureFits(generator, output, samples, shard, workers, chunkSize);
        int chunk = chunkSize ?? DefaultChunkSize(generator);

        var clock = Stopwatch.StartNew();
        string path = ShardPath(output, shard);
        var (start, end) = shard.Range(samples);
        var header = DatasetHeader.For(generator, seed, start, end, samples);
        if (File.Exists(path))
        {
            var existing = DatasetFile.ReadHeader(path);
            string? difference = header.RunDifference(existing)
                ?? (existing.SampleStart != start || existing.SampleEnd != end ? $"samples {existing.Range}, expected {header.Range}" : null);
            if (difference is not null)
                throw new IOException($"{path} already exists from a different run ({difference}); delete it or choose another --out.");
            // A kill between the final rename and the clean-up leaves the parts behind.
            if (Directory.Exists(path + ".parts")) Directory.Delete(path + ".parts", recursive: true);
            progress?.Invoke(new GenerationProgress(end - start, end - start, 0, clock.Elapsed));
            return new GenerationReport(path, start, end, 0, end - start, true, clock.Elapsed);
        }

        string partsFolder = path + ".parts";
        Directory.CreateDirectory(partsFolder);
        var chunks = new List<Chunk>();
        for (long s = start; s < end; s += chunk)
            chunks.Add(new Chunk(s, Math.Min(end, s + chunk), Path.Combine(partsFolder, $"samples-{s}-{Math.Min(end, s + chunk)}.h5")));
        long reused = 0;
        int damaged = 0;
        foreach (var c in chunks.Where(c => File.Exists(c.PartPath)))
        {
            // A chunk without its checksum was cut off between the two writes: solve it again.
            if (!File.Exists(c.PartPath + ChecksumExtension)) continue;
            if (!ChecksumMatches(c.PartPath))
            {
                damaged++;
                File.Delete(c.PartPath + ChecksumExtension);
                File.Delete(c.PartPath);
                warning?.Invoke($"{c.PartPath} does not match the SHA-256 recorded when it was finished; "
                    + $"solving its samples [{c.Start}, {c.End}) again.");
                continue;
            }
            DatasetHeader part;
            try { part = DatasetFile.ReadHeader(c.PartPath); }
            catch (InvalidDataException) { continue; }  // unreadable: solve it again and overwrite
            if (header.RunDifference(part) is { } difference)
                throw new IOException($"{partsFolder} holds samples of a different run ({difference}); delete it or choose another --out.");
            c.Done = true;
            reused += c.End - c.Start;
        }

        var pending = chunks.Where(c => !c.Done).ToArray();
        var solver = new ParallelSolve(generator, header, pending, seed, clock, progress, reused, end - start);
        solver.Run(workers, cancel);

        DatasetFile.Assemble(path, header, chunks.Select(c => (c.Start, Samples(c.PartPath))).ToList());
        Directory.Delete(partsFolder, recursive: true);
        return new GenerationReport(path, start, end, end - start - reused, reused, false, clock.Elapsed, damaged);
    }

    /// <summary>The nearest folder of <paramref name="path"/> that exists, whose drive the files will go to.</summary>
    private static string ExistingFolder(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        while (folder is not null && !Directory.Exists(folder)) folder = Path.GetDirectoryName(folder);
        return folder ?? Path.GetPathRoot(Path.GetFullPath(path)) ?? "/";
    }

    /// <summary>Records a finished chunk's SHA-256 next to it, as <c>sha256sum</c> writes it (so <c>sha256sum -c</c> checks it too).</summary>
    private static void WriteChecksum(string partPath) =>
        AtomicFile.WriteAllText(partPath + ChecksumExtension, $"{Sha256(partPath)}  {Path.GetFileName(partPath)}\n");

    private static bool ChecksumMatches(string partPath)
    {
        string recorded = File.ReadAllText(partPath + ChecksumExtension).Split(' ', 2)[0].Trim();
        return string.Equals(recorded, Sha256(partPath), StringComparison.OrdinalIgnoreCase);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Joins shard files of one run into one file, checking that they come from the same run and cover every sample
    /// exactly once; the error names the missing and duplicate sample ranges.
    /// </summary>
    public static DatasetHeader Merge(IReadOnlyList<string> shards, string output)
    {
        if (shards.Count == 0) throw new ArgumentException("Name at least one shard file to merge.");
        // The merged file is renamed over --out at the end, which would replace a shard of the same name.
        string target = RealPath(output);
        foreach (var shardPath in shards)
            if (string.Equals(RealPath(shardPath), target, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out {output} is the shard {shardPath} itself, which merging would replace; choose another --out.");
        var headers = shards.Select(s => (Path: s, Header: DatasetFile.ReadHeader(s))).ToList();
        var first = headers[0];
        foreach (var (shardPath, h) in headers.Skip(1))
            if (first.Header.RunDifference(h) is { } difference)
                throw new InvalidDataException($"{shardPath} comes from a different run than {first.Path}: {difference}.");

        long total = first.Header.SampleTotal, covered = 0;
        string? coveredBy = null;
        var problems = new List<string>();
        var ordered = headers.OrderBy(h => h.Header.SampleStart).ThenBy(h => h.Header.SampleEnd).ToList();
        foreach (var (shardPath, h) in ordered)
        {
            if (h.SampleStart > covered) problems.Add($"missing samples [{covered}, {h.SampleStart})");
            else if (h.SampleStart < covered)
                problems.Add($"duplicate samples [{h.SampleStart}, {Math.Min(covered, h.SampleEnd)}) in {coveredBy} and {shardPath}");
            if (h.SampleEnd > covered) (covered, coveredBy) = (h.SampleEnd, shardPath);
        }
        if (covered < total) problems.Add($"missing samples [{covered}, {total})");
        if (problems.Count > 0)
            throw new InvalidDataException($"Cannot merge {shards.Count} shards of a {total}-sample run: {string.Join("; ", problems)}.");

        var header = first.Header.WithRange(0, total);
        DatasetFile.Assemble(output, header, ordered.Select(s => (s.Header.SampleStart, Samples(s.Path))).ToList());
        return header;
    }

    /// <summary>The full path with every symbolic link along it followed (the file itself need not exist).</summary>
    private static string RealPath(string path)
    {
        static string[] Parts(string full) =>
            full[(Path.GetPathRoot(full) ?? "").Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        string full = Path.GetFullPath(path), resolved = Path.GetPathRoot(full) ?? "";
        var rest = new List<string>(Parts(full));
        // At most 40 links followed, as the kernel allows, so that a cycle of links ends.
        for (int links = 0; rest.Count > 0;)
        {
            string next = Path.Combine(resolved, rest[0]);
            rest.RemoveAt(0);
            if (new FileInfo(next).LinkTarget is { } target && links++ < 40)
            {
                string joined = Path.GetFullPath(target, resolved);
                rest.InsertRange(0, Parts(joined));
                resolved = Path.GetPathRoot(joined) ?? "";
            }
            else resolved = next;
        }
        return resolved;
    }

    /// <summary>Reads a file's samples when called, so that assembling holds one piece in memory at a time.</summary>
    private static Func<(double[] Input, double[] Tensor)> Samples(string path) => () =>
    {
        var (_, input, tensor) = DatasetFile.Read(path);
        return (input, tensor);
    };

    private sealed class Chunk(long start, long end, string partPath)
    {
        public long Start { get; } = start;
        public long End { get; } = end;
        public string PartPath { get; } = partPath;
        public bool Done { get; set; }
        public double[]? Input, Tensor;
        public int Remaining = (int)(end - start);
    }

    /// <summary>
    /// Workers take the next unsolved sample in order (so at most about one chunk per worker is in memory); the
    /// worker that finishes a chunk's last sample writes its part file.
    /// </summary>
    private sealed class ParallelSolve(DatasetGenerator generator, DatasetHeader header, Chunk[] chunks, long seed,
        Stopwatch clock, Action<GenerationProgress>? progress, long reused, long total)
    {
        private readonly long[] _offsets = Offsets(chunks);
        private readonly object _progressLock = new();
        private long _next = -1, _solved;
        private Exception? _failure;

        public void Run(int workers, CancellationToken cancel)
        {
            long pending = _offsets[^1];
            if (pending == 0) return;
            int count = (int)Math.Min(workers, pending);
            var threads = Enumerable.Range(0, count).Select(_ => new Thread(() => Work(cancel)) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
            cancel.ThrowIfCancellationRequested();
        }

        private static long[] Offsets(Chunk[] chunks)
        {
            var offsets = new long[chunks.Length + 1];
            for (int i = 0; i < chunks.Length; i++) offsets[i + 1] = offsets[i] + chunks[i].End - chunks[i].Start;
            return offsets;
        }

        private void Work(CancellationToken cancel)
        {
            try
            {
                var solve = generator.CreateSolver();
                while (!cancel.IsCancellationRequested && Volatile.Read(ref _failure) is null)
                {
                    long k = Interlocked.Increment(ref _next);
                    if (k >= _offsets[^1]) return;
                    int c = Array.BinarySearch(_offsets, k);
                    c = c >= 0 ? c : ~c - 1;
                    var chunk = chunks[c];
                    long offset = k - _offsets[c];
                    double[] input, tensor;
                    lock (chunk)
                    {
                        input = chunk.Input ??= new double[(chunk.End - chunk.Start) * header.InputLength];
                        tensor = chunk.Tensor ??= new double[(chunk.End - chunk.Start) * header.TensorLength];
                    }
                    solve(SampleSeed.Random(seed, chunk.Start + offset),
                        input.AsSpan((int)offset * header.InputLength, header.InputLength),
                        tensor.AsSpan((int)offset * header.TensorLength, header.TensorLength));
                    if (Interlocked.Decrement(ref chunk.Remaining) == 0)
                    {
                        DatasetFile.Write(chunk.PartPath, header.WithRange(chunk.Start, chunk.End), input, tensor);
                        WriteChecksum(chunk.PartPath);
                        chunk.Input = chunk.Tensor = null;
                    }
                    long solved = Interlocked.Increment(ref _solved);
                    if (progress is not null)
                        lock (_progressLock) progress(new GenerationProgress(reused + solved, total, solved, clock.Elapsed));
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
        }
    }

    private static string Format(double bytes) => MemoryBudget.Format(MemoryBudget.Saturated(bytes));
}
