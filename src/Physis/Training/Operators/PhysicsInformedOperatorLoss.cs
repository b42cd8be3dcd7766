using Physis.Differentiation;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training.Operators;

/// <summary>
/// The input function of an operator as a term of a PDE residual, for physics-informed DeepONets: for the antiderivative
/// G(u)' = u, write <c>f => f.Dx("u") - input.Term</c>. Its values at the collocation points are set for each batch.
/// </summary>
public sealed class OperatorInput
{
    private Tensor? values;

    public OperatorInput(string name = "input")
    {
        Term = new Custom(name, _ => values
            ?? throw new InvalidOperationException($"The operator input '{name}' is read outside a physics-informed loss evaluation."), []);
    }

    public Expr Term { get; }

    internal void Set(Tensor? columnValues) => values = columnValues;
}

/// <summary>
/// Physics-informed DeepONet loss (Wang, Wang and Perdikaris, 2021): the residuals and conditions of a <see cref="PdeProblem"/>
/// whose solution field is the operator output G(u)(y), evaluated by the PINN machinery (<see cref="IDifferentiationEngine"/>,
/// <see cref="EvaluationContext"/>) for every function of a batch at the data's grid points, where the input function is known.
/// Conditions are enforced at the grid points that lie on the problem's boundary (and satisfy the condition's Where).
/// Boundary and point-data conditions are supported; each term is a mean square, added with the condition's weight.
/// </summary>
public sealed class PhysicsInformedOperatorLoss
{
    private readonly PdeProblem problem;
    private readonly OperatorInput input;
    private readonly IDifferentiationEngine engine;
    private readonly IReadOnlyCollection<DerivativeRequest> residualNeeds;

    public PhysicsInformedOperatorLoss(PdeProblem problem, OperatorInput input, IDifferentiationEngine? engine = null)
    {
        if (problem.Fields.Count != 1)
            throw new ArgumentException($"A physics-informed operator loss needs a single output field; the problem has {problem.Fields.Count}.");
        if (problem.Conditions.Any(c => c.Region is not (ConditionRegion.Boundary or ConditionRegion.Observations)))
            throw new ArgumentException("Physics-informed operator losses support boundary and point-data conditions only.");
        this.problem = problem;
        this.input = input;
        this.engine = engine ?? new AutogradEngine();
        residualNeeds = EvaluationContext.Requirements(problem.Residuals);
    }

    /// <summary>
    /// Mean-square residuals plus weighted condition terms for functions [B, P] given at the grid <paramref name="points"/> [P, d]
    /// (the same points are the DeepONet's sensors and the collocation points).
    /// </summary>
    public Tensor Evaluate(OperatorModel model, Tensor functions, Tensor points, IReadOnlyList<double[]> grid)
    {
        if (model.DeepOnet is null) throw new ArgumentException("Physics-informed operator losses apply to DeepONets.");
        long batch = functions.shape[0], count = points.shape[0];
        var rows = functions.repeat_interleave(count, 0);                          // [B P, sensors]
        var at = points.repeat(batch, 1);                                          // [B P, d]
        using var network = new FixedFunctions(model, rows);
        input.Set(functions.reshape(-1, 1));
        try
        {
            var derivatives = engine.Evaluate(network, at, residualNeeds);
            var context = new EvaluationContext(derivatives, null, new Dictionary<TrainableParameter, Tensor>());
            Tensor total = problem.Residuals.Select(r => context.Evaluate(r).Squared().mean()).Aggregate((a, b) => a + b);
            for (int c = 0; c < problem.Conditions.Count; c++)
                total = total
                    + ConditionTerm(problem.Conditions[c], problem.ConditionOperators[c], model, functions, grid) * problem.Conditions[c].Weight;
            return total;
        }
        finally { input.Set(null); }
    }

    private Tensor ConditionTerm(Condition condition, Expr op, OperatorModel model, Tensor functions, IReadOnlyList<double[]> grid)
    {
        var selected = new List<double[]>();
        if (condition.ObservationPoints is { } observed)
            for (int i = 0; i < observed.GetLength(0); i++) selected.Add([.. Enumerable.Range(0, observed.GetLength(1)).Select(j => observed[i, j])]);
        else
            foreach (var p in GridPoints(grid))
                if (problem.Geometry.OnBoundary(p) && (condition.Where?.Invoke(p) ?? true)) selected.Add(p);
        if (selected.Count == 0) throw new ArgumentException($"No grid point lies where condition '{condition.Name}' applies.");
        double[] targets = condition.ObservationValues ?? [.. selected.Select(p => condition.Target?.Invoke(p) ?? 0.0)];
        long batch = functions.shape[0], count = selected.Count;
        var points = tensor(selected.SelectMany(p => p).Select(v => (float)v).ToArray(), [count, selected[0].Length], device: functions.device);
        using var network = new FixedFunctions(model, functions.repeat_interleave(count, 0));
        var derivatives = engine.Evaluate(network, points.repeat(batch, 1), EvaluationContext.Requirements([op]));
        var values = new EvaluationContext(derivatives, null, new Dictionary<TrainableParameter, Tensor>()).Evaluate(op);
        var target = tensor(targets.Select(v => (float)v).ToArray(), device: functions.device).repeat(batch).unsqueeze(1);
        return (values - target).Squared().mean();
    }

    private static IEnumerable<double[]> GridPoints(IReadOnlyList<double[]> grid) => grid.Count == 1
        ? grid[0].Select(x => new[] { x })
        : grid[0].SelectMany(x => grid[1].Select(y => new[] { x, y }));

    /// <summary>The DeepONet with its branch input fixed per row, as the point-to-value network the PINN engine differentiates.</summary>
    private sealed class FixedFunctions(OperatorModel model, Tensor functions) : nn.Module<Tensor, Tensor>(nameof(FixedFunctions))
    {
        public override Tensor forward(Tensor points) => model.ForwardPointwise(functions, points).unsqueeze(1);
    }
}

/// <summary>Equations the CLI can train a physics-informed DeepONet with (`--physics NAME`).</summary>
public static class OperatorPhysics
{
    public static IReadOnlyList<string> Names => ["antiderivative"];

    /// <summary>G(u)' = u on [0, 1] with G(u)(0) = 0: the antiderivative operator.</summary>
    public static PhysicsInformedOperatorLoss Antiderivative()
    {
        var input = new OperatorInput("u");
        var problem = new PdeProblem(new Geometry.Interval(0, 1), f => f.Dx("u") - input.Term,
            [Condition.Dirichlet("u", where: x => x[0] == 0)], fields: ["u"]);
        return new PhysicsInformedOperatorLoss(problem, input);
    }

    public static PhysicsInformedOperatorLoss Create(string name) => name switch
    {
        "antiderivative" => Antiderivative(),
        _ => throw new ArgumentException($"Unknown operator physics '{name}'. Known: {string.Join(", ", Names)}."),
    };
}
