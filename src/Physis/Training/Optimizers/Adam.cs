using System.Reflection;
using System.Text.Json.Serialization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>
/// A learning-rate schedule: the rate as a function of the epoch (0-based), for PINN Adam phases and operator training
/// alike. What an epoch is depends on the user: in a PINN <c>AdamPhase</c> or <c>MultiAdamPhase</c> every iteration is
/// one full-batch epoch, so the schedule advances every optimizer step; the operator trainer passes over its training
/// set in <c>BatchesPerEpoch</c> steps and holds the rate for the whole epoch (as PyTorch's StepLR and
/// CosineAnnealingLR stepped per epoch). <see cref="Adam"/> takes the iterations per epoch. In JSON (a run's
/// settings.json) the record is an object whose "kind" is constant, step, exponential or cosine.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Constant), "constant")]
[JsonDerivedType(typeof(Step), "step")]
[JsonDerivedType(typeof(Exponential), "exponential")]
[JsonDerivedType(typeof(Cosine), "cosine")]
[JsonDerivedType(typeof(Linear), "linear")]
public abstract record LearningRateSchedule(double LearningRate)
{
    private static readonly (Type Type, string Kind)[] Derived =
        [.. typeof(LearningRateSchedule).GetCustomAttributes<JsonDerivedTypeAttribute>(inherit: false)
            .Select(a => (a.DerivedType, (string)a.TypeDiscriminator!))];

    /// <summary>Every schedule's kind, as settings.json spells it (`physis train-operator --schedule` takes step, cosine and constant).</summary>
    public static IReadOnlyList<string> Kinds { get; } = [.. Derived.Select(d => d.Kind)];

    /// <summary>This schedule's kind (one of <see cref="Kinds"/>); stored as the "kind" of its JSON object.</summary>
    [JsonIgnore]
    public string Kind => Derived.First(d => d.Type == GetType()).Kind;

    /// <summary>The learning rate during epoch <paramref name="epoch"/> (0-based).</summary>
    public abstract double RateAt(int epoch);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting (by its property name) that is out of range.</summary>
    public virtual void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"LearningRate must be positive; got {LearningRate}.");
    }

    /// <summary>The same rate throughout.</summary>
    public sealed record Constant(double LearningRate) : LearningRateSchedule(LearningRate)
    {
        public override double RateAt(int epoch) => LearningRate;
    }

    /// <summary>LearningRate * StepFactor^floor(epoch / StepEvery): multiplied by the factor every StepEvery epochs (PyTorch's StepLR).</summary>
    public sealed record Step(double LearningRate, int StepEvery, double StepFactor) : LearningRateSchedule(LearningRate)
    {
        public override double RateAt(int epoch) => LearningRate * Math.Pow(StepFactor, epoch / StepEvery);

        public override void Validate()
        {
            base.Validate();
            if (StepEvery <= 0) throw new ArgumentException($"StepEvery must be positive; got {StepEvery}.");
            if (!(StepFactor > 0 && StepFactor <= 1)) throw new ArgumentException($"StepFactor must lie in (0, 1]; got {StepFactor}.");
        }
    }

    /// <summary>LearningRate * DecayFactor^(epoch / DecayEvery), decayed smoothly: the factor is reached after DecayEvery epochs.</summary>
    public sealed record Exponential(double LearningRate, int DecayEvery, double DecayFactor) : LearningRateSchedule(LearningRate)
    {
        public override double RateAt(int epoch) => LearningRate * Math.Pow(DecayFactor, epoch / (double)DecayEvery);

        public override void Validate()
        {
            base.Validate();
            if (DecayEvery <= 0) throw new ArgumentException($"DecayEvery must be positive; got {DecayEvery}.");
            if (!(DecayFactor > 0 && DecayFactor <= 1)) throw new ArgumentException($"DecayFactor must lie in (0, 1]; got {DecayFactor}.");
        }
    }

    /// <summary>
    /// Half a cosine from LearningRate at epoch 0 down to 0 at epoch <see cref="Period"/>, and 0 after it (PyTorch's
    /// CosineAnnealingLR with T_max = Period and eta_min = 0): LearningRate * (1 + cos(pi * min(epoch, Period) / Period)) / 2.
    /// </summary>
    public sealed record Cosine(double LearningRate, int Period) : LearningRateSchedule(LearningRate)
    {
        public override double RateAt(int epoch) => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, Period) / Period));

        public override void Validate()
        {
            base.Validate();
            if (Period <= 0) throw new ArgumentException($"The cosine schedule's Period must be positive; got {Period}.");
        }
    }

    /// <summary>
    /// A straight line from LearningRate at epoch 0 to 0 at epoch <see cref="Period"/>, and 0 after it (optax's
    /// linear_schedule, which the STDE benchmarks train with): LearningRate * (1 - min(epoch, Period) / Period).
    /// </summary>
    public sealed record Linear(double LearningRate, int Period) : LearningRateSchedule(LearningRate)
    {
        public override double RateAt(int epoch) => LearningRate * (1 - (double)Math.Min(epoch, Period) / Period);

        public override void Validate()
        {
            base.Validate();
            if (Period <= 0) throw new ArgumentException($"The linear schedule's Period must be positive; got {Period}.");
        }
    }
}

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction and a learning-rate schedule; with a decoupled weight decay it is
/// AdamW (Loshchilov and Hutter, 2019): every step first shrinks each parameter by rate * decay, apart from the gradient.
/// </summary>
public sealed class Adam : IPinnOptimizer
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly LearningRateSchedule schedule;
    private readonly int iterationsPerEpoch;
    private readonly double beta1, beta2, epsilon, decoupledWeightDecay;
    private readonly Tensor[] firstMoment, secondMoment;
    private int iteration;

    /// <param name="iterationsPerEpoch">
    /// Steps per epoch of the <paramref name="schedule"/>: 1 for full-batch training (a PINN phase), the batches per
    /// epoch for mini-batch training (the rate of step i is the schedule's at epoch i / iterationsPerEpoch).
    /// </param>
    /// <param name="decoupledWeightDecay">AdamW's decay: p -= rate * decay * p before the Adam update (PyTorch's AdamW weight_decay).</param>
    public Adam(IReadOnlyList<Parameter> parameters, LearningRateSchedule schedule, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        int iterationsPerEpoch = 1, double decoupledWeightDecay = 0)
    {
        schedule.Validate();
        if (iterationsPerEpoch <= 0) throw new ArgumentException($"Adam needs a positive number of iterations per epoch; got {iterationsPerEpoch}.");
        if (!(decoupledWeightDecay >= 0) || !double.IsFinite(decoupledWeightDecay))
            throw new ArgumentException($"The decoupled weight decay cannot be negative; got {decoupledWeightDecay}.");
        this.decoupledWeightDecay = decoupledWeightDecay;
        this.parameters = parameters;
        this.schedule = schedule;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        firstMoment = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        secondMoment = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public string Name => "adam";
    public double LastLoss { get; private set; } = double.NaN;
    public int Evaluations => iteration;
    /// <summary>Multiplies the schedule's rate (lowered after a divergence); the caller saves and restores it with its own state.</summary>
    public double StepScale { get; set; } = 1;

    public bool Step(IObjective objective)
    {
        foreach (var p in parameters) p.grad?.zero_();
        LastLoss = objective.Evaluate();
        double rate = schedule.RateAt(iteration / iterationsPerEpoch) * StepScale;
        iteration++;
        double correction1 = 1 - Math.Pow(beta1, iteration);
        double correction2 = 1 - Math.Pow(beta2, iteration);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].grad;
            if (g is null) continue;
            if (decoupledWeightDecay > 0) parameters[i].mul_(1 - rate * decoupledWeightDecay);
            firstMoment[i].mul_(beta1).add_(g, alpha: 1 - beta1);
            secondMoment[i].mul_(beta2).addcmul_(g, g, value: 1 - beta2);
            var denominator = (secondMoment[i] / correction2).sqrt_().add_(epsilon);
            parameters[i].addcdiv_(firstMoment[i], denominator, value: -rate / correction1);
        }
        return true;
    }

    public Dictionary<string, Tensor> SaveState()
    {
        var state = new Dictionary<string, Tensor> { ["iteration"] = tensor((long)iteration) };
        if (StepScale != 1) state["step_scale"] = tensor(StepScale);
        for (int i = 0; i < parameters.Count; i++)
        {
            state[$"m{i}"] = firstMoment[i].clone();
            state[$"v{i}"] = secondMoment[i].clone();
        }
        return state;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        iteration = (int)state["iteration"].item<long>();
        StepScale = state.TryGetValue("step_scale", out var scale) ? scale.item<double>() : 1;
        for (int i = 0; i < parameters.Count; i++)
        {
            firstMoment[i].copy_(state[$"m{i}"]);
            secondMoment[i].copy_(state[$"v{i}"]);
        }
    }

    public void Dispose()
    {
        foreach (var t in firstMoment.Concat(secondMoment)) t.Dispose();
    }
}
