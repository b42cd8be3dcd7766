using Physis.Geometry;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training.Marching;

/// <summary>
/// Split [T0, T1] into <see cref="Windows"/> equal windows, trained one after another. With a
/// <see cref="CheckpointFolder"/>, window k checkpoints to window{k}.ckpt there every <see cref="CheckpointEvery"/>
/// iterations, and a later call with the same arguments resumes: finished windows are restored, the interrupted one continues.
/// </summary>
public sealed record TimeMarchingOptions(int Windows, string? CheckpointFolder = null, int CheckpointEvery = 100)
{
    public void Validate()
    {
        if (Windows < 1) throw new ArgumentException($"TimeMarchingOptions: Windows must be at least 1, got {Windows}.");
        if (CheckpointEvery <= 0) throw new ArgumentException($"TimeMarchingOptions: CheckpointEvery must be positive, got {CheckpointEvery}.");
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
public sealed class TimeMarchingSolution(IReadOnlyList<PinnTrainer> windows, IReadOnlyList<nn.Module<Tensor, Tensor>> networks, double[] boundaries) : IDisposable
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
    }
}

/// <summary>
/// Time marching (sequential training in time windows): window k covers [t_k, t_{k+1}], samples its own points and
/// trains its own network; its initial condition is the previous window's trained network at t_k (window 0 keeps the
/// problem's initial conditions). Boundary conditions and residuals are the problem's; point data is kept per window.
/// Each window's network sees its time rescaled to [-1, 1] (<see cref="LocalTimeNetwork"/>), so a short window does not
/// shrink the network's time input.
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
        int windows = marching.Windows;
        var boundaries = Enumerable.Range(0, windows + 1).Select(k => spaceTime.T0 + (spaceTime.T1 - spaceTime.T0) * k / windows).ToArray();
        boundaries[^1] = spaceTime.T1;
        var trainers = new List<PinnTrainer>();
        var networks = new List<nn.Module<Tensor, Tensor>>();
        int resumed = 0;
        try
        {
            for (int k = 0; k < windows; k++)
            {
                var window = spaceTime.Space.WithTime(boundaries[k], boundaries[k + 1]);
                var conditions = problem.Conditions.Select(c => WindowCondition(c, problem, k == 0 ? null : trainers[^1], boundaries[k], boundaries[k + 1]))
                    .OfType<Condition>().ToList();
                var windowProblem = new PdeProblem(window, _ => problem.Residuals, conditions, problem.Fields);
                var net = new LocalTimeNetwork(network(k), boundaries[k], boundaries[k + 1]);
                networks.Add(net);
                var trainer = new PinnTrainer(windowProblem, net, sampling, options);
                trainers.Add(trainer);
                resumed += marching.Resume(trainer, k);
                trainer.Train(schedule, callbacks);
            }
            return new TimeMarchingSolution(trainers, networks, boundaries) { ResumedSteps = resumed };
        }
        catch
        {
            foreach (var t in trainers) t.Dispose();
            foreach (var n in networks) n.Dispose();
            throw;
        }
    }

    private static Condition? WindowCondition(Condition condition, PdeProblem problem, PinnTrainer? previous, double t0, double t1)
    {
        switch (condition.Kind)
        {
            case ConditionKind.Initial when previous is not null:
            {
                int field = problem.Terms.FieldIndex(condition.Field);
                return Condition.Initial(condition.Field, x => previous.Predict(Row(x))[0, field]).Named(condition.Name).WithWeight(condition.Weight);
            }
            case ConditionKind.InitialDerivative when previous is not null:
            {
                // A second-order equation (a wave) starts each window from the previous one's velocity as well.
                var velocity = problem.Terms.Dt(condition.Field);
                return Condition.InitialDerivative(condition.Field, x => previous.Evaluate(Row(x), velocity)[0]).Named(condition.Name).WithWeight(condition.Weight);
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
/// inside the inner network (a hard constraint) would see local time, which is why the solve command refuses the two together.
/// </summary>
public sealed class LocalTimeNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> inner;
    private readonly double scale, shift;

    public LocalTimeNetwork(nn.Module<Tensor, Tensor> inner, double t0, double t1) : base("local_time")
    {
        if (!(t1 > t0)) throw new ArgumentException($"LocalTimeNetwork: the window must have t1 > t0, got [{t0}, {t1}].");
        this.inner = inner;
        (scale, shift) = (2 / (t1 - t0), -(t0 + t1) / (t1 - t0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long d = x.shape[1];
        return inner.forward(cat([x.narrow(1, 0, d - 1), x.narrow(1, d - 1, 1) * scale + shift], 1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
