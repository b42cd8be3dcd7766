using static TorchSharp.torch;

namespace Physis.Training.Weighting;

/// <summary>
/// The running state of <see cref="LossBalancing"/>: one adaptive weight per loss term, re-estimated every
/// <see cref="LossBalancing.Every"/> iterations (outside L-BFGS) and multiplied into each term's coefficient.
/// </summary>
public sealed class LossWeighting(LossBalancing settings, PinnTrainer trainer) : ITrainingMethod
{
    private double[]? weights;

    /// <summary>The weights in effect, one per term (null before the first update).</summary>
    public IReadOnlyList<double>? Weights => weights;

    /// <summary>The loss.csv column of a term's weight.</summary>
    public static string Column(string term) => $"weight_{term}";

    public void BeforeStep()
    {
        if (trainer.Step % settings.Every == 0) Update();
    }

    /// <summary>Re-estimates the weights now (training does this every <see cref="LossBalancing.Every"/> iterations).</summary>
    public void Update()
    {
        using var scope = NewDisposeScope();
        var loss = trainer.EvaluateLoss();
        // Estimates use the fixed condition weights only, so they do not depend on the previous adaptive weights.
        var estimate = settings.Estimate(loss.Terms, [.. loss.FixedCoefficients], trainer.Problem.Residuals.Count, trainer.Trainable,
            trainer.Sums);
        weights = weights is null
            ? estimate
            : [.. weights.Select((w, i) => settings.Smoothing * w + (1 - settings.Smoothing) * estimate[i])];
    }

    public void Shape(LossEvaluation loss)
    {
        if (weights is null) return;
        for (int i = 0; i < weights.Length; i++) loss.Coefficients[i] *= weights[i];
    }

    public void Record(IDictionary<string, double> values)
    {
        if (weights is null) return;
        for (int i = 0; i < weights.Length; i++) values[Column(trainer.LossTermNames[i])] = weights[i];
    }

    public void Save(IDictionary<string, Tensor> tensors)
    {
        if (weights is not null) tensors["loss_weights"] = tensor(weights);
    }

    public void Load(IReadOnlyDictionary<string, Tensor> tensors) =>
        weights = tensors.TryGetValue("loss_weights", out var saved) ? saved.data<double>().ToArray() : null;
}
