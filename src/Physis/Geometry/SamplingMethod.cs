namespace Physis.Geometry;

/// <summary>How a <see cref="PointSampler"/> fills the unit cube.</summary>
public enum SamplingMethod
{
    /// <summary>Independent uniform random points.</summary>
    Uniform,
    /// <summary>Latin hypercube: each of the count strata of every coordinate holds exactly one point.</summary>
    LatinHypercube,
    /// <summary>Sobol sequence (Joe-Kuo direction numbers) with a seeded random digital shift.</summary>
    Sobol,
    /// <summary>Halton sequence (radical inverses in the first primes) with a seeded random shift modulo 1.</summary>
    Halton,
    /// <summary>Hammersley set: first coordinate i/n, the others Halton radical inverses; a freshly shifted set per call.</summary>
    Hammersley,
}
