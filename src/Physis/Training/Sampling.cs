using Physis.Geometry;

namespace Physis.Training;

/// <summary>
/// How many points to draw, once at the start of training: collocation points in the domain, points on the
/// boundary (shared by all boundary conditions, each keeping those on its part) and on the initial slice.
/// </summary>
public sealed record Sampling(int Domain, int Boundary = 0, int Initial = 0, SamplingMethod Method = SamplingMethod.Hammersley)
{
    public void Validate()
    {
        if (Domain <= 0) throw new ArgumentException($"Sampling.Domain must be positive, got {Domain}.");
        if (Boundary < 0) throw new ArgumentException($"Sampling.Boundary cannot be negative, got {Boundary}.");
        if (Initial < 0) throw new ArgumentException($"Sampling.Initial cannot be negative, got {Initial}.");
    }
}
