using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

public sealed record LbfgsSettings
{
    /// <summary>Number of (s, y) pairs kept (DeepXDE's maxcor).</summary>
    public int History { get; init; } = 100;
    /// <summary>Stop when the largest gradient component falls to this (gtol).</summary>
    public double GradientTolerance { get; init; } = 1e-8;
    /// <summary>Stop when the loss or the step changes by less than this (ftol); 0 runs until the step vanishes.</summary>
    public double ChangeTolerance { get; init; } = 0;
    /// <summary>Loss evaluations allowed in one line search.</summary>
    public int MaxLineSearchEvaluations { get; init; } = 25;
    /// <summary>Sufficient-decrease (c1) and curvature (c2) constants of the strong Wolfe conditions.</summary>
    public double C1 { get; init; } = 1e-4;
    public double C2 { get; init; } = 0.9;
    /// <summary>
    /// Relative loss difference below which two loss values count as equal (approximate Wolfe conditions, Hager and
    /// Zhang 2005). Near the end of training, float32 losses differ only by rounding, and the exact sufficient-decrease
    /// test would reject every step; null means 100 machine epsilons of the parameters' precision.
    /// </summary>
    public double? LossNoise { get; init; }
}

/// <summary>
/// Limited-memory BFGS with a strong-Wolfe line search (Nocedal and Wright, Algorithms 3.5, 3.6 and 7.4).
/// One <see cref="Step"/> is one quasi-Newton iteration, so callers see (and checkpoint) every iteration,
/// rather than handing the optimizer a objective and hoping it iterates as often as asked.
/// </summary>
public sealed class Lbfgs : IPinnOptimizer
{
    private readonly FlatParameters flat;
    private readonly LbfgsSettings settings;
    private readonly List<Tensor> steps = new(), gradientChanges = new();
    private readonly List<double> curvatures = new();
    private Tensor? gradient;
    private double loss = double.NaN, hessianScale = 1;
    private readonly double lossNoise;
    private int iteration;
    private bool converged;
    private LbfgsStop stop;

    /// <summary>Why L-BFGS stopped; stored as its number in checkpoints.</summary>
    private enum LbfgsStop { None, Gradient, Step, LossChange, NoDescent, NoDecrease, NonFinite }

    public Lbfgs(IReadOnlyList<Parameter> parameters, LbfgsSettings? settings = null)
    {
        flat = new FlatParameters(parameters);
        this.settings = settings ?? new LbfgsSettings();
        lossNoise = this.settings.LossNoise
            ?? 100 * (parameters.Count > 0 && parameters[0].dtype == ScalarType.Float64 ? Math.Pow(2, -52) : Math.Pow(2, -23));
        if (this.settings.History <= 0) throw new ArgumentException("The L-BFGS history must hold at least one pair.");
    }

    public string Name => "lbfgs";
    public double LastLoss => loss;
    public int Evaluations { get; private set; }
    public int Iterations => iteration;
    public bool Converged => converged;
    public double StepScale { get; set; } = 1;

    public string? StopReason => stop switch
    {
        LbfgsStop.None => null,
        LbfgsStop.Gradient => "converged: largest gradient component below GradientTolerance",
        LbfgsStop.Step => "converged: step below ChangeTolerance",
        LbfgsStop.LossChange => "converged: loss change below ChangeTolerance",
        LbfgsStop.NoDescent => "line search failed: the direction is not one of descent",
        LbfgsStop.NoDecrease => "line search failed: no step along the direction lowers the loss",
        _ => "the loss is not finite",
    };

    private bool Stop(LbfgsStop reason)
    {
        (converged, stop) = (true, reason);
        return false;
    }

    public bool Step(IObjective objective)
    {
        if (converged) return false;
        using var noGrad = no_grad();
        if (gradient is null)
        {
            (loss, gradient) = Evaluate(objective);
            // Kept across iterations, so it must outlive the caller's per-iteration dispose scope.
            gradient.DetachFromDisposeScope();
            if (!double.IsFinite(loss)) return Stop(LbfgsStop.NonFinite);
            if (MaxAbs(gradient) <= settings.GradientTolerance) return Stop(LbfgsStop.Gradient);
        }

        using var direction = Direction(gradient);
        double slope = Dot(gradient, direction);
        if (!double.IsFinite(slope)) return Stop(LbfgsStop.NonFinite);
        if (slope > -settings.ChangeTolerance) return Stop(LbfgsStop.NoDescent);

        // The first step has no curvature information: scale it so it moves at most one unit.
        double initialStep = StepScale * (iteration == 0 ? Math.Min(1.0, 1.0 / gradient.abs().sum().ToDouble()) : 1.0);
        double previousLoss = loss;
        using var origin = flat.Values();
        var (step, newLoss, newGradient) = StrongWolfe(objective, origin, direction, loss, gradient, slope, initialStep);
        flat.SetAlong(origin, direction, step);

        // Curvature pair from this iteration; skipped when it would break positive definiteness.
        var s = direction * step;
        var y = newGradient - gradient;
        double ys = Dot(y, s);
        if (ys > 1e-10)
        {
            if (steps.Count == settings.History)
            {
                steps[0].Dispose(); gradientChanges[0].Dispose();
                steps.RemoveAt(0); gradientChanges.RemoveAt(0); curvatures.RemoveAt(0);
            }
            steps.Add(s.DetachFromDisposeScope());
            gradientChanges.Add(y.DetachFromDisposeScope());
            curvatures.Add(1.0 / ys);
            hessianScale = ys / Dot(y, y);
        }
        else
        {
            s.Dispose(); y.Dispose();
        }

        gradient.Dispose();
        gradient = newGradient.DetachFromDisposeScope();
        loss = newLoss;
        iteration++;

        double stepSize = step * MaxAbs(direction);
        if (!double.IsFinite(loss)) Stop(LbfgsStop.NonFinite);
        else if (MaxAbs(gradient) <= settings.GradientTolerance) Stop(LbfgsStop.Gradient);
        else if (step == 0) Stop(LbfgsStop.NoDecrease);
        else if (stepSize <= settings.ChangeTolerance) Stop(LbfgsStop.Step);
        else if (Math.Abs(loss - previousLoss) < settings.ChangeTolerance) Stop(LbfgsStop.LossChange);
        return true;
    }

    /// <summary>Two-loop recursion: the search direction -H g from the stored curvature pairs.</summary>
    private Tensor Direction(Tensor g)
    {
        var q = g.neg();
        var alphas = new double[steps.Count];
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            alphas[i] = curvatures[i] * Dot(steps[i], q);
            q.add_(gradientChanges[i], alpha: -alphas[i]);
        }
        q.mul_(hessianScale);
        for (int i = 0; i < steps.Count; i++)
        {
            double beta = curvatures[i] * Dot(gradientChanges[i], q);
            q.add_(steps[i], alpha: alphas[i] - beta);
        }
        return q;
    }

    private (double Loss, Tensor Gradient) Evaluate(IObjective objective)
    {
        flat.ZeroGradients();
        double value;
        using (enable_grad()) value = objective.Evaluate();
        Evaluations++;
        return (value, flat.Gradient());
    }

    private (double Loss, Tensor Gradient) EvaluateAt(IObjective objective, Tensor origin, Tensor direction, double step)
    {
        flat.SetAlong(origin, direction, step);
        return Evaluate(objective);
    }

    private readonly record struct Point(double Step, double Loss, Tensor Gradient, double Slope);

    /// <summary>Line search for a step satisfying the strong Wolfe conditions: bracketing, then zoom by cubic interpolation.</summary>
    private (double Step, double Loss, Tensor Gradient) StrongWolfe(IObjective objective, Tensor origin, Tensor direction,
        double loss0, Tensor gradient0, double slope0, double step)
    {
        double directionMax = MaxAbs(direction);
        var start = new Point(0, loss0, gradient0, slope0);
        var previous = start;
        int evaluations = 0;
        Point low, high;
        while (true)
        {
            var (f, g) = EvaluateAt(objective, origin, direction, step);
            evaluations++;
            var current = new Point(step, f, g, Dot(g, direction));
            if (ApproximatelyWolfe(current, loss0, slope0)) return Accept(current, previous, start);
            if (f > loss0 + settings.C1 * step * slope0 || (evaluations > 1 && f >= previous.Loss) || !double.IsFinite(f))
            {
                (low, high) = (previous, current);
                break;
            }
            if (Math.Abs(current.Slope) <= -settings.C2 * slope0) return Accept(current, previous, start);
            if (current.Slope >= 0)
            {
                (low, high) = (current, previous);
                break;
            }
            if (evaluations >= settings.MaxLineSearchEvaluations) return Accept(current, previous, start);
            // Extrapolate: the next trial lies beyond the current one, at most ten times further.
            double next = CubicMinimum(previous, current, step + 0.01 * (step - previous.Step), 10 * step);
            Release(previous, start);
            previous = current;
            step = next;
        }

        // Zoom: shrink [low, high] until the strong Wolfe conditions hold. low always satisfies sufficient decrease.
        while (evaluations < settings.MaxLineSearchEvaluations)
        {
            double width = Math.Abs(high.Step - low.Step);
            if (width * directionMax < 1e-9 * Math.Max(1, Math.Abs(low.Step) * directionMax)) break;
            double lo = Math.Min(low.Step, high.Step), hi = Math.Max(low.Step, high.Step);
            double trial = double.IsFinite(high.Loss) ? CubicMinimum(low, high, lo, hi) : 0.5 * (lo + hi);
            // Guard against trials that hug an end of the bracket and make no progress.
            double margin = 0.1 * (hi - lo);
            if (trial - lo < margin || hi - trial < margin) trial = 0.5 * (lo + hi);
            var (f, g) = EvaluateAt(objective, origin, direction, trial);
            evaluations++;
            var current = new Point(trial, f, g, Dot(g, direction));
            if (ApproximatelyWolfe(current, loss0, slope0)) { Release(high, start); return Accept(current, low, start); }
            if (f > loss0 + settings.C1 * trial * slope0 || f >= low.Loss || !double.IsFinite(f))
            {
                Release(high, start);
                high = current;
            }
            else
            {
                if (Math.Abs(current.Slope) <= -settings.C2 * slope0) { Release(high, start); return Accept(current, low, start); }
                if (current.Slope * (high.Step - low.Step) >= 0) { Release(high, start); high = low; }
                else Release(low, start);
                low = current;
            }
        }
        Release(high, start);
        return (low.Step, low.Loss, low.Step == 0 ? low.Gradient.clone() : low.Gradient);
    }

    /// <summary>
    /// Curvature condition met and the loss no higher than at the start up to rounding: the slope along the line has
    /// shrunk as a good step requires, even if rounding hides the decrease in the loss itself.
    /// </summary>
    private bool ApproximatelyWolfe(Point p, double loss0, double slope0) =>
        double.IsFinite(p.Loss) && Math.Abs(p.Slope) <= -settings.C2 * slope0 && p.Loss <= loss0 + lossNoise * Math.Abs(loss0);

    private static (double, double, Tensor) Accept(Point accepted, Point other, Point start)
    {
        Release(other, start);
        return (accepted.Step, accepted.Loss, accepted.Gradient);
    }

    private static void Release(Point point, Point start)
    {
        if (!ReferenceEquals(point.Gradient, start.Gradient)) point.Gradient.Dispose();
    }

    /// <summary>Minimiser of the cubic through two points with slopes, clamped to [lower, upper]; bisection if it has none.</summary>
    private static double CubicMinimum(Point a, Point b, double lower, double upper)
    {
        double d1 = a.Slope + b.Slope - 3 * (a.Loss - b.Loss) / (a.Step - b.Step);
        double discriminant = d1 * d1 - a.Slope * b.Slope;
        if (discriminant < 0 || !double.IsFinite(discriminant)) return 0.5 * (lower + upper);
        double d2 = Math.Sign(b.Step - a.Step) * Math.Sqrt(discriminant);
        double minimum = b.Step - (b.Step - a.Step) * ((b.Slope + d2 - d1) / (b.Slope - a.Slope + 2 * d2));
        return double.IsFinite(minimum) ? Math.Clamp(minimum, lower, upper) : 0.5 * (lower + upper);
    }

    private static double Dot(Tensor a, Tensor b) => a.dot(b).ToDouble();
    private static double MaxAbs(Tensor a) => a.abs().max().ToDouble();

    public Dictionary<string, Tensor> SaveState()
    {
        var state = new Dictionary<string, Tensor>
        {
            ["scalars"] = tensor(new[] { iteration, Evaluations, converged ? 1 : 0, steps.Count, (int)stop }),
            ["values"] = tensor(new[] { loss, hessianScale, StepScale }),
            ["curvatures"] = tensor(curvatures.ToArray()),
        };
        if (gradient is not null) state["gradient"] = gradient.clone();
        for (int i = 0; i < steps.Count; i++)
        {
            state[$"s{i}"] = steps[i].clone();
            state[$"y{i}"] = gradientChanges[i].clone();
        }
        return state;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        var scalars = state["scalars"].data<int>().ToArray();
        var values = state["values"].data<double>().ToArray();
        (iteration, Evaluations, converged) = (scalars[0], scalars[1], scalars[2] == 1);
        (loss, hessianScale) = (values[0], values[1]);
        // Checkpoints written before stop reasons and step scales were kept lack the last entries.
        stop = scalars.Length > 4 ? (LbfgsStop)scalars[4] : LbfgsStop.None;
        StepScale = values.Length > 2 ? values[2] : 1;
        ClearHistory();
        curvatures.AddRange(state["curvatures"].data<double>().ToArray());
        for (int i = 0; i < scalars[3]; i++)
        {
            steps.Add(state[$"s{i}"].clone().DetachFromDisposeScope());
            gradientChanges.Add(state[$"y{i}"].clone().DetachFromDisposeScope());
        }
        gradient = state.TryGetValue("gradient", out var g) ? g.clone().DetachFromDisposeScope() : null;
    }

    private void ClearHistory()
    {
        foreach (var t in steps.Concat(gradientChanges)) t.Dispose();
        steps.Clear(); gradientChanges.Clear(); curvatures.Clear();
        gradient?.Dispose();
        gradient = null;
    }

    public void Dispose() => ClearHistory();
}
