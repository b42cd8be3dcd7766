using Physis.Geometry;

namespace Physis.Training.Adaptive;

/// <summary>
/// The running part of <see cref="AdaptiveSampling"/>: every <see cref="AdaptiveSampling.Every"/> iterations (outside
/// L-BFGS) it draws candidates, measures |residual| there and replaces the collocation points. Its state is the points
/// themselves, which the trainer's checkpoint holds.
/// </summary>
public sealed class AdaptiveResampling(AdaptiveSampling settings, PinnTrainer trainer) : ITrainingMethod
{
    public void BeforeStep()
    {
        if (trainer.Step > 0 && trainer.Step % settings.Every == 0) Resample();
    }

    /// <summary>Applies the adaptive sampling now; the draws are seeded by the run's seed and the iteration.</summary>
    public void Resample()
    {
        ulong state = ((ulong)(uint)trainer.Seed << 32) ^ (ulong)trainer.Step ^ 0x5EED_AD0Dul;
        ulong drawSeed = Xoshiro256.SplitMix64(ref state);
        var sampler = new PointSampler(SamplingMethod.Uniform, (int)(drawSeed & int.MaxValue));
        var candidates = trainer.Problem.Geometry.SampleInterior(settings.CandidateCount(trainer), sampler);
        var magnitude = settings.UsesResidual ? trainer.ResidualMagnitude(candidates) : [];
        var domain = settings.NewDomain(trainer.DomainPoints, candidates, magnitude, drawSeed);
        var replaced = trainer.Batch.WithDomain(domain);
        trainer.Batch.Dispose();
        trainer.Batch = replaced;
    }
}
