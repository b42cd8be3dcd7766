using Physis.Differentiation;
using Physis.Geometry;
using Physis.Infrastructure.Distributed;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>A block of a batch's rows: where it starts among this rank's rows, how many this rank holds, and how many all ranks hold.</summary>
internal readonly record struct Rows(long Start, long Count, long Total);

internal sealed record ConditionSegment(Rows Rows, Rows? Paired, Tensor? Target);

/// <summary>
/// All training points of a problem in one tensor (domain rows first, then each condition's rows), so one network
/// pass and one set of derivative passes serve every loss term; each term reads its own rows. Under data-parallel
/// training the arrays hold every rank's points (checkpoints and adaptive sampling see the whole set) and the tensors
/// only this rank's share of each block (<see cref="Communicator.Share"/>), so the ranks' rows together are the
/// single-process batch.
/// </summary>
internal sealed class Batch : IDisposable
{
    private readonly double[,] points, normals;
    private readonly double[] targets;
    private readonly int[] layout;
    private readonly PdeProblem problem;
    private readonly TrainerOptions options;

    private Batch(PdeProblem problem, double[,] points, double[,] normals, double[] targets, int[] layout, TrainerOptions options)
    {
        (this.points, this.normals, this.targets, this.layout) = (points, normals, targets, layout);
        (this.problem, this.options) = (problem, options);
        var held = new List<int>();
        Rows Hold(long start, long total)
        {
            var (first, count) = options.Communicator.Share(total);
            var rows = new Rows(held.Count, count, total);
            for (long i = 0; i < count; i++) held.Add((int)(start + first + i));
            return rows;
        }
        Domain = Hold(0, layout[0]);
        long offset = layout[0];
        var segments = new List<ConditionSegment>();
        for (int c = 0; c < problem.Conditions.Count; c++)
        {
            int count = layout[1 + c];
            if (problem.Conditions[c].Region == ConditionRegion.DomainIntegral)
            {
                // Integral conditions have no rows of their own: they average over the domain rows.
                var value = tensor(problem.Conditions[c].IntegralValue, options.DType, options.Device).DetachFromDisposeScope();
                segments.Add(new ConditionSegment(Domain, null, value));
            }
            else if (problem.Conditions[c].Region == ConditionRegion.PeriodicPairs)
            {
                var low = Hold(offset, count);
                segments.Add(new ConditionSegment(low, Hold(offset + count, count), null));
                offset += 2L * count;
            }
            else
            {
                var rows = Hold(offset, count);
                var local = held.Skip((int)rows.Start).Select(i => targets[i]).ToArray();
                var target = tensor(local, [rows.Count, 1], options.DType, options.Device).DetachFromDisposeScope();
                segments.Add(new ConditionSegment(rows, null, target));
                offset += count;
            }
        }
        Conditions = segments;
        Points = ToTensor(points, held, options);
        Normals = ToTensor(normals, held, options);
        Requirements = EvaluationContext.Requirements(problem.Residuals.Concat(problem.ConditionOperators));
    }

    public Tensor Points { get; }
    public Tensor Normals { get; }
    public Rows Domain { get; }
    public IReadOnlyList<ConditionSegment> Conditions { get; }
    public IReadOnlyCollection<DerivativeRequest> Requirements { get; }

    public static Batch Sample(PdeProblem problem, Sampling sampling, TrainerOptions options)
    {
        var geometry = problem.Geometry;
        var sampler = new PointSampler(sampling.Method, options.Seed);
        int d = geometry.Dimension, spatial = problem.Terms.SpatialDimension;
        var blocks = new List<(double[,] Points, double[,]? Normals)>();
        var targets = new List<double>();
        var layout = new List<int>();

        var domain = geometry.SampleInterior(sampling.Domain, sampler);
        blocks.Add((domain, null));
        targets.AddRange(new double[domain.GetLength(0)]);
        layout.Add(domain.GetLength(0));

        // Boundary and initial points are drawn once and shared: each condition keeps those on its part (as DeepXDE does).
        bool needsBoundary = problem.Conditions.Any(c => c.Region == ConditionRegion.Boundary);
        bool needsInitial = problem.Conditions.Any(c => c.Region == ConditionRegion.Initial);
        bool needsPairs = problem.Conditions.Any(c => c.Region == ConditionRegion.PeriodicPairs);
        if (needsBoundary && sampling.Boundary == 0)
            throw new ArgumentException("The problem has boundary conditions but the number of boundary points is 0.");
        if (needsInitial && sampling.Initial == 0)
            throw new ArgumentException("The problem has initial conditions but the number of initial points is 0.");
        var boundary = needsBoundary ? geometry.SampleBoundary(sampling.Boundary, sampler) : null;
        var initial = needsInitial ? ((SpaceTime)geometry).SampleInitial(sampling.Initial, sampler) : null;
        if (needsPairs && sampling.PeriodicPairs == 0)
            throw new ArgumentException("The problem has periodic conditions but Sampling.Periodic is 0: give each at least one point pair.");
        var pairBase = needsPairs ? geometry.SampleInterior(sampling.PeriodicPairs, sampler) : null;

        foreach (var condition in problem.Conditions)
        {
            switch (condition.Region)
            {
                case ConditionRegion.Boundary:
                    {
                        var keep = Enumerable.Range(0, boundary!.Points.GetLength(0))
                            .Where(i => condition.Where is null || condition.Where(Row(boundary.Points, i))).ToArray();
                        if (keep.Length == 0)
                            throw new ArgumentException($"Condition '{condition.Name}' selects none of the {sampling.Boundary} boundary points: "
                                + "check its 'where' predicate or raise the boundary point count.");
                        var p = SelectRows(boundary.Points, keep);
                        blocks.Add((p, SelectRows(boundary.Normals, keep)));
                        AddTargets(condition, p);
                        break;
                    }
                case ConditionRegion.Initial:
                    blocks.Add((initial!, null));
                    AddTargets(condition, initial!);
                    break;
                case ConditionRegion.Observations:
                    blocks.Add((condition.ObservationPoints!, null));
                    targets.AddRange(condition.ObservationValues!);
                    layout.Add(condition.ObservationValues!.Length);
                    break;
                case ConditionRegion.PeriodicPairs:
                    {
                        int k = problem.Terms.CoordinateIndex(condition.PeriodicCoordinateName!);
                        var low = (double[,])pairBase!.Clone();
                        var high = (double[,])pairBase.Clone();
                        for (int i = 0; i < low.GetLength(0); i++)
                        {
                            low[i, k] = geometry.Bounds.Min[k];
                            high[i, k] = geometry.Bounds.Max[k];
                        }
                        blocks.Add((low, null));
                        blocks.Add((high, null));
                        targets.AddRange(new double[2 * low.GetLength(0)]);
                        layout.Add(low.GetLength(0));
                        break;
                    }
                case ConditionRegion.DomainIntegral:
                    layout.Add(0);
                    break;
            }
        }

        int total = blocks.Sum(b => b.Points.GetLength(0));
        var allPoints = new double[total, d];
        // Normals only where an expression reads them: in d dimensions they would double what each batch holds.
        bool normals = problem.Residuals.Concat(problem.ConditionOperators).SelectMany(e => e.Nodes()).OfType<NormalComponent>().Any();
        var allNormals = new double[total, normals ? Math.Max(spatial, 1) : 0];
        int row = 0;
        foreach (var (p, n) in blocks)
        {
            for (int i = 0; i < p.GetLength(0); i++, row++)
            {
                for (int j = 0; j < d; j++) allPoints[row, j] = p[i, j];
                if (n is not null && normals) for (int j = 0; j < spatial; j++) allNormals[row, j] = n[i, j];
            }
        }
        return new Batch(problem, allPoints, allNormals, targets.ToArray(), layout.ToArray(), options);

        void AddTargets(Condition condition, double[,] p)
        {
            for (int i = 0; i < p.GetLength(0); i++) targets.Add(condition.Target?.Invoke(Row(p, i)) ?? 0.0);
            layout.Add(p.GetLength(0));
        }
    }

    /// <summary>The domain (collocation) points, [n, d].</summary>
    public double[,] DomainPoints()
    {
        var result = new double[layout[0], points.GetLength(1)];
        Buffer.BlockCopy(points, 0, result, 0, result.Length * sizeof(double));
        return result;
    }

    /// <summary>A batch with the same condition points and <paramref name="domain"/> as the collocation points (adaptive sampling).</summary>
    public Batch WithDomain(double[,] domain)
    {
        int n = domain.GetLength(0), d = points.GetLength(1), old = layout[0], rest = points.GetLength(0) - old;
        if (domain.GetLength(1) != d) throw new ArgumentException($"New domain points have dimension {domain.GetLength(1)}, the problem has {d}.");
        var newPoints = new double[n + rest, d];
        Buffer.BlockCopy(domain, 0, newPoints, 0, n * d * sizeof(double));
        Buffer.BlockCopy(points, old * d * sizeof(double), newPoints, n * d * sizeof(double), rest * d * sizeof(double));
        int columns = normals.GetLength(1);
        var newNormals = new double[n + rest, columns];
        Buffer.BlockCopy(normals, old * columns * sizeof(double), newNormals, n * columns * sizeof(double), rest * columns * sizeof(double));
        double[] newTargets = [.. new double[n], .. targets.AsSpan(old)];
        int[] newLayout = [n, .. layout.AsSpan(1)];
        return new Batch(problem, newPoints, newNormals, newTargets, newLayout, options);
    }

    /// <summary>The sampled data as float64 tensors, for checkpoints.</summary>
    public Dictionary<string, Tensor> Save() => new()
    {
        ["points"] = Float64(points),
        ["normals"] = Float64(normals),
        ["targets"] = tensor(targets),
        ["layout"] = tensor(layout),
    };

    /// <summary>A [rows, columns] float64 tensor of the array in one copy (LINQ's Cast and ToArray grow a buffer twice its size).</summary>
    private static Tensor Float64(double[,] values)
    {
        var flat = new double[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [values.GetLength(0), values.GetLength(1)]);
    }

    public static Batch Load(PdeProblem problem, IReadOnlyDictionary<string, Tensor> saved, TrainerOptions options) =>
        new(problem, ToArray2D(saved["points"]), ToArray2D(saved["normals"]), saved["targets"].data<double>().ToArray(),
            saved["layout"].data<int>().ToArray(), options);

    /// <summary>The given rows of <paramref name="values"/> as a tensor (all of them in a single process, in order).</summary>
    private static Tensor ToTensor(double[,] values, List<int> rows, TrainerOptions options)
    {
        if (rows.Count == values.GetLength(0)) return ToTensor(values, 0, rows.Count, options);
        int columns = values.GetLength(1);
        var flat = new double[rows.Count * columns];
        for (int i = 0; i < rows.Count; i++)
            Buffer.BlockCopy(values, rows[i] * columns * sizeof(double), flat, i * columns * sizeof(double), columns * sizeof(double));
        return tensor(flat, [rows.Count, columns], options.DType, options.Device).DetachFromDisposeScope();
    }

    public static Tensor ToTensor(double[,] values, int start, int count, TrainerOptions options)
    {
        int columns = values.GetLength(1);
        var flat = new double[count * columns];
        Buffer.BlockCopy(values, start * columns * sizeof(double), flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [count, columns], options.DType, options.Device).DetachFromDisposeScope();
    }

    private static double[,] ToArray2D(Tensor t)
    {
        var result = new double[t.shape[0], t.shape[1]];
        // No normals are stored as [n, 0], which TorchSharp's accessor cannot read.
        if (t.numel() == 0) return result;
        var data = t.data<double>().ToArray();
        Buffer.BlockCopy(data, 0, result, 0, data.Length * sizeof(double));
        return result;
    }

    private static double[] Row(double[,] p, int i)
    {
        var r = new double[p.GetLength(1)];
        for (int j = 0; j < r.Length; j++) r[j] = p[i, j];
        return r;
    }

    private static double[,] SelectRows(double[,] p, int[] rows)
    {
        var result = new double[rows.Length, p.GetLength(1)];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < p.GetLength(1); j++) result[i, j] = p[rows[i], j];
        return result;
    }

    public void Dispose()
    {
        Points.Dispose();
        Normals.Dispose();
        foreach (var c in Conditions) c.Target?.Dispose();
    }
}
