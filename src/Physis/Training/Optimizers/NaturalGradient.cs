using Physis.Differentiation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

public sealed record NaturalGradientSettings
{
    /// <summary>Levenberg-Marquardt damping, relative to the mean diagonal of the Gauss-Newton matrix.</summary>
    public double Damping { get; init; } = 1e-10;
    /// <summary>Step sizes tried by the line search: <see cref="LineSearchPoints"/>
    /// values from 1 down to <see cref="MinStep"/>, evenly spaced in log.</summary>
    public int LineSearchPoints { get; init; } = 21;
    public double MinStep { get; init; } = 1e-6;

    public void Validate()
    {
        if (!(Damping >= 0 && double.IsFinite(Damping)))
            throw new ArgumentException($"NaturalGradientSettings: Damping must be finite and non-negative, got {Damping}.");
        if (LineSearchPoints < 2)
            throw new ArgumentException($"NaturalGradientSettings: LineSearchPoints must be at least 2, got {LineSearchPoints}.");
        if (!(MinStep > 0 && MinStep < 1)) throw new ArgumentException($"NaturalGradientSettings: MinStep must lie in (0, 1), got {MinStep}.");
    }
}

/// <summary>
/// Energy natural gradient descent (Müller and Zeinhofer 2023) for least-squares PINN losses L = |r|^2, r the residual
/// vector over all loss terms: the step solves the damped Gauss-Newton system (J^T J + mu I) d = J^T r, J the Jacobian
/// of r by the parameters (one backward pass per residual, so it suits small networks), and takes the best step size
/// of a log-spaced grid in [MinStep, 1]. Without an improving step size it stops (converged).
/// </summary>
public sealed class NaturalGradient : IPinnOptimizer
{
    private readonly FlatParameters flat;
    private readonly NaturalGradientSettings settings;
    private readonly double[] stepSizes;
    private int iteration;
    private bool converged;

    public NaturalGradient(IReadOnlyList<Parameter> parameters, NaturalGradientSettings? settings = null)
    {
        flat = new FlatParameters(parameters);
        this.settings = settings ?? new NaturalGradientSettings();
        this.settings.Validate();
        int n = this.settings.LineSearchPoints;
        stepSizes = Enumerable.Range(0, n).Select(k => Math.Pow(this.settings.MinStep, k / (double)(n - 1))).ToArray();
    }

    public string Name => "natural_gradient";
    public double LastLoss { get; private set; } = double.NaN;
    public int Evaluations { get; private set; }
    public int Iterations => iteration;
    public bool Converged => converged;

    public bool Step(IObjective objective)
    {
        if (converged) return false;
        flat.ZeroGradients();
        Tensor direction;
        double loss0;
        using (var scope = NewDisposeScope())
        {
            var r = objective.Residuals();
            Evaluations++;
            loss0 = r.detach().Squared().sum().ToDouble();
            var jacobian = ParameterGradients.JacobianRows(r, flat.Parameters, ParameterGradients.AllRows(r)).to(ScalarType.Float64);
            var residual = r.detach().to(ScalarType.Float64);
            var gramian = jacobian.t().matmul(jacobian);
            var rhs = jacobian.t().matmul(residual);
            direction = Solve(gramian, rhs).to(r.dtype).MoveToOuterDisposeScope();
        }

        using var origin = flat.Values();
        using var _ = direction;
        double best = loss0, bestStep = 0;
        foreach (double step in stepSizes)
        {
            flat.SetAlong(origin, direction, -step);
            double trial;
            using (NewDisposeScope()) trial = objective.Residuals().detach().Squared().sum().ToDouble();
            Evaluations++;
            if (trial < best) (best, bestStep) = (trial, step);
        }
        // Parameters end at the best step (or where they started, when no step size lowers the loss).
        flat.SetAlong(origin, direction, -bestStep);
        if (bestStep == 0)
        {
            LastLoss = loss0;
            converged = true;
            return false;
        }
        LastLoss = best;
        iteration++;
        return true;
    }

    private Tensor Solve(Tensor gramian, Tensor rhs)
    {
        long p = gramian.shape[0];
        double mean = gramian.diagonal().mean().ToDouble();
        double mu = settings.Damping * (mean > 0 ? mean : 1);
        for (int attempt = 0; attempt < 8; attempt++, mu = Math.Max(mu * 100, 1e-14))
        {
            var (factor, info) = linalg.cholesky_ex(gramian + eye(p, dtype: ScalarType.Float64, device: gramian.device) * mu);
            if (info.ToInt64() == 0) return cholesky_solve(rhs.unsqueeze(1), factor).squeeze(1);
        }
        return linalg.lstsq(gramian, rhs.unsqueeze(1)).Solution.squeeze(1);
    }

    public Dictionary<string, Tensor> SaveState() => new()
    {
        ["scalars"] = tensor(new[] { iteration, Evaluations, converged ? 1 : 0 }),
        ["loss"] = tensor(new[] { LastLoss }),
    };

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        var scalars = state["scalars"].data<int>().ToArray();
        (iteration, Evaluations, converged) = (scalars[0], scalars[1], scalars[2] == 1);
        LastLoss = state["loss"].data<double>()[0];
    }

    public void Dispose() { }
}
