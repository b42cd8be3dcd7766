using Physis.Geometry;

namespace Physis.Training;

/// <summary>
/// How many points to draw, once at the start of training: collocation points in the domain, points on the
/// boundary (shared by all boundary conditions, each keeping those on its part), on the initial slice, and the point
/// pairs on opposite faces that every periodic condition compares (null: as many as boundary points when those are
/// set, else <see cref="DefaultPeriodicPairs"/>).
/// </summary>
public sealed record Sampling(int Domain, int Boundary = 0, int Initial = 0, SamplingMethod Method = SamplingMethod.Hammersley,
    int? Periodic = null)
{
    /// <summary>Pairs per periodic condition when neither <see cref="Periodic"/> nor <see cref="Boundary"/> is set.</summary>
    public const int DefaultPeriodicPairs = 100;

    /// <summary>The pairs each periodic condition compares.</summary>
    public int PeriodicPairs => Periodic ?? (Boundary > 0 ? Boundary : DefaultPeriodicPairs);

    public void Validate()
    {
        if (Domain <= 0) throw new ArgumentException($"Sampling.Domain must be positive, got {Domain}.");
        if (Boundary < 0) throw new ArgumentException($"Sampling.Boundary cannot be negative, got {Boundary}.");
        if (Initial < 0) throw new ArgumentException($"Sampling.Initial cannot be negative, got {Initial}.");
        if (Periodic < 0) throw new ArgumentException($"Sampling.Periodic cannot be negative, got {Periodic}.");
    }
}
