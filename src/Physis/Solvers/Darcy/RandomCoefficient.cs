namespace Physis.Solvers.Darcy;

/// <summary>Seeded random Darcy coefficients for tests and benchmarks.</summary>
public static class RandomCoefficient
{
    /// <summary>
    /// Two-valued field a = high where ψ ≥ 0 and low elsewhere, ψ a sum of a few cosines with random
    /// low wave numbers, phases and amplitudes: a cheap stand-in for the thresholded Gaussian random field
    /// of the FNO Darcy benchmark (a = 12 / 3).
    /// </summary>
    public static double[,] ThresholdedCosines(int n, int seed, int terms = 6, int maxWaveNumber = 4, double high = 12, double low = 3)
    {
        if (n < 3) throw new ArgumentException($"The grid needs at least 3 x 3 nodes; got {n}.", nameof(n));
        if (terms < 1 || maxWaveNumber < 1)
            throw new ArgumentException($"Need at least one term and wave number ≥ 1; got {terms} and {maxWaveNumber}.");
        if (!(high > 0 && low > 0)) throw new ArgumentException($"Both coefficient values must be positive; got {high} and {low}.");
        var random = new Random(seed);
        var kx = new int[terms];
        var ky = new int[terms];
        var phase = new double[terms];
        var amplitude = new double[terms];
        for (int t = 0; t < terms; t++)
        {
            kx[t] = random.Next(0, maxWaveNumber + 1);
            ky[t] = random.Next(0, maxWaveNumber + 1);
            phase[t] = 2 * Math.PI * random.NextDouble();
            amplitude[t] = random.NextDouble() * 2 - 1;
        }
        var a = new double[n, n];
        double h = 1.0 / (n - 1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double psi = 0;
                for (int t = 0; t < terms; t++)
                    psi += amplitude[t] * Math.Cos(Math.PI * (kx[t] * i * h + ky[t] * j * h) + phase[t]);
                a[i, j] = psi >= 0 ? high : low;
            }
        return a;
    }
}
