namespace Physis.Solvers.RandomFields;

/// <summary>Standard normal draws from a seeded <see cref="Random"/> (the base library has no normal sampler).</summary>
public static class StandardNormal
{
    /// <summary>Two independent N(0, 1) values from two uniform draws (Box-Muller).</summary>
    public static (double First, double Second) Pair(Random random)
    {
        double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
        double angle = 2 * Math.PI * random.NextDouble();
        return (radius * Math.Cos(angle), radius * Math.Sin(angle));
    }
}
