using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Constraints;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training.Marching;

/// <summary>
/// Split [T0, T1] into <see cref="Windows"/> equal windows, trained one after another. With a
/// <see cref="CheckpointFolder"/>, window k checkpoints to window{k}.ckpt there every <see cref="CheckpointEvery"/>
/// iterations, and a later call with the same arguments resumes: finished windows are restored, the interrupted one continues.
/// With <see cref="HardStart"/>, every window after the first starts from the previous one's state exactly (see <see cref="TimeMarching"/>).
/// </summary>
public sealed record TimeMarchingOptions(int Windows, string? CheckpointFolder = null, int CheckpointEvery = 100, bool HardStart = false)
{
    /// <summary>
    /// Window k's network starts from window k - 1's trained weights rather than from the factory's initialisation: the
    /// change over one window is a good first guess for the next (all windows share one output form, hard or soft).
    /// </summary>
    public bool WarmStart { get; init; }

    /// <summary>Grid points of the interpolant that carries a hard start across a window edge (odd, so it has no Nyquist mode).</summary>
    public int StartGridPoints { get; init; } = 1025;

    public void Validate()
    {
        if (Windows < 1) throw new ArgumentException($"TimeMarchingOptions: Windows must be at least 1, got {Windows}.");
        if (CheckpointEvery <= 0) throw new ArgumentException($"TimeMarchingOptions: CheckpointEvery must be positive, got {CheckpointEvery}.");
        if (StartGridPoints < 3 || StartGridPoints % 2 == 0)
            throw new ArgumentException($"TimeMarchingOptions: StartGridPoints must be odd and at least 3, got {StartGridPoints}.");
    }

    /// <summary>Enables the window's checkpoint and restores it where one exists; returns the steps restored.</summary>
    internal int Resume(PinnTrainer trainer, int window)
    {
        if (CheckpointFolder is null) return 0;
        Directory.CreateDirectory(CheckpointFolder);
        return trainer.ResumeOrStart(Path.Combine(CheckpointFolder, $"window{window}.ckpt"), CheckpointEvery) ? trainer.Step : 0;
    }
}

/// <summary>The trained windows of a time-marching run; each point is evaluated by the network of the window containing its time.</summary>
public sealed class TimeMarchingSolution(IReadOnlyList<PinnTrainer> windows, IReadOnlyList<nn.Module<Tensor, Tensor>> networks, double[] boundaries,
    IReadOnlyList<IDisposable> windowStarts) : IDisposable
{
    public IReadOnlyList<PinnTrainer> Windows => windows;
    /// <summary>Window edges T0 = t_0 &lt; t_1 &lt; ... &lt; t_W = T1.</summary>
    public IReadOnlyList<double> Boundaries => boundaries;
    /// <summary>Iterations restored from window checkpoints rather than trained by this call.</summary>
    public int ResumedSteps { get; init; }

    public int WindowOf(double t)
    {
        for (int w = 0; w + 1 < windows.Count; w++) if (t < boundaries[w + 1]) return w;
        return windows.Count - 1;
    }

    /// <summary>Outputs [n, fields] at points whose last coordinate is time.</summary>
    public double[,] Predict(double[,] points)
    {
        int n = points.GetLength(0), d = points.GetLength(1), fields = windows[0].Problem.Fields.Count;
        var result = new double[n, fields];
        var byWindow = Enumerable.Range(0, n).GroupBy(i => WindowOf(points[i, d - 1]));
        foreach (var group in byWindow)
        {
            var rows = group.ToArray();
            var subset = new double[rows.Length, d];
            for (int i = 0; i < rows.Length; i++)
                for (int j = 0; j < d; j++) subset[i, j] = points[rows[i], j];
            var values = windows[group.Key].Predict(subset);
            for (int i = 0; i < rows.Length; i++)
                for (int f = 0; f < fields; f++) result[rows[i], f] = values[i, f];
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var w in windows) w.Dispose();
        foreach (var net in networks) net.Dispose();
        foreach (var start in windowStarts) start.Dispose();
    }
}

/// <summary>
/// Time marching (sequential training in time windows): window k covers [t_k, t_{k+1}], samples its own points and
/// trains its own network; its initial condition is the previous window's trained network at t_k (window 0 keeps the
/// problem's initial conditions). Boundary conditions and residuals are the problem's; point data is kept per window.
/// Each window's network sees its time rescaled to [-1, 1] (<see cref="LocalTimeNetwork"/>), so a short window does not
/// shrink the network's time input.
/// <para>
/// A hard start (<see cref="TimeMarchingOptions.HardStart"/>) replaces the initial-condition loss of windows 1, 2, ...
/// by the output transform u = u_k(x) + (t - t_k) / (t_{k+1} - t_k) N(x, t), where u_k is the trigonometric
/// interpolant (<see cref="PeriodicInterpolant"/>) of the previous window's u(x, t_k) on a uniform grid: the window
/// then starts where the last one ended up to the interpolation error, instead of up to a loss term the optimizer
/// trades against the residual. It needs a space that is one interval with a periodic condition on every field that has
/// an initial condition (the interpolant is periodic). Window 0 starts hard from the interpolant of the problem's initial
/// values; when it does not resolve them (a kink, or values that do not join up across the period, leave Fourier
/// coefficients above 1e-14 of the largest at the last mode), from the filtered interpolant
/// (<see cref="PeriodicInterpolant.Filtered"/>), which departs from u0 only within a few dozen grid spacings of the kink.
/// </para>
/// </summary>
public static class TimeMarching
{
    /// <param name="network">a new network for window k; the returned solution owns it</param>
    /// <param name="sampling">points per window</param>
    public static TimeMarchingSolution Train(PdeProblem problem, TimeMarchingOptions marching, Func<int, nn.Module<Tensor, Tensor>> network,
        Sampling sampling, IReadOnlyList<TrainingPhase> schedule, TrainerOptions? options = null, params ITrainingCallback[] callbacks)
    {
        marching.Validate();
        if (problem.Geometry is not SpaceTime spaceTime)
            throw new ArgumentException("Time marching needs a space-time problem: build the geometry with WithTime(t0, t1).");
        if (!problem.Conditions.Any(c => c.Region == ConditionRegion.Initial))
            throw new ArgumentException("Time marching passes the initial condition from window to window, but the problem has none.");
        int[]? hardFields = marching.HardStart ? HardStartFields(problem, spaceTime) : null;
        int windows = marching.Windows;
        var boundaries = Enumerable.Range(0, windows + 1).Select(k => spaceTime.T0 + (spaceTime.T1 - spaceTime.T0) * k / windows).ToArray();
        boundaries[^1] = spaceTime.T1;
        var trainers = new List<PinnTrainer>();
        var networks = new List<LocalTimeNetwork>();
        var starts = new List<IDisposable>();
        int resumed = 0;
        try
        {
            for (int k = 0; k < windows; k++)
            {
                var window = spaceTime.Space.WithTime(boundaries[k], boundaries[k + 1]);
                var previous = k == 0 ? null : trainers[^1];
                var interpolant = hardFields is null ? null
                    : previous is not null ? PreviousState(previous, (Interval)spaceTime.Space, boundaries[k], marching.StartGridPoints)
                    : InitialState(problem, (Interval)spaceTime.Space, boundaries[0], marching.StartGridPoints);
                if (interpolant is not null) starts.Add(interpolant);
                var conditions = problem.Conditions
                    .Select(c => WindowCondition(c, problem, previous, interpolant is not null, boundaries[k], boundaries[k + 1]))
                    .OfType<Condition>().ToList();
                var windowProblem = new PdeProblem(window, _ => problem.Residuals, conditions, problem.Fields);
                var start = interpolant is null
                    ? null
                    : WindowStart(interpolant, hardFields!, problem.Terms.Coordinates.Count - 1, boundaries[k], boundaries[k + 1]);
                var net = new LocalTimeNetwork(network(k), boundaries[k], boundaries[k + 1], start);
                networks.Add(net);
                if (marching.WarmStart && k > 0) CopyWeights(networks[^2].Inner, net.Inner);
                var trainer = new PinnTrainer(windowProblem, net, sampling, options);
                trainers.Add(trainer);
                resumed += marching.Resume(trainer, k);
                trainer.Train(schedule, callbacks);
            }
            return new TimeMarchingSolution(trainers, networks, boundaries, starts) { ResumedSteps = resumed };
        }
        catch
        {
            foreach (var t in trainers) t.Dispose();
            foreach (var n in networks) n.Dispose();
            foreach (var s in starts) s.Dispose();
            throw;
        }
    }

    /// <summary>Output columns of the fields with an initial condition, after checking that a hard start applies.</summary>
    private static int[] HardStartFields(PdeProblem problem, SpaceTime spaceTime)
    {
        if (spaceTime.Space is not Interval)
            throw new ArgumentException("A hard window start carries the state across window edges as a Fourier series in one periodic coordinate, "
                + $"so the space must be an interval; this problem's space is a {spaceTime.Space.GetType().Name}.");
        string x = problem.Terms.Coordinates[0];
        var fields = problem.Conditions.Where(c => c.Kind == ConditionKind.Initial).Select(c => c.Field).Distinct().ToList();
        foreach (var field in fields)
            if (!problem.Conditions.Any(c => c.Kind == ConditionKind.Periodic && c.Field == field && c.PeriodicCoordinateName == x
                && c.PeriodicDerivativeOrder == 0))
                throw new ArgumentException($"A hard window start interpolates the previous window's {field} with a Fourier series, which is "
                    + $"periodic; the problem has no periodic condition on {field} along {x}. "
                    + "Use soft window starts (the initial-condition loss) for non-periodic problems.");
        return [.. fields.Select(problem.Terms.FieldIndex)];
    }

    /// <summary>The previous window's fields at time t on the interpolation grid of the interval.</summary>
    private static PeriodicInterpolant PreviousState(PinnTrainer previous, Interval space, double t, int gridPoints) =>
        OnGrid(space, gridPoints, grid =>
        {
            var points = new double[grid.Length, 2];
            for (int j = 0; j < grid.Length; j++) (points[j, 0], points[j, 1]) = (grid[j], t);
            return previous.Predict(points);
        });

    /// <summary>The interpolant of the values that <paramref name="sample"/> gives
    /// on the interval's grid of <paramref name="gridPoints"/> points.</summary>
    private static PeriodicInterpolant OnGrid(Interval space, int gridPoints, Func<double[], double[,]> sample)
    {
        double period = space.B - space.A;
        return new PeriodicInterpolant(sample(PeriodicInterpolant.Grid(gridPoints, space.A, period)), space.A, period);
    }

    /// <summary>
    /// The interpolant of the problem's initial values on the grid; filtered when it does not resolve them to round-off
    /// (allen-cahn's x^2 cos(pi x) has a kink where the period joins, so its coefficients decay only like 1/k^2 and the
    /// raw interpolant ripples between the grid points all over the period, a curvature the residual would have to cancel).
    /// </summary>
    private static PeriodicInterpolant InitialState(PdeProblem problem, Interval space, double t0, int gridPoints)
    {
        var interpolant = OnGrid(space, gridPoints, grid =>
        {
            var samples = new double[grid.Length, problem.Fields.Count];
            foreach (var condition in problem.Conditions.Where(c => c.Kind == ConditionKind.Initial))
            {
                int field = problem.Terms.FieldIndex(condition.Field);
                for (int j = 0; j < grid.Length; j++) samples[j, field] = condition.Target!([grid[j], t0]);
            }
            return samples;
        });
        if (interpolant.Modes < (gridPoints - 1) / 2) return interpolant;
        using (interpolant) return interpolant.Filtered(8);
    }

    /// <summary>u = start(x) + (t - t0) / (t1 - t0) N on the given output columns; the factor
    /// reaches 1 at the window's end, so N keeps the size of the change over the window.</summary>
    private static OutputTransform WindowStart(PeriodicInterpolant start, int[] fields, int timeCoordinate, double t0, double t1)
    {
        var elapsed = DistanceFunction.Above(timeCoordinate, t0);
        var fraction = new DistanceFunction(x => elapsed.Evaluate(x) / (t1 - t0), FormattableString.Invariant($"({elapsed})/{t1 - t0}"));
        return HardConstraints.Dirichlet(fraction, x => start.Evaluate(x[.., 0..1]), fields);
    }

    private static void CopyWeights(nn.Module<Tensor, Tensor> from, nn.Module<Tensor, Tensor> to)
    {
        using var _ = no_grad();
        var source = from.state_dict();
        foreach (var (name, tensor) in to.state_dict())
        {
            if (!source.TryGetValue(name, out var value) || !value.shape.SequenceEqual(tensor.shape))
                throw new ArgumentException($"A warm window start copies the previous window's weights, but the networks differ at '{name}': "
                    + "the network factory must build the same architecture for every window.");
            tensor.copy_(value);
        }
    }

    private static Condition? WindowCondition(Condition condition, PdeProblem problem, PinnTrainer? previous, bool hardStart, double t0, double t1)
    {
        switch (condition.Kind)
        {
            case ConditionKind.Initial when hardStart:
                return null;
            case ConditionKind.Initial when previous is not null:
                {
                    int field = problem.Terms.FieldIndex(condition.Field);
                    return Condition.Initial(condition.Field, x => previous.Predict(Row(x))[0, field])
                        .Named(condition.Name).WithWeight(condition.Weight);
                }
            case ConditionKind.InitialDerivative when previous is not null:
                {
                    // A second-order equation (a wave) starts each window from the previous one's velocity as well.
                    var velocity = problem.Terms.Dt(condition.Field);
                    return Condition.InitialDerivative(condition.Field, x => previous.Evaluate(Row(x), velocity)[0])
                        .Named(condition.Name).WithWeight(condition.Weight);
                }
            case ConditionKind.PointData:
                {
                    var points = condition.ObservationPoints!;
                    int d = points.GetLength(1);
                    var rows = Enumerable.Range(0, points.GetLength(0)).Where(i => points[i, d - 1] >= t0 && points[i, d - 1] <= t1).ToArray();
                    if (rows.Length == 0) return null;
                    var kept = new double[rows.Length, d];
                    for (int i = 0; i < rows.Length; i++)
                        for (int j = 0; j < d; j++) kept[i, j] = points[rows[i], j];
                    return Condition.PointData(condition.Field, kept, rows.Select(i => condition.ObservationValues![i]).ToArray())
                        .Named(condition.Name).WithWeight(condition.Weight);
                }
            default:
                return condition;
        }
    }

    private static double[,] Row(double[] x)
    {
        var row = new double[1, x.Length];
        for (int j = 0; j < x.Length; j++) row[0, j] = x[j];
        return row;
    }
}

/// <summary>
/// A window's network evaluated in local time: the last input coordinate t in [t0, t1] enters the inner network as
/// 2 (t - t0) / (t1 - t0) - 1. The map is part of the graph, so derivatives in t include its factor. An output transform
/// inside the inner network (a hard constraint) would see local time; the constructor's <c>transform</c> sees the global
/// coordinates.
/// </summary>
public sealed class LocalTimeNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> inner;
    private readonly OutputTransform? transform;
    private readonly double scale, shift;

    internal nn.Module<Tensor, Tensor> Inner => inner;

    /// <param name="transform">applied to the inner network's output with the points in global time (a hard window start)</param>
    public LocalTimeNetwork(nn.Module<Tensor, Tensor> inner, double t0, double t1, OutputTransform? transform = null) : base("local_time")
    {
        if (!(t1 > t0)) throw new ArgumentException($"LocalTimeNetwork: the window must have t1 > t0, got [{t0}, {t1}].");
        this.inner = inner;
        this.transform = transform;
        (scale, shift) = (2 / (t1 - t0), -(t0 + t1) / (t1 - t0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long d = x.shape[1];
        var y = inner.forward(cat([x.narrow(1, 0, d - 1), x.narrow(1, d - 1, 1) * scale + shift], 1));
        return transform is null ? y : transform(x, y);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
