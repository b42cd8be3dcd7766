using Physis.Differentiation;
using Physis.Problems;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// The loss of a <see cref="PdeProblem"/> for a network: one term per residual equation and per condition, assembled
/// from one derivative evaluation at a batch of points; and the network's fields and expressions of them at any points.
/// </summary>
internal sealed class PinnLoss(PdeProblem problem, nn.Module<Tensor, Tensor> network, IDifferentiationEngine engine,
    IReadOnlyDictionary<TrainableParameter, Parameter> parameters, TrainerOptions options)
{
    // The parameters are updated in place, so one map serves every evaluation.
    private readonly IReadOnlyDictionary<TrainableParameter, Tensor> tensors = parameters.ToDictionary(p => p.Key, p => (Tensor)p.Value);

    /// <summary>Sums over the points of every rank (data-parallel training); plain sums in a single process.</summary>
    public RankSums Sums { get; } = new(options.Communicator);

    /// <summary>Stochastic derivative estimates draw from the stream of this step (<see cref="IDifferentiationEngine.Draw"/>).</summary>
    public void Draw(long step) => engine.Draw(step);

    /// <summary>Each term's residuals at the batch's points, shaped by the methods in order.</summary>
    public LossEvaluation Evaluate(Batch batch, IReadOnlyList<ITrainingMethod> methods)
    {
        var derivatives = engine.Evaluate(network, batch.Points, batch.Requirements);
        int residualCount = problem.Residuals.Count;
        var terms = new TermResidual[residualCount + problem.Conditions.Count];
        var domain = Context(batch, derivatives, batch.Domain);
        var residuals = problem.Residuals.Select(e => domain.Evaluate(e).reshape(-1)).ToArray();
        for (int i = 0; i < residualCount; i++) terms[i] = new TermResidual(residuals[i], batch.Domain.Total);
        for (int c = 0; c < problem.Conditions.Count; c++)
        {
            var op = problem.ConditionOperators[c];
            var segment = batch.Conditions[c];
            Tensor residual;
            if (problem.Conditions[c].Region == ConditionRegion.DomainIntegral)
                residual = Sums.Sum(domain.Evaluate(op).sum()) / batch.Domain.Total * problem.IntegralMeasure(problem.Conditions[c])
                    - segment.Target!;
            else
            {
                residual = Context(batch, derivatives, segment.Rows).Evaluate(op);
                residual = segment.Paired is { } paired
                    ? residual - Context(batch, derivatives, paired).Evaluate(op)
                    : residual - segment.Target!;
            }
            // An integral condition's one residual is the same on every rank already: its square is not summed over ranks.
            terms[residualCount + c] = problem.Conditions[c].Region == ConditionRegion.DomainIntegral
                ? new TermResidual(residual.reshape(-1), 1, replicated: true)
                : new TermResidual(residual.reshape(-1), segment.Rows.Total);
        }
        var fixedWeights = terms.Select((_, i) => i < residualCount ? 1.0 : problem.Conditions[i - residualCount].Weight).ToArray();
        var loss = new LossEvaluation(terms, fixedWeights, domain.Points, residuals);
        foreach (var method in methods) method.Shape(loss);
        TermResidual.SumOverRanks(terms, Sums);
        return loss;
    }

    private EvaluationContext Context(Batch batch, IFieldDerivatives all, Rows rows) =>
        new(new RowSlice(all, rows.Start, rows.Count), batch.Normals.narrow(0, rows.Start, rows.Count), tensors);

    /// <summary>
    /// |r| at the given points (the Euclidean norm over residual equations). Under data-parallel training each rank
    /// evaluates its share of the points and every rank receives all values.
    /// </summary>
    public double[] ResidualMagnitude(double[,] points)
    {
        var ranks = options.Communicator;
        var (first, share) = ranks.Share(CheckDimension(points));
        var mine = EvaluateInChunks(points, (int)first, (int)share, problem.Residuals, (context, count) =>
        {
            Tensor squares = zeros(count, options.DType, options.Device);
            foreach (var residual in problem.Residuals) squares = squares + context.Evaluate(residual).reshape(-1).Squared();
            return squares.sqrt();
        });
        return ranks.AllGatherShares(mine, points.GetLength(0));
    }

    /// <summary>An expression of the fields, their derivatives and the coordinates at the given points, in float64.</summary>
    public double[] Evaluate(double[,] points, Expr expression) => EvaluateInChunks(points, 0, CheckDimension(points), [expression],
        (context, count) => context.Evaluate(expression).expand(count, 1).reshape(-1));

    /// <summary>One value per point of rows [first, first + n) from the derivatives <paramref name="expressions"/> need, a chunk at a time.</summary>
    private double[] EvaluateInChunks(double[,] points, int first, int n, IReadOnlyList<Expr> expressions,
        Func<EvaluationContext, int, Tensor> values)
    {
        var result = new double[n];
        var requirements = EvaluationContext.Requirements(expressions);
        const int chunk = 4096;
        for (int start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, n - start);
            var x = Batch.ToTensor(points, first + start, count, options);
            var context = new EvaluationContext(engine.Evaluate(network, x, requirements), null, tensors);
            values(context, count).detach().to(ScalarType.Float64).cpu().data<double>().CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Network outputs [n, fields] at the given points, in float64.</summary>
    public double[,] Predict(double[,] points)
    {
        int n = CheckDimension(points), fields = problem.Fields.Count;
        var result = new double[n, fields];
        const int chunk = 65536;
        using var noGrad = no_grad();
        for (int start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, n - start);
            var x = Batch.ToTensor(points, start, count, options);
            var y = network.forward(x).to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i < count; i++)
                for (int f = 0; f < fields; f++) result[start + i, f] = y[i * fields + f];
        }
        return result;
    }

    private int CheckDimension(double[,] points)
    {
        int d = points.GetLength(1);
        if (d != problem.Geometry.Dimension) throw new ArgumentException($"Points have dimension {d}, the problem has {problem.Geometry.Dimension}.");
        return points.GetLength(0);
    }
}
