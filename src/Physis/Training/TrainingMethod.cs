using System.Text.Json.Serialization.Metadata;
using Physis.Infrastructure.Configuration;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// The settings of a training method (loss balancing, causal weighting, adaptive sampling): checked on their own, then
/// turned into the <see cref="ITrainingMethod"/> a trainer runs.
/// </summary>
public interface ITrainingMethodOptions
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    void Validate();
    /// <summary>The method for this trainer; throws an <see cref="ArgumentException"/> where it does not apply to its problem.</summary>
    ITrainingMethod Create(PinnTrainer trainer);
}

/// <summary>
/// A method that changes what a <see cref="PinnTrainer"/> minimises, or where: it hooks into the loop, owns its state
/// and its checkpoint entries, and adds its values to each <see cref="LossRecord"/>. Every hook does nothing by default.
/// </summary>
public interface ITrainingMethod
{
    /// <summary>Before an iteration of a phase whose objective may change (not during L-BFGS).</summary>
    void BeforeStep() { }
    /// <summary>Reweights one evaluation of the loss: its points' weights or its terms' coefficients.</summary>
    void Shape(LossEvaluation loss) { }
    /// <summary>Adds this method's values at the last evaluation to a loss record.</summary>
    void Record(IDictionary<string, double> values) { }
    /// <summary>After the optimizer took an iteration, before it is recorded.</summary>
    void AfterStep(TrainingPhase phase, LossRecord record) { }
    void OnPhaseStart(TrainingPhase phase) { }
    void OnPhaseEnd(TrainingPhase phase) { }
    /// <summary>
    /// The optimizer of a phase that keeps its objective fixed has converged: true when this method has moved the
    /// objective since the phase began, so the phase goes on with a fresh optimizer.
    /// </summary>
    bool ObjectiveMoved() => false;
    void Save(IDictionary<string, Tensor> tensors) { }
    void Load(IReadOnlyDictionary<string, Tensor> tensors) { }
}

/// <summary>
/// One evaluation of the loss at the training points: each term's residuals, the factor each enters the total with
/// (starting at the conditions' fixed weights), and the equations' residuals at the domain points.
/// </summary>
public sealed class LossEvaluation(TermResidual[] terms, double[] fixedCoefficients, Tensor domainPoints, IReadOnlyList<Tensor> residuals)
{
    public IReadOnlyList<TermResidual> Terms => terms;
    /// <summary>The conditions' own weights (1 for residual terms), before any method reweights them.</summary>
    public IReadOnlyList<double> FixedCoefficients => fixedCoefficients;
    /// <summary>The factor of each term in the total; methods may scale them.</summary>
    public double[] Coefficients { get; } = [.. fixedCoefficients];
    /// <summary>The domain (collocation) points, [n, d].</summary>
    public Tensor DomainPoints => domainPoints;
    /// <summary>Each residual equation at the domain points, [n]; the first terms of <see cref="Terms"/> hold them.</summary>
    public IReadOnlyList<Tensor> Residuals => residuals;

    /// <summary>The weighted total the optimizer minimises.</summary>
    public Tensor Total()
    {
        Tensor total = terms[0].Objective() * Coefficients[0];
        for (int i = 1; i < terms.Length; i++) total = total + terms[i].Objective() * Coefficients[i];
        return total;
    }
}

/// <summary>
/// How a training method is written in a run configuration and stored in settings.json. Each method has one binding,
/// found by reflection, so a new method is a folder of its own: options, the running method and this binding.
/// </summary>
public abstract class TrainingMethodBinding
{
    /// <summary>The YAML section the method's key sits in: "training" or "sampling".</summary>
    public abstract string Section { get; }
    /// <summary>The method's YAML key in its section, for example "causal".</summary>
    public abstract string Key { get; }
    /// <summary>Where the method stands among those a run uses: the trainer applies them in this order.</summary>
    public abstract int Order { get; }
    /// <summary>Each options type of the method with its name in settings.json ("method": NAME).</summary>
    public abstract IReadOnlyDictionary<Type, string> Types { get; }
    /// <summary>The options from the method's YAML node; errors name the file, line and setting (<see cref="ConfigNode.Error"/>).</summary>
    public abstract ITrainingMethodOptions Parse(ConfigNode node);

    /// <summary>Every binding in this assembly, in <see cref="Order"/>.</summary>
    public static IReadOnlyList<TrainingMethodBinding> All { get; } =
    [
        .. typeof(TrainingMethodBinding).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(TrainingMethodBinding)) && !t.IsAbstract)
            .Select(t => (TrainingMethodBinding)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Order),
    ];

    /// <summary>The binding of a method's options.</summary>
    public static TrainingMethodBinding Of(ITrainingMethodOptions options) =>
        All.FirstOrDefault(b => b.Types.ContainsKey(options.GetType()))
        ?? throw new ArgumentException($"{options.GetType().Name} has no TrainingMethodBinding, so it cannot be stored or configured.");

    /// <summary>A JSON contract modifier: <see cref="ITrainingMethodOptions"/> is stored with its method's name.</summary>
    public static void AddJsonTypes(JsonTypeInfo info)
    {
        if (info.Type != typeof(ITrainingMethodOptions)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "method" };
        foreach (var (type, name) in All.SelectMany(b => b.Types)) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, name));
    }
}
